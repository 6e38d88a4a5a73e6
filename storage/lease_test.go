package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

func TestLeaseAndJobClaims(t *testing.T) {
	db := storagetest.New(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	ttl := 15 * time.Second

	st, held, err := storage.AcquireLease(ctx, db, "scheduler", "a", t0, ttl)
	if err != nil || !held || st.Holder != "a" {
		t.Fatalf("a acquires: %+v %v %v", st, held, err)
	}
	st, held, err = storage.AcquireLease(ctx, db, "scheduler", "b", t0.Add(5*time.Second), ttl)
	if err != nil || held || st.Holder != "a" || !st.ExpiresAt.Equal(t0.Add(ttl)) {
		t.Fatalf("b while a holds: %+v %v %v", st, held, err)
	}
	if _, held, _ = storage.AcquireLease(ctx, db, "scheduler", "a", t0.Add(5*time.Second), ttl); !held {
		t.Fatal("a cannot renew")
	}
	// a stops renewing: b takes over at the expiry, not before.
	if _, held, _ = storage.AcquireLease(ctx, db, "scheduler", "b", t0.Add(19*time.Second), ttl); held {
		t.Fatal("b took an unexpired lease")
	}
	if _, held, _ = storage.AcquireLease(ctx, db, "scheduler", "b", t0.Add(20*time.Second), ttl); !held {
		t.Fatal("b could not take the expired lease")
	}
	// Releasing someone else's lease does nothing; releasing one's own frees it.
	if err := storage.ReleaseLease(ctx, db, "scheduler", "a"); err != nil {
		t.Fatal(err)
	}
	if _, held, _ = storage.AcquireLease(ctx, db, "scheduler", "a", t0.Add(21*time.Second), ttl); held {
		t.Fatal("a's release freed b's lease")
	}
	if err := storage.ReleaseLease(ctx, db, "scheduler", "b"); err != nil {
		t.Fatal(err)
	}
	if _, held, _ = storage.AcquireLease(ctx, db, "scheduler", "a", t0.Add(21*time.Second), ttl); !held {
		t.Fatal("a could not take the released lease")
	}

	ok, err := storage.ClaimJobSlot(ctx, db, "tick", "2026-11-27T16:00:00Z", "a", t0)
	if err != nil || !ok {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if ok, _ = storage.ClaimJobSlot(ctx, db, "tick", "2026-11-27T16:00:00Z", "b", t0); ok {
		t.Fatal("a slot was claimed twice")
	}
	if err := storage.FinishJobSlot(ctx, db, "tick", "2026-11-27T16:00:00Z", "a", t0.Add(time.Second), errors.New("boom")); err != nil {
		t.Fatal(err)
	}
	claims, err := storage.JobClaims(ctx, db, "tick", 10)
	if err != nil || len(claims) != 1 || claims[0].Status != "failed" || claims[0].Error != "boom" || claims[0].FinishedAt == nil {
		t.Fatalf("claims: %+v %v", claims, err)
	}
}

func TestReminderLedger(t *testing.T) {
	db := storagetest.New(t)
	ctx := context.Background()
	var id int64
	if err := db.QueryRow(ctx, `INSERT INTO employees (bamboo_id, email, slack_user_id, active) VALUES ('r1', 'r1@example.com', 'UR1', true) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	week := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	t0 := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	r, ok, err := storage.ClaimReminder(ctx, db, storage.ReminderWeekly, id, week, "a", t0)
	if err != nil || !ok || r.Attempts != 1 || r.Status != "claimed" {
		t.Fatalf("claim: %+v %v %v", r, ok, err)
	}
	if _, ok, _ = storage.ClaimReminder(ctx, db, storage.ReminderWeekly, id, week, "b", t0); ok {
		t.Fatal("claimed twice")
	}
	// Not stale yet: nobody takes it over.
	rows, err := storage.ReclaimStaleReminders(ctx, db, storage.ReminderWeekly, "b", t0.Add(time.Minute), t0, week, 10)
	if err != nil || len(rows) != 0 {
		t.Fatalf("early reclaim: %+v %v", rows, err)
	}
	rows, err = storage.ReclaimStaleReminders(ctx, db, storage.ReminderWeekly, "b", t0.Add(3*time.Minute), t0.Add(time.Minute), week, 10)
	if err != nil || len(rows) != 1 || rows[0].ClaimedBy != "b" || rows[0].Attempts != 2 {
		t.Fatalf("reclaim: %+v %v", rows, err)
	}
	// The fence: a has lost the row and can neither post nor finish it.
	if ok, _ := storage.TouchReminderClaim(ctx, db, r.ID, "a", 1, t0.Add(3*time.Minute)); ok {
		t.Fatal("the old claimer passed the fence")
	}
	if ok, _ := storage.FinishReminder(ctx, db, r.ID, "a", 1, t0, storage.ReminderOutcome{Status: "sent"}); ok {
		t.Fatal("the old claimer finished the row")
	}
	if ok, err := storage.FinishReminder(ctx, db, r.ID, "b", 2, t0.Add(4*time.Minute),
		storage.ReminderOutcome{Status: "sent", ChannelID: "D1", MessageTS: "1.2"}); err != nil || !ok {
		t.Fatalf("finish: %v %v", ok, err)
	}
	got, found, err := storage.ReminderFor(ctx, db, storage.ReminderWeekly, id, week)
	if err != nil || !found || got.Status != "sent" || got.ChannelID != "D1" || got.SentAt == nil {
		t.Fatalf("row: %+v %v %v", got, found, err)
	}
	people, err := storage.ReminderPeople(ctx, db, "")
	if err != nil || len(people) != 1 || people[0].DMChannel != "D1" {
		t.Fatalf("people: %+v %v", people, err)
	}
	if err := storage.RecordDMFailure(ctx, db, id, "r1", "user_not_found", t0); err != nil {
		t.Fatal(err)
	}
	if err := storage.RecordDMFailure(ctx, db, id, "r1", "account_inactive", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var detail string
	if err := db.QueryRow(ctx, `SELECT detail FROM roster_problems WHERE kind = 'dm_failed' AND subject = 'r1'`).Scan(&detail); err != nil || detail != "account_inactive" {
		t.Fatalf("roster problem: %q %v", detail, err)
	}
}

func TestPruneJobClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, slot := range []string{"a", "b", "c"} {
		if ok, err := storage.ClaimJobSlot(ctx, db, "j", slot, "me", old.AddDate(0, 0, i*40)); err != nil || !ok {
			t.Fatalf("claim %s: %v", slot, err)
		}
	}
	if err := storage.FinishJobSlot(ctx, db, "j", "a", "me", old, nil); err != nil {
		t.Fatal(err)
	}
	// "b" is finished too but recent; "c" is still running.
	if err := storage.FinishJobSlot(ctx, db, "j", "b", "me", old.AddDate(0, 0, 40), nil); err != nil {
		t.Fatal(err)
	}
	n, err := storage.PruneJobClaims(ctx, db, old.AddDate(0, 0, 30))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the one old finished claim", n, err)
	}
}

func TestRenewReminderClaims(t *testing.T) {
	t.Parallel()
	db := storagetest.New(t)
	ctx := context.Background()
	var a, b int64
	for _, row := range []struct {
		id  *int64
		bid string
	}{{&a, "h1"}, {&b, "h2"}} {
		if err := db.QueryRow(ctx, `INSERT INTO employees (bamboo_id, email, active) VALUES ($1, $1 || '@example.com', true) RETURNING id`, row.bid).Scan(row.id); err != nil {
			t.Fatal(err)
		}
	}
	week := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	t0 := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	ra, _, err := storage.ClaimReminder(ctx, db, storage.ReminderWeekly, a, week, "me", t0)
	if err != nil {
		t.Fatal(err)
	}
	rb, _, err := storage.ClaimReminder(ctx, db, storage.ReminderWeekly, b, week, "me", t0.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// a's row went stale and was taken over by a restarted "me" (attempt 2);
	// the old attempt's renewal must leave it alone and renew only b.
	if rows, err := storage.ReclaimStaleReminders(ctx, db, storage.ReminderWeekly, "me", t0.Add(time.Minute), t0.Add(time.Second), week, 10); err != nil || len(rows) != 1 {
		t.Fatalf("reclaim: %+v %v", rows, err)
	}
	held := []storage.HeldReminder{{ID: ra.ID, Attempt: 1}, {ID: rb.ID, Attempt: 1}}
	n, err := storage.RenewReminderClaims(ctx, db, "me", held, t0.Add(2*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("renewed %d, %v; want only the row still held at its attempt", n, err)
	}
	got, _, _ := storage.ReminderFor(ctx, db, storage.ReminderWeekly, b, week)
	if !got.ClaimedAt.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("b's claim at %s, want renewed", got.ClaimedAt)
	}
	got, _, _ = storage.ReminderFor(ctx, db, storage.ReminderWeekly, a, week)
	if got.Attempts != 2 || !got.ClaimedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("a's taken-over claim was renewed by the old attempt: %+v", got)
	}
}

// TestReclaimStaleRemindersHonoursItsLimit: a reclaim takes at most limit
// rows, so a batch cap holds even when many rows went stale together.
func TestReclaimStaleRemindersHonoursItsLimit(t *testing.T) {
	db := storagetest.New(t)
	ctx := context.Background()
	week := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	t0 := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		var id int64
		if err := db.QueryRow(ctx, `INSERT INTO employees (bamboo_id, email, slack_user_id, active) VALUES ($1, $2, $3, true) RETURNING id`,
			fmt.Sprintf("s%d", i), fmt.Sprintf("s%d@example.com", i), fmt.Sprintf("US%d", i)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := storage.ClaimReminder(ctx, db, storage.ReminderWeekly, id, week, "a", t0); err != nil || !ok {
			t.Fatalf("claim %d: %v %v", i, ok, err)
		}
	}
	for round, want := range []int{1, 1, 1, 0} {
		rows, err := storage.ReclaimStaleReminders(ctx, db, storage.ReminderWeekly, "b", t0.Add(time.Hour), t0.Add(time.Minute), week, 1)
		if err != nil || len(rows) != want {
			t.Fatalf("round %d: reclaimed %d rows (%v), want %d", round, len(rows), err, want)
		}
	}
}
