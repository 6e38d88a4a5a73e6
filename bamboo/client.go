package bamboo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.uber.org/zap"
)

// ClientOptions tune a Client. The zero value is production-ready.
type ClientOptions struct {
	HTTPClient *http.Client  // default: one with Timeout
	Timeout    time.Duration // per request; default 30s
	MaxTries   uint          // attempts per call; default 6
	// InitialBackoff is the first retry delay when BambooHR sends no
	// Retry-After; it doubles, with jitter, up to MaxBackoff.
	InitialBackoff time.Duration // default 500ms
	MaxBackoff     time.Duration // default 30s
	Logger         *zap.Logger
}

// Client is a BambooHR API client: HTTP Basic with the API key and "x",
// JSON only, a timeout on every request, 429 and 503 honoured (Retry-After,
// else exponential backoff with jitter) and other 5xx retried. Every call it
// makes is a read, so retrying is always safe.
type Client struct {
	base     *url.URL
	apiKey   string
	http     *http.Client
	opts     ClientOptions
	log      *zap.Logger
	requests atomic.Int64
}

// NewClient returns a client for baseURL (cfg.BambooAPIURL, ending in /,
// e.g. https://acme.bamboohr.com/api/v1/).
func NewClient(baseURL, apiKey string, opts ClientOptions) (*Client, error) {
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bamboohr api url %q is not an http(s) URL", baseURL)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: opts.Timeout}
	}
	if opts.MaxTries == 0 {
		opts.MaxTries = 6
	}
	if opts.InitialBackoff <= 0 {
		opts.InitialBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	return &Client{base: u, apiKey: apiKey, http: opts.HTTPClient, opts: opts, log: log.Named("bamboohr")}, nil
}

// Requests returns how many HTTP requests the client has sent, retries
// included.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Employee reads one employee's current values of the given field aliases
// (onlyCurrent left at its default, see CustomReport). A deleted or unknown
// employee gives ErrNotFound.
func (c *Client) Employee(ctx context.Context, id string, fields []string) (Record, error) {
	q := url.Values{"fields": {strings.Join(fields, ",")}}
	var r Record
	if err := c.do(ctx, http.MethodGet, "employees/"+url.PathEscape(id), q, nil, &r); err != nil {
		return nil, fmt.Errorf("get employee %s: %w", id, err)
	}
	return r, nil
}

// CustomReport reads every employee, active and inactive, with the given
// fields through POST reports/custom?format=json. It reads current values:
// onlyCurrent is left at BambooHR's default, because onlyCurrent=false
// returns future-dated values of history fields (a raise entered ahead
// would show up early); their dates come from the history tables instead.
func (c *Client) CustomReport(ctx context.Context, fields []string) ([]Record, error) {
	body := map[string]any{"title": "tally roster", "fields": fields}
	var resp struct {
		Employees []Record `json:"employees"`
	}
	q := url.Values{"format": {"json"}}
	if err := c.doCall(ctx, call{method: http.MethodPost, path: "reports/custom", query: q, body: body, notFound: ErrBadRequest}, &resp); err != nil {
		return nil, fmt.Errorf("custom report: %w", err)
	}
	return resp.Employees, nil
}

// ReportBatch is how many employee ids one filtered custom report asks
// for: a 5,000-employee delivery is read in 10 requests.
const ReportBatch = 500

