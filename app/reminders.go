package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/remind"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/timesheet"
)

// remindDeps are what the reminder engine is built from.
type remindDeps struct {
	db    *storage.DB
	weeks *timesheet.Reader
	api   remind.Slack
	log   *zap.Logger
	reg   prometheus.Registerer
	now   func() time.Time
	// bamboo answers who's out; nil when BambooHR is not configured.
	bamboo *bamboo.Client
}

// newReminders builds the reminder engine. The Slack client must not retry
// on its own (newSlackClient(cfg, 0)): the engine paces, honours
// Retry-After and checks for an earlier post before retrying, so it must see
// every 429 and failure itself.
func newReminders(cfg config.Config, d remindDeps) (*remind.Engine, error) {
	reminder, err := remind.ParseAt(cfg.ReminderWeekday, cfg.ReminderTime)
	if err != nil {
		return nil, err
	}
	digest, err := remind.ParseAt(cfg.DigestWeekday, cfg.DigestTime)
	if err != nil {
		return nil, err
	}
	opts := remind.Options{
		DB: d.db, Slack: d.api, Render: d.weeks.RenderWeek, RenderDigest: d.weeks.RenderDigest,
		RenderNudge: d.weeks.RenderNudge,
		Reminder:    reminder, Digest: digest, DefaultTZ: cfg.DefaultLocation,
		MessagesPerMin: cfg.SlackMessagesPerMin, HRAdmins: cfg.HRAdminSlackIDs, Instance: cfg.InstanceID,
		Now: d.now, Log: d.log, Registerer: d.reg,
	}
	if d.bamboo != nil {
		opts.TimeOff = bambooTimeOff{d.bamboo}
	} else {
		d.log.Warn("BambooHR is not configured: time off is not checked before reminding")
	}
	return remind.New(opts)
}

// bambooTimeOff adapts BambooHR's who's-out to the reminder engine.
type bambooTimeOff struct{ c *bamboo.Client }

// WhosOut lists the people's time off between start and end; company
// holidays (no employee) are left out.
func (b bambooTimeOff) WhosOut(ctx context.Context, start, end time.Time) ([]remind.TimeOff, error) {
	rows, err := b.c.WhosOut(ctx, start, end)
	if err != nil {
		return nil, err
	}
	out := make([]remind.TimeOff, 0, len(rows))
	for _, r := range rows {
		if r.EmployeeID == "" {
			continue // a company holiday, not a person's time off
		}
		out = append(out, remind.TimeOff{EmployeeBambooID: r.EmployeeID, Start: r.Start, End: r.End})
	}
	return out, nil
}
