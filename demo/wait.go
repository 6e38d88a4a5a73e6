package demo

import (
	"context"
	"time"
)

// awaitSlack waits up to timeout for cond, a check of what the Slack
// sandbox recorded (a published view, a DM, an ephemeral answer), to hold.
// tally answers Slack asynchronously after its ack, and the sandbox's Slack
// fake has no notification for recorded Web API calls (only for its socket
// connections), so cond is re-checked on a short ticker until it holds,
// the timeout passes or ctx ends — never with a bare sleep.
func awaitSlack(ctx context.Context, timeout time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
