//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestPostgresStoppedDuringWebhooksAndClicks stops the Postgres cluster for
// ten seconds while BambooHR webhook deliveries and Confirm clicks arrive.
// Deliveries tally cannot store are answered 503 and retried by the sender
// as BambooHR does; clicks it cannot save are answered "not saved, try
// again". After Postgres returns: every delivery answered 200 is in the
// inbox exactly once and applied, and every click acknowledged without that
// answer is a confirmation.
func TestPostgresStoppedDuringWebhooksAndClicks(t *testing.T) {
	w := newWorld(t, worldOpts{people: 30, entriesPerWeek: 12, ackRetries: 4})
	w.prepare()
	tl := w.startTally("chaos-pg", 1)
	c := newClicker(t, w)
	c.pause = 400 * time.Millisecond
	c.openTimesheets(t)
	load := newWebhookLoad(w, 60, 140)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); load.send(ctx, tl.webhook, 4, 150*time.Millisecond, 2*time.Minute) }()
	go func() { defer wg.Done(); c.burst(ctx) }()
	waitFor(t, time.Minute, "40 deliveries accepted", func() bool { return load.acceptedCount() >= 40 })
	t.Logf("stopping postgres: %d deliveries accepted, %d clicks acknowledged", load.acceptedCount(), c.ackedCount())
	stopPostgres(t)
	time.Sleep(10 * time.Second) // the outage itself
	t.Logf("starting postgres: %d deliveries accepted, %d clicks acknowledged", load.acceptedCount(), c.ackedCount())
	startServices(t)
	back := time.Now()
	wg.Wait()
	waitFor(t, 2*time.Minute, "every accepted delivery processed", load.applied)
	recovered := time.Since(back)
	if !tl.running() {
		t.Errorf("tally run exited during the outage: %v", tl.err)
	}

	accepted, lost, dup := load.verify(t)
	if len(load.gaveUp) > 0 {
		t.Errorf("%d deliveries never accepted within 2 minutes of retries", len(load.gaveUp))
	}
	record(t, row{Fault: "Postgres stopped 10 s", Load: fmt.Sprintf("webhook burst: %d signed deliveries (%d hires)", len(load.deliveries), 60),
		Accepted: accepted, Lost: lost + len(load.gaveUp), Duplicated: dup, Recovered: recovered,
		Note: fmt.Sprintf("%d attempts; %s", load.attempts, load.refusedSummary())})

	o := c.verify(t)
	retried, still := c.retryUnsaved(t)
	t.Logf("clicks: %d sent, %d acknowledged, %d told not saved, %d never acknowledged; %d re-clicked, %d still unconfirmed",
		c.sent, o.accepted, o.told, o.unacked, retried, still)
	record(t, row{Fault: "Postgres stopped 10 s", Load: fmt.Sprintf("confirm clicks: %d people, %d clicks", len(c.users), c.sent),
		Accepted: o.accepted, Lost: o.lost + still, Duplicated: o.duplicated, Recovered: recovered,
		Note: fmt.Sprintf("%d acked as 'not saved, try again', re-clicked: %d", o.told, retried)})
}
