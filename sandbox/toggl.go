package sandbox

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// TogglOptions configures the Toggl fake. The zero value is usable.
type TogglOptions struct {
	// Token is the API token accepted with HTTP Basic (password "api_token");
	// default "sandbox-toggl-token".
	Token string
	// WorkspaceID is the only workspace the fake serves (default 1001).
	WorkspaceID int64
	// MaxPageSize caps Reports API pages whatever page_size asks (default 50,
	// Toggl's default; the real maximum is undocumented).
	MaxPageSize int
	// HourlyQuota is the workspace requests allowed per hour; 0 means
	// unlimited (quota headers still report a large remaining).
	HourlyQuota int
	// BucketPerSec is the leaky bucket (Toggl: about 1 request/s): faster
	// callers get 429. 0 turns the bucket off (benchmarks).
	BucketPerSec float64
	// BucketBurst is the bucket's burst (default 2).
	BucketBurst int
	// Now is the fake's clock for "at" times, quota windows and the bucket
	// (default time.Now).
	Now func() time.Time
	// Seed seeds the generator and EditRandom/DeleteRandom (default 1).
	Seed uint64
	// OwnerRoundingMinutes and OwnerRounding are the token owner's rounding
	// preferences. The Reports API rounds every duration by them unless the
	// request sets rounding_minutes itself (engineering.toggl.com/docs/
	// reports/detailed_reports: "default from user preferences").
	// OwnerRounding is -1 down, 0 nearest, 1 up; minutes 0 means no rounding.
	OwnerRoundingMinutes int
	OwnerRounding        int
	// MaxRangeDays, when positive, narrows a search whose date range spans
	// more days: the fake answers for the first MaxRangeDays days and says
	// so in X-Range-Start / X-Range-End, as Reports v3 answers with the
	// range it used. The caller must search the rest itself.
	MaxRangeDays int
	// OmitQuotaHeaders sends a spent-quota 402 without the X-Toggl-Quota-*
	// headers, so only GET /api/v9/me/quota can tell it from a missing
	// feature (Toggl does not promise the headers on every 402).
	OmitQuotaHeaders bool
}

// TogglFault is an injected misbehaviour: the next Times matching requests
// get it instead of a normal answer.
type TogglFault struct {
	Path       string        // substring of the request path; empty matches every request
	Method     string        // empty matches every method
	Status     int           // answer this status (500, 503, 429, 402…)
	RetryAfter string        // Retry-After header to send with the status
	Delay      time.Duration // answer (normally, or with Status) only after this long
	Drop       bool          // close the connection without an answer
	// NoQuotaHeaders leaves out the quota headers: a 402 without them is
	// Toggl's "the workspace lacks this feature".
	NoQuotaHeaders bool
	Times          int // requests it hits (default 1)
}

// TogglWrite is a write the fake received (PUT, bulk PATCH, tag POST).
type TogglWrite struct {
	Method    string
	EntryIDs  []int64
	Tags      []string
	TagAction string
	ProjectID int64
	Billable  *bool // the billable flag the write set; nil when it did not
	Body      string
	Status    int
	Failed    []int64 // bulk PATCH ids reported as failures
}

// Toggl is a protocol-faithful fake of Toggl Track's API v9 and Reports API
// v3 for one workspace. All methods are safe for concurrent use.
type Toggl struct {
	opts TogglOptions
	srv  *httptest.Server
	base string
	auth string

	mu          sync.Mutex
	rng         *rand.Rand
	users       []TogglUser
	userIdx     map[int64]int32
	projects    []TogglProject
	clients     []TogglClient
	tags        map[string]int64
	tagNames    map[int64]string
	entries     []togglEntry
	entryIdx    map[int64]int32
	nextID      int64
	lastAt      int64
	version     int64
	sorted      map[string]togglSorted
	faults      []TogglFault
	failPatch   map[int64]string
	writes      []TogglWrite
	requests    map[string]int
	total       int
	quotaUsed   int
	quotaWindow time.Time
	bucket      *rate.Limiter
}

