package schedule

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// ErrClaimLost is the cause of a job's context when its claim was taken
// over by another replica (it stopped renewing it for a whole claim lease):
// the other replica now runs the slot, so this run must stop.
var ErrClaimLost = errors.New("schedule: the claim was taken over by another replica")

// Heartbeat renews a claim while its work runs: it calls renew every
// interval on clk until the returned stop is called or ctx ends. renew gets
// ctx and decides itself what a failed or lost renewal means (log it,
// cancel the work); this is the pattern every leased claim in tally uses
// (job slots, reminder rows) so that a lease can be short: a live claimer
// keeps its claim however long the work takes, and a dead one's claim goes
// stale one lease after its last renewal. stop waits for a renewal in
// progress to return, so nothing runs after it.
func Heartbeat(ctx context.Context, clk clockwork.Clock, interval time.Duration, renew func(ctx context.Context)) (stop func()) {
	if clk == nil {
		clk = clockwork.NewRealClock()
	}
	hctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := clk.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.Chan():
				renew(hctx)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}
