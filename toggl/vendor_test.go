package toggl_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/toggl"
)

// TestBare402AsksForTheQuota: a 402 without quota headers is a spent quota
// or a missing feature; GET /api/v9/me/quota decides, and anything unclear
// is a (retryable) quota, never a permanent error.
func TestBare402AsksForTheQuota(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		quotaStatus int
		quotaBody   string
		failures    int32 // 402s before the call succeeds
		want        func(error) bool
		wantWaits   int
	}{
		{"quota spent, long reset", 200, `[{"organization_id":9,"remaining":0,"resets_in_secs":1800,"total":600}]`, 99,
			func(err error) bool {
				var qe *toggl.QuotaError
				return errors.As(err, &qe) && qe.ResetsIn == 30*time.Minute && !toggl.Permanent(err)
			}, 0},
		{"quota spent, short reset waited out", 200, `[{"organization_id":9,"remaining":0,"resets_in_secs":20,"total":600}]`, 1,
			func(err error) bool { return err == nil }, 1},
		{"quota left: the plan lacks the feature", 200, `[{"organization_id":9,"remaining":450,"resets_in_secs":1800,"total":600}]`, 99,
			func(err error) bool { var fe *toggl.FeatureError; return errors.As(err, &fe) && toggl.Permanent(err) }, 0},
		{"quota check refused", 402, ``, 99,
			func(err error) bool {
				var qe *toggl.QuotaError
				return errors.As(err, &qe) && qe.Cause != nil && !toggl.Permanent(err)
			}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls, quotaCalls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/v9/me/quota" {
					quotaCalls.Add(1)
					w.WriteHeader(tc.quotaStatus)
					_, _ = w.Write([]byte(tc.quotaBody))
					return
				}
				if calls.Add(1) <= tc.failures {
					w.WriteHeader(402)
					return
				}
				_, _ = w.Write([]byte(`[]`))
			}))
			defer srv.Close()
			c, s := newClient(t, srv.URL, "tok")
			_, err := c.Clients(context.Background())
			if !tc.want(err) {
				t.Fatalf("err = %v", err)
			}
			if quotaCalls.Load() != 1 {
				t.Fatalf("quota checks = %d; want 1", quotaCalls.Load())
			}
			if len(s.waits) != tc.wantWaits {
				t.Fatalf("waits = %v", s.waits)
			}
		})
	}
}