// EmployeesByID reads the current values of the given fields of the given
// employees through the custom report filtered by employee id
// (POST reports/custom?format=json with "filters": {"employeeIds": [...]},
// Request a Custom Report: https://documentation.bamboohr.com/reference/request-custom-report-1),
// ReportBatch ids per request, each id once. An id BambooHR does not report
// (deleted, or not an employee id at all: BambooHR's ids are integers) is
// simply absent from the result.
func (c *Client) EmployeesByID(ctx context.Context, ids []string, fields []string) ([]Record, error) {
	var nums []int64
	seen := map[int64]bool{}
	for _, id := range ids {
		n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
		if err != nil || n <= 0 || seen[n] {
			continue
		}
		seen[n] = true
		nums = append(nums, n)
	}
	var out []Record
	for len(nums) > 0 {
		chunk := nums[:min(ReportBatch, len(nums))]
		nums = nums[len(chunk):]
		body := map[string]any{"title": "tally roster", "fields": fields, "filters": map[string]any{"employeeIds": chunk}}
		var resp struct {
			Employees []Record `json:"employees"`
		}
		q := url.Values{"format": {"json"}}
		if err := c.doCall(ctx, call{method: http.MethodPost, path: "reports/custom", query: q, body: body, notFound: ErrBadRequest}, &resp); err != nil {
			return nil, fmt.Errorf("custom report of %d employees: %w", len(chunk), err)
		}
		out = append(out, resp.Employees...)
	}
	return out, nil
}

// Directory reads the employee directory (active employees only).
func (c *Client) Directory(ctx context.Context) ([]Record, error) {
	var resp struct {
		Employees []Record `json:"employees"`
	}
	if err := c.do(ctx, http.MethodGet, "employees/directory", nil, nil, &resp); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return resp.Employees, nil
}

// ChangedEmployee is one entry of the changed-since list.
type ChangedEmployee struct {
	ID          string
	Action      string // Inserted, Updated or Deleted
	LastChanged time.Time
}

// ChangedSince lists the employees changed since a moment.
func (c *Client) ChangedSince(ctx context.Context, since time.Time) ([]ChangedEmployee, error) {
	var resp struct {
		Employees map[string]struct {
			ID          flexString `json:"id"`
			Action      string     `json:"action"`
			LastChanged string     `json:"lastChanged"`
		} `json:"employees"`
	}
	q := url.Values{"since": {since.UTC().Format(time.RFC3339)}}
	if err := c.do(ctx, http.MethodGet, "employees/changed", q, nil, &resp); err != nil {
		return nil, fmt.Errorf("changed since: %w", err)
	}
	out := make([]ChangedEmployee, 0, len(resp.Employees))
	for key, e := range resp.Employees {
		id := string(e.ID)
		if id == "" {
			id = key
		}
		t, _ := time.Parse(time.RFC3339, e.LastChanged)
		out = append(out, ChangedEmployee{ID: id, Action: e.Action, LastChanged: t})
	}
	return out, nil
}

// Table reads a table (e.g. compensation) of one employee, or of everyone
// with employeeID "all"; rows carry employeeId.
func (c *Client) Table(ctx context.Context, employeeID, table string) ([]Record, error) {
	var rows []Record
	p := "employees/" + url.PathEscape(employeeID) + "/tables/" + url.PathEscape(table)
	if err := c.do(ctx, http.MethodGet, p, nil, nil, &rows); err != nil {
		return nil, fmt.Errorf("table %s of %s: %w", table, employeeID, err)
	}
	return rows, nil
}

// TableField is one column of an employee table.
type TableField struct {
	ID    string
	Name  string
	Alias string
	Type  string // e.g. date, currency, text, list
}

// TableMeta is one employee table (compensation, jobInfo, a custom table)
// and its columns, in BambooHR's order.
type TableMeta struct {
	Alias  string
	Fields []TableField
}

// Tables lists the employee tables and their columns (GET meta/tables):
// a field whose history BambooHR keeps is a column of one of them.
func (c *Client) Tables(ctx context.Context) ([]TableMeta, error) {
	var resp []struct {
		Alias  string `json:"alias"`
		Fields []struct {
			ID    flexString `json:"id"`
			Name  string     `json:"name"`
			Alias string     `json:"alias"`
			Type  string     `json:"type"`
		} `json:"fields"`
	}
	if err := c.do(ctx, http.MethodGet, "meta/tables", nil, nil, &resp); err != nil {
		return nil, fmt.Errorf("table metadata: %w", err)
	}
	out := make([]TableMeta, 0, len(resp))
	for _, t := range resp {
		m := TableMeta{Alias: t.Alias, Fields: make([]TableField, 0, len(t.Fields))}
		for _, f := range t.Fields {
			m.Fields = append(m.Fields, TableField{ID: string(f.ID), Name: f.Name, Alias: f.Alias, Type: f.Type})
		}
		out = append(out, m)
	}
	return out, nil
}

