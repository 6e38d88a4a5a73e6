package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
)

// interaction is what an InteractionHandler returned.
type interaction struct {
	ack      any
	followUp func(context.Context)
	err      error
}

func (b *Bot) handleInteractive(ctx context.Context, evt socketmode.Event, env *envelope) {
	cb, ok := evt.Data.(slack.InteractionCallback)
	switch {
	case ok && cb.Type == slack.InteractionTypeBlockSuggestion:
		b.handleSuggestion(ctx, suggestionOf(&cb), env)
	case !ok || b.opts.Interactions == nil:
		b.ack(ctx, env, nil)
	default:
		b.handleInteraction(ctx, cb, env)
	}
}

// handleInteraction runs the interaction handler on cb within the ack
// budget, acks with its payload and runs its follow-up. (Its own function:
// the handler's goroutine holds a copy of cb, which only this path pays for.)
func (b *Bot) handleInteraction(ctx context.Context, cb slack.InteractionCallback, env *envelope) {
	log := b.log.With(zap.String("user", cb.User.ID), zap.String("interaction", string(cb.Type)))
	hctx, cancel := context.WithDeadline(ctx, env.received.Add(b.opts.AckBudget))
	defer cancel()
	done := make(chan interaction, 1)
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		defer func() {
			if r := recover(); r != nil {
				log.Error("interaction handler panicked", zap.Any("panic", r), zap.Stack("stack"))
				done <- interaction{err: panicError{r}}
			}
		}()
		payload, followUp, err := b.opts.Interactions.HandleInteraction(hctx, cb)
		done <- interaction{payload, followUp, err}
	}()

	var res interaction
	select {
	case res = <-done:
	case <-hctx.Done():
		// Slack shows an error after 3 s without an ack: ack plain now and
		// let the handler finish; its follow-up still runs.
		b.m.handlerErrors.WithLabelValues(env.typ).Inc()
		log.Warn("interaction overran its ack budget; acked without a payload", zap.Duration("budget", b.opts.AckBudget))
		b.ack(ctx, env, nil)
		res = <-done
		res.ack = nil
	}
	if res.err != nil {
		// A refusal the user is told about is routine; anything else is not.
		if model.ErrorCodeOf(res.err) == model.EInternal {
			b.m.handlerErrors.WithLabelValues(env.typ).Inc()
			log.Warn("interaction failed", zap.Error(res.err))
		} else {
			log.Debug("interaction refused", zap.Error(res.err))
		}
	}
	b.ack(ctx, env, res.ack)
	if res.followUp != nil {
		b.followUp(ctx, res.followUp)
	}
}

func (b *Bot) handleEventsAPI(ctx context.Context, evt socketmode.Event, env *envelope) {
	// Events need only an ack; the work follows it.
	b.ack(ctx, env, nil)
	outer, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok || outer.Type != slackevents.CallbackEvent {
		return
	}
	switch ev := outer.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		if ev.Tab != "" && ev.Tab != "home" {
			return
		}
		if b.opts.Home == nil {
			return
		}
		b.followUp(ctx, func(hctx context.Context) {
			if err := b.opts.Home.PublishHome(hctx, ev.User); err != nil {
				b.m.handlerErrors.WithLabelValues(env.typ).Inc()
				b.log.Warn("publish home failed", zap.String("user", ev.User), zap.Error(err))
			}
		})
	default:
		b.log.Debug("ignored event", zap.String("event_type", outer.InnerEvent.Type))
	}
}

// followUp runs work that follows an ack, at most MaxFollowUps at a time
// and within FollowUpTimeout (waiting for a slot counts).
func (b *Bot) followUp(ctx context.Context, fn func(context.Context)) {
	fctx, cancel := context.WithTimeout(ctx, b.opts.FollowUpTimeout)
	defer cancel()
	select {
	case b.followUps <- struct{}{}:
	case <-fctx.Done():
		b.log.Warn("follow-up dropped: too much queued work")
		return
	}
	defer func() { <-b.followUps }()
	fn(fctx)
}
