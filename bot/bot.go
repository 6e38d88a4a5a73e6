package bot

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/clock"
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
	// Suggestions answers the pickers' block_suggestion requests; without
	// it every picker offers nothing.
	Suggestions SuggestionHandler
	Home        HomeHandler
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
	// Connections is how many Socket Mode connections the bot keeps open
	// (1 to MaxConnections; default 1). Slack hands each envelope to one
	// of an app's connections, so envelopes keep arriving while one of
	// them reconnects, and a burst is read and parsed on several at once.
	Connections int
}

// MaxConnections is how many Socket Mode connections Slack allows an app,
// across all its processes (EXTERNAL-APIS.md, Socket Mode: "Up to 10
// connections per app").
const MaxConnections = 10

// Bot is a set of running Socket Mode connections and their dispatcher.
type Bot struct {
	opts      Options
	api       *slack.Client
	conns     []*conn
	log       *zap.Logger
	m         *metrics
	inflight  gosync.WaitGroup
	followUps chan struct{} // bounds concurrent follow-up work
	live      atomic.Int32  // connections up (hello received, not since lost)
	lastAck   atomic.Int64  // unix nanoseconds of the last ack queued
	self      identity      // the workspace and app this bot serves
}

// conn is one Socket Mode connection. An envelope is acked on the
// connection it arrived on.
type conn struct {
	id       int
	sm       *socketmode.Client
	up       atomic.Bool
	connects atomic.Int64
}

// connEvent is an event and the connection it came from.
type connEvent struct {
	c   *conn
	evt socketmode.Event
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
	opts.Connections = min(max(opts.Connections, 1), MaxConnections)
	smOpts := []socketmode.Option{}
	if opts.PingInterval > 0 {
		smOpts = append(smOpts, socketmode.OptionPingInterval(opts.PingInterval))
	}
	b := &Bot{
		opts: opts,
		api:  opts.API,
		log:  opts.Logger.Named("bot"),
		m:    newMetrics(opts.Registerer),

		followUps: make(chan struct{}, opts.MaxFollowUps),
	}
	for i := range opts.Connections {
		b.conns = append(b.conns, &conn{id: i + 1, sm: socketmode.New(opts.API, smOpts...)})
	}
	return b
}

// Connected reports whether a Socket Mode connection is up, for /readyz.
func (b *Bot) Connected() bool { return b.live.Load() > 0 }

// setUp records whether c is up; the gauge counts the connections up.
func (b *Bot) setUp(c *conn, up bool) {
	if c.up.Swap(up) != up {
		if up {
			b.live.Add(1)
		} else {
			b.live.Add(-1)
		}
	}
	b.m.connected.Set(float64(b.live.Load()))
}

// ErrInvalidAuth means Slack refused the tokens; retrying will not help.
var ErrInvalidAuth = errors.New("slack refused the token (invalid_auth): check SLACK_APP_TOKEN and SLACK_BOT_TOKEN")

