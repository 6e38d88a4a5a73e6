package sync

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
	"github.com/tallyhq/tally/toggl"
)

const (
	benchUsers    = 10_000
	benchPerWeek  = 40
	benchPageSize = 1000
	naiveSubset   = 20_000
)

// procStatusMB reads a VmXXX line of /proc/self/status in MB (0 elsewhere).
func procStatusMB(key string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }() // read-only
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// benchRoster gives every Toggl user an employee and a rate, as in production.
func benchRoster(b *testing.B, db *storage.DB) {
	bg := context.Background()
	if _, err := db.Exec(bg, `INSERT INTO employees (bamboo_id, email, toggl_user_id)
		SELECT 'b' || i, 'p' || i || '@example.com', 100000 + i FROM generate_series(1, $1) i`, benchUsers); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(bg, `INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency)
		SELECT id, '2025-01-01', 9000 + id % 5000, 'USD' FROM employees`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFullSync syncs a 10,000-person workspace (400,000 entries) from
// the sandbox with its limits off, then an unchanged re-sync and an
// incremental sync after 1% of entries changed, and compares the full sync
// with a naive one-entry-at-a-time sync and with a raw COPY floor.
// Run: go test -run '^$' -bench FullSync -benchtime 1x ./sync/
func BenchmarkFullSync(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchFullSync(b)
	}
}

func benchFullSync(b *testing.B) {
	b.StopTimer()
	clock := &testClock{t: testNow}
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{Now: clock.Now, MaxPageSize: benchPageSize})
	if err != nil {
		b.Fatal(err)
	}
	defer fake.Close()
	fake.Generate(sandbox.TogglGenSpec{Users: benchUsers, EntriesPerWeek: benchPerWeek,
		Weeks: []model.Week{model.WeekOf(testNow).Prev()}})
	db := storagetest.New(b)
	benchRoster(b, db)
	client, err := toggl.NewClient(toggl.Options{BaseURL: fake.URL(), Token: fake.Token(), WorkspaceID: fake.WorkspaceID()})
	if err != nil {
		b.Fatal(err)
	}
	engine, err := NewEngine(db, client, Options{PageSize: benchPageSize, BatchSize: 5000, Now: clock.Now, ConfirmedTag: "confirmed"})
	if err != nil {
		b.Fatal(err)
	}
	c := context.Background()
	rssBefore := procStatusMB("VmRSS")

	b.StartTimer()
	start := time.Now()
	full, err := engine.RunFull(c)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	peak := procStatusMB("VmHWM")
	searches := fake.Requests("search")
	minPages := (full.Seen + benchPageSize - 1) / benchPageSize
	rate := float64(full.Inserted) / elapsed.Seconds()

	// An unchanged window: the bootstrap incremental re-reads it all.
	again, err := engine.RunIncremental(c)
	if err != nil {
		b.Fatal(err)
	}
	// 1% of entries change; the next incremental reads only those.
	clock.Advance(time.Hour)
	fake.EditRandom(0.01)
	incr, err := engine.RunIncremental(c)
	if err != nil {
		b.Fatal(err)
	}

	naiveRate := benchNaive(b, fake)
	floorRate := benchCopyFloor(b, fake)

	b.ReportMetric(float64(full.Inserted), "entries")
	b.ReportMetric(elapsed.Seconds(), "full_s")
	b.ReportMetric(rate, "entries/s")
	b.ReportMetric(peak, "peak_rss_MB")
	b.ReportMetric(rssBefore, "rss_before_MB")
	b.ReportMetric(float64(searches), "search_requests")
	b.ReportMetric(float64(minPages), "min_pages")
	b.ReportMetric(float64(full.Requests), "requests")
	b.ReportMetric(float64(again.Inserted+again.Updated), "resync_rows_rewritten")
	b.ReportMetric(float64(incr.Updated), "incr_rows_updated")
	b.ReportMetric(float64(incr.Requests), "incr_requests")
	b.ReportMetric(100*float64(incr.Requests)/float64(full.Requests), "incr_pct_of_full")
	b.ReportMetric(naiveRate, "naive_entries/s")
	b.ReportMetric(rate/naiveRate, "x_naive")
	b.ReportMetric(floorRate, "copy_floor_entries/s")
	b.ReportMetric(floorRate/rate, "floor_over_sync")
	b.Logf("full sync: %d entries in %s = %.0f entries/s, %d search requests (minimum %d), peak RSS %.0f MB (%.0f MB before, fake included)",
		full.Inserted, elapsed.Round(time.Millisecond), rate, searches, minPages, peak, rssBefore)
	b.Logf("unchanged re-sync rewrote %d rows; incremental after 1%% edits: %d requests (%.2f%% of full), %d rows updated",
		again.Inserted+again.Updated, incr.Requests, 100*float64(incr.Requests)/float64(full.Requests), incr.Updated)
	b.Logf("naive: %.0f entries/s (%.1fx slower); COPY floor: %.0f entries/s (sync is %.2fx the floor's time)",
		naiveRate, rate/naiveRate, floorRate, floorRate/rate)
}

