//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestKillDuringConfirmations kills `tally run` while people click Confirm
// and Confirm all, restarts it, and checks every click Slack saw
// acknowledged is a confirmation and none is doubled. Slack re-sends an
// envelope nobody acknowledged (to the restarted process); what it still
// could not deliver, the person clicks again.
func TestKillDuringConfirmations(t *testing.T) {
	w := newWorld(t, worldOpts{people: 40, entriesPerWeek: 12, ackRetries: 4})
	w.prepare()
	tl := w.startTally("chaos-a", 1)
	c := newClicker(t, w)
	c.openTimesheets(t)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); c.burst(ctx) }()
	waitFor(t, time.Minute, "a third of the clicks acknowledged", func() bool { return c.ackedCount() >= 100 })
	tl.kill()
	killedAt := time.Now()
	t.Logf("killed tally run after %d acknowledged clicks", c.ackedCount())
	w.restartTally(tl, 1)
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("clicks did not finish within 3 minutes")
	}
	recovered := time.Since(killedAt)
	o := c.verify(t)
	retried, still := c.retryUnsaved(t)
	t.Logf("clicks: %d sent, %d acknowledged (%d after Slack re-sent them), %d never acknowledged, %d buttons already gone; %d re-clicked after the restart, %d still unconfirmed",
		c.sent, o.accepted, c.redelivered, o.unacked, c.notSent, retried, still)
	record(t, row{Fault: "kill -9 tally run", Load: fmt.Sprintf("confirm burst: %d people, %d clicks (double clicks, Confirm all)", len(c.users), c.sent),
		Accepted: o.accepted, Lost: o.lost + still, Duplicated: o.duplicated, Recovered: recovered,
		Note: fmt.Sprintf("%d acked after Slack re-sent; %d unacked re-clicked", c.redelivered, o.unacked)})
}
