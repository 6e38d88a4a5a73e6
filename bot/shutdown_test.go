package bot_test

import (
	"context"
	"testing"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/bot"
)

// A command already running when the bot is told to stop still gets its
// answer to Slack: the connection stays open until the handler is done, so
// Slack does not redeliver the envelope to another replica (which would run
// the command twice).
func TestStopFinishesEnvelopesInHand(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	h := newHarness(t, bot.Options{
		Commands: commandFunc(func(context.Context, slack.SlashCommand) (*bot.Message, error) {
			close(started)
			<-release
			return bot.Ephemeral("Confirmed."), nil
		}),
	}, harnessOptions{})
	draining := h.hook.wait("stopping: finishing the envelopes in hand before closing the connection")

	type answer struct {
		text string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		ack, err := h.fake.SlashCommand(h.ctx, "U001", "/confirm-all", "")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		answered <- answer{text: ack.Text()}
	}()
	select {
	case <-started:
	case <-h.ctx.Done():
		t.Fatal("handler never started")
	}
	h.cancel()
	select {
	case <-draining:
	case <-h.ctx.Done():
		t.Fatal("the bot never said it was finishing its envelopes")
	}
	close(release)
	a := <-answered
	if a.err != nil || a.text != "Confirmed." {
		t.Fatalf("answer after stop = %q, %v; want the handler's answer acked", a.text, a.err)
	}
	h.stop()
}
