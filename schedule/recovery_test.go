package schedule

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// claimAs records a running claim of job for slot by a replica, as if it
// had claimed it at the time and then died.
func claimAs(t *testing.T, db *storage.DB, job, slot, by string, at time.Time) {
	t.Helper()
	if ok, err := storage.ClaimJobSlot(context.Background(), db, job, slot, by, at); err != nil || !ok {
		t.Fatalf("claim %s %s: %v %v", job, slot, ok, err)
	}
}

func claimsBySlot(t *testing.T, db *storage.DB, job string) map[string]storage.JobClaim {
	t.Helper()
	cs, err := storage.JobClaims(context.Background(), db, job, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storage.JobClaim{}
	for _, c := range cs {
		out[c.Slot] = c
	}
	return out
}

func TestDeadReplicasSlotsAreRecovered(t *testing.T) {
	db := storagetest.New(t)
	clock := clockwork.NewFakeClockAt(t0)
	lease := 20 * time.Second
	nightly := MustCron("0 2 * * *")
	// The nightly job's slot whose replica died half an hour into the run,
	// an older slot it also left running (a later slot has run since), and a
	// minute job's slot whose claimer is alive (renewed 5 s ago).
	claimAs(t, db, "nightly", "2026-11-26T02:00:00Z", "dead", t0.Add(-25*time.Hour))
	claimAs(t, db, "nightly", "2026-11-27T02:00:00Z", "dead", t0.Add(-13*time.Hour))
	claimAs(t, db, "tick", "2026-11-27T15:58:00Z", "alive", t0.Add(-5*time.Second))

	ev := newEvents()
	ran := make(chan struct{}, 2)
	s, err := New(Options{DB: db, Instance: "new", Clock: clock, ClaimLease: lease, StopTimeout: 5 * time.Second,
		OnRun: func(job, slot string, err error) { ev.runs <- runEvent{"new", job, slot, err} }},
		Job{Name: "nightly", Schedule: nightly, Run: func(context.Context) error { ran <- struct{}{}; return nil }},
		Job{Name: "tick", Schedule: Every(time.Hour), Run: func(context.Context) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	// The first lease round finds the dead replica's slot and runs it again.
	if r := ev.waitRun(t, "2026-11-27T02:00:00Z"); r.job != "nightly" || r.err != nil {
		t.Fatalf("recovered run: %+v", r)
	}
	got := claimsBySlot(t, db, "nightly")
	if c := got["2026-11-27T02:00:00Z"]; c.Status != "ok" || c.ClaimedBy != "new" {
		t.Errorf("recovered slot: %+v", c)
	}
	if c := got["2026-11-26T02:00:00Z"]; c.Status != "failed" || c.FinishedAt == nil {
		t.Errorf("superseded slot not closed: %+v", c)
	}
	// The live claim is left alone until it goes a whole lease unrenewed.
	if c := claimsBySlot(t, db, "tick")["2026-11-27T15:58:00Z"]; c.Status != "running" || c.ClaimedBy != "alive" {
		t.Errorf("a live claim was taken over: %+v", c)
	}
	step(t, clock, 3, 20*time.Second) // lease timer, two job timers
	if r := ev.waitRun(t, "2026-11-27T15:58:00Z"); r.job != "tick" || r.err != nil {
		t.Fatalf("the claim that went stale: %+v", r)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(ran) != 1 {
		t.Errorf("the nightly job ran %d times, want once", len(ran))
	}
}

func TestLostClaimStopsTheRun(t *testing.T) {
	db := storagetest.New(t)
	clock := clockwork.NewFakeClockAt(t0)
	ev := newEvents()
	running := make(chan struct{})
	start(t, db, clock, ev, "slowpoke", Job{Name: "slow", Schedule: Every(time.Minute), Run: func(ctx context.Context) error {
		close(running)
		<-ctx.Done()
		return ctx.Err()
	}})
	ev.waitLeader(t)
	for clock.Now().Before(t0.Add(35 * time.Second)) {
		step(t, clock, 2, 5*time.Second)
	}
	<-running
	// Another replica judged the claim stale (say this one was cut off from
	// Postgres for a lease) and took the slot over.
	taken, _, err := storage.ReclaimStaleJobSlots(context.Background(), db, []string{"slow"}, "other",
		clock.Now(), clock.Now().Add(time.Hour), "2026-11-27T00:00:00Z")
	if err != nil || len(taken) != 1 {
		t.Fatalf("take over: %+v %v", taken, err)
	}
	// The next heartbeat finds the claim gone and stops the run.
	step(t, clock, 3, 10*time.Second)
	r := ev.waitRun(t, "2026-11-27T15:59:00Z")
	if !errors.Is(r.err, ErrClaimLost) {
		t.Fatalf("run ended with %v, want ErrClaimLost", r.err)
	}
	if c := claimsBySlot(t, db, "slow")["2026-11-27T15:59:00Z"]; c.ClaimedBy != "other" || c.Status != "running" {
		t.Errorf("the old claimer overwrote the taken-over claim: %+v", c)
	}
}
