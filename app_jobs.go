package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/schedule"
	"github.com/tallyhq/tally/storage"
	tsync "github.com/tallyhq/tally/sync"
	"github.com/tallyhq/tally/toggl"
)

// workers are the background parts of tally: the BambooHR webhook listener
// and inbox worker, the Toggl sync and write-back, and the scheduler that
// runs them on one replica at a time.
type workers struct {
	processor  *bamboo.Processor
	reconciler *bamboo.Reconciler
	webhookLn  net.Listener
	webhookSrv *http.Server
	toggl      *toggl.Client
	engine     *tsync.Engine
	writeback  *tsync.Writeback
	scheduler  *schedule.Scheduler
}

// buildWorkers wires the background components onto a.
func (a *app) buildWorkers(ctx context.Context) error {
	cfg, log := a.cfg, a.log
	w := &workers{}
	a.workers = w
	var err error

	settings := bamboo.SettingsFromConfig(cfg)
	w.processor, err = bamboo.NewProcessor(a.db, a.bamboo, settings, bamboo.ProcessorOptions{
		Slack: a.slack, Cache: a.employees, Logger: log, Registerer: a.reg,
		Now: func() time.Time { return a.now() },
	})
	if err != nil {
		return err
	}
	w.reconciler = bamboo.NewReconciler(a.db, a.bamboo, settings, bamboo.ReconcilerOptions{
		Slack: a.slack, Cache: a.employees, Logger: log, Now: func() time.Time { return a.now() },
	})
	handler, err := bamboo.NewWebhookHandler(a.db, bamboo.WebhookOptions{
		Secret: []byte(cfg.BambooWebhookSecret), Insecure: cfg.BambooWebhookInsecure && cfg.BambooWebhookSecret == "",
		OnStored: w.processor.Wake, Logger: log, Registerer: a.reg,
		Now: func() time.Time { return a.now() },
	})
	if err != nil {
		return err
	}
	w.webhookLn, err = net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("webhook listener on %s: %w", cfg.ListenAddr, err)
	}
	w.webhookSrv = bamboo.NewServer(cfg.ListenAddr, handler)

	w.toggl, err = toggl.NewClient(toggl.Options{
		BaseURL: cfg.TogglAPIURL, Token: cfg.TogglAPIToken, WorkspaceID: cfg.TogglWorkspaceID,
		RequestsPerSec: cfg.TogglRequestsPerSec, Logger: log,
	})
	if err != nil {
		return err
	}
	w.engine, err = tsync.NewEngine(a.db, w.toggl, tsync.Options{
		PageSize: cfg.TogglPageSize, FullWeeks: cfg.SyncFullWeeks, ConfirmedTag: cfg.ConfirmedTag,
		Logger: log, Registerer: a.reg, Now: func() time.Time { return a.now() },
	})
	if err != nil {
		return err
	}
	w.writeback, err = tsync.NewWriteback(a.db, w.toggl, tsync.WritebackOptions{
		ConfirmedTag: cfg.ConfirmedTag, Logger: log, Registerer: a.reg, Now: func() time.Time { return a.now() },
	})
	if err != nil {
		return err
	}

	full, err := schedule.Cron(cfg.SyncFullCron)
	if err != nil {
		return fmt.Errorf("SYNC_FULL_CRON: %w", err)
	}
	roster, err := schedule.Cron(cfg.RosterCron)
	if err != nil {
		return fmt.Errorf("ROSTER_CRON: %w", err)
	}
	jobs := []schedule.Job{
		{Name: "sync.incremental", Schedule: schedule.Every(cfg.SyncIncremental), Run: a.syncJob(w.engine.RunIncremental)},
		{Name: "sync.full", Schedule: full, Run: a.syncJob(w.engine.RunFull)},
		{Name: "roster.reconcile", Schedule: roster, Run: func(ctx context.Context) error {
			_, err := w.reconciler.Run(ctx)
			return err
		}},
		{Name: "bamboo.inbox", Schedule: schedule.Every(15 * time.Second), Run: func(ctx context.Context) error {
			_, err := w.processor.RunOnce(ctx)
			return err
		}},
		{Name: "toggl.writeback", Schedule: schedule.Every(30 * time.Second), Run: func(ctx context.Context) error {
			_, err := w.writeback.RunOnce(ctx)
			return err
		}},
		{Name: "approvals.notify", Schedule: schedule.Every(time.Minute), Run: a.notifyChangedAfterApproval},
		{Name: "jobs.prune", Schedule: schedule.MustCron("15 3 * * *"), Run: func(ctx context.Context) error {
			n, err := storage.PruneJobClaims(ctx, a.db, a.now().AddDate(0, 0, -30))
			if err == nil && n > 0 {
				a.log.Info("pruned job claims", zap.Int64("rows", n))
			}
			return err
		}},
	}
	jobs = append(jobs, a.reminderJobs()...)
	w.scheduler, err = schedule.New(schedule.Options{
		DB: a.db, Instance: cfg.InstanceID, Log: log, Registerer: a.reg,
	}, jobs...)
	return err
}

