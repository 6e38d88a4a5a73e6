package remind

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
)

// refreshTimeout bounds one queued redraw, Retry-After waits included.
const refreshTimeout = 2 * time.Minute

// refreshKey is one sent weekly DM: a person's week.
type refreshKey struct {
	employeeID int64
	week       time.Time
}

// refresher is the queue of weekly DMs to redraw. A key is queued at most
// once: requests for a key already waiting coalesce into one redraw, which
// reads the week as it is when it runs. A request that arrives while its
// key is being redrawn queues it again, so the last change is always drawn.
type refresher struct {
	mu      sync.Mutex
	queued  map[refreshKey]bool
	order   []refreshKey
	wake    chan struct{} // one token: something was queued
	idle    chan struct{} // closed while the queue is empty and nothing is drawn
	working bool
}

func newRefresher() *refresher {
	idle := make(chan struct{})
	close(idle)
	return &refresher{queued: map[refreshKey]bool{}, wake: make(chan struct{}, 1), idle: idle}
}

// RequestUpdate asks for the person's sent weekly DM of week to be redrawn
// with the week as it stands, soon and off the caller's path: it never
// blocks and never calls Slack. chat.update is a Tier 3 method (about 50
// calls a minute per workspace): redrawing in the request path made every
// click and /confirm-all of a busy Friday wait out Slack's Retry-After past
// the 3-second ack. RunUpdates does the redraws; requests for a DM already
// waiting coalesce into one.
func (e *Engine) RequestUpdate(employeeID int64, week model.Week) {
	r := e.refresh
	k := refreshKey{employeeID: employeeID, week: week.Start}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.queued[k] {
		return
	}
	r.queued[k] = true
	r.order = append(r.order, k)
	if !r.working && len(r.order) == 1 {
		r.idle = make(chan struct{})
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// RunUpdates redraws the DMs RequestUpdate queued, one at a time in the
// order asked (Slack's per-method limit is the bottleneck, not tally), until
// ctx ends. A failed redraw is logged and dropped: the next change of that
// week queues it again.
func (e *Engine) RunUpdates(ctx context.Context) {
	r := e.refresh
	for {
		k, ok := r.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
				continue
			}
		}
		uctx, cancel := context.WithTimeout(ctx, refreshTimeout)
		err := e.UpdateSentMessage(uctx, k.employeeID, model.WeekOf(k.week))
		cancel()
		r.done()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			e.log.Warn("update reminder DM", zap.Int64("employee", k.employeeID), zap.String("week", k.week.Format(time.DateOnly)), zap.Error(err))
		}
	}
}

// AwaitUpdates returns once no redraw is queued or running, or when ctx
// ends: the signal tests and the demo wait on.
func (e *Engine) AwaitUpdates(ctx context.Context) error {
	r := e.refresh
	r.mu.Lock()
	idle := r.idle
	r.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// next takes the oldest queued key; false when none is queued.
func (r *refresher) next() (refreshKey, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.order) == 0 {
		return refreshKey{}, false
	}
	k := r.order[0]
	r.order = r.order[1:]
	delete(r.queued, k)
	r.working = true
	return k, true
}

// done marks the running redraw finished.
func (r *refresher) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.working = false
	if len(r.order) == 0 {
		close(r.idle)
	}
}
