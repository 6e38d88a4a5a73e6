package bot

import (
	"context"
	"encoding/json"
	"fmt"
	gosync "sync"
	"time"

	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
)

// envelope is one request Slack handed the bot. It is acked at most once,
// whichever path (answer, refusal, panic) gets there first.
type envelope struct {
	typ      string // metric label: "slash_commands", "interactive", "events_api", "unparsed"
	id       string
	received time.Time
	// acceptsPayload is the envelope's accepts_response_payload: only then
	// does Slack read an ack's payload.
	acceptsPayload bool
	// sm is the connection it arrived on, where its ack goes.
	sm   *socketmode.Client
	once gosync.Once
}

func newEnvelope(c *conn, typ string, evt socketmode.Event) *envelope {
	env := &envelope{typ: typ, received: time.Now(), sm: c.sm}
	if evt.Request != nil {
		env.id = evt.Request.EnvelopeID
		env.acceptsPayload = evt.Request.AcceptsResponsePayload
	}
	return env
}

// spawn runs a handler in its own goroutine, tracked for shutdown. Envelopes
// from another workspace or app are acked and dropped before any handler
// runs; a handler that panics still gets its envelope acked.
func (b *Bot) spawn(ctx context.Context, c *conn, typ string, evt socketmode.Event, h func(context.Context, socketmode.Event, *envelope)) {
	b.m.envelopes.WithLabelValues(typ).Inc()
	env := newEnvelope(c, typ, evt)
	// Handlers outlive a shutdown signal long enough to finish what
	// Slack already handed us.
	hctx := context.WithoutCancel(ctx)
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		defer b.recoverAndAck(hctx, env)
		if b.foreign(hctx, evt, env) {
			return
		}
		h(hctx, evt, env)
	}()
}

// recoverAndAck turns a handler's panic into a logged error and makes sure
// its envelope was acked.
func (b *Bot) recoverAndAck(ctx context.Context, env *envelope) {
	r := recover()
	if r == nil {
		return
	}
	b.m.handlerErrors.WithLabelValues(env.typ).Inc()
	b.log.Error("handler panicked", zap.String("type", env.typ), zap.Any("panic", r), zap.Stack("stack"))
	b.ack(ctx, env, nil)
}

// panicError is a handler's panic, recovered and returned as an error.
type panicError struct{ value any }

func (e panicError) Error() string { return fmt.Sprintf("handler panicked: %v", e.value) }

// ack sends the envelope's ack unless it was sent already, recording its
// latency. A payload is only sent when Slack reads it.
func (b *Bot) ack(ctx context.Context, env *envelope, payload any) {
	if env.id == "" {
		return
	}
	env.once.Do(func() {
		if !env.acceptsPayload {
			payload = nil
		}
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := env.sm.AckCtx(actx, env.id, payload); err != nil {
			b.m.handlerErrors.WithLabelValues(env.typ).Inc()
			b.log.Warn("ack failed", zap.String("type", env.typ), zap.String("envelope_id", env.id), zap.Error(err))
			return
		}
		b.lastAck.Store(time.Now().UnixNano())
		b.m.ackLatency.WithLabelValues(env.typ).Observe(time.Since(env.received).Seconds())
	})
}

// ackBadMessage acks envelopes slack-go could not parse (unknown types,
// malformed payloads) so Slack does not redeliver them.
func (b *Bot) ackBadMessage(ctx context.Context, c *conn, evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	b.m.envelopes.WithLabelValues("unparsed").Inc()
	var raw struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if err := json.Unmarshal(bad.Message, &raw); err != nil || raw.EnvelopeID == "" {
		b.log.Warn("unreadable socket mode message", zap.Error(bad.Cause), zap.Int("bytes", len(bad.Message)))
		return
	}
	env := &envelope{typ: "unparsed", id: raw.EnvelopeID, received: time.Now(), sm: c.sm}
	b.log.Warn("acked an envelope we cannot handle", zap.String("envelope_type", capID(raw.Type)),
		zap.String("envelope_id", capID(env.id)), zap.Error(bad.Cause))
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		b.ack(context.WithoutCancel(ctx), env, nil)
	}()
}
