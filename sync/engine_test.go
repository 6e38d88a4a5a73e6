package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/toggl"
)

func fullWindow() (time.Time, time.Time) {
	w := model.WeekOf(testNow)
	return w.Prev().Start, w.End()
}

func TestFullSyncPagesAndTwoSyncsLeaveSameDatabase(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	from, to := fullWindow()
	want, running := liveInWindow(f.fake, from, to)

	res, err := f.engine.RunFull(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	rows := want + running
	wantPages := (rows + 6) / 7
	if res.Status != StatusOK || res.Seen != rows || res.Skipped != running || res.Inserted != want || res.Updated != 0 {
		t.Fatalf("first run = %+v; want %d seen, %d skipped, %d inserted", res, rows, running, want)
	}
	if res.Pages != wantPages || f.fake.Requests("search") != wantPages {
		t.Fatalf("pages = %d, search requests = %d; want %d", res.Pages, f.fake.Requests("search"), wantPages)
	}
	// users, projects (one page), clients
	if res.Requests != wantPages+3 {
		t.Fatalf("requests = %d; want %d", res.Requests, wantPages+3)
	}
	if n := count(t, f.db, `SELECT count(*) FROM toggl_users`); n != len(f.people) {
		t.Fatalf("toggl_users = %d; want %d", n, len(f.people))
	}
	if n := count(t, f.db, `SELECT count(*) FROM toggl_projects WHERE client_name <> ''`); n != 24 {
		t.Fatalf("projects with client names = %d; want 24", n)
	}
	if n := count(t, f.db, `SELECT count(*) FROM time_entries WHERE unknown_user AND employee_id IS NULL`); n != want {
		t.Fatalf("unknown-user entries = %d; want all %d (no roster)", n, want)
	}
	first := snapshot(t, f.db)

	again, err := f.engine.RunFull(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if again.Inserted != 0 || again.Updated != 0 || again.Deleted != 0 {
		t.Fatalf("second run rewrote rows: %+v", again)
	}
	if snapshot(t, f.db) != first {
		t.Fatal("two syncs in a row left different databases")
	}
	runs, err := storage.RecentSyncRuns(ctx(t), f.db, 5)
	if err != nil || len(runs) != 2 || runs[0].Status != StatusOK || runs[0].Pages != wantPages || runs[0].Seen != rows {
		t.Fatalf("sync_runs = %+v, %v", runs, err)
	}
}

func TestEntryShapeLocalDateAndOffset(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{users: 8, perWeek: 5})
	if _, err := f.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for _, e := range f.fake.Entries() {
		if e.Running() {
			if n := count(t, f.db, `SELECT count(*) FROM time_entries WHERE id = $1`, e.ID); n != 0 {
				t.Fatalf("running entry %d stored", e.ID)
			}
			continue
		}
		var off int
		var local time.Time
		var hash string
		err := f.db.QueryRow(context.Background(), `SELECT tz_offset_secs, local_date, content_hash
			FROM time_entries WHERE id = $1`, e.ID).Scan(&off, &local, &hash)
		if err != nil {
			continue // outside the window
		}
		_, wantOff := e.Start.Zone()
		if off != wantOff || local.Format(time.DateOnly) != e.Start.Format(time.DateOnly) {
			t.Fatalf("entry %d: offset %d local %s; want %d %s", e.ID, off, local, wantOff, e.Start.Format(time.DateOnly))
		}
		if want := model.ContentHash(e.Start, e.Seconds, e.ProjectID, e.TaskID, e.Description, e.Billable); hash != want {
			t.Fatalf("entry %d hash %s; want %s", e.ID, hash, want)
		}
	}
}

func TestDeletionDetection(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	if _, err := f.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	from, to := fullWindow()
	deleted := 0
	for _, id := range f.fake.DeleteRandom(0.1) {
		if n := count(t, f.db, `SELECT count(*) FROM time_entries WHERE id = $1 AND local_date BETWEEN $2 AND $3`, id, from, to); n == 1 {
			deleted++
		}
	}
	if deleted == 0 {
		t.Fatal("generator deleted nothing in the window")
	}
	// An incremental run cannot see deletions (no tombstones)...
	inc, err := f.engine.RunIncremental(ctx(t))
	if err != nil || inc.Deleted != 0 {
		t.Fatalf("incremental = %+v, %v", inc, err)
	}
	// ...the full run does.
	res, err := f.engine.RunFull(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != deleted {
		t.Fatalf("deleted = %d; want %d", res.Deleted, deleted)
	}
	if n := count(t, f.db, `SELECT count(*) FROM time_entries WHERE deleted_at IS NOT NULL`); n != deleted {
		t.Fatalf("soft-deleted rows = %d; want %d", n, deleted)
	}
	if n := count(t, f.db, `SELECT count(*) FROM audit_log WHERE action = 'time_entry.delete'`); n != deleted {
		t.Fatalf("delete audit rows = %d; want %d", n, deleted)
	}
	again, err := f.engine.RunFull(ctx(t))
	if err != nil || again.Deleted != 0 || again.Updated != 0 {
		t.Fatalf("rerun = %+v, %v", again, err)
	}
}

func TestIncrementalReadsOnlyChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{users: 20, perWeek: 10, pageSize: 10})
	boot, err := f.engine.RunIncremental(ctx(t))
	if err != nil || boot.Inserted == 0 {
		t.Fatalf("bootstrap = %+v, %v", boot, err)
	}
	f.clock.Advance(time.Hour)
	edited := f.fake.EditRandom(0.03)
	inWindow := 0
	for _, id := range edited {
		inWindow += count(t, f.db, `SELECT count(*) FROM time_entries WHERE id = $1`, id)
	}
	before := f.fake.Requests("search")
	res, err := f.engine.RunIncremental(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	pages := f.fake.Requests("search") - before
	if res.Updated != inWindow {
		t.Fatalf("updated = %d; want %d", res.Updated, inWindow)
	}
	// Changed rows come first; the page holding the first older row ends it.
	newer := 0
	for _, e := range f.fake.Entries() {
		if !e.At.Before(boot.Watermark) {
			newer++
		}
	}
	if maxPages := newer/10 + 1; pages > maxPages {
		t.Fatalf("incremental read %d pages for %d newer rows (%d edited); want at most %d", pages, newer, len(edited), maxPages)
	}
	// The result equals a full re-read.
	inc := snapshot(t, f.db)
	if _, err := f.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if snapshot(t, f.db) != inc {
		t.Fatal("incremental sync differs from a full re-read")
	}
	// Nothing changed: one page, nothing written.
	quiet, err := f.engine.RunIncremental(ctx(t))
	if err != nil || quiet.Pages != 1 || quiet.Updated+quiet.Inserted != 0 {
		t.Fatalf("quiet incremental = %+v, %v", quiet, err)
	}
}

func TestCancelledRunThenRerunEqualsUndisturbed(t *testing.T) {
	t.Parallel()
	spec := fixtureOpts{users: 15, perWeek: 10, pageSize: 9, engine: Options{BatchSize: 20}}
	calm := newFixture(t, spec)
	if _, err := calm.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, calm.db)

	for _, stopAt := range []int{1, 2 + rand.IntN(10), 20} { //nolint:gosec // G404: picks a crash point, not a secret
		f := newFixture(t, spec)
		c, cancel := context.WithCancel(ctx(t))
		f.engine.opts.Progress = func(p Progress) {
			if p.Pages == stopAt {
				cancel()
			}
		}
		res, err := f.engine.RunFull(c)
		cancel()
		if err == nil || res.Status != StatusCancelled {
			t.Fatalf("stop at page %d: run = %+v, %v; want cancelled", stopAt, res, err)
		}
		if n := count(t, f.db, `SELECT count(*) FROM sync_runs WHERE status = 'cancelled'`); n != 1 {
			t.Fatalf("cancelled runs recorded = %d", n)
		}
		f.engine.opts.Progress = nil
		if _, err := f.engine.RunFull(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if got := snapshot(t, f.db); got != want {
			t.Fatalf("stop at page %d then rerun differs from an undisturbed run", stopAt)
		}
	}
}

func TestQuotaExhaustedMidRun(t *testing.T) {
	t.Parallel()
	// 3 requests for users, projects, clients; 2 pages; then 402.
	f := newFixture(t, fixtureOpts{fake: sandbox.TogglOptions{HourlyQuota: 5}, maxQuotaWait: time.Minute})
	res, err := f.engine.RunFull(ctx(t))
	var qe *toggl.QuotaError
	if !errors.As(err, &qe) || res.Status != StatusQuotaExhausted {
		t.Fatalf("run = %+v, %v; want quota_exhausted", res, err)
	}
	if qe.ResetsIn <= time.Minute {
		t.Fatalf("resets in %s: should be too long to wait", qe.ResetsIn)
	}
	if res.Pages != 2 || res.Inserted == 0 || res.Deleted != 0 {
		t.Fatalf("run = %+v; want 2 pages written and no deletions", res)
	}
	runs, _ := storage.RecentSyncRuns(ctx(t), f.db, 1)
	if len(runs) != 1 || runs[0].Status != StatusQuotaExhausted || runs[0].QuotaRemaining == nil || *runs[0].QuotaRemaining != 0 {
		t.Fatalf("recorded run = %+v", runs)
	}
	// Next hour: the run resumes and completes.
	f.clock.Advance(time.Hour)
	f.fake.SetQuota(0)
	if res, err := f.engine.RunFull(ctx(t)); err != nil || res.Status != StatusOK {
		t.Fatalf("rerun = %+v, %v", res, err)
	}
}

func TestQuotaShortResetIsWaitedFor(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{fake: sandbox.TogglOptions{HourlyQuota: 5}, maxQuotaWait: 2 * time.Hour})
	start := f.clock.Now()
	res, err := f.engine.RunFull(ctx(t))
	if err != nil || res.Status != StatusOK {
		t.Fatalf("run = %+v, %v; want ok after waiting for the reset", res, err)
	}
	if waited := f.clock.Now().Sub(start); waited < 30*time.Minute {
		t.Fatalf("waited %s of fake time; want the quota reset", waited)
	}
}

