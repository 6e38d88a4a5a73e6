package bot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/bot"
)

// With several Socket Mode connections, Slack hands envelopes to any of
// them: each is answered, and acked on the connection it arrived on. When
// one connection drops, the others keep answering while it reconnects.
func TestSeveralConnections(t *testing.T) {
	h := newHarness(t, bot.Options{
		Connections: 3,
		Commands: commandFunc(func(_ context.Context, cmd slack.SlashCommand) (*bot.Message, error) {
			return bot.Ephemeral("Hello " + cmd.Text), nil
		}),
	}, harnessOptions{})
	if err := h.fake.WaitForConnections(h.ctx, 3); err != nil {
		t.Fatalf("three connections: %v", err)
	}
	burst := func(n int) map[int]int {
		var mu sync.Mutex
		var wg sync.WaitGroup
		used := map[int]int{}
		for i := range n {
			wg.Go(func() {
				text := fmt.Sprint(i)
				ack, err := h.fake.SlashCommand(h.ctx, "U001", "/timesheet", text)
				if err != nil {
					t.Errorf("command %d: %v", i, err)
					return
				}
				if ack.Text() != "Hello "+text {
					t.Errorf("command %d answered %q", i, ack.Text())
				}
				if ack.SentOn != ack.AckedOn {
					t.Errorf("command %d: sent on socket %d, acked on %d", i, ack.SentOn, ack.AckedOn)
				}
				mu.Lock()
				used[ack.SentOn]++
				mu.Unlock()
			})
		}
		wg.Wait()
		return used
	}
	if used := burst(12); len(used) != 3 {
		t.Errorf("envelopes went to sockets %v, want all three used", used)
	}
	// Each socket's hello is handled before its envelopes.
	if got := h.metric(t, "tally_slack_connected", ""); got != 3 {
		t.Errorf("tally_slack_connected = %v, want 3", got)
	}

	if !h.fake.DropConnection() {
		t.Fatal("no socket to drop")
	}
	// Answered at once by the two left, while the third reconnects.
	burst(6)
	if !h.bot.Connected() {
		t.Error("the bot says it is not connected with two sockets up")
	}
	if err := h.fake.WaitForConnections(h.ctx, 3); err != nil {
		t.Fatalf("the dropped connection did not come back: %v", err)
	}
	burst(6)
	if h.fake.StrayAcks() != 0 {
		t.Errorf("%d stray acks", h.fake.StrayAcks())
	}
	h.stop()
	if got := h.metric(t, "tally_slack_reconnects_total", ""); got != 1 {
		t.Errorf("tally_slack_reconnects_total = %v, want 1 (the dropped socket)", got)
	}
	if got := h.metric(t, "tally_slack_connected", ""); got != 0 {
		t.Errorf("tally_slack_connected after stop = %v", got)
	}
}
