package bamboo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/sandbox"
)

// contract is one documented BambooHR call: what the client must send and
// the documented answer it must parse (testdata/README.md names the source).
type contract struct {
	name   string
	method string
	path   string     // under /api/v1/
	query  url.Values // exactly these parameters
	body   string     // JSON the request body must equal; "" for none
	file   string     // testdata answer
	call   func(ctx context.Context, c *bamboo.Client) (any, error)
	check  func(t *testing.T, got any)
}

func contracts() []contract {
	return []contract{
		{
			name: "get employee", method: "GET", path: "employees/123",
			query: url.Values{"fields": {"firstName,lastName,workEmail,hireDate,terminationDate"}}, file: "employee.json",
			call: func(ctx context.Context, c *bamboo.Client) (any, error) {
				return c.Employee(ctx, "123", []string{"firstName", "lastName", "workEmail", "hireDate", "terminationDate"})
			},
			check: func(t *testing.T, got any) {
				r := got.(bamboo.Record)
				if r.Get("id") != "123" || r.Get("workEmail") != "john.doe@example.com" || r.Get("hireDate") != "2020-01-15" {
					t.Errorf("employee = %v", r)
				}
				if _, ok := bamboo.ParseDate(r.Get("terminationDate")); ok {
					t.Errorf("0000-00-00 read as a termination date")
				}
			},
		},
		{
			name: "custom report", method: "POST", path: "reports/custom",
			query: url.Values{"format": {"json"}}, body: `{"fields":["firstName","workEmail"],"title":"tally roster"}`, file: "custom_report.json",
			call: func(ctx context.Context, c *bamboo.Client) (any, error) {
				return c.CustomReport(ctx, []string{"firstName", "workEmail"})
			},
			check: func(t *testing.T, got any) {
				rs := got.([]bamboo.Record)
				if len(rs) != 1 || rs[0].Get("id") != "123" || rs[0].Get("firstName") != "John" {
					t.Errorf("report = %v", rs)
				}
			},
		},
		{
			name: "custom report by employee ids", method: "POST", path: "reports/custom",
			query: url.Values{"format": {"json"}}, body: `{"fields":["firstName","workEmail"],"title":"tally roster","filters":{"employeeIds":[123]}}`, file: "custom_report.json",
			call: func(ctx context.Context, c *bamboo.Client) (any, error) {
				return c.EmployeesByID(ctx, []string{"123", "123", "not-an-id"}, []string{"firstName", "workEmail"})
			},
			check: func(t *testing.T, got any) {
				rs := got.([]bamboo.Record)
				if len(rs) != 1 || rs[0].Get("id") != "123" || rs[0].Get("workEmail") != "john.doe@example.com" {
					t.Errorf("report = %v", rs)
				}
			},
		},
		{
			name: "whos out", method: "GET", path: "time_off/whos_out",
			query: url.Values{"start": {"2026-03-09"}, "end": {"2026-03-15"}, "filter": {"off"}}, file: "whos_out.json",
			call: func(ctx context.Context, c *bamboo.Client) (any, error) {
				return c.WhosOut(ctx, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))
			},
			check: func(t *testing.T, got any) {
				out := got.([]bamboo.TimeOff)
				if len(out) != 2 || out[0].EmployeeID != "123" || out[0].Type != "timeOff" ||
					!out[0].End.Equal(time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC)) || out[1].Type != "holiday" || out[1].EmployeeID != "" {
					t.Errorf("whos out = %+v", out)
				}
			},
		},
		{
			name: "compensation table", method: "GET", path: "employees/123/tables/compensation",
			query: url.Values{}, file: "table_compensation.json",
			call: func(ctx context.Context, c *bamboo.Client) (any, error) {
				return c.Table(ctx, "123", "compensation")
			},
			check: func(t *testing.T, got any) {
				rs := got.([]bamboo.Record)
				if len(rs) != 2 || rs[1].Get("startDate") != "2099-04-01" || rs[1].Get("employeeId") != "123" {
					t.Fatalf("rows = %v", rs)
				}
				m, _, err := bamboo.ParseRate(rs[1]["rate"], "EUR")
				if err != nil || m.Minor != 15000 || m.Currency != "USD" {
					t.Errorf("future row rate = %v %v", m, err)
				}
			},
		},
		{
			name: "table metadata", method: "GET", path: "meta/tables", query: url.Values{}, file: "meta_tables.json",
			call: func(ctx context.Context, c *bamboo.Client) (any, error) { return c.Tables(ctx) },
			check: func(t *testing.T, got any) {
				ts := got.([]bamboo.TableMeta)
				if len(ts) != 1 || ts[0].Alias != "compensation" || len(ts[0].Fields) != 2 ||
					ts[0].Fields[0] != (bamboo.TableField{ID: "4021", Name: "Effective Date", Alias: "startDate", Type: "date"}) {
					t.Errorf("tables = %+v", ts)
				}
			},
		},
	}
}

