package bot

import (
	"context"
	"encoding/json"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
)

// SuggestionHandler answers an external select's block_suggestion (the
// person typed in a picker). Its result is the ack payload:
// {"options":[...]} or {"option_groups":[...]}, within Slack's limits (at
// most 100 options, option text at most 75 characters).
type SuggestionHandler interface {
	HandleSuggestion(ctx context.Context, s Suggestion) (any, error)
}

// Suggestion is what a block_suggestion asks: who typed what in which
// select. It is all a handler needs, and small: a person typing sends one
// per keystroke, and slack-go's InteractionCallback is nearly 4 KB to copy.
type Suggestion struct {
	UserID   string
	ActionID string
	BlockID  string
	Value    string // what the person typed
}

// suggestionOf reads a block_suggestion's question.
func suggestionOf(cb *slack.InteractionCallback) Suggestion {
	return Suggestion{UserID: cb.User.ID, ActionID: cb.ActionID, BlockID: cb.BlockID, Value: cb.Value}
}

// noOptions is the answer when there is nothing to offer, the handler
// failed or it overran the ack budget: an empty list, which Slack shows
// as "no results" instead of an error.
var noOptions = json.RawMessage(`{"options":[]}`)

// handleSuggestion acks a block_suggestion with the handler's options, or
// with noOptions when the handler fails or is not done within the budget.
func (b *Bot) handleSuggestion(ctx context.Context, sg Suggestion, env *envelope) {
	if b.opts.Suggestions == nil {
		b.ack(ctx, env, noOptions)
		return
	}
	// The logger is built only when there is something to log: a person
	// typing sends one of these per keystroke.
	log := func() *zap.Logger {
		return b.log.With(zap.String("user", sg.UserID), zap.String("interaction", string(slack.InteractionTypeBlockSuggestion)))
	}
	hctx, cancel := context.WithDeadline(ctx, env.received.Add(b.opts.AckBudget))
	defer cancel()
	type answer struct {
		payload any
		err     error
	}
	done := make(chan answer, 1)
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		defer func() {
			if r := recover(); r != nil {
				log().Error("suggestion handler panicked", zap.Any("panic", r), zap.Stack("stack"))
				done <- answer{err: panicError{r}}
			}
		}()
		p, err := b.opts.Suggestions.HandleSuggestion(hctx, sg)
		done <- answer{p, err}
	}()
	select {
	case a := <-done:
		if a.err != nil || a.payload == nil {
			if a.err != nil && model.ErrorCodeOf(a.err) == model.EInternal {
				b.m.handlerErrors.WithLabelValues(env.typ).Inc()
				log().Warn("suggestion failed", zap.Error(a.err))
			}
			b.ack(ctx, env, noOptions)
			return
		}
		b.ack(ctx, env, a.payload)
	case <-hctx.Done():
		b.m.handlerErrors.WithLabelValues(env.typ).Inc()
		log().Warn("suggestion overran its ack budget; offered nothing", zap.Duration("budget", b.opts.AckBudget))
		b.ack(ctx, env, noOptions)
	}
}
