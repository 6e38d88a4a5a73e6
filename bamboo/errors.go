package bamboo

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cenkalti/backoff/v5"
)

// What BambooHR's status codes mean, as its Technical Overview documents
// them ("Standard HTTP Responses",
// https://documentation.bamboohr.com/docs/api-details). Every API error
// wraps one of these, so callers test with errors.Is.
var (
	// ErrBadRequest (400): the request is invalid and resubmitting it
	// will give the same error. The custom report answers 404 for a
	// request in a bad format; that is this error too, not ErrNotFound.
	ErrBadRequest = errors.New("bamboohr: bad request")
	// ErrUnauthorized (401): the API key is missing or not valid.
	ErrUnauthorized = errors.New("bamboohr: API key missing or invalid")
	// ErrForbidden (403): the API key's user lacks the privileges for
	// this call (an access level, a disabled user or feature).
	ErrForbidden = errors.New("bamboohr: forbidden for this API user")
	// ErrNotFound (404): the resource does not exist, e.g. an employee
	// that was deleted.
	ErrNotFound = errors.New("not found in BambooHR")
	// ErrRateLimited (429): too many requests; retried after Retry-After.
	ErrRateLimited = errors.New("bamboohr: rate limited")
	// ErrUnavailable (503): BambooHR is temporarily unavailable or
	// throttling (it answered 503 for rate limits until it moved them to
	// 429, https://documentation.bamboohr.com/docs/planned-changes-to-the-api);
	// retried after Retry-After, else with backoff.
	ErrUnavailable = errors.New("bamboohr: service unavailable")
	// ErrServer (500 and other 5xx): a BambooHR-side failure; retried.
	ErrServer = errors.New("bamboohr: server error")
)

// StatusError is a non-2xx answer. Its text carries BambooHR's
// X-BambooHR-Error-Message header or a snippet of the body, never the API
// key.
type StatusError struct {
	Code   int
	Detail string
	kind   error
}

// Error describes the answer with its documented meaning.
func (e *StatusError) Error() string {
	return fmt.Sprintf("%s (HTTP %d): %s", e.kind, e.Code, e.Detail)
}

// Unwrap returns the documented meaning (ErrBadRequest, ErrNotFound, …).
func (e *StatusError) Unwrap() error { return e.kind }

// statusError maps an answer to its documented meaning and to whether it is
// retried: 429, 503 and other 5xx are (honouring Retry-After); every other
// status is permanent. notFound overrides what a 404 means for this call.
func statusError(resp *http.Response, body []byte, notFound error) error {
	detail := strings.TrimSpace(resp.Header.Get("X-BambooHR-Error-Message"))
	if detail == "" {
		detail = snippet(body)
	}
	e := &StatusError{Code: resp.StatusCode, Detail: detail}
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound && notFound != nil:
		e.kind = notFound
	case code == http.StatusNotFound:
		e.kind = ErrNotFound
	case code == http.StatusUnauthorized:
		e.kind = ErrUnauthorized
	case code == http.StatusForbidden:
		e.kind = ErrForbidden
	case code == http.StatusTooManyRequests:
		e.kind = ErrRateLimited
	case code == http.StatusServiceUnavailable:
		e.kind = ErrUnavailable
	case code >= 500:
		e.kind = ErrServer
		return e
	default:
		e.kind = ErrBadRequest
	}
	if e.kind == ErrRateLimited || e.kind == ErrUnavailable {
		if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s >= 0 {
			return fmt.Errorf("%w; %w", e, backoff.RetryAfter(s))
		}
		return e
	}
	return backoff.Permanent(e)
}
