package schedule

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/storage"
)

// errNotLeader is what IsLeader returns on a follower; gocron then skips the run.
var errNotLeader = errors.New("not the leader")

// lease keeps this replica's claim on the leader_lease row: it renews the
// lease every ttl/3 while it holds it, and while another replica holds it
// wakes at that lease's expiry, so a dead leader is replaced within ttl.
type lease struct {
	db       *storage.DB
	name     string
	holder   string
	ttl      time.Duration
	clock    clockwork.Clock
	log      *zap.Logger
	onChange func(leading bool)
	// onHeld, if set, runs after each round in which this replica holds
	// the lease (the leader's recovery of dead replicas' job claims).
	onHeld func(ctx context.Context, now time.Time)

	mu    sync.Mutex
	until time.Time // our lease's expiry; zero when another replica holds it
}

// IsLeader implements gocron.Elector: nil while this replica holds an
// unexpired lease, by its own clock.
func (l *lease) IsLeader(context.Context) error {
	if l.leading(l.clock.Now()) {
		return nil
	}
	return errNotLeader
}

func (l *lease) leading(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return now.Before(l.until)
}

func (l *lease) set(until time.Time) {
	l.mu.Lock()
	was := !l.until.IsZero()
	l.until = until
	l.mu.Unlock()
	if now := !until.IsZero(); now != was && l.onChange != nil {
		l.onChange(now)
	}
}

// run acquires and renews the lease until ctx ends, then releases it when
// release is set (a replica that is killed cannot, and its lease expires).
func (l *lease) run(ctx context.Context, release bool) {
	for {
		wait := l.round(ctx)
		// A timer stopped on the way out, not clock.After: an abandoned
		// After keeps waiting on the clock after the loop has gone.
		timer := l.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			if release && l.leading(l.clock.Now()) {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if err := storage.ReleaseLease(rctx, l.db, l.name, l.holder); err != nil {
					l.log.Warn("release leader lease", zap.Error(err))
				}
				cancel()
			}
			l.set(time.Time{})
			return
		case <-timer.Chan():
		}
	}
}

// round makes one acquire-or-renew attempt and returns how long to wait
// before the next one.
func (l *lease) round(ctx context.Context) time.Duration {
	renew := l.ttl / 3
	now := l.clock.Now()
	actx, cancel := context.WithTimeout(ctx, renew)
	st, held, err := storage.AcquireLease(actx, l.db, l.name, l.holder, now, l.ttl)
	cancel()
	switch {
	case err != nil:
		if ctx.Err() == nil {
			l.log.Warn("leader lease", zap.Error(err))
		}
		// Keep what we had: it lapses by itself at its expiry if renewals
		// keep failing, and the other replicas take over.
		if !l.leading(l.clock.Now()) {
			l.set(time.Time{})
		}
		return renew
	case held:
		l.set(st.ExpiresAt)
		if l.onHeld != nil {
			l.onHeld(ctx, now)
		}
		return renew
	default:
		l.set(time.Time{})
		if d := st.ExpiresAt.Sub(now); d > 0 && d < renew {
			return d
		}
		return renew
	}
}
