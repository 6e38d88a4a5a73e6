package toggl

import (
	"errors"
	"fmt"
	"time"
)

// QuotaError means the hourly quota is spent: a 402 whose X-Toggl-Quota-*
// headers, or failing those GET /api/v9/me/quota, say nothing remains. The
// client waits for resets shorter than Options.MaxQuotaWait and returns this
// error otherwise, so the caller can stop and resume next time. It is never
// permanent: work is delayed by a quota, not given up.
type QuotaError struct {
	// ResetsIn is when the quota resets; zero when unknown.
	ResetsIn time.Duration
	// Cause is set when a bare 402 could not be classified because the
	// quota check itself failed; the 402 is then treated as a quota.
	Cause error
}

func (e *QuotaError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("toggl answered 402 and the quota check failed (treated as quota exhausted): %v", e.Cause)
	}
	return fmt.Sprintf("toggl hourly quota exhausted; resets in %s", e.ResetsIn)
}

// Unwrap returns the quota check's failure, if any.
func (e *QuotaError) Unwrap() error { return e.Cause }

// FeatureError is a 402 that is not about the quota (its quota headers, or
// GET /api/v9/me/quota, show requests remaining): the workspace's plan lacks
// the feature (e.g. the Reports API). Retrying cannot help.
type FeatureError struct {
	Path    string
	Message string
}

func (e *FeatureError) Error() string {
	return fmt.Sprintf("toggl workspace plan lacks the feature behind %s (402 %s): check the workspace plan and TOGGL_WORKSPACE_ID", e.Path, e.Message)
}

// AuthError is a 403 (or 401): the token is wrong or may not see the workspace.
type AuthError struct {
	Status int
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("toggl refused the API token (%d): check TOGGL_API_TOKEN and that its user is an admin of TOGGL_WORKSPACE_ID", e.Status)
}

// GoneError is a 410: Toggl retired the endpoint; stop calling it.
type GoneError struct {
	Path string
}

func (e *GoneError) Error() string {
	return fmt.Sprintf("toggl endpoint %s is gone (410)", e.Path)
}

// StatusError is any other non-2xx answer.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("toggl answered %d: %s", e.Status, e.Message)
}

// Permanent reports whether retrying err later cannot succeed: a 4xx other
// than 429, an auth, feature or gone error. Quota errors are not permanent.
func Permanent(err error) bool {
	var fe *FeatureError
	var ae *AuthError
	var ge *GoneError
	var se *StatusError
	switch {
	case errors.As(err, &fe), errors.As(err, &ae), errors.As(err, &ge):
		return true
	case errors.As(err, &se):
		return se.Status >= 400 && se.Status < 500 && se.Status != 429
	}
	return false
}

// IsNotFound reports whether err is a 404 (e.g. the entry was deleted).
func IsNotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Status == 404
}

func asStatus(err error, se **StatusError) bool { return errors.As(err, se) }