// benchNaive is what simple sync scripts do: per entry, one rate lookup and
// one INSERT ... ON CONFLICT. It runs on the first naiveSubset entries.
func benchNaive(b *testing.B, fake *sandbox.Toggl) float64 {
	db := storagetest.New(b)
	benchRoster(b, db)
	client, err := toggl.NewClient(toggl.Options{BaseURL: fake.URL(), Token: fake.Token(), WorkspaceID: fake.WorkspaceID()})
	if err != nil {
		b.Fatal(err)
	}
	c := context.Background()
	week := model.WeekOf(testNow).Prev()
	params := toggl.SearchParams{StartDate: week.Start.Format(time.DateOnly), EndDate: week.End().Format(time.DateOnly),
		PageSize: benchPageSize}
	done := 0
	start := time.Now()
	for done < naiveSubset {
		page, err := client.SearchTimeEntries(c, params)
		if err != nil {
			b.Fatal(err)
		}
		for _, row := range page.Rows {
			for _, te := range row.TimeEntries {
				se, ok, err := stageEntry(row, te)
				if err != nil {
					b.Fatal(err)
				}
				if !ok {
					continue
				}
				var empID *int64
				var rateMinor *int64
				// Always one row (NULLs for an unknown user), so never "no rows".
				err = db.QueryRow(c, `SELECT (SELECT e.id FROM employees e WHERE e.toggl_user_id = $1),
					(SELECT r.amount_minor FROM billable_rates r JOIN employees e ON e.id = r.employee_id
					WHERE e.toggl_user_id = $1 AND r.effective_date <= $2 ORDER BY r.effective_date DESC LIMIT 1)`,
					se.TogglUserID, se.LocalDate).Scan(&empID, &rateMinor)
				if err != nil {
					b.Fatal(err)
				}
				_, err = db.Exec(c, `INSERT INTO time_entries (id, toggl_user_id, employee_id, project_id, task_id,
					description, billable, tag_ids, start_at, stop_at, tz_offset_secs, local_date, duration_secs,
					toggl_updated_at, content_hash, unknown_user)
					VALUES ($1, $2, $3, nullif($4, 0), nullif($5, 0), $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $3::bigint IS NULL)
					ON CONFLICT (id) DO UPDATE SET description = EXCLUDED.description, duration_secs = EXCLUDED.duration_secs,
					project_id = EXCLUDED.project_id, content_hash = EXCLUDED.content_hash, synced_at = now()`,
					se.ID, se.TogglUserID, empID, se.ProjectID, se.TaskID, se.Description, se.Billable, nonNil(se.TagIDs),
					se.Start, se.Stop, se.TZOffsetSecs, se.LocalDate, se.Seconds, se.UpdatedAt, se.ContentHash)
				if err != nil {
					b.Fatal(err)
				}
				done++
			}
		}
		if !page.HasNext {
			break
		}
		params = params.Next(page)
	}
	return float64(done) / time.Since(start).Seconds()
}

func nonNil(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

// benchCopyFloor COPYs the same rows, already converted, into an empty
// time_entries (same indexes) of a fresh database: no HTTP, no diffing.
func benchCopyFloor(b *testing.B, fake *sandbox.Toggl) float64 {
	db := storagetest.New(b)
	benchRoster(b, db)
	var rows [][]any
	for _, e := range fake.Entries() {
		if e.Running() {
			continue
		}
		_, off := e.Start.Zone()
		var emp any = e.UserID - 100000
		rows = append(rows, []any{e.ID, e.UserID, emp, nullID(e.ProjectID), nullID(e.TaskID), e.Description,
			e.Billable, nonNil(e.TagIDs), e.Start, e.Start.Add(time.Duration(e.Seconds) * time.Second), int32(off), //nolint:gosec // G115: a time zone offset in seconds fits int32
			time.Date(e.Start.Year(), e.Start.Month(), e.Start.Day(), 0, 0, 0, 0, time.UTC), e.Seconds, e.At,
			model.ContentHash(e.Start, e.Seconds, e.ProjectID, e.TaskID, e.Description, e.Billable), false})
	}
	cols := []string{"id", "toggl_user_id", "employee_id", "project_id", "task_id", "description", "billable", "tag_ids",
		"start_at", "stop_at", "tz_offset_secs", "local_date", "duration_secs", "toggl_updated_at", "content_hash", "unknown_user"}
	start := time.Now()
	storagetest.CopyRows(b, db, "time_entries", cols, len(rows), func(i int) []any { return rows[i] })
	return float64(len(rows)) / time.Since(start).Seconds()
}

func nullID(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