// TimeOff is one entry of who's out: approved time off of an employee
// (Type "timeOff") or a company holiday (Type "holiday", no employee).
type TimeOff struct {
	ID         string
	Type       string
	EmployeeID string
	Name       string
	Start      time.Time // first day off
	End        time.Time // last day off, inclusive
}

// WhosOut lists approved time off and holidays between two dates, of
// everyone: BambooHR filters who's out by the API user's saved filters
// unless the request says filter=off ("Set to off to bypass saved filters
// for employee time off", Get a list of Who's Out:
// https://documentation.bamboohr.com/reference/get-a-list-of-whos-out-1),
// and a reminder must not go to someone on leave whom the API user's
// filter hides.
func (c *Client) WhosOut(ctx context.Context, start, end time.Time) ([]TimeOff, error) {
	var rows []struct {
		ID         flexString `json:"id"`
		Type       string     `json:"type"`
		EmployeeID flexString `json:"employeeId"`
		Name       string     `json:"name"`
		Start      string     `json:"start"`
		End        string     `json:"end"`
	}
	q := url.Values{"start": {start.Format(time.DateOnly)}, "end": {end.Format(time.DateOnly)}, "filter": {"off"}}
	if err := c.do(ctx, http.MethodGet, "time_off/whos_out", q, nil, &rows); err != nil {
		return nil, fmt.Errorf("whos out: %w", err)
	}
	out := make([]TimeOff, 0, len(rows))
	for _, r := range rows {
		t := TimeOff{ID: string(r.ID), Type: r.Type, EmployeeID: string(r.EmployeeID), Name: r.Name}
		t.Start, _ = ParseDate(r.Start)
		t.End, _ = ParseDate(r.End)
		out = append(out, t)
	}
	return out, nil
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	return c.doCall(ctx, call{method: method, path: path, query: q, body: body}, out)
}

// call is one API request; notFound, when set, is what a 404 from it means
// (default ErrNotFound).
type call struct {
	method   string
	path     string
	query    url.Values
	body     any
	notFound error
}

func (c *Client) doCall(ctx context.Context, k call, out any) error {
	u := c.base.JoinPath(k.path)
	if k.query != nil {
		u.RawQuery = k.query.Encode()
	}
	var payload []byte
	if k.body != nil {
		var err error
		if payload, err = json.Marshal(k.body); err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
	}
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval = c.opts.InitialBackoff
	eb.MaxInterval = c.opts.MaxBackoff
	eb.RandomizationFactor = 0.5
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		return struct{}{}, c.once(ctx, k, u.String(), payload, out)
	}, backoff.WithBackOff(eb), backoff.WithMaxTries(c.opts.MaxTries), backoff.WithMaxElapsedTime(5*time.Minute),
		backoff.WithNotify(func(err error, d time.Duration) {
			c.log.Debug("retrying bamboohr request", zap.String("path", k.path), zap.Duration("after", d), zap.Error(err))
		}))
	return err
}

// once sends one request; its error says whether to retry and when.
func (c *Client) once(ctx context.Context, k call, u string, payload []byte, out any) error {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u, rd)
	if err != nil {
		return backoff.Permanent(fmt.Errorf("build request: %w", err))
	}
	req.SetBasicAuth(c.apiKey, "x")
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.requests.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return backoff.Permanent(ctx.Err())
		}
		return fmt.Errorf("%s %s: %w", k.method, req.URL.Path, err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only body: a close error changes nothing
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode >= 300 {
		return statusError(resp, data, k.notFound)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return backoff.Permanent(fmt.Errorf("decode %s: %w", req.URL.Path, err))
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