// CheckAuth calls auth.test with the bot token so a bad token fails fast at
// start with a clear message. It remembers the workspace (team_id) the token
// belongs to: envelopes from any other workspace are acked and ignored.
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
	if resp.TeamID == "" {
		return nil, errors.New("slack auth.test: the answer names no team_id")
	}
	b.self.setTeam(resp.TeamID)
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
// refuses the tokens. It calls CheckAuth first unless that already
// succeeded, so the bot always knows which workspace it serves. When ctx
// ends, the bot stops taking envelopes (Slack redelivers unacked ones to
// another connection) but keeps its connections open until every handler
// already running has finished and sent its ack. On return every in-flight
// handler has finished.
func (b *Bot) Run(ctx context.Context) error {
	if b.self.team() == "" {
		if _, err := b.CheckAuth(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	errc := make(chan error, len(b.conns))
	for _, c := range b.conns {
		go func() { errc <- c.sm.RunContext(runCtx) }()
	}
	events, stopEvents := b.merge()
	defer stopEvents()

	ended := 0
	runErr, connDone := b.serve(ctx, runCtx, events, errc)
	if connDone {
		ended++
	} else {
		ended += b.drain(events, errc)
		b.flushAcks()
	}
	cancel()
	for ; ended < len(b.conns); ended++ {
		<-errc //nolint:errcheck // connections we just cancelled: their errors say only that
	}
	for _, c := range b.conns {
		b.setUp(c, false)
	}
	// Handlers that outlived a broken connection still finish.
	b.inflight.Wait()
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		if isAuthError(runErr) {
			return fmt.Errorf("%w: %s", ErrInvalidAuth, runErr.Error())
		}
		return fmt.Errorf("socket mode: %w", runErr)
	}
	return nil
}

// merge forwards every connection's events, tagged with the connection,
// into one channel, until stop is called.
func (b *Bot) merge() (events <-chan connEvent, stop func()) {
	out := make(chan connEvent)
	done := make(chan struct{})
	for _, c := range b.conns {
		go func() {
			for {
				select {
				case evt := <-c.sm.Events:
					select {
					case out <- connEvent{c: c, evt: evt}:
					case <-done:
						return
					}
				case <-done:
					return
				}
			}
		}()
	}
	var once gosync.Once
	return out, func() { once.Do(func() { close(done) }) }
}

// serve dispatches events until ctx ends, a connection gives up, or Slack
// refuses the tokens. connDone reports whether a connection's RunContext
// has returned.
func (b *Bot) serve(ctx, runCtx context.Context, events <-chan connEvent, errc <-chan error) (runErr error, connDone bool) {
	for {
		select {
		case <-ctx.Done():
			return nil, false
		case err := <-errc:
			return err, true
		case ce := <-events:
			if err := b.dispatch(runCtx, ce.c, ce.evt, true); err != nil {
				return err, false
			}
		}
	}
}

// drain keeps the connections open, without taking new envelopes, until
// the handlers already running have finished, so their acks still reach
// Slack. It returns how many connections ended on their own meanwhile.
func (b *Bot) drain(events <-chan connEvent, errc <-chan error) (ended int) {
	b.log.Info(drainMessage)
	drained := make(chan struct{})
	go func() {
		b.inflight.Wait()
		close(drained)
	}()
	for {
		select {
		case <-drained:
			return ended
		case <-errc: //nolint:errcheck // a connection ended while draining; nothing more to do with it
			ended++
			if ended == len(b.conns) {
				<-drained
				return ended
			}
		case ce := <-events:
			_ = b.dispatch(context.Background(), ce.c, ce.evt, false)
		}
	}
}

// drainMessage is logged when the bot stops taking envelopes and waits for
// the ones it took.
const drainMessage = "stopping: finishing the envelopes in hand before closing the connection"

// ackFlushGrace is how long the connection stays open after the last ack
// was queued. slack-go queues acks (up to 20) for a writer goroutine and
// offers no way to wait for them to be written; closing the connection
// at once could drop acks for work already done, and Slack would
// redeliver those envelopes elsewhere.
const ackFlushGrace = 250 * time.Millisecond

// flushAcks waits until the last queued ack is ackFlushGrace old; a bot
// that acked nothing lately does not wait.
func (b *Bot) flushAcks() {
	last := b.lastAck.Load()
	if last == 0 {
		return
	}
	_ = clock.Sleep(context.Background(), time.Until(time.Unix(0, last).Add(ackFlushGrace)))
}

// dispatch handles one socketmode event from c without blocking the loop.
// While draining (accepting false) envelopes are left unacked for Slack to
// redeliver elsewhere.
func (b *Bot) dispatch(ctx context.Context, c *conn, evt socketmode.Event, accepting bool) error {
	log := b.log.With(zap.Int("connection", c.id))
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		log.Debug("connecting to slack")
	case socketmode.EventTypeConnected:
		if c.connects.Add(1) > 1 {
			b.m.reconnects.Inc()
		}
		log.Info("connected to slack")
	case socketmode.EventTypeHello:
		b.hello(c, evt)
	case socketmode.EventTypeDisconnect:
		b.setUp(c, false)
		log.Info("slack asked us to reconnect")
	case socketmode.EventTypeConnectionError:
		b.setUp(c, false)
		log.Warn("slack connection error", zap.Any("detail", evt.Data))
	case socketmode.EventTypeInvalidAuth:
		return ErrInvalidAuth
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		log.Warn("socket mode error", zap.String("type", string(evt.Type)), zap.Any("detail", evt.Data))
	case socketmode.EventTypeErrorBadMessage, socketmode.EventTypeSlashCommand,
		socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		if !accepting {
			log.Debug("shutting down: left an envelope for slack to redeliver", zap.String("type", string(evt.Type)))
			return nil
		}
		b.envelope(ctx, c, evt)
	default:
		log.Debug("ignored socket mode event", zap.String("type", string(evt.Type)))
	}
	return nil
}

// envelope starts the handler of one envelope that arrived on c.
func (b *Bot) envelope(ctx context.Context, c *conn, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeErrorBadMessage:
		b.ackBadMessage(ctx, c, evt)
	case socketmode.EventTypeSlashCommand:
		b.spawn(ctx, c, "slash_commands", evt, b.handleSlash)
	case socketmode.EventTypeInteractive:
		b.spawn(ctx, c, "interactive", evt, b.handleInteractive)
	case socketmode.EventTypeEventsAPI:
		b.spawn(ctx, c, "events_api", evt, b.handleEventsAPI)
	}
}

// hello marks c up and learns the app id Slack connected us as.
func (b *Bot) hello(c *conn, evt socketmode.Event) {
	b.setUp(c, true)
	if evt.Request == nil || evt.Request.ConnectionInfo.AppID == "" {
		return
	}
	if prev, ok := b.self.setApp(evt.Request.ConnectionInfo.AppID); !ok {
		b.log.Error("slack connected us as another app; still serving the first",
			zap.String("app_id", prev), zap.String("hello_app_id", evt.Request.ConnectionInfo.AppID))
	}
}
