// Package clock holds tally's one way to wait: a sleep that ends early when
// its context does, and the clock type components take so that tests can
// drive time instead of waiting for it.
package clock

import (
	"context"
	"time"
)

// Func returns the current time; components take one (defaulting to
// time.Now) wherever behaviour depends on the time of day.
type Func func() time.Time

// Sleep waits for d or until ctx ends, whichever comes first, and returns
// ctx's error in the second case. A zero or negative d returns at once
// (still reporting a cancelled ctx).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