// The client sends each call as BambooHR's reference shows it and parses
// the documented answer.
func TestClientMatchesDocumentedCalls(t *testing.T) {
	t.Parallel()
	for _, c := range contracts() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			answer := readTestdata(t, c.file)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				user, pass, ok := r.BasicAuth()
				body, _ := io.ReadAll(r.Body)
				switch {
				case !ok || user != "key" || pass != "x":
					t.Errorf("basic auth = %q/%q, want the API key and x", user, pass)
				case r.Method != c.method || r.URL.Path != "/api/v1/"+c.path:
					t.Errorf("request = %s %s, want %s /api/v1/%s", r.Method, r.URL.Path, c.method, c.path)
				case r.URL.Query().Encode() != c.query.Encode():
					t.Errorf("query = %q, want %q", r.URL.RawQuery, c.query.Encode())
				case !strings.Contains(r.Header.Get("Accept"), "application/json"):
					t.Errorf("Accept = %q: BambooHR answers XML unless asked for JSON", r.Header.Get("Accept"))
				case c.body != "" && !jsonEqual(body, []byte(c.body)):
					t.Errorf("body = %s, want %s", body, c.body)
				case c.body == "" && len(body) > 0:
					t.Errorf("unexpected body %s", body)
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(answer)
			}))
			defer srv.Close()
			client, err := bamboo.NewClient(srv.URL+"/api/v1/", "key", bamboo.ClientOptions{MaxTries: 1})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.call(context.Background(), client)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, got)
		})
	}
}

// The sandbox answers each call in the documented shape: every key of the
// documented example exists in its answer with the same JSON type.
func TestSandboxAnswersInDocumentedShape(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewBamboo(sandbox.BambooOptions{RateTable: "compensation", Now: func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	fake.AddEmployee(sandbox.BambooEmployee{ID: "123", FirstName: "John", LastName: "Doe", WorkEmail: "john.doe@example.com", HireDate: "2020-01-15"})
	_ = fake.SetRate("123", time.Date(2020, 1, 15, 0, 0, 0, 0, time.UTC), "125.00", "USD")
	fake.AddTimeOff("123", "John Doe", time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC))
	fake.AddTimeOff("", "Founders Day", time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC))
	for _, c := range contracts() {
		t.Run(c.name, func(t *testing.T) {
			u := fake.URL() + c.path
			if len(c.query) > 0 {
				u += "?" + c.query.Encode()
			}
			req, _ := http.NewRequest(c.method, u, bytes.NewReader([]byte(c.body)))
			req.SetBasicAuth(fake.APIKey(), "x")
			req.Header.Set("Accept", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = resp.Body.Close() }()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 {
				t.Fatalf("sandbox answered %d: %s", resp.StatusCode, got)
			}
			if missing := shapeDiff(t, readTestdata(t, c.file), got); len(missing) > 0 {
				t.Errorf("sandbox answer lacks or mistypes %v\nsandbox: %s", missing, got)
			}
		})
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name)) //nolint:gosec // G304: a fixed file under the package's testdata/
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// shapeDiff lists the key paths of want (arrays compared by their first
// element) that got lacks or holds with another JSON type; a null in want
// matches anything.
func shapeDiff(t *testing.T, want, got []byte) []string {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("testdata: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("sandbox answer is not JSON: %v", err)
	}
	var out []string
	var walk func(path string, w, g any)
	walk = func(path string, w, g any) {
		switch wv := w.(type) {
		case nil:
		case map[string]any:
			gv, ok := g.(map[string]any)
			if !ok {
				out = append(out, path+" (object)")
				return
			}
			for k, v := range wv {
				gk, ok := gv[k]
				if !ok {
					out = append(out, path+"."+k)
					continue
				}
				walk(path+"."+k, v, gk)
			}
		case []any:
			gv, ok := g.([]any)
			if !ok || (len(wv) > 0 && len(gv) == 0) {
				out = append(out, path+" (non-empty array)")
				return
			}
			if len(wv) > 0 {
				walk(path+"[0]", wv[0], gv[0])
			}
		default:
			if g != nil && jsonType(g) != jsonType(w) {
				out = append(out, path+" ("+jsonType(w)+")")
			}
		}
	}
	walk("$", w, g)
	sort.Strings(out)
	return out
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "other"
}

// The documented webhook deliveries, JSON and form post, parse to the same
// changes, are accepted when signed over their raw bytes, and the
// sandbox's sender posts the documented form layout.
func TestWebhookDeliveriesMatchDocumentedExamples(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, family := range []string{"webhook_event", "webhook_fields"} {
		jsonBody := readTestdata(t, family+".json")
		formBody := bytes.TrimSpace(readTestdata(t, family+".form"))
		fromJSON, err := bamboo.ParsePayload(jsonBody)
		if err != nil {
			t.Fatalf("%s.json: %v", family, err)
		}
		fromForm, err := bamboo.ParsePayload(formBody)
		if err != nil {
			t.Fatalf("%s.form: %v", family, err)
		}
		if !reflect.DeepEqual(fromJSON, fromForm) {
			t.Fatalf("%s: JSON parses to %+v, form to %+v", family, fromJSON, fromForm)
		}
		if fromJSON[0].EmployeeID == "" || len(fromJSON[0].ChangedFields) != 1 {
			t.Fatalf("%s: changes = %+v", family, fromJSON)
		}
		// The sandbox's form encoding of the JSON example is the same form.
		sandboxForm, err := sandbox.BambooFormBody(jsonBody)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := url.ParseQuery(string(formBody))
		got, _ := url.ParseQuery(string(sandboxForm))
		for k, v := range want {
			if family == "webhook_event" && k == "timestamp" {
				continue
			}
			if got.Get(k) != v[0] {
				t.Errorf("%s: sandbox form %s = %q, documented %q", family, k, got.Get(k), v[0])
			}
		}
		for _, body := range [][]byte{jsonBody, formBody} {
			ts := strconv.FormatInt(r.clock.Now().Unix(), 10)
			code, err := r.sender.SendRaw(context.Background(), body, map[string]string{
				bamboo.HeaderTimestamp: ts, bamboo.HeaderSignature: bamboo.Sign(testSecret, body, ts)})
			if err != nil || code != http.StatusOK {
				t.Fatalf("%s delivery %.30q: %d %v", family, body, code, err)
			}
		}
	}
}