// TestSandboxBare402 runs the same rule against the fake: a spent quota
// whose 402 omits the headers, and a missing feature.
func TestSandboxBare402(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{HourlyQuota: 1, OmitQuotaHeaders: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	c, _ := newClient(t, fake.URL(), fake.Token(), func(o *toggl.Options) { o.MaxQuotaWait = time.Second })
	if _, err := c.Clients(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err = c.Clients(context.Background())
	var qe *toggl.QuotaError
	if !errors.As(err, &qe) || toggl.Permanent(err) || fake.Requests("quota") != 1 {
		t.Fatalf("spent quota without headers: err = %v, quota checks %d", err, fake.Requests("quota"))
	}
	fake.SetQuota(0)
	fake.Inject(sandbox.TogglFault{Path: "clients", Status: 402, NoQuotaHeaders: true})
	_, err = c.Clients(context.Background())
	var fe *toggl.FeatureError
	if !errors.As(err, &fe) || !toggl.Permanent(err) {
		t.Fatalf("missing feature: err = %v", err)
	}
}

// Test429BacksOffForReal: without Retry-After the client pauses seconds,
// growing exponentially, not the ~1 s of an ordinary retry.
func Test429BacksOffForReal(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			w.WriteHeader(429)
			return
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	c, s := newClient(t, srv.URL, "tok")
	if _, err := c.Clients(context.Background()); err != nil {
		t.Fatal(err)
	}
	var sum time.Duration
	for _, w := range s.waits {
		if w < 2500*time.Millisecond {
			t.Fatalf("waits after 429 = %v; want each ≥ 2.5 s", s.waits)
		}
		sum += w
	}
	if len(s.waits) != 3 || sum < 11*time.Second {
		t.Fatalf("waits after 429 = %v; want three growing waits (≥ 11 s in all)", s.waits)
	}
}

// TestSearchAsksForExactSeconds: the owner's rounding preference must not
// reach tally's durations.
func TestSearchAsksForExactSeconds(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{OwnerRoundingMinutes: 15, OwnerRounding: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	week := model.WeekOf(time.Now()).Prev()
	fake.Generate(sandbox.TogglGenSpec{Users: 2, EntriesPerWeek: 10, Weeks: []model.Week{week}})
	exact := map[int64]int64{}
	for _, e := range fake.Entries() {
		exact[e.ID] = e.Seconds
	}
	c, _ := newClient(t, fake.URL(), fake.Token())
	page, err := c.SearchTimeEntries(context.Background(), toggl.SearchParams{StartDate: week.Start.Format(time.DateOnly),
		EndDate: week.End().Format(time.DateOnly), PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range page.Rows {
		for _, te := range r.TimeEntries {
			n++
			if te.Seconds != exact[te.ID] {
				t.Fatalf("entry %d: %d s; Toggl has %d s (rounded by the owner's preference)", te.ID, te.Seconds, exact[te.ID])
			}
		}
	}
	if n == 0 {
		t.Fatal("no entries read")
	}
}

// TestSandboxRoundsByOwnerPreference pins the fake's default: without
// rounding_minutes in the request, durations follow the owner's preference.
func TestSandboxRoundsByOwnerPreference(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{OwnerRoundingMinutes: 15, OwnerRounding: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	week := model.WeekOf(time.Now()).Prev()
	fake.Generate(sandbox.TogglGenSpec{Users: 1, EntriesPerWeek: 10, Weeks: []model.Week{week}})
	body := `{"start_date":"` + week.Start.Format(time.DateOnly) + `","end_date":"` + week.End().Format(time.DateOnly) + `"}`
	req, _ := http.NewRequest("POST", fake.URL()+"reports/api/v3/workspace/1001/search/time_entries", strings.NewReader(body))
	req.SetBasicAuth(fake.Token(), "api_token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	var rows []toggl.ReportRow
	if err := decodeJSON(res, &rows); err != nil || len(rows) == 0 {
		t.Fatalf("rows = %d, %v", len(rows), err)
	}
	for _, r := range rows {
		if s := r.TimeEntries[0].Seconds; s%900 != 0 {
			t.Fatalf("seconds %d not rounded up to 15 min", s)
		}
	}
}

func TestInactiveNotActiveDecidesMembership(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	fake.AddUser(sandbox.TogglUser{ID: 1, Email: "a@example.com", FirstName: "A", LastName: "Member", Timezone: "UTC"})
	fake.AddUser(sandbox.TogglUser{ID: 2, Email: "b@example.com", FirstName: "B", LastName: "Invited", Timezone: "UTC", Invited: true})
	fake.AddUser(sandbox.TogglUser{ID: 3, Email: "c@example.com", FirstName: "C", LastName: "Gone", Timezone: "UTC", Inactive: true})
	c, _ := newClient(t, fake.URL(), fake.Token())
	users, err := c.WorkspaceUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]bool{}
	for _, u := range users {
		got[u.ID] = u.Active
	}
	if want := map[int64]bool{1: true, 2: true, 3: false}; len(got) != 3 || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("active = %v; want %v (a pending invitation is not a leaver)", got, want)
	}
}

func TestUncovered(t *testing.T) {
	t.Parallel()
	p := toggl.SearchParams{StartDate: "2025-03-01", EndDate: "2025-03-31", FirstRowNumber: 51, FirstID: 9}
	cases := []struct {
		name, start, end string
		want             [][2]string
	}{
		{"not narrowed", "2025-03-01", "2025-03-31", nil},
		{"end cut", "2025-03-01", "2025-03-10", [][2]string{{"2025-03-11", "2025-03-31"}}},
		{"start cut", "2025-03-05", "2025-03-31", [][2]string{{"2025-03-01", "2025-03-04"}}},
		{"both cut, RFC 3339", "2025-03-05T00:00:00Z", "2025-03-10T00:00:00Z", [][2]string{{"2025-03-01", "2025-03-04"}, {"2025-03-11", "2025-03-31"}}},
		{"row numbers, not dates", "1", "50", nil},
		{"absent", "", "", nil},
	}
	for _, tc := range cases {
		got := p.Uncovered(tc.start, tc.end)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %+v", tc.name, got)
		}
		for i, g := range got {
			if g.StartDate != tc.want[i][0] || g.EndDate != tc.want[i][1] || g.FirstRowNumber != 0 || g.FirstID != 0 {
				t.Fatalf("%s: %+v", tc.name, g)
			}
		}
	}
}

func decodeJSON(res *http.Response, v any) error {
	return json.NewDecoder(res.Body).Decode(v)
}
