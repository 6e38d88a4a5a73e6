package toggl_test

import (
	"context"
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

// fakeSleep records the waits instead of waiting.
type fakeSleep struct{ waits []time.Duration }

func (f *fakeSleep) Sleep(ctx context.Context, d time.Duration) error {
	f.waits = append(f.waits, d)
	return ctx.Err()
}

func newClient(t *testing.T, url, token string, opts ...func(*toggl.Options)) (*toggl.Client, *fakeSleep) {
	t.Helper()
	s := &fakeSleep{}
	o := toggl.Options{BaseURL: url, Token: token, WorkspaceID: 1001, Sleep: s.Sleep, BackoffInitial: time.Millisecond,
		Timeout: 2 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	c, err := toggl.NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func TestStatusHandling(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		status    int
		headers   map[string]string
		wantCalls int32
		check     func(error) bool
	}{
		{"quota exhausted, long reset", 402, map[string]string{"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1800"}, 1,
			func(err error) bool {
				var qe *toggl.QuotaError
				return errors.As(err, &qe) && qe.ResetsIn == 30*time.Minute
			}},
		{"feature missing: quota headers show requests left", 402, map[string]string{"X-Toggl-Quota-Remaining": "12", "X-Toggl-Quota-Resets-In": "1800"}, 1,
			func(err error) bool { var fe *toggl.FeatureError; return errors.As(err, &fe) && toggl.Permanent(err) }},
		{"forbidden", 403, nil, 1,
			func(err error) bool { var ae *toggl.AuthError; return errors.As(err, &ae) && toggl.Permanent(err) }},
		{"gone", 410, nil, 1,
			func(err error) bool { var ge *toggl.GoneError; return errors.As(err, &ge) }},
		{"bad request", 400, nil, 1,
			func(err error) bool { return toggl.Permanent(err) }},
		{"server error retried", 500, nil, 3,
			func(err error) bool { var se *toggl.StatusError; return errors.As(err, &se) && !toggl.Permanent(err) }},
		{"429 retried", 429, nil, 3,
			func(err error) bool { return strings.Contains(err.Error(), "429") && !toggl.Permanent(err) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				for k, v := range tc.headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			c, _ := newClient(t, srv.URL, "s3cret-token", func(o *toggl.Options) { o.MaxAttempts = 3 })
			_, err := c.WorkspaceUsers(context.Background())
			if err == nil || !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("token in error: %v", err)
			}
			if calls.Load() != tc.wantCalls {
				t.Fatalf("calls = %d; want %d", calls.Load(), tc.wantCalls)
			}
		})
	}
}

func TestRetryAfterAndShortQuotaWait(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		case 2:
			w.Header().Set("X-Toggl-Quota-Remaining", "0")
			w.Header().Set("X-Toggl-Quota-Resets-In", "20")
			w.WriteHeader(402)
		default:
			w.Header().Set("X-Toggl-Quota-Remaining", "599")
			w.Header().Set("X-Toggl-Quota-Resets-In", "3600")
			_, _ = w.Write([]byte(`[{"id":1,"user_id":5,"email":"ada.lovelace@example.com","name":"Ada Lovelace","timezone":"Europe/Berlin"}]`))
		}
	}))
	defer srv.Close()
	c, s := newClient(t, srv.URL, "tok")
	users, err := c.WorkspaceUsers(context.Background())
	if err != nil || len(users) != 1 || users[0].ID != 5 || users[0].Fullname != "Ada Lovelace" || !users[0].Active {
		t.Fatalf("users = %+v, %v", users, err)
	}
	if len(s.waits) != 2 || s.waits[0] < 7*time.Second || s.waits[0] > 8*time.Second || s.waits[1] < 20*time.Second {
		t.Fatalf("waits = %v; want Retry-After 7 s, then the 20 s quota reset", s.waits)
	}
	st := c.Stats()
	if st.Requests != 3 || st.QuotaUsed != 1 || st.QuotaRemaining != 599 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestTimeoutAndDropAreRetried(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	fake.Inject(sandbox.TogglFault{Path: "clients", Delay: time.Second})
	fake.Inject(sandbox.TogglFault{Path: "clients", Drop: true})
	c, _ := newClient(t, fake.URL(), fake.Token(), func(o *toggl.Options) { o.Timeout = 100 * time.Millisecond })
	if _, err := c.Clients(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := fake.Requests("clients"); n != 3 {
		t.Fatalf("requests = %d; want 3", n)
	}
}

func TestSearchPagingAgainstSandbox(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{MaxPageSize: 25})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	week := model.WeekOf(time.Now()).Prev()
	fake.Generate(sandbox.TogglGenSpec{Users: 5, EntriesPerWeek: 20, Weeks: []model.Week{week}})
	c, _ := newClient(t, fake.URL(), fake.Token())
	p := toggl.SearchParams{StartDate: week.Start.Format(time.DateOnly), EndDate: week.End().Format(time.DateOnly),
		PageSize: 1000, OrderBy: "last_update", OrderDir: "DESC"}
	seen := map[int64]bool{}
	pages := 0
	var last time.Time
	for {
		page, err := c.SearchTimeEntries(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Rows) > 25 {
			t.Fatalf("page of %d rows; the fake caps at 25", len(page.Rows))
		}
		for _, r := range page.Rows {
			for _, te := range r.TimeEntries {
				at, _ := time.Parse(time.RFC3339, te.At)
				if !last.IsZero() && at.After(last) {
					t.Fatal("rows not ordered by last_update DESC")
				}
				last = at
				seen[te.ID] = true
			}
		}
		if !page.HasNext {
			break
		}
		p = p.Next(page)
	}
	if len(seen) != 100 || pages != 4 {
		t.Fatalf("read %d entries in %d pages; want 100 in 4", len(seen), pages)
	}
}

func TestBulkPatchAndPut(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	fake.Generate(sandbox.TogglGenSpec{Users: 1, EntriesPerWeek: 5, Weeks: []model.Week{model.WeekOf(time.Now()).Prev()}})
	var ids []int64
	for _, e := range fake.Entries() {
		ids = append(ids, e.ID)
	}
	c, _ := newClient(t, fake.URL(), fake.Token())
	fake.FailPatch("locked", ids[1])
	res, err := c.PatchTimeEntries(context.Background(), ids, toggl.AddTagsOps("confirmed"))
	if err != nil || len(res.Success) != len(ids)-1 || len(res.Failure) != 1 || res.Failure[0].ID != ids[1] {
		t.Fatalf("patch = %+v, %v", res, err)
	}
	if _, err := c.PatchTimeEntries(context.Background(), make([]int64, 101), nil); err == nil {
		t.Fatal("101 ids accepted")
	}
	if err := c.UpdateTimeEntry(context.Background(), ids[0], toggl.EntryUpdate{Tags: []string{"confirmed"}, TagAction: "delete"}); err != nil {
		t.Fatal(err)
	}
	if tags := fake.EntryTags(ids[0]); len(tags) != 0 {
		t.Fatalf("tags after delete = %v", tags)
	}
	err = c.UpdateTimeEntry(context.Background(), 999, toggl.EntryUpdate{Tags: []string{"confirmed"}, TagAction: "add"})
	if !toggl.IsNotFound(err) {
		t.Fatalf("err = %v; want 404", err)
	}
	if err := c.CreateTag(context.Background(), "confirmed"); err != nil {
		t.Fatalf("existing tag: %v", err)
	}
}
