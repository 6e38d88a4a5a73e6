package app

import (
	"context"
	"errors"
	gosync "sync"
	"time"

	"go.uber.org/zap"
)

// drainSignal connects the inbox loop with whoever waits for it: wake asks
// for a drain now, and every drain, when it ends, releases the waiters that
// asked before it started.
type drainSignal struct {
	wakec   chan struct{}
	stopped chan struct{} // closed when the loop has ended

	mu   gosync.Mutex
	next chan struct{} // closed at the end of the next drain to start
}

func newDrainSignal() *drainSignal {
	return &drainSignal{wakec: make(chan struct{}, 1), stopped: make(chan struct{}), next: make(chan struct{})}
}

// wake asks the loop to drain now. It never blocks (the webhook handler's
// OnStored).
func (s *drainSignal) wake() {
	select {
	case s.wakec <- struct{}{}:
	default:
	}
}

// begin is called by the loop as a drain starts; the returned function is
// called as it ends.
func (s *drainSignal) begin() (end func()) {
	s.mu.Lock()
	cur := s.next
	s.next = make(chan struct{})
	s.mu.Unlock()
	return func() { close(cur) }
}

// ticket returns the channel closed when the next drain to start ends.
func (s *drainSignal) ticket() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next
}

// await wakes the loop and waits until a drain that started after the call
// has ended.
func (s *drainSignal) await(ctx context.Context) error {
	ch := s.ticket()
	s.wake()
	select {
	case <-ch:
		return nil
	case <-s.stopped:
		return errors.New("the inbox worker is not running")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run calls drain every interval, and at once when woken, until ctx
// ends, telling the waiters after each call.
func (s *drainSignal) run(ctx context.Context, every time.Duration, drain func(context.Context)) {
	defer close(s.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		end := s.begin()
		drain(ctx)
		end()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wakec:
		}
	}
}

// runInbox drains the BambooHR inbox every interval, and at once when a
// delivery is stored, until ctx ends. Database errors are logged and
// retried at the next tick.
func (a *App) runInbox(ctx context.Context, every time.Duration) {
	a.workers.inbox.run(ctx, every, func(ctx context.Context) {
		if _, err := a.workers.processor.RunOnce(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("inbox drain failed", zap.Error(err))
		}
	})
}