// syncJob adapts a sync run to a job: another replica's run in progress is
// not a failure.
func (a *app) syncJob(run func(context.Context) (tsync.Result, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := run(ctx)
		if errors.Is(err, tsync.ErrBusy) {
			a.log.Info("sync skipped: another run is in progress")
			return nil
		}
		return err
	}
}

// notifyChangedAfterApproval tells the person and their approver, once,
// that an approved week changed in Toggl and needs approval again.
func (a *app) notifyChangedAfterApproval(ctx context.Context) error {
	weeks, err := a.review.ChangedAfterApproval(ctx)
	if err != nil {
		return err
	}
	for _, cw := range weeks {
		claimed, err := a.review.MarkChangeNotified(ctx, cw.EmployeeID, cw.Week)
		if err != nil {
			return err
		}
		if !claimed {
			continue
		}
		if cw.EmployeeSlackID != "" {
			a.sendDM(ctx, cw.EmployeeSlackID, "Your approved week "+cw.Week.Label()+" changed in Toggl and needs approval again.",
				blocks.ChangedAfterApprovalDM(cw.EmployeeName, cw.EmployeeID, cw.Week, false))
		}
		if cw.ApproverSlackID != "" {
			a.sendDM(ctx, cw.ApproverSlackID, cw.EmployeeName+"'s approved week "+cw.Week.Label()+" changed in Toggl.",
				blocks.ChangedAfterApprovalDM(cw.EmployeeName, cw.EmployeeID, cw.Week, true))
		}
	}
	return nil
}

// sendDM posts a message to a person's DM with tally, logging failures.
func (a *app) sendDM(ctx context.Context, userID, text string, bs []slack.Block) {
	ch, _, _, err := a.slack.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		a.log.Warn("open dm", zap.String("user", userID), zap.Error(err))
		return
	}
	if _, _, err := a.slack.PostMessageContext(ctx, ch.ID, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(bs...)); err != nil {
		a.log.Warn("post dm", zap.String("user", userID), zap.Error(err))
	}
}

// runWorkers starts the webhook listener, the inbox worker's wake loop and
// the scheduler; it returns when ctx ends and all of them stopped.
func (a *app) runWorkers(ctx context.Context, fail func(error)) []func() {
	w := a.workers
	var waits []func()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fail(bamboo.Serve(ctx, w.webhookSrv, w.webhookLn))
	}()
	waits = append(waits, func() { <-done })
	pdone := make(chan struct{})
	go func() {
		defer close(pdone)
		// Every replica drains the inbox as soon as a delivery lands
		// (claims keep them apart); the scheduler's job is the safety net.
		if err := w.processor.Run(ctx, time.Minute); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Warn("inbox worker stopped", zap.Error(err))
		}
	}()
	waits = append(waits, func() { <-pdone })
	if a.noScheduler {
		return waits
	}
	sdone := make(chan struct{})
	go func() {
		defer close(sdone)
		if err := w.scheduler.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			fail(fmt.Errorf("scheduler: %w", err))
		}
	}()
	waits = append(waits, func() { <-sdone })
	return waits
}

// WebhookURL is the webhook listener's URL (for tests and the demo).
func (a *app) WebhookURL() string {
	return "http://" + a.workers.webhookLn.Addr().String() + "/webhooks/bamboohr"
}

// reminderJobs are the weekly reminder and Monday digest ticks.
func (a *app) reminderJobs() []schedule.Job {
	return []schedule.Job{a.remind.ReminderJob(), a.remind.DigestJob()}
}
