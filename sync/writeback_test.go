package sync

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/toggl"
)

type wbFixture struct {
	*fixture
	wb  *Writeback
	reg *prometheus.Registry
}

func newWBFixture(t *testing.T, tag string, clientAttempts int) *wbFixture {
	f := newFixture(t, fixtureOpts{users: 3, perWeek: 40})
	// Outbox rows are due from the database's now(): run on real time.
	f.clock.Advance(time.Since(f.clock.Now()))
	c, err := toggl.NewClient(toggl.Options{BaseURL: f.fake.URL(), Token: f.fake.Token(), WorkspaceID: f.fake.WorkspaceID(),
		Timeout: 5 * time.Second, BackoffInitial: 100 * time.Millisecond, Sleep: f.clock.Sleep, MaxAttempts: clientAttempts})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	wb, err := NewWriteback(f.db, c, WritebackOptions{ConfirmedTag: tag, Now: f.clock.Now, Registerer: reg, BatchSize: 150})
	if err != nil {
		t.Fatal(err)
	}
	return &wbFixture{fixture: f, wb: wb, reg: reg}
}

func (f *wbFixture) enqueue(t *testing.T, op string, entryID int64, p storage.OutboxPayload) {
	t.Helper()
	if _, err := storage.EnqueueOutbox(context.Background(), f.db, entryID, op, p,
		fmt.Sprintf("%s:%d:%d", op, entryID, time.Now().UnixNano())); err != nil {
		t.Fatal(err)
	}
	// Rows are due from the database's now(); keep the clock at or after it.
	if d := time.Since(f.clock.Now()); d > 0 {
		f.clock.Advance(d + time.Millisecond)
	}
}

