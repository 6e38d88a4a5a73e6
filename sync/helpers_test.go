package sync

import (
	"context"
	"fmt"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
	"github.com/tallyhq/tally/toggl"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testClock is a manual clock; Sleep advances it instead of waiting, so
// backoff and quota waits cost no wall time.
type testClock struct {
	mu gosync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

// testNow is a Thursday: the full window is the previous and current week.
var testNow = time.Date(2026, 3, 12, 15, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	clock  *testClock
	fake   *sandbox.Toggl
	client *toggl.Client
	db     *storage.DB
	engine *Engine
	people []sandbox.TogglUser
}

type fixtureOpts struct {
	users, perWeek int
	pageSize       int
	fake           sandbox.TogglOptions
	engine         Options
	maxQuotaWait   time.Duration
	noGenerate     bool
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	clock := &testClock{t: testNow}
	if o.users == 0 {
		o.users = 12
	}
	if o.perWeek == 0 {
		o.perWeek = 10
	}
	if o.pageSize == 0 {
		o.pageSize = 7
	}
	o.fake.Now = clock.Now
	if o.fake.MaxPageSize == 0 {
		o.fake.MaxPageSize = o.pageSize
	}
	fake, err := sandbox.NewToggl(o.fake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	f := &fixture{t: t, clock: clock, fake: fake, db: storagetest.New(t)}
	if !o.noGenerate {
		week := model.WeekOf(testNow)
		f.people = fake.Generate(sandbox.TogglGenSpec{Users: o.users, EntriesPerWeek: o.perWeek,
			Weeks: []model.Week{week.Prev().Prev(), week.Prev(), week}})
	}
	f.client = f.newClient(o.maxQuotaWait)
	o.engine.PageSize = o.pageSize
	o.engine.Now = clock.Now
	if o.engine.ConfirmedTag == "" {
		o.engine.ConfirmedTag = "confirmed"
	}
	f.engine, err = NewEngine(f.db, f.client, o.engine)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) newClient(maxQuotaWait time.Duration) *toggl.Client {
	c, err := toggl.NewClient(toggl.Options{BaseURL: f.fake.URL(), Token: f.fake.Token(), WorkspaceID: f.fake.WorkspaceID(),
		Timeout: 5 * time.Second, MaxQuotaWait: maxQuotaWait, BackoffInitial: 100 * time.Millisecond,
		BackoffMax: 5 * time.Second, Sleep: f.clock.Sleep, MaxAttempts: 30})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// snapshot renders every stored entry's synced columns.
func snapshot(t *testing.T, db *storage.DB) string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT id, toggl_user_id, coalesce(employee_id, 0),
		coalesce(project_id, 0), coalesce(task_id, 0), description, billable, tag_ids, start_at, stop_at,
		tz_offset_secs, local_date, duration_secs, toggl_updated_at, content_hash, deleted_at IS NOT NULL, unknown_user
		FROM time_entries ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, vals...)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func count(t *testing.T, db *storage.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// liveInWindow counts the fake's stopped, live entries with local dates in
// [from, to] (what a full sync must store).
func liveInWindow(fake *sandbox.Toggl, from, to time.Time) (stopped, running int) {
	for _, e := range fake.Entries() {
		d := time.Date(e.Start.Year(), e.Start.Month(), e.Start.Day(), 0, 0, 0, 0, time.UTC)
		if d.Before(from) || d.After(to) {
			continue
		}
		if e.Running() {
			running++
		} else {
			stopped++
		}
	}
	return stopped, running
}

// addEmployee adds an employee linked to a Toggl user.
func addEmployee(t *testing.T, db *storage.DB, u sandbox.TogglUser) int64 {
	t.Helper()
	var id int64
	err := db.QueryRow(context.Background(), `INSERT INTO employees (bamboo_id, email, first_name, last_name, toggl_user_id)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, fmt.Sprint("b", u.ID), u.Email, u.FirstName, u.LastName, u.ID).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
