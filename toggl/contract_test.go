package toggl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/toggl"
)

// vendorExample is one call as Toggl documents it (testdata/*.json): the
// request tally must send and the response it must understand.
type vendorExample struct {
	Source          string            `json:"source"`
	Method          string            `json:"method"`
	Path            string            `json:"path"`
	Query           map[string]string `json:"query"`
	Request         json.RawMessage   `json:"request"`
	ResponseHeaders map[string]string `json:"response_headers"`
	Response        json.RawMessage   `json:"response"`
}

func loadExample(t *testing.T, name string) vendorExample {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name)) //nolint:gosec // G304: a fixed file under the package's testdata/
	if err != nil {
		t.Fatal(err)
	}
	var ex vendorExample
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if ex.Source == "" {
		t.Fatalf("%s: no source URL", name)
	}
	return ex
}

// TestContractWithVendorExamples checks, for every Toggl call tally makes,
// that the client sends the documented request and parses the documented
// response.
func TestContractWithVendorExamples(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file  string
		call  func(context.Context, *toggl.Client) (any, error)
		check func(t *testing.T, got any)
	}{
		{"search_time_entries.json", func(ctx context.Context, c *toggl.Client) (any, error) {
			return c.SearchTimeEntries(ctx, toggl.SearchParams{StartDate: "2025-03-03", EndDate: "2025-03-09", PageSize: 50,
				OrderBy: "last_update", OrderDir: "DESC"})
		}, func(t *testing.T, got any) {
			p := got.(toggl.Page)
			if !p.HasNext || p.NextRowNumber != 51 || p.NextID != 4000000051 || p.RangeStart != "2025-03-03" || p.RangeEnd != "2025-03-09" {
				t.Fatalf("paging = %+v", p)
			}
			te := p.Rows[0].TimeEntries[0]
			if len(p.Rows) != 1 || p.Rows[0].UserID != 30001 || *p.Rows[0].ProjectID != 2001 || te.ID != 4000000001 ||
				te.Seconds != 5400 || te.At != "2025-03-04T09:31:00Z" || *te.Stop != "2025-03-04T10:30:00+01:00" {
				t.Fatalf("rows = %+v", p.Rows)
			}
		}},
		{"workspace_users.json", func(ctx context.Context, c *toggl.Client) (any, error) { return c.WorkspaceUsers(ctx) },
			func(t *testing.T, got any) {
				want := []toggl.User{
					{ID: 30001, Email: "ada.lovelace@example.com", Fullname: "Ada Lovelace", Active: true, Timezone: "Europe/Berlin"},
					// "active": false is a pending invitation, not a leaver.
					{ID: 30002, Email: "grace.hopper@example.com", Fullname: "Grace Hopper", Active: true, Timezone: "America/New_York"},
					{ID: 30003, Email: "alan.turing@example.com", Fullname: "Alan Turing", Active: false, Timezone: "Europe/London"},
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("users = %+v", got)
				}
			}},
		{"projects.json", func(ctx context.Context, c *toggl.Client) (any, error) { return c.Projects(ctx) },
			func(t *testing.T, got any) {
				ps := got.([]toggl.Project)
				if len(ps) != 2 || ps[0].ID != 2001 || *ps[0].ClientID != 501 || !ps[0].Billable || ps[1].ClientID != nil || ps[1].Active {
					t.Fatalf("projects = %+v", ps)
				}
			}},
		{"clients.json", func(ctx context.Context, c *toggl.Client) (any, error) { return c.Clients(ctx) },
			func(t *testing.T, got any) {
				if cs := got.([]toggl.ClientInfo); len(cs) != 1 || cs[0].ID != 501 || cs[0].Name != "Acme Corp" {
					t.Fatalf("clients = %+v", cs)
				}
			}},
		{"update_time_entry.json", func(ctx context.Context, c *toggl.Client) (any, error) {
			return nil, c.UpdateTimeEntry(ctx, 4000000001, toggl.EntryUpdate{Tags: []string{"confirmed"}, TagAction: "add"})
		}, func(*testing.T, any) {}},
		{"patch_time_entries.json", func(ctx context.Context, c *toggl.Client) (any, error) {
			return c.PatchTimeEntries(ctx, []int64{4000000001, 4000000002}, toggl.AddTagsOps("confirmed"))
		}, func(t *testing.T, got any) {
			r := got.(toggl.BulkResult)
			if len(r.Success) != 1 || r.Success[0] != 4000000001 || len(r.Failure) != 1 || r.Failure[0].ID != 4000000002 {
				t.Fatalf("bulk = %+v", r)
			}
		}},
		{"create_tag.json", func(ctx context.Context, c *toggl.Client) (any, error) { return nil, c.CreateTag(ctx, "confirmed") },
			func(*testing.T, any) {}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			ex := loadExample(t, tc.file)
			var gotMethod, gotPath string
			var gotQuery map[string][]string
			var gotBody []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotMethod, gotPath, gotQuery = r.Method, r.URL.Path, r.URL.Query()
				gotBody, _ = io.ReadAll(r.Body)
				for k, v := range ex.ResponseHeaders {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(ex.Response)
			}))
			defer srv.Close()
			c, _ := newClient(t, srv.URL, "tok")
			got, err := tc.call(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if gotMethod != ex.Method || gotPath != ex.Path {
				t.Fatalf("sent %s %s; documented %s %s", gotMethod, gotPath, ex.Method, ex.Path)
			}
			for k, v := range ex.Query {
				if q := gotQuery[k]; len(q) != 1 || q[0] != v {
					t.Fatalf("query %s = %v; documented %q", k, q, v)
				}
			}
			if len(ex.Request) > 0 {
				assertSameJSON(t, gotBody, ex.Request)
			}
			tc.check(t, got)
		})
	}
}

func assertSameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body %q: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("request body\n got %s\nwant %s", got, bytes.TrimSpace(want))
	}
}

// TestSandboxAnswersInTheDocumentedShape checks that the fake's answers
// carry every field of the vendor's example, so tests against the sandbox
// exercise the same decoding as production.
func TestSandboxAnswersInTheDocumentedShape(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{MaxPageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	week := model.WeekOf(time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC))
	fake.Generate(sandbox.TogglGenSpec{Users: 2, EntriesPerWeek: 3, Weeks: []model.Week{week}})
	entryID := fake.Entries()[0].ID
	entries := fake.Entries()
	cases := []struct {
		file, method, path string
		body               string
	}{
		{"search_time_entries.json", "POST", "reports/api/v3/workspace/1001/search/time_entries",
			`{"start_date":"2025-03-03","end_date":"2025-03-09","page_size":1,"rounding":0,"rounding_minutes":0}`},
		{"workspace_users.json", "GET", "api/v9/workspaces/1001/workspace_users", ""},
		{"projects.json", "GET", "api/v9/workspaces/1001/projects?active=both&page=1&per_page=200", ""},
		{"clients.json", "GET", "api/v9/workspaces/1001/clients?status=both", ""},
		{"me_quota.json", "GET", "api/v9/me/quota", ""},
		{"update_time_entry.json", "PUT", "api/v9/workspaces/1001/time_entries/" + itoa(entryID), `{"tags":["confirmed"],"tag_action":"add"}`},
		{"patch_time_entries.json", "PATCH", "api/v9/workspaces/1001/time_entries/" + itoa(entries[1].ID) + ",999",
			`[{"op":"add","path":"/tags","value":["confirmed"]}]`},
		{"create_tag.json", "POST", "api/v9/workspaces/1001/tags", `{"name":"reviewed"}`},
	}
	for _, tc := range cases {
		ex := loadExample(t, tc.file)
		req, _ := http.NewRequest(tc.method, fake.URL()+tc.path, bytes.NewBufferString(tc.body))
		req.SetBasicAuth(fake.Token(), "api_token")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tc.file, res.StatusCode, body)
		}
		for h := range ex.ResponseHeaders {
			if res.Header.Get(h) == "" {
				t.Errorf("%s: sandbox sent no %s header", tc.file, h)
			}
		}
		if missing := missingKeys(t, ex.Response, body); len(missing) > 0 {
			t.Errorf("%s: sandbox answer lacks documented fields %v", tc.file, missing)
		}
	}
}

// missingKeys lists the object keys of the example (recursively, the first
// element standing for an array) that the actual answer lacks.
func missingKeys(t *testing.T, example, actual []byte) []string {
	t.Helper()
	var ex, ac any
	if err := json.Unmarshal(example, &ex); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(actual, &ac); err != nil {
		t.Fatalf("sandbox answer %q: %v", actual, err)
	}
	var out []string
	var walk func(prefix string, e, a any)
	walk = func(prefix string, e, a any) {
		switch ev := e.(type) {
		case map[string]any:
			am, _ := a.(map[string]any)
			for k, v := range ev {
				av, ok := am[k]
				if !ok {
					out = append(out, prefix+k)
					continue
				}
				walk(prefix+k+".", v, av)
			}
		case []any:
			if aa, ok := a.([]any); ok && len(ev) > 0 && len(aa) > 0 {
				walk(prefix, ev[0], aa[0])
			}
		}
	}
	walk("", ex, ac)
	sort.Strings(out)
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
