package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/roster"
	"github.com/tallyhq/tally/schedule"
	"github.com/tallyhq/tally/storage"
	tsync "github.com/tallyhq/tally/sync"
	"github.com/tallyhq/tally/toggl"
)

// workers are the background parts of tally: the BambooHR webhook listener
// and inbox worker, the Toggl sync and write-back, and the scheduler that
// runs them on one replica at a time.
type workers struct {
	processor  *roster.Processor
	inbox      *drainSignal
	reconciler *roster.Reconciler
	webhookLn  net.Listener
	webhookSrv *http.Server
	toggl      *toggl.Client
	engine     *tsync.Engine
	writeback  *tsync.Writeback
	scheduler  *schedule.Scheduler
}

// rosterSettings are the roster's BambooHR field choices from configuration.
func rosterSettings(cfg config.Config) roster.Settings {
	return roster.Settings{
		RateField:           cfg.BambooRateField,
		ContractorRateField: cfg.BambooContractorRateField,
		RateCurrency:        cfg.BambooRateCurrency,
		RateTable:           cfg.BambooRateTable,
	}
}

// newTogglClient builds the Toggl client from configuration.
func newTogglClient(cfg config.Config, log *zap.Logger) (*toggl.Client, error) {
	return toggl.NewClient(toggl.Options{
		BaseURL: cfg.TogglAPIURL, Token: cfg.TogglAPIToken, WorkspaceID: cfg.TogglWorkspaceID,
		RequestsPerSec: cfg.TogglRequestsPerSec, Logger: log,
	})
}

// buildWorkers wires the background components onto a.
func (a *App) buildWorkers() error {
	cfg, log := a.cfg, a.log
	w := &workers{inbox: newDrainSignal()}
	a.workers = w
	var err error

	settings := rosterSettings(cfg)
	w.processor, err = roster.NewProcessor(a.db, a.bamboo, settings, roster.ProcessorOptions{
		Slack: a.slack, Cache: a.employees, Logger: log, Registerer: a.reg, Now: a.clock,
	})
	if err != nil {
		return err
	}
	w.reconciler = roster.NewReconciler(a.db, a.bamboo, settings, roster.ReconcilerOptions{
		Slack: a.slack, Cache: a.employees, Logger: log, Now: a.clock,
	})
	handler, err := bamboo.NewWebhookHandler(a.db, bamboo.WebhookOptions{
		Secret: []byte(cfg.BambooWebhookSecret), Insecure: cfg.BambooWebhookInsecure && cfg.BambooWebhookSecret == "",
		OnStored: w.inbox.wake, Logger: log, Registerer: a.reg, Now: a.clock,
	})
	if err != nil {
		return err
	}
	w.webhookLn, err = net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("webhook listener on %s: %w", cfg.ListenAddr, err)
	}
	w.webhookSrv = bamboo.NewServer(cfg.ListenAddr, handler)

	if w.toggl, err = newTogglClient(cfg, log); err != nil {
		return err
	}
	w.engine, err = tsync.NewEngine(a.db, w.toggl, tsync.Options{
		PageSize: cfg.TogglPageSize, FullWeeks: cfg.SyncFullWeeks, ConfirmedTag: cfg.ConfirmedTag,
		Logger: log, Registerer: a.reg, Now: a.clock,
	})
	if err != nil {
		return err
	}
	w.writeback, err = tsync.NewWriteback(a.db, w.toggl, tsync.WritebackOptions{
		ConfirmedTag: cfg.ConfirmedTag, Logger: log, Registerer: a.reg, Now: a.clock,
	})
	if err != nil {
		return err
	}

	full, err := schedule.Cron(cfg.SyncFullCron)
	if err != nil {
		return fmt.Errorf("SYNC_FULL_CRON: %w", err)
	}
	rosterCron, err := schedule.Cron(cfg.RosterCron)
	if err != nil {
		return fmt.Errorf("ROSTER_CRON: %w", err)
	}
	jobs := []schedule.Job{
		{Name: "sync.incremental", Schedule: schedule.Every(cfg.SyncIncremental), Run: a.syncJob(w.engine.RunIncremental)},
		{Name: "sync.full", Schedule: full, Run: a.syncJob(w.engine.RunFull)},
		{Name: "roster.reconcile", Schedule: rosterCron, Run: func(ctx context.Context) error {
			_, err := w.reconciler.Run(ctx)
			return err
		}},
		{Name: "bamboo.inbox", Schedule: schedule.Every(15 * time.Second), Run: func(ctx context.Context) error {
			_, err := w.processor.RunOnce(ctx)
			return err
		}},
		{Name: "toggl.writeback", Schedule: schedule.Every(10 * time.Second), Run: func(ctx context.Context) error {
			_, err := w.writeback.RunOnce(ctx)
			return err
		}},
		{Name: "approvals.notify", Schedule: schedule.Every(time.Minute), Run: a.notices.Run},
		{Name: "jobs.prune", Schedule: schedule.MustCron("15 3 * * *"), Run: func(ctx context.Context) error {
			n, err := storage.PruneJobClaims(ctx, a.db, a.now().AddDate(0, 0, -30))
			if err == nil && n > 0 {
				a.log.Info("pruned job claims", zap.Int64("rows", n))
			}
			return err
		}},
	}
	jobs = append(jobs, a.remind.Jobs()...)
	w.scheduler, err = schedule.New(schedule.Options{
		DB: a.db, Instance: cfg.InstanceID, Log: log, Registerer: a.reg,
	}, jobs...)
	return err
}

// syncJob adapts a sync run to a job: another replica's run in progress is
// not a failure.
func (a *App) syncJob(run func(context.Context) (tsync.Result, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := run(ctx)
		if errors.Is(err, tsync.ErrBusy) {
			a.log.Info("sync skipped: another run is in progress")
			return nil
		}
		return err
	}
}

// runWorkers starts the webhook listener, the inbox worker's wake loop, the
// Friday DM redraws and the scheduler; the returned functions wait for each
// to stop once ctx ends.
func (a *App) runWorkers(ctx context.Context, fail func(error)) []func() {
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
		a.runInbox(ctx, time.Minute)
	}()
	waits = append(waits, func() { <-pdone })
	udone := make(chan struct{})
	go func() {
		defer close(udone)
		// Friday DMs redrawn after their week changed (requested by every
		// replica for the changes its users make).
		a.remind.RunUpdates(ctx)
	}()
	waits = append(waits, func() { <-udone })
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
