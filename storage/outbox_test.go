package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

func TestOutboxEnqueueClaimFinish(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	for i := int64(1); i <= 5; i++ {
		added, err := storage.EnqueueOutbox(ctx, db, i, storage.OutboxTagAdd, storage.OutboxPayload{}, fmt.Sprint("tag_add:", i))
		if err != nil || !added {
			t.Fatalf("enqueue %d: %v %v", i, added, err)
		}
	}
	if added, err := storage.EnqueueOutbox(ctx, db, 1, storage.OutboxTagAdd, storage.OutboxPayload{}, "tag_add:1"); added || err != nil {
		t.Fatalf("duplicate key enqueued: %v %v", added, err)
	}
	now := time.Now().Add(time.Second)

	// Two workers claiming at once get disjoint rows.
	var first []storage.OutboxItem
	err := db.InTx(ctx, func(tx storage.Tx) error {
		var err error
		first, err = storage.ClaimOutbox(ctx, tx, now, time.Minute, 3)
		if err != nil {
			return err
		}
		second, err := storage.ClaimOutbox(ctx, db, now, time.Minute, 10)
		if err != nil {
			return err
		}
		if len(first) != 3 || len(second) != 2 {
			return fmt.Errorf("claimed %d and %d; want 3 and 2", len(first), len(second))
		}
		for _, a := range first {
			for _, b := range second {
				if a.ID == b.ID {
					return fmt.Errorf("row %d claimed twice", a.ID)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Claimed rows are leased: not due again until the lease ends.
	if again, _ := storage.ClaimOutbox(ctx, db, now, time.Minute, 10); len(again) != 0 {
		t.Fatalf("leased rows claimed again: %d", len(again))
	}
	later := now.Add(2 * time.Minute)
	items, err := storage.ClaimOutbox(ctx, db, later, time.Minute, 10)
	if err != nil || len(items) != 5 || items[0].Attempts != 2 || items[0].ID > items[1].ID {
		t.Fatalf("reclaim after lease = %+v, %v", items, err)
	}
	if err := storage.MarkOutboxDone(ctx, db, []int64{items[0].ID}, later); err != nil {
		t.Fatal(err)
	}
	if err := storage.ParkOutbox(ctx, db, []int64{items[1].ID}, "403", later); err != nil {
		t.Fatal(err)
	}
	if err := storage.SupersedeOutbox(ctx, db, []int64{items[2].ID}, "later write", later); err != nil {
		t.Fatal(err)
	}
	if err := storage.RetryOutbox(ctx, db, []int64{items[3].ID, items[4].ID}, later.Add(time.Hour), "503"); err != nil {
		t.Fatal(err)
	}
	pending, parked, err := storage.OutboxCounts(ctx, db)
	if err != nil || pending != 2 || parked != 1 {
		t.Fatalf("counts = %d pending, %d parked, %v", pending, parked, err)
	}
	if due, _ := storage.ClaimOutbox(ctx, db, later.Add(30*time.Minute), time.Minute, 10); len(due) != 0 {
		t.Fatal("retried rows due before next_attempt_at")
	}
	if due, _ := storage.ClaimOutbox(ctx, db, later.Add(2*time.Hour), time.Minute, 10); len(due) != 2 {
		t.Fatal("retried rows not due after next_attempt_at")
	}
}

func TestSyncRunsAndWatermark(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	if _, ok, err := storage.SyncWatermark(ctx, db); ok || err != nil {
		t.Fatalf("watermark before any run: %v %v", ok, err)
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	from, to := t0.AddDate(0, 0, -7), t0
	finish := func(mode, status string, wm time.Time) int64 {
		id, err := storage.StartSyncRun(ctx, db, mode, &from, &to, t0)
		if err != nil {
			t.Fatal(err)
		}
		fin := t0.Add(time.Minute)
		q := 17
		if err := storage.FinishSyncRun(ctx, db, storage.SyncRun{ID: id, Mode: mode, FinishedAt: &fin, Status: status,
			Pages: 3, Requests: 5, QuotaUsed: 5, QuotaRemaining: &q, Seen: 120, Inserted: 100, Updated: 20, Watermark: &wm}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	finish("incremental", "ok", t0)
	finish("incremental", "quota_exhausted", t0.Add(time.Hour)) // not complete: ignored
	finish("full", "ok", t0.Add(2*time.Hour))                   // narrower window: ignored
	wm, ok, err := storage.SyncWatermark(ctx, db)
	if err != nil || !ok || !wm.Equal(t0) {
		t.Fatalf("watermark = %s %v %v; want %s", wm, ok, err, t0)
	}
	// A run left running by a crash is marked failed.
	if _, err := storage.StartSyncRun(ctx, db, "full", &from, &to, t0); err != nil {
		t.Fatal(err)
	}
	if n, err := storage.AbandonSyncRuns(ctx, db, t0); n != 1 || err != nil {
		t.Fatalf("abandoned = %d, %v", n, err)
	}
	runs, err := storage.RecentSyncRuns(ctx, db, 10)
	if err != nil || len(runs) != 4 || runs[0].Status != "failed" || runs[1].Seen != 120 || *runs[1].QuotaRemaining != 17 ||
		runs[1].Duration(time.Time{}) != time.Minute {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
}

func TestTogglUsersAndProjectsUpsertOnlyChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	users := []storage.TogglUser{{ID: 1, Email: "ada.lovelace@example.com", Fullname: "Ada", Active: true, Timezone: "Europe/Berlin"},
		{ID: 2, Email: "alan.turing@example.com", Fullname: "Alan", Active: true}}
	if n, err := storage.UpsertTogglUsers(ctx, db, users); n != 2 || err != nil {
		t.Fatalf("first upsert = %d, %v", n, err)
	}
	if n, err := storage.UpsertTogglUsers(ctx, db, users); n != 0 || err != nil {
		t.Fatalf("unchanged upsert = %d, %v", n, err)
	}
	users[1].Active = false
	if n, err := storage.UpsertTogglUsers(ctx, db, users); n != 1 || err != nil {
		t.Fatalf("changed upsert = %d, %v", n, err)
	}
	projects := []storage.TogglProject{{ID: 10, Name: "Apollo", ClientID: 5, ClientName: "NASA", Active: true, Billable: true},
		{ID: 11, Name: "Internal"}}
	if n, err := storage.UpsertTogglProjects(ctx, db, projects); n != 2 || err != nil {
		t.Fatalf("projects upsert = %d, %v", n, err)
	}
	if n, err := storage.UpsertTogglProjects(ctx, db, projects); n != 0 || err != nil {
		t.Fatalf("unchanged projects upsert = %d, %v", n, err)
	}
	mu, mp, err := storage.MissingTogglRefs(ctx, db, []int64{1, 2, 3}, []int64{10, 12})
	if err != nil || len(mu) != 1 || mu[0] != 3 || len(mp) != 1 || mp[0] != 12 {
		t.Fatalf("missing = %v %v %v", mu, mp, err)
	}
}

// TestOutboxSetProjectPayloadCarriesBillable: a set_project row keeps the
// billable flag review queued with it — true and false apart — and a row
// queued before the flag existed comes back without one (it sends only the
// project).
func TestOutboxSetProjectPayloadCarriesBillable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	yes, no := true, false
	cases := []struct {
		name    string
		entry   int64
		enqueue func(entryID int64) error
		want    *bool
	}{
		{"queued by review, billable project", 1, func(id int64) error {
			_, err := storage.QueueReviewTogglWrite(ctx, db, storage.ReviewTogglWrite{EntryID: id, Op: storage.OutboxSetProject,
				Payload: storage.SetProjectPayload{ProjectID: 2001, Billable: true}, Key: "set_project:1"})
			return err
		}, &yes},
		{"queued by review, non-billable project", 2, func(id int64) error {
			_, err := storage.QueueReviewTogglWrite(ctx, db, storage.ReviewTogglWrite{EntryID: id, Op: storage.OutboxSetProject,
				Payload: storage.SetProjectPayload{ProjectID: 2001, Billable: false}, Key: "set_project:2"})
			return err
		}, &no},
		{"enqueued with a flag", 3, func(id int64) error {
			_, err := storage.EnqueueOutbox(ctx, db, id, storage.OutboxSetProject,
				storage.OutboxPayload{ProjectID: 2001, Billable: &no}, "set_project:3")
			return err
		}, &no},
		{"old row without the flag", 4, func(id int64) error {
			_, err := storage.EnqueueOutbox(ctx, db, id, storage.OutboxSetProject,
				storage.OutboxPayload{ProjectID: 2001}, "set_project:4")
			return err
		}, nil},
	}
	for _, c := range cases {
		if err := c.enqueue(c.entry); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	items, err := storage.ClaimOutbox(ctx, db, time.Now().Add(time.Second), time.Minute, 10)
	if err != nil || len(items) != len(cases) {
		t.Fatalf("claimed %d rows, %v; want %d", len(items), err, len(cases))
	}
	byEntry := map[int64]storage.OutboxPayload{}
	for _, it := range items {
		byEntry[it.EntryID] = it.Payload
	}
	for _, c := range cases {
		got := byEntry[c.entry]
		switch {
		case got.ProjectID != 2001:
			t.Errorf("%s: project = %d; want 2001", c.name, got.ProjectID)
		case c.want == nil && got.Billable != nil:
			t.Errorf("%s: billable = %v; want none", c.name, *got.Billable)
		case c.want != nil && (got.Billable == nil || *got.Billable != *c.want):
			t.Errorf("%s: billable = %v; want %v", c.name, got.Billable, *c.want)
		}
	}
}
