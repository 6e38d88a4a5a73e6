package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/bot"
)

// An interaction handler that panics or overruns still has its envelope
// acked once, in budget; an overrunning handler's follow-up still runs.
func TestInteractionPanicOrOverrunStillAcks(t *testing.T) {
	const budget = 300 * time.Millisecond
	tests := []struct {
		name         string
		handle       func(release <-chan struct{}, followed chan<- struct{}) (any, func(context.Context), error)
		wantFollowUp bool
	}{{
		name: "panic",
		handle: func(<-chan struct{}, chan<- struct{}) (any, func(context.Context), error) {
			panic("nil map")
		},
	}, {
		name: "overrun ignoring its context",
		handle: func(release <-chan struct{}, followed chan<- struct{}) (any, func(context.Context), error) {
			<-release
			return map[string]any{"response_action": "clear"}, func(context.Context) { close(followed) }, nil
		},
		wantFollowUp: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			followed := make(chan struct{})
			h := newHarness(t, bot.Options{
				AckBudget: budget,
				Interactions: interactionFunc(func(context.Context, slack.InteractionCallback) (any, func(context.Context), error) {
					return tt.handle(release, followed)
				}),
			}, harnessOptions{})
			ack, err := h.fake.ViewSubmission(h.ctx, "U001", "V0REJECT", "reject_week", "2026-W02", nil)
			close(release)
			if err != nil {
				t.Fatalf("view submission not acked within Slack's 3 s: %v", err)
			}
			if ack.Payload != nil {
				t.Errorf("ack payload = %s, want a plain ack", ack.Payload)
			}
			if tt.wantFollowUp {
				select {
				case <-followed:
				case <-h.ctx.Done():
					t.Fatal("the overrunning handler's follow-up never ran")
				}
			}
			h.stop()
			if got := h.acks(t); len(got) != 1 || got["interactive"] != 1 {
				t.Errorf("acks sent = %v, want exactly one", got)
			}
			if n := h.fake.StrayAcks(); n != 0 {
				t.Errorf("fake saw %d stray acks", n)
			}
		})
	}
}
