// Package toggl is tally's client for the Toggl Track API v9 and Reports API
// v3: workspace-wide entry search, users, projects and clients, and the
// writes that mirror confirmations back as tags. Every request carries a
// context and a timeout, is paced below Toggl's leaky bucket, reads the
// hourly quota headers, and retries what Toggl says is transient. Vendor
// rules and their sources are listed in docs/vendors.md.
package toggl

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/tallyhq/tally/clock"
)

// Options configures a Client. Zero values pick the documented defaults.
type Options struct {
	// BaseURL is TOGGL_API_URL, e.g. https://api.track.toggl.com/; the
	// client appends api/v9/... and reports/api/v3/....
	BaseURL     string
	Token       string
	WorkspaceID int64
	// RequestsPerSec paces every request (TOGGL_REQUESTS_PER_SECOND). Zero
	// or negative turns pacing off (benchmarks against the sandbox).
	RequestsPerSec float64
	// Timeout bounds each attempt (default 30 s).
	Timeout time.Duration
	// MaxQuotaWait is the longest the client waits for the hourly quota to
	// reset before giving up with a *QuotaError (default 60 s).
	MaxQuotaWait time.Duration
	// MaxAttempts bounds the attempts of one call on 429, 5xx and network
	// errors (default 8).
	MaxAttempts int
	// BackoffInitial is the first retry delay after a 5xx or a network
	// error (default 1 s); it grows exponentially with jitter up to
	// BackoffMax (default 60 s).
	BackoffInitial time.Duration
	BackoffMax     time.Duration
	// RateLimitBackoff is the first wait after a 429 that carries no
	// Retry-After (default 5 s), growing exponentially up to BackoffMax. Toggl's leaky
	// bucket asks callers to pause and back off exponentially, so the
	// ordinary 1 s start is too eager (support.toggl.com/en/articles/11484112).
	RateLimitBackoff time.Duration
	HTTPClient       *http.Client
	Logger           *zap.Logger
	// Sleep waits for d or until ctx ends (default clock.Sleep); tests
	// inject one that records the waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client talks to one Toggl workspace. It is safe for concurrent use.
type Client struct {
	base    string
	auth    string
	wid     int64
	opts    Options
	http    *http.Client
	limiter *rate.Limiter
	log     *zap.Logger

	requests       atomic.Int64
	quotaUsed      atomic.Int64
	quotaRemaining atomic.Int64 // -1 until Toggl reports it
	quotaResetsIn  atomic.Int64 // seconds, as last reported
}

// NewClient builds a client from opts.
func NewClient(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("toggl: base URL is required")
	}
	if opts.Token == "" {
		return nil, errors.New("toggl: API token is required")
	}
	if opts.WorkspaceID <= 0 {
		return nil, errors.New("toggl: workspace id is required")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxQuotaWait <= 0 {
		opts.MaxQuotaWait = 60 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.BackoffInitial <= 0 {
		opts.BackoffInitial = time.Second
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 60 * time.Second
	}
	if opts.RateLimitBackoff <= 0 {
		opts.RateLimitBackoff = 5 * time.Second
	}
	if opts.Sleep == nil {
		opts.Sleep = clock.Sleep
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	lim := rate.NewLimiter(rate.Inf, 1)
	if opts.RequestsPerSec > 0 {
		lim = rate.NewLimiter(rate.Limit(opts.RequestsPerSec), 1)
	}
	base := opts.BaseURL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	c := &Client{
		base: base, wid: opts.WorkspaceID, opts: opts, http: hc, limiter: lim,
		log:  log.Named("toggl"),
		auth: "Basic " + basicAuth(opts.Token, "api_token"),
	}
	c.quotaRemaining.Store(-1)
	return c, nil
}

// WorkspaceID returns the workspace the client works on.
func (c *Client) WorkspaceID() int64 { return c.wid }

// Stats is what the client has spent so far.
type Stats struct {
	Requests       int64 // HTTP requests sent, retries included
	QuotaUsed      int64 // requests Toggl counted against the hourly quota
	QuotaRemaining int64 // as last reported; -1 when unknown
	QuotaResetsIn  time.Duration
}

// Stats returns the request and quota counters.
func (c *Client) Stats() Stats {
	return Stats{
		Requests:       c.requests.Load(),
		QuotaUsed:      c.quotaUsed.Load(),
		QuotaRemaining: c.quotaRemaining.Load(),
		QuotaResetsIn:  time.Duration(c.quotaResetsIn.Load()) * time.Second,
	}
}

// response is a successful answer: its body and headers.
type response struct {
	body   []byte
	header http.Header
}

// do sends one logical request, retrying 429, 5xx, timeouts and dropped
// connections with jittered exponential backoff (a longer one for 429),
// waiting for a short quota reset, and turning everything else into a typed
// error.
func (c *Client) do(ctx context.Context, method, path string, in any) (response, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return response{}, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = b
	}
	bo := newBackoff(c.opts.BackoffInitial, c.opts.BackoffMax)
	limited := newBackoff(c.opts.RateLimitBackoff, c.opts.BackoffMax)
	var lastErr error
	for attempt := 1; attempt <= c.opts.MaxAttempts; attempt++ {
		if err := c.limiter.Wait(ctx); err != nil {
			return response{}, fmt.Errorf("%s %s: %w", method, path, err)
		}
		resp, wait, err := c.attempt(ctx, method, path, body)
		if err == nil {
			return resp, nil
		}
		var pay *paymentRequired
		if errors.As(err, &pay) {
			wait, err = c.classify402(ctx, pay)
		}
		var perm *permanent
		if errors.As(err, &perm) {
			return response{}, perm.err
		}
		lastErr = err
		if ctx.Err() != nil {
			return response{}, fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		}
		if attempt == c.opts.MaxAttempts {
			break
		}
		if wait <= 0 {
			var se *StatusError
			if errors.As(err, &se) && se.Status == http.StatusTooManyRequests {
				wait = limited.NextBackOff()
			} else {
				wait = bo.NextBackOff()
			}
		}
		c.log.Debug("retry", zap.String("method", method), zap.String("path", path),
			zap.Int("attempt", attempt), zap.Duration("wait", wait), zap.Error(err))
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return response{}, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return response{}, fmt.Errorf("%s %s: gave up after %d attempts: %w", method, path, c.opts.MaxAttempts, lastErr)
}

// newBackoff is a jittered exponential backoff from initial up to max.
func newBackoff(initial, maxWait time.Duration) *backoff.ExponentialBackOff {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = initial
	bo.MaxInterval = maxWait
	bo.RandomizationFactor = 0.5
	bo.Reset()
	return bo
}

// permanent wraps an error that must not be retried.
type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }

// attempt sends the request once. It returns a retryable error (with an
// optional server-requested wait), a *paymentRequired, or a *permanent one.
func (c *Client) attempt(ctx context.Context, method, path string, body []byte) (response, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, c.base+path, rd)
	if err != nil {
		return response{}, 0, &permanent{fmt.Errorf("build %s %s: %w", method, path, err)}
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.requests.Add(1)
	res, err := c.http.Do(req)
	if err != nil {
		// Timeouts and dropped connections: transient. Never echo the
		// request (it carries the token in a header, not the URL, but keep
		// the message short anyway).
		return response{}, 0, fmt.Errorf("%s %s: %w", method, path, scrub(err))
	}
	data, rerr := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	_ = res.Body.Close() // fully read (or failed); a close error changes nothing
	quota := c.readQuota(res.Header)
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		if rerr != nil {
			return response{}, 0, fmt.Errorf("%s %s: read body: %w", method, path, rerr)
		}
		c.quotaUsed.Add(1)
		return response{body: data, header: res.Header}, 0, nil
	case res.StatusCode == http.StatusTooManyRequests:
		// The leaky bucket: no Retry-After is documented; honour one if
		// sent, otherwise do() backs off from RateLimitBackoff.
		return response{}, retryAfter(res.Header), &StatusError{Status: res.StatusCode, Message: snippet(data)}
	case res.StatusCode == http.StatusPaymentRequired:
		// 402 is a spent quota or a missing feature. The quota headers tell
		// them apart when present (engineering.toggl.com/docs, "API
		// limits"); without them only /me/quota can.
		switch {
		case quota.present && quota.remaining <= 0:
			w, err := c.quotaWait(&QuotaError{ResetsIn: quota.resetsIn})
			return response{}, w, err
		case quota.present:
			c.quotaUsed.Add(1)
			return response{}, 0, &permanent{&FeatureError{Path: path, Message: snippet(data)}}
		}
		return response{}, 0, &paymentRequired{path: path, message: snippet(data)}
	case res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized:
		return response{}, 0, &permanent{&AuthError{Status: res.StatusCode}}
	case res.StatusCode == http.StatusGone:
		return response{}, 0, &permanent{&GoneError{Path: path}}
	case res.StatusCode >= 500:
		return response{}, 0, &StatusError{Status: res.StatusCode, Message: snippet(data)}
	default:
		c.quotaUsed.Add(1)
		return response{}, 0, &permanent{&StatusError{Status: res.StatusCode, Message: snippet(data)}}
	}
}

type quotaHeaders struct {
	present   bool
	remaining int64
	resetsIn  time.Duration
}

// readQuota records X-Toggl-Quota-Remaining / X-Toggl-Quota-Resets-In.
func (c *Client) readQuota(h http.Header) quotaHeaders {
	var q quotaHeaders
	if v := h.Get("X-Toggl-Quota-Remaining"); v != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			q.present, q.remaining = true, n
			c.quotaRemaining.Store(n)
		}
	}
	if v := h.Get("X-Toggl-Quota-Resets-In"); v != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			q.resetsIn = time.Duration(n) * time.Second
			c.quotaResetsIn.Store(n)
		}
	}
	return q
}

// retryAfter reads Retry-After in seconds (Toggl does not document it; honour
// it when present). Zero means "use the backoff".
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		// A little jitter so many clients don't return in lockstep.
		return time.Duration(n)*time.Second + time.Duration(rand.Int64N(int64(250*time.Millisecond))) //nolint:gosec // G404: backoff jitter, not a secret
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// scrub drops the URL from net/http's *url.Error: it holds no secret today,
// but error text ends up in sync_runs and logs, so keep it to the cause.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}