func (f *wbFixture) stopped(n int) []int64 {
	var ids []int64
	for _, e := range f.fake.Entries() {
		if !e.Running() && len(ids) < n {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

func TestWritebackBulkAddsWithRetriesThenSuccess(t *testing.T) {
	t.Parallel()
	f := newWBFixture(t, "confirmed", 8)
	ids := f.stopped(230)
	for _, id := range ids {
		f.enqueue(t, storage.OutboxTagAdd, id, storage.OutboxPayload{})
	}
	// Duplicate enqueue is a no-op.
	if added, _ := storage.EnqueueOutbox(context.Background(), f.db, ids[0], storage.OutboxTagAdd, storage.OutboxPayload{}, "k"); !added {
		t.Fatal("first enqueue with key k not added")
	}
	if added, _ := storage.EnqueueOutbox(context.Background(), f.db, ids[0], storage.OutboxTagAdd, storage.OutboxPayload{}, "k"); added {
		t.Fatal("second enqueue with key k added")
	}
	f.fake.Inject(sandbox.TogglFault{Path: "time_entries", Status: 429, Times: 3})
	f.fake.Inject(sandbox.TogglFault{Path: "time_entries", Status: 500, Times: 1})
	n, err := f.wb.RunOnce(ctx(t))
	if err != nil || n != 231 {
		t.Fatalf("RunOnce = %d, %v; want 231", n, err)
	}
	for _, id := range ids {
		if !slices.Contains(f.fake.EntryTags(id), "confirmed") {
			t.Fatalf("entry %d not tagged", id)
		}
	}
	patches := 0
	for _, w := range f.fake.Writes() {
		if w.Method == "PATCH" && w.Status == 200 {
			patches++
			if len(w.EntryIDs) > 100 {
				t.Fatalf("bulk patch of %d ids", len(w.EntryIDs))
			}
		}
	}
	// 231 rows (one entry twice) in batches of 150: 150 → 100+50, 81 → 81.
	if patches != 3 {
		t.Fatalf("bulk patches = %d; want 3", patches)
	}
	if got := testutil.ToFloat64(f.wb.ops.WithLabelValues("tag_add", "done")); got != 231 {
		t.Fatalf("done metric = %v", got)
	}
	if n, err := f.wb.RunOnce(ctx(t)); n != 0 || err != nil {
		t.Fatalf("second RunOnce = %d, %v", n, err)
	}
}

func TestWritebackRetriesLaterWhenTogglKeepsFailing(t *testing.T) {
	t.Parallel()
	f := newWBFixture(t, "confirmed", 2)
	ids := f.stopped(3)
	f.enqueue(t, storage.OutboxTagRemove, ids[0], storage.OutboxPayload{})
	f.enqueue(t, storage.OutboxSetProject, ids[1], storage.OutboxPayload{ProjectID: 2003})
	f.fake.Inject(sandbox.TogglFault{Path: "time_entries", Status: 503, Times: 4})
	if n, err := f.wb.RunOnce(ctx(t)); n != 0 || err != nil {
		t.Fatalf("RunOnce = %d, %v; want both rows retried later", n, err)
	}
	if n := count(t, f.db, `SELECT count(*) FROM toggl_outbox WHERE status = 'pending' AND next_attempt_at > $1 AND last_error <> ''`, f.clock.Now()); n != 2 {
		t.Fatalf("rescheduled rows = %d", n)
	}
	// Not due yet: nothing happens.
	if n, _ := f.wb.RunOnce(ctx(t)); n != 0 {
		t.Fatal("retried before next_attempt_at")
	}
	f.clock.Advance(2 * time.Minute)
	if n, err := f.wb.RunOnce(ctx(t)); n != 2 || err != nil {
		t.Fatalf("RunOnce after backoff = %d, %v", n, err)
	}
	if e, _ := f.fake.Entry(ids[1]); e.ProjectID != 2003 {
		t.Fatalf("project = %d; want 2003", e.ProjectID)
	}
}

func TestWritebackPartialPatchFailure(t *testing.T) {
	t.Parallel()
	f := newWBFixture(t, "confirmed", 3)
	ids := f.stopped(10)
	for _, id := range ids {
		f.enqueue(t, storage.OutboxTagAdd, id, storage.OutboxPayload{})
	}
	f.fake.FailPatch("Time entry is locked", ids[2], ids[5])
	f.fake.DeleteEntry(ids[7])
	n, err := f.wb.RunOnce(ctx(t))
	if err != nil || n != 8 { // 7 done + 1 parked (not found)
		t.Fatalf("RunOnce = %d, %v; want 8", n, err)
	}
	if n := count(t, f.db, `SELECT count(*) FROM toggl_outbox WHERE status = 'parked' AND entry_id = $1 AND last_error LIKE '%not found%'`, ids[7]); n != 1 {
		t.Fatal("deleted entry not parked with its reason")
	}
	if n := count(t, f.db, `SELECT count(*) FROM toggl_outbox WHERE status = 'pending' AND last_error LIKE '%locked%'`); n != 2 {
		t.Fatal("failed ids not left for retry")
	}
	f.fake.ClearPatchFailures()
	f.clock.Advance(2 * time.Minute)
	if n, err := f.wb.RunOnce(ctx(t)); n != 2 || err != nil {
		t.Fatalf("retry RunOnce = %d, %v", n, err)
	}
	for _, id := range []int64{ids[2], ids[5]} {
		if !slices.Contains(f.fake.EntryTags(id), "confirmed") {
			t.Fatalf("entry %d not tagged after retry", id)
		}
	}
}

func TestWritebackPermanentFailureParks(t *testing.T) {
	t.Parallel()
	f := newWBFixture(t, "confirmed", 3)
	ids := f.stopped(1)
	f.enqueue(t, storage.OutboxSetProject, ids[0], storage.OutboxPayload{ProjectID: 2001})
	f.fake.Inject(sandbox.TogglFault{Path: "time_entries", Status: 400})
	if n, err := f.wb.RunOnce(ctx(t)); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if _, parked, _ := storage.OutboxCounts(context.Background(), f.db); parked != 1 {
		t.Fatalf("parked = %d; want 1", parked)
	}
}

func TestWritebackOrderAndDisabledTag(t *testing.T) {
	t.Parallel()
	f := newWBFixture(t, "confirmed", 3)
	ids := f.stopped(2)
	// add, remove, add: only the last matters.
	f.enqueue(t, storage.OutboxTagAdd, ids[0], storage.OutboxPayload{})
	f.enqueue(t, storage.OutboxTagRemove, ids[0], storage.OutboxPayload{})
	f.enqueue(t, storage.OutboxTagAdd, ids[0], storage.OutboxPayload{})
	if n, err := f.wb.RunOnce(ctx(t)); n != 3 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if !slices.Contains(f.fake.EntryTags(ids[0]), "confirmed") {
		t.Fatal("final add lost")
	}
	if n := count(t, f.db, `SELECT count(*) FROM toggl_outbox WHERE status = 'superseded'`); n != 2 {
		t.Fatalf("superseded = %d; want 2", n)
	}

	off := newWBFixture(t, "", 3)
	off.enqueue(t, storage.OutboxTagAdd, ids[1], storage.OutboxPayload{})
	if n, err := off.wb.RunOnce(ctx(t)); n != 1 || err != nil {
		t.Fatalf("disabled RunOnce = %d, %v", n, err)
	}
	if len(off.fake.Writes()) != 0 {
		t.Fatal("tag written with CONFIRMED_TAG empty")
	}
}

// TestWritebackNeverParksForQuota: a spent quota whose 402 carries no
// quota headers delays the rows until it resets, however many attempts
// they have used; it never parks them.
func TestWritebackNeverParksForQuota(t *testing.T) {
	t.Parallel()
	f := newWBFixture(t, "confirmed", 2)
	ids := f.stopped(1)
	f.enqueue(t, storage.OutboxSetProject, ids[0], storage.OutboxPayload{ProjectID: 2001})
	f.fake.SetOmitQuotaHeaders(true)
	for range 15 { // more rounds than MaxAttempts (12)
		f.fake.SetQuota(1)
		if _, err := f.client.Clients(ctx(t)); err != nil { // spends the hour's one request
			t.Fatal(err)
		}
		if _, err := f.wb.RunOnce(ctx(t)); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(2 * time.Hour)
	}
	pending, parked, err := storage.OutboxCounts(context.Background(), f.db)
	if err != nil || parked != 0 || pending != 1 {
		t.Fatalf("pending %d, parked %d, %v; a quota must never park a write-back", pending, parked, err)
	}
	if f.fake.Requests("quota") < 15 {
		t.Fatalf("quota checks = %d; every bare 402 should ask /me/quota", f.fake.Requests("quota"))
	}
	f.fake.SetQuota(0)
	if n, err := f.wb.RunOnce(ctx(t)); n != 1 || err != nil {
		t.Fatalf("after the quota: RunOnce = %d, %v", n, err)
	}
}
