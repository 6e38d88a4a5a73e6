//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestPostgresOutageAndReminderKill runs the Postgres outage scenario, then
// the reminder kill scenario against its own world. The outage's webhook
// row is finished (every accepted delivery applied) before the reminder
// scenario starts, so its recovery time is the inbox worker's alone:
// deliveries cut off mid-processing are retried one claim lease
// (roster.DefaultInboxLease) after their claimer stopped renewing them.
func TestPostgresOutageAndReminderKill(t *testing.T) {
	pg := startPostgresOutage(t)
	pg.finish(t)
	if !testing.Short() {
		t.Run("kill during reminder fan-out", testKillDuringReminderFanOut)
	}
}

// postgresOutage is the Postgres scenario between the outage and its checks.
type postgresOutage struct {
	w      *world
	tl     *tally
	c      *clicker
	load   *webhookLoad
	back   time.Time
	stored time.Duration
}

// startPostgresOutage stops the Postgres cluster for ten seconds while
// BambooHR webhook deliveries and Confirm clicks arrive. Deliveries tally
// cannot store are answered 503 and retried by the sender as BambooHR
// does; clicks it cannot save are answered "not saved, try again" and
// clicked again. It checks at once that every delivery answered 200 is in
// the inbox exactly once and every click acknowledged without that answer
// is a confirmation; finish checks the deliveries were applied.
func startPostgresOutage(t *testing.T) *postgresOutage {
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
	hold(t, 10*time.Second) // the outage itself
	t.Logf("starting postgres: %d deliveries accepted, %d clicks acknowledged", load.acceptedCount(), c.ackedCount())
	startServices(t)
	p := &postgresOutage{w: w, tl: tl, c: c, load: load, back: time.Now()}
	wg.Wait()
	p.stored = time.Since(p.back)
	if !tl.running() {
		t.Errorf("tally run exited during the outage: %v", tl.err)
	}
	if len(load.gaveUp) > 0 {
		t.Errorf("%d deliveries never accepted within 2 minutes of retries", len(load.gaveUp))
	}

	o := c.verify(t)
	retried, still := c.retryUnsaved(t)
	t.Logf("clicks: %d sent, %d acknowledged, %d told not saved, %d never acknowledged; %d re-clicked, %d still unconfirmed",
		c.sent, o.accepted, o.told, o.unacked, retried, still)
	record(t, row{Fault: "Postgres stopped 10 s", Load: fmt.Sprintf("confirm clicks: %d people, %d clicks", len(c.users), c.sent),
		Accepted: o.accepted - o.told, Lost: o.lost + still, Duplicated: o.duplicated, Recovered: p.stored,
		Note: fmt.Sprintf("%d acked with 'not saved / went wrong, try again'; re-clicked %d", o.told, retried)})
	return p
}

// finish waits until every accepted delivery is applied and records the
// webhook row.
func (p *postgresOutage) finish(t *testing.T) {
	t.Helper()
	pending := p.w.count(`SELECT count(*) FROM webhook_inbox WHERE status = 'pending'`)
	waitFor(t, 6*time.Minute, "every accepted delivery processed", p.load.applied)
	recovered := time.Since(p.back)
	accepted, lost, dup := p.load.verify(t)
	record(t, row{Fault: "Postgres stopped 10 s", Load: fmt.Sprintf("webhook burst: %d signed deliveries (60 hires)", len(p.load.deliveries)),
		Accepted: accepted, Lost: lost + len(p.load.gaveUp), Duplicated: dup, Recovered: recovered,
		Note: fmt.Sprintf("all stored %s after restart; %d cut off mid-processing waited out the claim lease; %s",
			p.stored.Round(100*time.Millisecond), pending, p.load.refusedSummary())})
}
