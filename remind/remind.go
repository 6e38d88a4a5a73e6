// Package remind sends the weekly "confirm your week" DM to every developer
// at their local reminder time, the managers' Monday digest and nudges,
// exactly once per person and period: a ledger row in Postgres is claimed,
// then the DM is opened, posted and recorded as sent, and a crash anywhere
// in between is completed by a later tick without a second DM.
package remind

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Slack is the part of slack-go's client the fan-out calls.
type Slack interface {
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
}

// TimeOffSource lists approved time off (BambooHR's who's out) overlapping
// the dates from start to end.
type TimeOffSource interface {
	WhosOut(ctx context.Context, start, end time.Time) ([]TimeOff, error)
}

// RenderFunc builds the message for one person (or, for the digest, one
// manager) and week: its blocks and notification text, whether it should be
// sent at all (false when nothing is open) and, if not, why.
type RenderFunc func(ctx context.Context, employeeID int64, week model.Week) (blocks []slack.Block, fallbackText string, needsReminder bool, reason string, err error)

// Options configures an Engine. DB, Slack, Render and Instance are required.
type Options struct {
	DB    *storage.DB
	Slack Slack
	// Render builds the weekly DM (and nudges).
	Render RenderFunc
	// RenderDigest builds a manager's digest of a week; nil disables digests.
	RenderDigest RenderFunc
	// RenderNudge builds a nudge, which says who asked; nil uses Render.
	RenderNudge func(ctx context.Context, employeeID int64, week model.Week, actorSlackID string) ([]slack.Block, string, bool, string, error)
	// TimeOff is consulted before a weekly DM; nil means nobody is away.
	TimeOff TimeOffSource
	// Reminder is when the weekly DM is due in each person's zone (default Friday 16:00).
	Reminder At
	// Digest is when the digest is due in each manager's zone (default Monday 09:00).
	Digest At
	// DefaultTZ applies to people whose Slack zone is unknown (default UTC).
	DefaultTZ *time.Location
	// MessagesPerMin paces chat.postMessage (default 300).
	MessagesPerMin int
	// Concurrency is how many people are handled at once (default 8).
	Concurrency int
	// ClaimLease is how long a claim holds without renewal before another
	// engine may take the row over (default 15 s). Rows a run is working on
	// are renewed every HeartbeatEvery, however long Slack takes, so the
	// lease only bounds how soon a dead engine's rows are picked up.
	ClaimLease time.Duration
	// HeartbeatEvery is how often a run renews the claims it holds
	// (default ClaimLease/3).
	HeartbeatEvery time.Duration
	// OnRenew, if set, is called after each heartbeat with how many claims
	// it renewed: the signal tests wait on.
	OnRenew func(renewed int)
	// MaxAttempts is how many claims a row gets before it is marked failed (default 5).
	MaxAttempts int
	// HRAdmins are Slack user ids allowed to nudge anyone.
	HRAdmins []string
	// Instance names this engine in claims (TALLY_INSTANCE_ID).
	Instance string
	// Now is the clock that decides what is due; nil is time.Now. Pacing
	// and Slack's Retry-After use real time.
	Now func() time.Time
	// Log receives one line per failure worth reading; nil is no-op.
	Log *zap.Logger
	// Registerer receives the metrics; nil registers nowhere.
	Registerer prometheus.Registerer
}

// Engine fans reminders, digests and nudges out to Slack.
type Engine struct {
	opts    Options
	log     *zap.Logger
	pace    *pacer
	metrics *metrics

	offMu    sync.Mutex
	offCache map[time.Time]timeOffEntry

	badZones sync.Map // Slack zones already logged as unknown

	refresh *refresher // weekly DMs waiting to be redrawn (RequestUpdate)
}

type timeOffEntry struct {
	byPerson map[string][]TimeOff
	fetched  time.Time
}

// ErrFatal marks a Slack failure that stops a whole run (the token is
// invalid or lacks a scope): retrying person after person would not help.
var ErrFatal = errors.New("slack refuses the bot token")

// New returns an engine.
func New(opts Options) (*Engine, error) {
	switch {
	case opts.DB == nil:
		return nil, errors.New("remind: a database is required")
	case opts.Slack == nil:
		return nil, errors.New("remind: a Slack client is required")
	case opts.Render == nil:
		return nil, errors.New("remind: a Render func is required")
	case opts.Instance == "":
		return nil, errors.New("remind: an instance id is required")
	}
	if opts.Reminder == (At{}) {
		opts.Reminder = At{Weekday: time.Friday, Hour: 16}
	}
	if opts.Digest == (At{}) {
		opts.Digest = At{Weekday: time.Monday, Hour: 9}
	}
	if opts.DefaultTZ == nil {
		opts.DefaultTZ = time.UTC
	}
	if opts.MessagesPerMin <= 0 {
		opts.MessagesPerMin = 300
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.ClaimLease <= 0 {
		opts.ClaimLease = 15 * time.Second
	}
	if opts.HeartbeatEvery <= 0 {
		opts.HeartbeatEvery = opts.ClaimLease / 3
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &Engine{
		opts:     opts,
		log:      log.Named("remind"),
		pace:     newPacer(opts.MessagesPerMin),
		metrics:  m,
		offCache: map[time.Time]timeOffEntry{},
		refresh:  newRefresher(),
	}, nil
}

// timeOff returns who is away during w, by BambooHR id, cached for a few
// minutes so a tick every minute does not call BambooHR every minute.
func (e *Engine) timeOff(ctx context.Context, w model.Week) (map[string][]TimeOff, error) {
	if e.opts.TimeOff == nil {
		return nil, nil
	}
	e.offMu.Lock()
	c, ok := e.offCache[w.Start]
	e.offMu.Unlock()
	if ok && time.Since(c.fetched) < 10*time.Minute {
		return c.byPerson, nil
	}
	offs, err := e.opts.TimeOff.WhosOut(ctx, w.Start, w.Start.AddDate(0, 0, 4))
	if err != nil {
		return nil, fmt.Errorf("who is out in week %s: %w", w, err)
	}
	by := map[string][]TimeOff{}
	for _, o := range offs {
		by[o.EmployeeBambooID] = append(by[o.EmployeeBambooID], o)
	}
	e.offMu.Lock()
	e.offCache[w.Start] = timeOffEntry{byPerson: by, fetched: time.Now()}
	e.offMu.Unlock()
	return by, nil
}
