//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

// entryState is what a synced entry must look like: its content hash, the
// person it is linked to and whether it is deleted.
type entryState struct {
	hash     string
	employee int64
	deleted  bool
	seconds  int64
}

// syncedEntries reads every time entry of db.
func syncedEntries(t *testing.T, db *storage.DB) map[int64]entryState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := db.Query(ctx, `SELECT id, content_hash, coalesce(employee_id, 0), deleted_at IS NOT NULL, duration_secs FROM time_entries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]entryState{}
	for rows.Next() {
		var id int64
		var s entryState
		if err := rows.Scan(&id, &s.hash, &s.employee, &s.deleted, &s.seconds); err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// compareSync counts the rows of want missing or different in got (lost)
// and the rows of got that want lacks (extra).
func compareSync(want, got map[int64]entryState) (lost, extra int, diffs []string) {
	for id, w := range want {
		g, ok := got[id]
		if !ok || g != w {
			lost++
			if len(diffs) < 5 {
				diffs = append(diffs, fmt.Sprintf("entry %d: want %+v got %+v (present %v)", id, w, g, ok))
			}
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			extra++
			if len(diffs) < 10 {
				diffs = append(diffs, fmt.Sprintf("entry %d: not in the undisturbed run", id))
			}
		}
	}
	return lost, extra, diffs
}

// checkAgainstToggl compares the synced rows with the Toggl fake's own
// entries in the synced window: every finished, undeleted entry present
// with the same content hash.
func checkAgainstToggl(t *testing.T, tg *sandbox.Toggl, got map[int64]entryState, from time.Time) (missing int) {
	t.Helper()
	for _, e := range tg.Entries() {
		if e.Running() || e.Deleted || e.Start.Before(from) {
			continue
		}
		g, ok := got[e.ID]
		want := model.ContentHash(e.Start, e.Seconds, e.ProjectID, e.TaskID, e.Description, e.Billable)
		if !ok || g.deleted || g.hash != want {
			missing++
			if missing <= 3 {
				t.Logf("Toggl entry %d: synced %v %+v, want hash %s", e.ID, ok, g, want)
			}
		}
	}
	return missing
}

// TestKillDuringFullSync kills `tally sync --full` twice while it pages
// through Toggl and checks the database a restarted run leaves is the one
// an undisturbed run leaves.
func TestKillDuringFullSync(t *testing.T) {
	w := newWorld(t, worldOpts{people: 150, entriesPerWeek: 40, weeks: 2,
		env: map[string]string{"TOGGL_REQUESTS_PER_SECOND": "15"}})
	env := w.env("chaos-sync")
	runCLI(t, time.Minute, "migrate", env, "migrate")
	runCLI(t, 2*time.Minute, "roster", env, "roster")

	// The undisturbed run, into a second database with the same roster.
	_, refURL, refDB := newDatabase(t)
	refEnv := w.env("chaos-sync-ref")
	refEnv["DATABASE_URL"] = refURL
	runCLI(t, time.Minute, "migrate-ref", refEnv, "migrate")
	runCLI(t, 2*time.Minute, "roster-ref", refEnv, "roster")
	before := w.toggl.Requests("search")
	start := time.Now()
	runCLI(t, 5*time.Minute, "sync-ref", refEnv, "sync", "--full")
	pages := w.toggl.Requests("search") - before
	t.Logf("undisturbed full sync: %d search pages in %s", pages, time.Since(start).Round(time.Millisecond))
	want := syncedEntries(t, refDB)
	if len(want) < 10000 {
		t.Fatalf("undisturbed sync stored only %d entries", len(want))
	}

	// The disturbed one: killed at about a third and two thirds of the pages.
	for i, frac := range []float64{0.35, 0.7} {
		base := w.toggl.Requests("search")
		p := startProc(t, fmt.Sprintf("sync-killed-%d", i+1), env, "sync", "--full")
		target := base + int(float64(pages)*frac)
		waitFor(t, 3*time.Minute, "the sync to page far enough", func() bool {
			return w.toggl.Requests("search") >= target || !p.running()
		})
		if !p.running() {
			t.Fatalf("sync finished before the kill: make the workspace bigger")
		}
		p.kill()
		t.Logf("killed the full sync after %d of %d pages; %d entries stored", w.toggl.Requests("search")-base, pages,
			w.count(`SELECT count(*) FROM time_entries`))
	}
	killedAt := time.Now()
	runCLI(t, 5*time.Minute, "sync-restart", env, "sync", "--full")
	recovered := time.Since(killedAt)
	got := syncedEntries(t, w.db)

	lost, extra, diffs := compareSync(want, got)
	for _, d := range diffs {
		t.Log(d)
	}
	weekFrom := w.week.Prev().Start.AddDate(0, 0, -2) // generous: zones ahead of UTC start earlier
	missing := checkAgainstToggl(t, w.toggl, got, weekFrom)
	if missing != 0 {
		t.Errorf("%d Toggl entries missing or different after the restarted sync", missing)
	}
	stuck := w.count(`SELECT count(*) FROM sync_runs WHERE status = 'running'`)
	note := fmt.Sprintf("%d pages; restart equals undisturbed run; %d runs left 'running'", pages, stuck)
	record(t, row{Fault: "kill -9 tally sync --full (twice)", Load: fmt.Sprintf("full sync, %d people, %d entries", len(w.people), len(want)),
		Accepted: len(want), Lost: lost + missing, Duplicated: extra, Recovered: recovered, Note: note})
}
