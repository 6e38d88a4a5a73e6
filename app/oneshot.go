package app

import (
	"context"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/cache"
	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/export"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/remind"
	"github.com/tallyhq/tally/roster"
	"github.com/tallyhq/tally/storage"
	tsync "github.com/tallyhq/tally/sync"
	"github.com/tallyhq/tally/timesheet"
)

// The functions below are the one-shot jobs of the command line (tally
// sync, roster, remind, export, migrate): each builds what it needs from
// the configuration, runs once and releases everything. The CLI parses
// flags and prints; it builds nothing itself.

// withDB opens DATABASE_URL for the duration of fn.
func withDB(ctx context.Context, cfg config.Config, fn func(db *storage.DB) error) error {
	db, err := storage.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// Migrate applies the embedded database migrations.
func Migrate(ctx context.Context, cfg config.Config) (res storage.MigrationResult, err error) {
	err = withDB(ctx, cfg, func(db *storage.DB) error {
		res, err = db.Migrate(ctx)
		return err
	})
	return res, err
}

// SyncRequest is one `tally sync`: a date range (From and To both set, in
// local dates), the full window (Full), or an incremental run.
type SyncRequest struct {
	From, To time.Time
	Full     bool
	Progress func(SyncProgress) // optional: called after every page
}

// SyncProgress is what a running sync reports after every page.
type SyncProgress = tsync.Progress

// SyncResult is how a sync run went.
type SyncResult = tsync.Result

// Sync runs one Toggl sync. The result is returned even when the run
// failed, so its row can be reported.
func Sync(ctx context.Context, cfg config.Config, log *zap.Logger, req SyncRequest) (res SyncResult, err error) {
	client, err := newTogglClient(cfg, log)
	if err != nil {
		return tsync.Result{}, err
	}
	err = withDB(ctx, cfg, func(db *storage.DB) error {
		engine, err := tsync.NewEngine(db, client, tsync.Options{
			PageSize: cfg.TogglPageSize, FullWeeks: cfg.SyncFullWeeks, ConfirmedTag: cfg.ConfirmedTag,
			Logger: log, Progress: req.Progress,
		})
		if err != nil {
			return err
		}
		switch {
		case !req.From.IsZero():
			res, err = engine.RunRange(ctx, req.From, req.To, req.Full)
		case req.Full:
			res, err = engine.RunFull(ctx)
		default:
			res, err = engine.RunIncremental(ctx)
		}
		return err
	})
	return res, err
}

// SyncStatus is what `tally sync --status` lists.
type SyncStatus struct {
	Runs          []storage.SyncRun // newest first
	OutboxPending int               // Toggl write-backs waiting
	OutboxParked  int               // Toggl write-backs given up on
}

// ReadSyncStatus reads the recent sync runs and the write-back outbox.
func ReadSyncStatus(ctx context.Context, cfg config.Config, limit int) (st SyncStatus, err error) {
	err = withDB(ctx, cfg, func(db *storage.DB) error {
		if st.Runs, err = storage.RecentSyncRuns(ctx, db, limit); err != nil {
			return err
		}
		st.OutboxPending, st.OutboxParked, err = storage.OutboxCounts(ctx, db)
		return err
	})
	return st, err
}

// ReconcileRoster runs the BambooHR reconciliation once (tally roster).
func ReconcileRoster(ctx context.Context, cfg config.Config, log *zap.Logger) (rep roster.ReconcileReport, err error) {
	client, err := bamboo.NewClient(cfg.BambooAPIURL, cfg.BambooAPIKey, bamboo.ClientOptions{Logger: log})
	if err != nil {
		return rep, err
	}
	api := slack.New(cfg.SlackBotToken, slack.OptionAPIURL(cfg.SlackAPIURL))
	err = withDB(ctx, cfg, func(db *storage.DB) error {
		rec := roster.NewReconciler(db, client, rosterSettings(cfg), roster.ReconcilerOptions{Slack: api, Logger: log})
		rep, err = rec.Run(ctx)
		return err
	})
	return rep, err
}

// RosterProblems lists the open roster problems.
func RosterProblems(ctx context.Context, cfg config.Config) (ps []storage.RosterProblem, err error) {
	err = withDB(ctx, cfg, func(db *storage.DB) error {
		ps, err = storage.ListRosterProblems(ctx, db, false)
		return err
	})
	return ps, err
}

// RemindRequest is one `tally remind`: the weekly reminders of a week.
type RemindRequest struct {
	Week     model.Week
	Only     string               // just the employee with this work email; "" for everyone
	Progress func(RemindProgress) // optional: called as people are handled
}

// RemindProgress is how far a reminder run is.
type RemindProgress = remind.Progress

// RemindPlanItem is one person in a reminder plan: who, when, what and why.
type RemindPlanItem = remind.PlanItem

// RemindResult counts what a reminder run did.
type RemindResult = remind.Result

// RemindAction is what a reminder plan does for a person.
type RemindAction = remind.Action

// The actions of a reminder plan.
const (
	RemindSend = remind.ActionSend // a DM is due
	RemindSkip = remind.ActionSkip // no DM needed (the reason says why)
	RemindDone = remind.ActionDone // already handled this week
)

func (r RemindRequest) engineRequest() remind.Request {
	w := r.Week
	return remind.Request{Kind: remind.Weekly, Week: &w, Only: r.Only, Progress: r.Progress}
}

// RemindPlan says who a reminder run would remind and why, sending nothing
// (tally remind --dry-run).
func RemindPlan(ctx context.Context, cfg config.Config, log *zap.Logger, req RemindRequest) (plan []RemindPlanItem, err error) {
	err = withRemindEngine(ctx, cfg, log, func(e *remind.Engine) error {
		plan, err = e.Plan(ctx, req.engineRequest())
		return err
	})
	return plan, err
}

// Remind sends the weekly reminders of req now (tally remind).
func Remind(ctx context.Context, cfg config.Config, log *zap.Logger, req RemindRequest) (res RemindResult, err error) {
	err = withRemindEngine(ctx, cfg, log, func(e *remind.Engine) error {
		res, err = e.Run(ctx, req.engineRequest())
		return err
	})
	return res, err
}

// withRemindEngine builds the reminder engine for the command line: no
// Redis, no metrics, BambooHR's who's-out only when it is configured.
func withRemindEngine(ctx context.Context, cfg config.Config, log *zap.Logger, fn func(*remind.Engine) error) error {
	return withDB(ctx, cfg, func(db *storage.DB) error {
		c, err := cache.New("", log, nil)
		if err != nil {
			return err
		}
		store := readModel{DB: db, employees: cache.NewEmployees(c, db, 5*time.Minute)}
		weeks := timesheet.New(timesheet.Options{Store: store, IsHRAdmin: cfg.IsHRAdmin, Logger: log})
		var reg prometheus.Registerer // none: a one-shot run exposes no metrics
		deps := remindDeps{db: db, weeks: weeks, api: newSlackClient(cfg, 0), log: log, reg: reg, now: time.Now}
		if cfg.BambooAPIKey != "" && cfg.BambooAPIURL != "" {
			if deps.bamboo, err = bamboo.NewClient(cfg.BambooAPIURL, cfg.BambooAPIKey, bamboo.ClientOptions{Logger: log}); err != nil {
				return err
			}
		}
		eng, err := newReminders(cfg, deps)
		if err != nil {
			return err
		}
		return fn(eng)
	})
}

// Export writes the billing CSV of opts to w (tally export).
func Export(ctx context.Context, cfg config.Config, w io.Writer, opts export.Options) (sum export.Summary, err error) {
	err = withDB(ctx, cfg, func(db *storage.DB) error {
		sum, err = export.Write(ctx, db, w, opts)
		return err
	})
	return sum, err
}
