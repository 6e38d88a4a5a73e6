package remind

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/schedule"
	"github.com/tallyhq/tally/storage"
)

// claimSet is the ledger rows a run holds right now. Its heartbeat renews
// them while their work runs, so a short claim lease never expires under a
// live engine however long Slack takes; rows left pending after a
// transient failure leave the set and go stale for a later attempt.
type claimSet struct {
	mu sync.Mutex
	m  map[int64]int // ledger id → attempt
}

func newClaimSet() *claimSet { return &claimSet{m: map[int64]int{}} }

func (c *claimSet) add(r *storage.Reminder) {
	c.mu.Lock()
	c.m[r.ID] = r.Attempts
	c.mu.Unlock()
}

func (c *claimSet) remove(r *storage.Reminder) {
	c.mu.Lock()
	delete(c.m, r.ID)
	c.mu.Unlock()
}

func (c *claimSet) list() []storage.HeldReminder {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]storage.HeldReminder, 0, len(c.m))
	for id, attempt := range c.m {
		out = append(out, storage.HeldReminder{ID: id, Attempt: attempt})
	}
	return out
}

// heartbeat renews the claims in held every HeartbeatEvery until stop is
// called. A failed renewal is logged and retried at the next beat: if the
// rows go stale meanwhile, another engine takes them over and the fence
// (TouchReminderClaim, FinishReminder) stops this one.
func (e *Engine) heartbeat(ctx context.Context, held *claimSet) (stop func()) {
	return schedule.Heartbeat(ctx, nil, e.opts.HeartbeatEvery, func(hctx context.Context) {
		list := held.list()
		if len(list) == 0 {
			return
		}
		n, err := storage.RenewReminderClaims(hctx, e.opts.DB, e.opts.Instance, list, e.opts.Now())
		if err != nil {
			if hctx.Err() == nil {
				e.log.Warn("renew reminder claims", zap.Int("claims", len(list)), zap.Error(err))
			}
			return
		}
		e.metrics.renewed.Add(float64(n))
		if e.opts.OnRenew != nil {
			e.opts.OnRenew(int(n))
		}
	})
}
