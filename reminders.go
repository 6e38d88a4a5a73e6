package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/commands"
	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/remind"
	"github.com/tallyhq/tally/storage"
)

// weekRenderer builds the Friday DM (and a nudge) from the same week view
// as /timesheet; a week fully confirmed and allocated needs no reminder.
func weekRenderer(db *storage.DB, weeks *commands.Handler) remind.RenderFunc {
	return func(ctx context.Context, id int64, week model.Week) ([]slack.Block, string, bool, string, error) {
		in, needs, reason, err := weekToRemind(ctx, db, weeks, id, week)
		if err != nil {
			return nil, "", false, "", err
		}
		text := fmt.Sprintf("Please confirm your hours for %s", week.Label())
		switch {
		case !needs:
			// The view is still returned: a sent DM is redrawn with it
			// once the person has confirmed everything.
			text = fmt.Sprintf("Your week %s is confirmed", week.Label())
		case len(in.Entries) == 0:
			text = fmt.Sprintf("Nothing logged for %s", week.Label())
		}
		return blocks.WeekView(in, blocks.MaxMessageBlocks), text, needs, reason, nil
	}
}

// weekToRemind loads a person's week and says whether it still needs them:
// unconfirmed or unallocated time, or nothing logged at all.
func weekToRemind(ctx context.Context, db *storage.DB, weeks *commands.Handler, id int64, week model.Week) (blocks.WeekInput, bool, string, error) {
	emp, err := db.EmployeeByID(ctx, id)
	if err != nil {
		return blocks.WeekInput{}, false, "", err
	}
	in, err := weeks.WeekInput(ctx, emp, week)
	if err != nil {
		return blocks.WeekInput{}, false, "", err
	}
	s := blocks.Summarize(in.Entries)
	if s.Entries > 0 && s.Unconfirmed == 0 && s.Unallocated == 0 {
		return in, false, "week confirmed and allocated", nil
	}
	return in, true, "", nil
}

// digestRenderer builds a manager's Monday digest: the open items of their
// direct reports in the week; nothing open means no digest.
func digestRenderer(db *storage.DB, weeks *commands.Handler) remind.RenderFunc {
	return func(ctx context.Context, managerID int64, week model.Week) ([]slack.Block, string, bool, string, error) {
		mgr, err := db.EmployeeByID(ctx, managerID)
		if err != nil {
			return nil, "", false, "", err
		}
		reports, err := db.Subtree(ctx, managerID, true)
		if err != nil {
			return nil, "", false, "", err
		}
		in := blocks.DigestInput{Manager: mgr.Name(), Week: week}
		for _, r := range reports {
			if !r.Active {
				continue
			}
			entries, err := weeks.WeekEntries(ctx, r, week)
			if err != nil {
				return nil, "", false, "", err
			}
			s := blocks.Summarize(entries)
			if s.Entries > 0 && s.UnconfirmedSeconds == 0 && s.UnallocatedSeconds == 0 {
				continue
			}
			in.Items = append(in.Items, blocks.DigestItem{EmployeeID: r.ID, Name: r.Name(), Seconds: s.Seconds,
				UnconfirmedSeconds: s.UnconfirmedSeconds, UnallocatedSeconds: s.UnallocatedSeconds, ChangedSeconds: s.ChangedSeconds})
		}
		if len(in.Items) == 0 {
			return nil, "", false, "every report's week is confirmed", nil
		}
		return blocks.Digest(in), fmt.Sprintf("%d of your reports have open time for %s", len(in.Items), week.Label()), true, "", nil
	}
}

// nudgeRenderer builds the week a manager's Nudge sends again, saying who
// asked; like the Friday DM, a week with nothing open is not sent.
func nudgeRenderer(db *storage.DB, weeks *commands.Handler, isHR func(string) bool) func(context.Context, int64, model.Week, string) ([]slack.Block, string, bool, string, error) {
	return func(ctx context.Context, id int64, w model.Week, actor string) ([]slack.Block, string, bool, string, error) {
		in, needs, reason, err := weekToRemind(ctx, db, weeks, id, w)
		if err != nil || !needs {
			return nil, "", needs, reason, err
		}
		who := "Your manager"
		if m, err := db.EmployeeBySlackID(ctx, actor); err == nil {
			who = m.Name()
		} else if isHR(actor) {
			who = "HR"
		}
		return blocks.NudgeDM(who, in), fmt.Sprintf("%s asks you to confirm your week %s", who, w.Label()), true, "", nil
	}
}

// remindDeps are what the reminder engine is built from.
type remindDeps struct {
	db    *storage.DB
	weeks *commands.Handler
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
	defTZ, err := time.LoadLocation(cfg.DefaultTZ)
	if err != nil {
		return nil, err
	}
	reminder, err := remind.ParseAt(cfg.ReminderWeekday, cfg.ReminderTime)
	if err != nil {
		return nil, err
	}
	digest, err := remind.ParseAt(cfg.DigestWeekday, cfg.DigestTime)
	if err != nil {
		return nil, err
	}
	opts := remind.Options{
		DB: d.db, Slack: d.api, Render: weekRenderer(d.db, d.weeks), RenderDigest: digestRenderer(d.db, d.weeks),
		RenderNudge: nudgeRenderer(d.db, d.weeks, cfg.IsHRAdmin),
		Reminder:    reminder, Digest: digest, DefaultTZ: defTZ,
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