// NewToggl starts the fake on a random port of 127.0.0.1.
func NewToggl(opts TogglOptions) (*Toggl, error) {
	if opts.Token == "" {
		opts.Token = "sandbox-toggl-token"
	}
	if opts.WorkspaceID == 0 {
		opts.WorkspaceID = 1001
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = 50
	}
	if opts.BucketBurst <= 0 {
		opts.BucketBurst = 2
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	t := &Toggl{
		opts:      opts,
		auth:      "Basic " + base64.StdEncoding.EncodeToString([]byte(opts.Token+":api_token")),
		rng:       rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), //nolint:gosec // G404: seeded on purpose: reproducible fake data and faults
		userIdx:   make(map[int64]int32),
		tags:      make(map[string]int64),
		tagNames:  make(map[int64]string),
		entryIdx:  make(map[int64]int32),
		nextID:    4_000_000_000,
		sorted:    make(map[string]togglSorted),
		failPatch: make(map[int64]string),
		requests:  make(map[string]int),
	}
	if opts.BucketPerSec > 0 {
		t.bucket = rate.NewLimiter(rate.Limit(opts.BucketPerSec), opts.BucketBurst)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	t.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: t, ReadHeaderTimeout: 10 * time.Second}}
	t.srv.Start()
	t.base = t.srv.URL + "/"
	return t, nil
}

// URL is the base to use as TOGGL_API_URL, ending with "/".
func (t *Toggl) URL() string { return t.base }

// Token is the API token the fake accepts.
func (t *Toggl) Token() string { return t.opts.Token }

// WorkspaceID is the fake workspace's id.
func (t *Toggl) WorkspaceID() int64 { return t.opts.WorkspaceID }

// Close stops the server.
func (t *Toggl) Close() { t.srv.Close() }

// Inject queues a fault for the next matching requests.
func (t *Toggl) Inject(f TogglFault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults = append(t.faults, f)
}

// FailPatch makes bulk PATCHes report these entry ids as failures (partial
// success) until ClearPatchFailures.
func (t *Toggl) FailPatch(message string, ids ...int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		t.failPatch[id] = message
	}
}

// ClearPatchFailures undoes FailPatch.
func (t *Toggl) ClearPatchFailures() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failPatch = make(map[int64]string)
}

// Requests returns how many requests reached a route: "search", "users",
// "workspace_users", "projects", "clients", "tags", "put", "patch", "quota";
// "" counts them all.
func (t *Toggl) Requests(route string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if route == "" {
		return t.total
	}
	return t.requests[route]
}

// ResetCounters zeroes the request counters.
func (t *Toggl) ResetCounters() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total = 0
	t.requests = make(map[string]int)
}

// Writes returns every write received, in order.
func (t *Toggl) Writes() []TogglWrite {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]TogglWrite(nil), t.writes...)
}

// ServeHTTP routes a request to the API it fakes.
func (t *Toggl) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, handler := t.route(r)
	t.mu.Lock()
	t.total++
	t.requests[route]++
	fault, faulted := t.takeFaultLocked(r)
	t.mu.Unlock()

	if faulted && fault.Delay > 0 {
		tm := time.NewTimer(fault.Delay)
		select {
		case <-r.Context().Done():
			tm.Stop()
			return
		case <-tm.C:
		}
	}
	if faulted && fault.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close() // a deliberately dropped connection
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if r.Header.Get("Authorization") != t.auth {
		togglError(w, http.StatusForbidden, "Incorrect username and/or password")
		return
	}
	if faulted && fault.Status != 0 {
		if !fault.NoQuotaHeaders {
			t.mu.Lock()
			t.quotaHeadersLocked(w)
			t.mu.Unlock()
		}
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		togglError(w, fault.Status, http.StatusText(fault.Status))
		return
	}
	if handler == nil {
		togglError(w, http.StatusNotFound, "not found")
		return
	}
	t.mu.Lock()
	if t.bucket != nil && !t.bucket.AllowN(t.opts.Now(), 1) {
		t.mu.Unlock()
		togglError(w, http.StatusTooManyRequests, "Too many requests")
		return
	}
	if route != "quota" && !t.spendQuotaLocked(w) {
		if t.opts.OmitQuotaHeaders {
			w.Header().Del("X-Toggl-Quota-Remaining")
			w.Header().Del("X-Toggl-Quota-Resets-In")
		}
		t.mu.Unlock()
		togglError(w, http.StatusPaymentRequired, "You have hit your hourly limit for API calls.")
		return
	}
	t.mu.Unlock()
	handler(w, r)
}

