package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/home"
	"github.com/tallyhq/tally/remind"
	"github.com/tallyhq/tally/roster"
	"github.com/tallyhq/tally/storage"
	tsync "github.com/tallyhq/tally/sync"
	"github.com/tallyhq/tally/toggl"
)

// The methods below are the App's small exported surface for the
// end-to-end tests and `tally demo`: the scheduled jobs, run once when the
// caller wants (build the App WithoutScheduler to be the only one running
// them), the listeners' addresses and read-only handles.

// AdminURL returns the admin listener's base URL (useful when ADMIN_ADDR
// asked for port 0).
func (a *App) AdminURL() string { return "http://" + a.adminLn.Addr().String() }

// WebhookURL is the BambooHR webhook listener's URL.
func (a *App) WebhookURL() string {
	return "http://" + a.workers.webhookLn.Addr().String() + "/webhooks/bamboohr"
}

// DB is the App's database handle, for the storage reads the demo reports
// and for assertions; the App closes it.
func (a *App) DB() *storage.DB { return a.db }

// Metrics is the App's Prometheus registry, as /metrics serves it.
func (a *App) Metrics() prometheus.Gatherer { return a.reg }

// Reconcile runs the BambooHR reconciliation (the roster.reconcile job).
func (a *App) Reconcile(ctx context.Context) (roster.ReconcileReport, error) {
	return a.workers.reconciler.Run(ctx)
}

// SyncFull runs the full-window Toggl sync (the sync.full job).
func (a *App) SyncFull(ctx context.Context) (tsync.Result, error) {
	return a.workers.engine.RunFull(ctx)
}

// SyncIncremental runs the incremental Toggl sync (the sync.incremental job).
func (a *App) SyncIncremental(ctx context.Context) (tsync.Result, error) {
	return a.workers.engine.RunIncremental(ctx)
}

// Writeback writes one round of the Toggl outbox (the toggl.writeback job)
// and returns how many rows it handled.
func (a *App) Writeback(ctx context.Context) (int, error) { return a.workers.writeback.RunOnce(ctx) }

// DrainInbox returns once the running App's inbox worker has finished a
// drain that started after the call: every webhook delivery stored before
// the call has then been handled (applied, or left for a retry). It is the
// "drained" signal tests and the demo wait on instead of polling; it needs
// Run to be running.
func (a *App) DrainInbox(ctx context.Context) error { return a.workers.inbox.await(ctx) }

// RemindDue runs the weekly reminder tick as if it were at (the
// remind.weekly job).
func (a *App) RemindDue(ctx context.Context, at time.Time) (remind.Result, error) {
	return a.remind.RunDue(ctx, at)
}

// DigestDue runs the managers' digest tick as if it were at (the
// remind.digest job).
func (a *App) DigestDue(ctx context.Context, at time.Time) (remind.Result, error) {
	return a.remind.DigestDue(ctx, at)
}

// NotifyChangedAfterApproval runs the approvals.notify job once.
func (a *App) NotifyChangedAfterApproval(ctx context.Context) error {
	return a.notices.Run(ctx)
}

// TogglStats is what the Toggl client has spent so far.
func (a *App) TogglStats() toggl.Stats { return a.workers.toggl.Stats() }

// IsLeader reports whether this App's scheduler holds the leader lease.
func (a *App) IsLeader(ctx context.Context) bool { return a.workers.scheduler.IsLeader(ctx) == nil }

// HandleSlashCommand answers a slash command the way the bot does, without
// Slack in between (server-side timing).
func (a *App) HandleSlashCommand(ctx context.Context, cmd slack.SlashCommand) (*bot.Message, error) {
	return a.cmds.HandleCommand(ctx, cmd)
}

// PublishHome builds and publishes a person's App Home in the given state.
func (a *App) PublishHome(ctx context.Context, slackUserID string, st home.State) error {
	return a.home.Publish(ctx, slackUserID, st)
}