func Test429StormAndFaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.fake.Inject(sandbox.TogglFault{Path: "search", Status: 429, Times: 20})
	f.fake.Inject(sandbox.TogglFault{Path: "search", Status: 429, RetryAfter: "2", Times: 1})
	f.fake.Inject(sandbox.TogglFault{Path: "search", Status: 503, Times: 2})
	f.fake.Inject(sandbox.TogglFault{Path: "search", Drop: true, Times: 2})
	calm := newFixture(t, fixtureOpts{})
	if _, err := calm.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	res, err := f.engine.RunFull(ctx(t))
	if err != nil || res.Status != StatusOK {
		t.Fatalf("run = %+v, %v", res, err)
	}
	if snapshot(t, f.db) != snapshot(t, calm.db) {
		t.Fatal("storm run differs from a calm run")
	}
	if res.Requests != calmRequests(t, calm)+25 {
		t.Fatalf("requests = %d; want calm + 25 retried", res.Requests)
	}
}

func calmRequests(t *testing.T, f *fixture) int {
	runs, err := storage.RecentSyncRuns(ctx(t), f.db, 1)
	if err != nil || len(runs) == 0 {
		t.Fatal(err)
	}
	return runs[0].Requests
}

func TestLeakyBucket(t *testing.T) {
	t.Parallel()
	// The fake's bucket refills on the fake clock, which only the client's
	// backoff sleeps advance: every 429 must be retried until it passes.
	f := newFixture(t, fixtureOpts{fake: sandbox.TogglOptions{BucketPerSec: 1, BucketBurst: 1}})
	res, err := f.engine.RunFull(ctx(t))
	if err != nil || res.Status != StatusOK || res.Requests <= res.Pages+3 {
		t.Fatalf("run = %+v, %v; want ok after 429s", res, err)
	}
}

func TestFeatureMissingIsNotRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.fake.Inject(sandbox.TogglFault{Path: "search", Status: 402, NoQuotaHeaders: true})
	res, err := f.engine.RunFull(ctx(t))
	var fe *toggl.FeatureError
	if !errors.As(err, &fe) || res.Status != StatusFailed {
		t.Fatalf("run = %+v, %v; want a feature error", res, err)
	}
	if n := f.fake.Requests("search"); n != 1 {
		t.Fatalf("search requests = %d; want 1 (no retry)", n)
	}
}

func TestAuthErrorHidesToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	c, err := toggl.NewClient(toggl.Options{BaseURL: f.fake.URL(), Token: "wrong-secret-token", WorkspaceID: f.fake.WorkspaceID()})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := NewEngine(f.db, c, Options{Now: f.clock.Now})
	_, err = e.RunFull(ctx(t))
	var ae *toggl.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v; want an auth error", err)
	}
	runs, _ := storage.RecentSyncRuns(ctx(t), f.db, 1)
	for _, s := range []string{err.Error(), runs[0].Error} {
		if containsAny(s, "wrong-secret-token", "d3JvbmctcZWNyZXQ") {
			t.Fatalf("token leaked: %s", s)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestConcurrentRunsDoNotOverlap(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	w, err := f.db.BeginEntrySync(ctx(t), false, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.engine.RunFull(ctx(t))
	w.Close()
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v; want ErrBusy", err)
	}
	if _, err := f.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
}