// takeFaultLocked returns the first queued fault matching r, consuming one use.
func (t *Toggl) takeFaultLocked(r *http.Request) (TogglFault, bool) {
	for i := range t.faults {
		f := &t.faults[i]
		if f.Path != "" && !strings.Contains(r.URL.Path, f.Path) || f.Method != "" && f.Method != r.Method {
			continue
		}
		out := *f
		f.Times--
		if f.Times <= 0 {
			t.faults = append(t.faults[:i], t.faults[i+1:]...)
		}
		return out, true
	}
	return TogglFault{}, false
}

// spendQuotaLocked counts one request against the hourly quota and writes
// the quota headers; false means the quota is exhausted (402).
func (t *Toggl) spendQuotaLocked(w http.ResponseWriter) bool {
	now := t.opts.Now()
	if t.quotaWindow.IsZero() || !now.Before(t.quotaWindow.Add(time.Hour)) {
		t.quotaWindow, t.quotaUsed = now, 0
	}
	ok := t.opts.HourlyQuota == 0 || t.quotaUsed < t.opts.HourlyQuota
	if ok {
		t.quotaUsed++
	}
	t.quotaHeadersLocked(w)
	return ok
}

func (t *Toggl) quotaHeadersLocked(w http.ResponseWriter) {
	remaining := 1_000_000
	if t.opts.HourlyQuota > 0 {
		remaining = max(t.opts.HourlyQuota-t.quotaUsed, 0)
	}
	resets := 3600
	if !t.quotaWindow.IsZero() {
		resets = max(int(t.quotaWindow.Add(time.Hour).Sub(t.opts.Now()).Seconds()), 0)
	}
	w.Header().Set("X-Toggl-Quota-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-Toggl-Quota-Resets-In", strconv.Itoa(resets))
}

func togglError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%q\n", msg)
}

// route maps a request to its counter name and handler.
func (t *Toggl) route(r *http.Request) (string, http.HandlerFunc) {
	p := r.URL.Path
	ws := fmt.Sprintf("/api/v9/workspaces/%d/", t.opts.WorkspaceID)
	switch {
	case p == fmt.Sprintf("/reports/api/v3/workspace/%d/search/time_entries", t.opts.WorkspaceID):
		return "search", togglMethod("POST", t.serveSearch)
	case p == "/api/v9/me/quota":
		return "quota", togglMethod("GET", t.serveQuota)
	case p == ws+"users":
		return "users", togglMethod("GET", t.serveUsers)
	case p == ws+"workspace_users":
		return "workspace_users", togglMethod("GET", t.serveWorkspaceUsers)
	case p == ws+"projects":
		return "projects", togglMethod("GET", t.serveProjects)
	case p == ws+"clients":
		return "clients", togglMethod("GET", t.serveClients)
	case p == ws+"tags":
		return "tags", t.serveTags
	case strings.HasPrefix(p, ws+"time_entries/"):
		if r.Method == http.MethodPatch {
			return "patch", t.servePatch
		}
		return "put", togglMethod("PUT", t.servePut)
	case strings.HasPrefix(p, "/api/v9/workspaces/") || strings.HasPrefix(p, "/reports/api/v3/workspace/"):
		return "other", func(w http.ResponseWriter, _ *http.Request) {
			togglError(w, http.StatusForbidden, "Workspace not found/accessible")
		}
	}
	return "other", nil
}

func togglMethod(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			togglError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		h(w, r)
	}
}
