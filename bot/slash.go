package bot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// maxAckPayload is the largest ack payload tally sends; Slack silently
// drops Socket Mode responses of 20 KB or more.
const maxAckPayload = 19 * 1024

// tooLong is the answer when a reply cannot fit an ack and there is no
// response_url to send it through.
const tooLong = "That answer is too long to show here. Try a shorter range."

func (b *Bot) handleSlash(ctx context.Context, evt socketmode.Event, env *envelope) {
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok || b.opts.Commands == nil {
		b.ack(ctx, env, nil)
		return
	}
	log := b.log.With(zap.String("command", cmd.Command), zap.String("user", cmd.UserID))
	hctx, cancel := context.WithDeadline(ctx, env.received.Add(b.opts.AckBudget))
	defer cancel()
	msg, err := b.runCommand(hctx, cmd)
	if err != nil {
		b.m.handlerErrors.WithLabelValues(env.typ).Inc()
		if model.ErrorCodeOf(err) == model.EInternal {
			log.Error("slash command failed", zap.Error(err))
		}
		msg = Ephemeral(userSentence(err))
	}
	if msg == nil {
		msg = Ephemeral("Done.")
	}
	if msg.ResponseType == "" {
		msg.ResponseType = "ephemeral"
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		log.Error("slash command answer cannot be encoded", zap.Error(err))
		msg = Ephemeral(model.ErrorMessage(err))
		raw, _ = json.Marshal(msg)
	}
	fits := len(raw) < maxAckPayload
	if fits && env.acceptsPayload {
		b.ack(ctx, env, msg)
		return
	}
	if cmd.ResponseURL == "" {
		if !fits {
			msg = Ephemeral(tooLong)
		}
		b.ack(ctx, env, msg)
		return
	}
	// Slack drops acks of 20 KB or more and ignores a payload it did not
	// ask for: ack empty, then answer through response_url, which takes
	// the full message.
	b.ack(ctx, env, nil)
	if err := b.postResponse(ctx, cmd.ResponseURL, msg); err != nil {
		b.m.handlerErrors.WithLabelValues(env.typ).Inc()
		log.Warn("answer through response_url failed", zap.Error(err))
	}
}

// runCommand runs the command handler until it answers or its context
// ends, whichever comes first; a handler that overruns is left to finish
// in the background (tracked for shutdown) and a panic becomes an error.
func (b *Bot) runCommand(ctx context.Context, cmd slack.SlashCommand) (*Message, error) {
	type result struct {
		msg *Message
		err error
	}
	done := make(chan result, 1)
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("slash command handler panicked", zap.Any("panic", r), zap.Stack("stack"))
				done <- result{err: panicError{r}}
			}
		}()
		msg, err := b.opts.Commands.HandleCommand(ctx, cmd)
		done <- result{msg, err}
	}()
	select {
	case res := <-done:
		return res.msg, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// postResponse sends a message to a response_url.
func (b *Bot) postResponse(ctx context.Context, url string, msg *Message) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	wm := &slack.WebhookMessage{Text: msg.Text, ResponseType: msg.ResponseType, ReplaceOriginal: msg.ReplaceOriginal}
	if len(msg.Blocks) > 0 {
		wm.Blocks = &slack.Blocks{BlockSet: msg.Blocks}
	}
	return slack.PostWebhookCustomHTTPContext(ctx, url, responseClient, wm)
}

// responseClient posts to response_url with a timeout.
var responseClient = &http.Client{Timeout: 10 * time.Second}

// userSentence turns a handler error into what the user reads.
func userSentence(err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Unavailable
	}
	if model.ErrorCodeOf(err) == model.EUnavailable || storage.IsUnavailable(err) {
		return Unavailable
	}
	return model.ErrorMessage(err)
}
