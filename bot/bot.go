package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Message is what a slash command or action answers with: an ephemeral (or
// in-channel) message, or an update of the message that was clicked.
type Message struct {
	Text            string        `json:"text,omitempty"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ResponseType    string        `json:"response_type,omitempty"` // "ephemeral" (default) or "in_channel"
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
}

// Ephemeral returns a plain ephemeral sentence.
func Ephemeral(text string) *Message {
	return &Message{Text: text, ResponseType: "ephemeral"}
}

// CommandHandler answers slash commands. The context carries the ack budget:
// an answer that is not ready by then is replaced by a "try again" sentence.
type CommandHandler interface {
	HandleCommand(ctx context.Context, cmd slack.SlashCommand) (*Message, error)
}

// InteractionHandler handles block actions and modal submissions. Its
// result is the ack payload (nil for a plain ack; for view submissions, e.g.
// {"response_action":"errors",...}). Follow-up work that may take longer
// (updating a message, publishing a view) goes in the returned followUp,
// which the bot runs after the ack.
type InteractionHandler interface {
	HandleInteraction(ctx context.Context, cb slack.InteractionCallback) (ack any, followUp func(context.Context), err error)
}

// HomeHandler publishes the App Home view for a user.
type HomeHandler interface {
	PublishHome(ctx context.Context, userID string) error
}

// Options configure a Bot.
type Options struct {
	API          *slack.Client
	Logger       *zap.Logger
	Registerer   prometheus.Registerer
	Commands     CommandHandler
	Interactions InteractionHandler
	Home         HomeHandler
	// AckBudget is how long a handler may work before the bot acks with a
	// "try again" sentence instead; Slack allows 3 s end to end.
	AckBudget time.Duration
	// FollowUpTimeout bounds work done after an ack.
	FollowUpTimeout time.Duration
	// PingInterval is how long without a server ping before reconnecting
	// (slack-go's default 30 s when zero).
	PingInterval time.Duration
	// MaxFollowUps bounds follow-up work (redrawing messages, publishing
	// views) running at once, so a burst of clicks cannot take every
	// database connection from the writes that must happen before an ack.
	// Default 4.
	MaxFollowUps int
}

// Bot is a running Socket Mode connection and its dispatcher.
type Bot struct {
	opts      Options
	api       *slack.Client
	sm        *socketmode.Client
	log       *zap.Logger
	m         *metrics
	inflight  gosync.WaitGroup
	followUps chan struct{} // bounds concurrent follow-up work
	connected atomic.Bool
	connects  atomic.Int64
}

// Unavailable is the sentence users see when tally cannot answer in time.
const Unavailable = "tally can't reach its database right now, so I can't answer. Please try again in a minute."

// New builds a Bot. The Slack client must carry the app-level token
// (slack.OptionAppLevelToken) for Socket Mode.
func New(opts Options) *Bot {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.AckBudget <= 0 {
		opts.AckBudget = 2500 * time.Millisecond
	}
	if opts.FollowUpTimeout <= 0 {
		opts.FollowUpTimeout = 30 * time.Second
	}
	if opts.MaxFollowUps <= 0 {
		opts.MaxFollowUps = 4
	}
	smOpts := []socketmode.Option{}
	if opts.PingInterval > 0 {
		smOpts = append(smOpts, socketmode.OptionPingInterval(opts.PingInterval))
	}
	return &Bot{
		opts: opts,
		api:  opts.API,
		sm:   socketmode.New(opts.API, smOpts...),
		log:  opts.Logger.Named("bot"),
		m:    newMetrics(opts.Registerer),

		followUps: make(chan struct{}, opts.MaxFollowUps),
	}
}

// Connected reports whether the Socket Mode connection is up, for /readyz.
func (b *Bot) Connected() bool { return b.connected.Load() }

// ErrInvalidAuth means Slack refused the tokens; retrying will not help.
var ErrInvalidAuth = errors.New("slack refused the token (invalid_auth): check SLACK_APP_TOKEN and SLACK_BOT_TOKEN")

// CheckAuth calls auth.test with the bot token so a bad token fails fast at
// start with a clear message.
func (b *Bot) CheckAuth(ctx context.Context) (*slack.AuthTestResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := b.api.AuthTestContext(ctx)
	if err != nil {
		if isAuthError(err) {
			return nil, fmt.Errorf("%w: %s", ErrInvalidAuth, err.Error())
		}
		return nil, fmt.Errorf("slack auth.test: %w", err)
	}
	return resp, nil
}

// isAuthError reports whether Slack refused the token itself (retrying
// will not help), as opposed to a rate limit or an outage.
func isAuthError(err error) bool {
	code := err.Error()
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		code = se.Err
	}
	switch code {
	case "invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired":
		return true
	}
	return false
}

// Run connects and dispatches envelopes until ctx is cancelled or Slack
// refuses the tokens. On return every in-flight handler has finished.
func (b *Bot) Run(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- b.sm.RunContext(runCtx) }()

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-errc:
			runErr = err
			break loop
		case evt, ok := <-b.sm.Events:
			if !ok {
				break loop
			}
			if err := b.dispatch(runCtx, evt); err != nil {
				runErr = err
				break loop
			}
		}
	}
	cancel()
	b.connected.Store(false)
	b.m.connected.Set(0)
	// Finish what was accepted: handlers run on contexts detached from the
	// connection, bounded by their own timeouts.
	b.inflight.Wait()
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		if isAuthError(runErr) {
			return fmt.Errorf("%w: %s", ErrInvalidAuth, runErr.Error())
		}
		return fmt.Errorf("socket mode: %w", runErr)
	}
	return nil
}

// dispatch handles one socketmode event without blocking the loop.
func (b *Bot) dispatch(ctx context.Context, evt socketmode.Event) error {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.log.Debug("connecting to slack")
	case socketmode.EventTypeConnected:
		if b.connects.Add(1) > 1 {
			b.m.reconnects.Inc()
		}
		b.log.Info("connected to slack")
	case socketmode.EventTypeHello:
		b.connected.Store(true)
		b.m.connected.Set(1)
	case socketmode.EventTypeDisconnect:
		b.connected.Store(false)
		b.m.connected.Set(0)
		b.log.Info("slack asked us to reconnect")
	case socketmode.EventTypeConnectionError:
		b.connected.Store(false)
		b.m.connected.Set(0)
		b.log.Warn("slack connection error", zap.Any("detail", evt.Data))
	case socketmode.EventTypeInvalidAuth:
		return ErrInvalidAuth
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("socket mode error", zap.String("type", string(evt.Type)), zap.Any("detail", evt.Data))
	case socketmode.EventTypeErrorBadMessage:
		b.ackBadMessage(ctx, evt)
	case socketmode.EventTypeSlashCommand:
		b.spawn(ctx, "slash_commands", evt, b.handleSlash)
	case socketmode.EventTypeInteractive:
		b.spawn(ctx, "interactive", evt, b.handleInteractive)
	case socketmode.EventTypeEventsAPI:
		b.spawn(ctx, "events_api", evt, b.handleEventsAPI)
	default:
		b.log.Debug("ignored socket mode event", zap.String("type", string(evt.Type)))
	}
	return nil
}

// spawn runs a handler in its own goroutine, tracked for shutdown.
func (b *Bot) spawn(ctx context.Context, typ string, evt socketmode.Event, h func(context.Context, socketmode.Event, time.Time)) {
	b.m.envelopes.WithLabelValues(typ).Inc()
	received := time.Now()
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		defer func() {
			if r := recover(); r != nil {
				b.m.handlerErrors.WithLabelValues(typ).Inc()
				b.log.Error("handler panicked", zap.String("type", typ), zap.Any("panic", r))
				if evt.Request != nil {
					b.ack(context.WithoutCancel(ctx), typ, evt.Request.EnvelopeID, nil, received)
				}
			}
		}()
		// Handlers outlive a shutdown signal long enough to finish what
		// Slack already handed us.
		h(context.WithoutCancel(ctx), evt, received)
	}()
}

// ack sends the ack once, recording its latency.
func (b *Bot) ack(ctx context.Context, typ, envelopeID string, payload any, received time.Time) {
	if envelopeID == "" {
		return
	}
	actx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := b.sm.AckCtx(actx, envelopeID, payload); err != nil {
		b.m.handlerErrors.WithLabelValues(typ).Inc()
		b.log.Warn("ack failed", zap.String("type", typ), zap.String("envelope_id", envelopeID), zap.Error(err))
		return
	}
	b.m.ackLatency.WithLabelValues(typ).Observe(time.Since(received).Seconds())
}

// ackBadMessage acks envelopes slack-go could not parse (unknown types,
// malformed payloads) so Slack does not redeliver them.
func (b *Bot) ackBadMessage(ctx context.Context, evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	b.m.envelopes.WithLabelValues("unparsed").Inc()
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if err := json.Unmarshal(bad.Message, &env); err != nil || env.EnvelopeID == "" {
		b.log.Warn("unreadable socket mode message", zap.Error(bad.Cause), zap.Int("bytes", len(bad.Message)))
		return
	}
	b.log.Warn("acked an envelope we cannot handle", zap.String("envelope_type", env.Type), zap.String("envelope_id", env.EnvelopeID), zap.Error(bad.Cause))
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		b.ack(context.WithoutCancel(ctx), "unparsed", env.EnvelopeID, nil, time.Now())
	}()
}

func (b *Bot) handleSlash(ctx context.Context, evt socketmode.Event, received time.Time) {
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok || b.opts.Commands == nil {
		b.ack(ctx, "slash_commands", evt.Request.EnvelopeID, nil, received)
		return
	}
	log := b.log.With(zap.String("command", cmd.Command), zap.String("user", cmd.UserID))
	hctx, cancel := context.WithDeadline(ctx, received.Add(b.opts.AckBudget))
	defer cancel()
	type result struct {
		msg *Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		msg, err := b.opts.Commands.HandleCommand(hctx, cmd)
		done <- result{msg, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-hctx.Done():
		res = result{err: hctx.Err()}
	}
	msg := res.msg
	if res.err != nil {
		b.m.handlerErrors.WithLabelValues("slash_commands").Inc()
		if model.ErrorCodeOf(res.err) == model.EInternal {
			log.Error("slash command failed", zap.Error(res.err))
		}
		msg = Ephemeral(userSentence(res.err))
	}
	if msg == nil {
		msg = Ephemeral("Done.")
	}
	if msg.ResponseType == "" {
		msg.ResponseType = "ephemeral"
	}
	if raw, err := json.Marshal(msg); err == nil && len(raw) >= maxAckPayload && cmd.ResponseURL != "" {
		// Slack drops acks of 20 KB or more: ack empty, then answer
		// through response_url, which takes the full message.
		b.ack(ctx, "slash_commands", evt.Request.EnvelopeID, nil, received)
		if err := b.postResponse(ctx, cmd.ResponseURL, msg); err != nil {
			b.m.handlerErrors.WithLabelValues("slash_commands").Inc()
			log.Warn("answer through response_url failed", zap.Error(err))
		}
		return
	}
	b.ack(ctx, "slash_commands", evt.Request.EnvelopeID, msg, received)
}

// maxAckPayload is the largest ack payload tally sends; Slack silently
// drops Socket Mode responses of 20 KB or more.
const maxAckPayload = 19 * 1024

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

func (b *Bot) handleInteractive(ctx context.Context, evt socketmode.Event, received time.Time) {
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || b.opts.Interactions == nil {
		b.ack(ctx, "interactive", evt.Request.EnvelopeID, nil, received)
		return
	}
	hctx, cancel := context.WithDeadline(ctx, received.Add(b.opts.AckBudget))
	payload, followUp, err := b.opts.Interactions.HandleInteraction(hctx, cb)
	cancel()
	if err != nil {
		// A refusal the user is told about is routine; anything else is not.
		if model.ErrorCodeOf(err) == model.EInternal {
			b.m.handlerErrors.WithLabelValues("interactive").Inc()
			b.log.Warn("interaction failed", zap.String("user", cb.User.ID), zap.String("interaction", string(cb.Type)), zap.Error(err))
		} else {
			b.log.Debug("interaction refused", zap.String("user", cb.User.ID), zap.String("interaction", string(cb.Type)), zap.Error(err))
		}
	}
	b.ack(ctx, "interactive", evt.Request.EnvelopeID, payload, received)
	if followUp != nil {
		b.followUp(ctx, followUp)
	}
}

func (b *Bot) handleEventsAPI(ctx context.Context, evt socketmode.Event, received time.Time) {
	// Events need only an ack; the work follows it.
	b.ack(ctx, "events_api", evt.Request.EnvelopeID, nil, received)
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
				b.m.handlerErrors.WithLabelValues("events_api").Inc()
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
