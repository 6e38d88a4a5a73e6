// Package app builds one tally: it is the only place that turns the parsed
// configuration into components (database, cache, Slack bot, commands and
// homes, roster, Toggl sync and write-back, reminders, scheduler, admin
// endpoints) and supervises them. `tally run`, `tally demo` and the
// end-to-end tests build the same App.
package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	gosync "sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/admin"
	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/cache"
	"github.com/tallyhq/tally/commands"
	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/export"
	"github.com/tallyhq/tally/home"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/remind"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/timesheet"
)

// App is one running tally: every component `tally run` wires, built by New
// and supervised by Run.
type App struct {
	cfg         config.Config
	log         *zap.Logger
	reg         *prometheus.Registry
	db          *storage.DB
	cache       *cache.Cache
	slack       *slack.Client
	bot         *bot.Bot
	cmds        *commands.Handler
	picker      *timesheet.Picker
	home        *home.Publisher
	employees   *cache.Employees
	review      *review.Service
	homeActions *home.Actions
	notices     *timesheet.Notifier
	workers     *workers
	remind      *remind.Engine
	bamboo      *bamboo.Client
	now         func() time.Time

	// noScheduler leaves the scheduled jobs to the caller (tally demo
	// runs them at simulated times).
	noScheduler bool

	adminLn  net.Listener
	adminSrv *http.Server
}

// Option adjusts how New builds the App.
type Option func(*App)

// WithoutScheduler builds the App without starting its scheduler: the
// caller runs the jobs (see jobs.go) when it wants.
func WithoutScheduler() Option { return func(a *App) { a.noScheduler = true } }

// WithClock makes every component read the time from now instead of the
// wall clock (tally demo moves through a simulated week).
func WithClock(now func() time.Time) Option { return func(a *App) { a.now = now } }

// NewFromEnv loads the full configuration `tally run` needs through lookup
// (like os.LookupEnv) and builds the App from it. It is how callers that do
// not parse configuration themselves (tally demo) build one.
func NewFromEnv(ctx context.Context, lookup func(string) (string, bool), log *zap.Logger, opts ...Option) (*App, error) {
	cfg, err := config.Load(lookup, config.All)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return New(ctx, cfg, log, opts...)
}

// New connects to Postgres (migrating it under an advisory lock), Redis and
// Slack and builds every component. It fails fast, with a clear error, when
// Postgres is unreachable or Slack refuses the tokens.
func New(ctx context.Context, cfg config.Config, log *zap.Logger, opts ...Option) (_ *App, err error) {
	a := &App{cfg: cfg, log: log, reg: prometheus.NewRegistry(), now: time.Now}
	for _, o := range opts {
		o(a)
	}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	a.db, err = storage.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return nil, err
	}
	a.reg.MustRegister(storage.NewPoolCollector(a.db))
	// Unpriced billable time of this and last week, so an alert can
	// catch a missing rate before an invoice goes out.
	a.reg.MustRegister(storage.NewUnpricedCollector(a.db, a.clock, cfg.DefaultLocation))
	res, err := a.db.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	log.Info("database ready", zap.Int64("schema_version", res.Version), zap.Int("migrations_applied", len(res.Applied)))

	a.cache, err = cache.New(cfg.RedisURL, log, a.reg)
	if err != nil {
		return nil, err
	}
	if a.cache.Enabled() {
		if err := a.cache.Ping(ctx); err != nil {
			log.Warn("redis unreachable at start; running from postgres until it returns", zap.Error(err))
		}
	}

	a.slack = newSlackClient(cfg, 3)
	a.employees = cache.NewEmployees(a.cache, a.db, 5*time.Minute)
	store := readModel{DB: a.db, employees: a.employees}
	a.review = review.New(a.db, review.Options{
		Logger:       log,
		ConfirmedTag: cfg.ConfirmedTag,
		IsHRAdmin:    cfg.IsHRAdmin,
	})
	// Built in one pass: the week read model, then the homes, the
	// reminders, the home actions and the commands that use them all.
	weeks := timesheet.New(timesheet.Options{Store: store, IsHRAdmin: cfg.IsHRAdmin, Logger: log})
	a.home = home.New(home.Options{
		API:       a.slack,
		Weeks:     weeks,
		Employees: store,
		Data:      a.db,
		Team:      a.review,
		IsHRAdmin: cfg.IsHRAdmin,
		Logger:    log,
		Now:       a.clock,
		DefaultTZ: cfg.DefaultLocation,
	})
	// One BambooHR client for the inbox worker, the reconciliation and
	// the reminders' who's-out.
	a.bamboo, err = bamboo.NewClient(cfg.BambooAPIURL, cfg.BambooAPIKey, bamboo.ClientOptions{Logger: log})
	if err != nil {
		return nil, err
	}
	a.remind, err = newReminders(cfg, remindDeps{db: a.db, weeks: weeks, api: newSlackClient(cfg, 0), log: log, reg: a.reg,
		now: a.clock, bamboo: a.bamboo})
	if err != nil {
		return nil, err
	}
	a.homeActions = home.NewActions(a.home, home.ActionOptions{
		API: a.slack, Decider: a.review, Nudger: a.remind, Requeuer: a.db, Exporter: a.exportWeek,
	})
	a.picker = timesheet.NewPicker(a.db)
	a.cmds = commands.New(commands.Options{
		Weeks:     weeks,
		Confirmer: a.review,
		Picker:    a.picker,
		API:       a.slack,
		Home:      a.home,
		Extra:     a.homeActions,
		OnChange:  a.updateReminderDM,
		Logger:    log,
		Now:       a.clock,
		DefaultTZ: cfg.DefaultLocation,
	})
	a.notices = timesheet.NewNotifier(timesheet.NotifierOptions{Weeks: a.review, Slack: a.slack, Ledger: a.db, Logger: log})
	a.bot = bot.New(bot.Options{
		API:          a.slack,
		Logger:       log,
		Registerer:   a.reg,
		Commands:     a.cmds,
		Interactions: a.cmds,
		Suggestions:  a.cmds,
		Home:         a.home,
		Connections:  cfg.SlackConnections,
	})
	if _, err := a.bot.CheckAuth(ctx); err != nil {
		return nil, err
	}

	if err := a.buildWorkers(); err != nil {
		return nil, err
	}

	a.adminLn, err = net.Listen("tcp", cfg.AdminAddr)
	if err != nil {
		return nil, fmt.Errorf("admin listener on %s: %w", cfg.AdminAddr, err)
	}
	a.adminSrv = admin.Server(cfg.AdminAddr, admin.Handler(a.reg, a.readinessChecks()))
	return a, nil
}

// clock is the App's time source, read on every call so a WithClock
// function is honoured everywhere.
func (a *App) clock() time.Time { return a.now() }

// newSlackClient builds the Web API client: a per-request timeout and
// slack-go's retries (429 Retry-After, 5xx and connection errors, with
// jitter) when retries > 0.
func newSlackClient(cfg config.Config, retries int) *slack.Client {
	opts := []slack.Option{
		slack.OptionAppLevelToken(cfg.SlackAppToken),
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second}),
	}
	if retries > 0 {
		rc := slack.DefaultRetryConfig()
		rc.MaxRetries = retries
		rc.RetryAfterDuration = 5 * time.Second
		rc.Handlers = slack.AllBuiltinRetryHandlers(rc)
		opts = append(opts, slack.OptionRetryConfig(rc))
	}
	return slack.New(cfg.SlackBotToken, opts...)
}

// readinessChecks are what /readyz reports.
func (a *App) readinessChecks() map[string]admin.Check {
	return map[string]admin.Check{
		"postgres": func(ctx context.Context) (admin.State, string) {
			if err := a.db.Ping(ctx); err != nil {
				return admin.Down, "postgres unreachable"
			}
			return admin.OK, ""
		},
		"slack": func(ctx context.Context) (admin.State, string) {
			if !a.bot.Connected() {
				return admin.Down, "socket mode not connected"
			}
			return admin.OK, ""
		},
		"redis": func(ctx context.Context) (admin.State, string) {
			if !a.cache.Enabled() {
				return admin.Off, "REDIS_URL not set"
			}
			if err := a.cache.Ping(ctx); err != nil {
				return admin.Degraded, "redis unreachable; serving from postgres"
			}
			return admin.OK, ""
		},
	}
}

// Run supervises every component until ctx is cancelled or one fails, then
// shuts them all down: Socket Mode closed after in-flight handlers finish,
// listeners drained, the pool closed (Run calls Close).
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg gosync.WaitGroup
	errc := make(chan error, 4)
	fail := func(err error) {
		if err != nil {
			select {
			case errc <- err:
			default:
			}
			cancel()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.adminSrv.Serve(a.adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fail(fmt.Errorf("admin listener: %w", err))
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		fail(a.bot.Run(ctx))
		cancel()
	}()
	waits := a.runWorkers(ctx, fail)
	// The first project searches after a start should not wait for the
	// 5,000-project catalog to load.
	if err := a.picker.Load(ctx); err != nil {
		a.log.Warn("project catalog not loaded at start; the first search loads it", zap.Error(err))
	}
	a.log.Info("tally running", zap.String("admin", a.AdminURL()), zap.String("webhook", a.WebhookURL()))

	<-ctx.Done()
	shutdownCtx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer scancel()
	_ = a.adminSrv.Shutdown(shutdownCtx)
	for _, w := range waits {
		w()
	}
	wg.Wait()
	a.Close()
	select {
	case err := <-errc:
		return err
	default:
		a.log.Info("tally stopped")
		return nil
	}
}

// Close releases what New opened. Run calls it on the way out; call it
// yourself only for an App that never ran.
func (a *App) Close() {
	if a.cache != nil {
		_ = a.cache.Close()
	}
	if a.db != nil {
		a.db.Close()
	}
	if a.adminLn != nil {
		_ = a.adminLn.Close()
	}
	if a.workers != nil && a.workers.webhookLn != nil {
		_ = a.workers.webhookLn.Close()
	}
}

// readModel is the storage read model with employee lookups served through
// the Redis cache.
type readModel struct {
	*storage.DB
	employees *cache.Employees
}

// EmployeeBySlackID looks the person up through the cache.
func (r readModel) EmployeeBySlackID(ctx context.Context, slackUserID string) (model.Employee, error) {
	return r.employees.EmployeeBySlackID(ctx, slackUserID)
}

// exportWeek writes the billing CSV of one week (for the home tab's export
// button): every entry of the listed people, or of everyone.
func (a *App) exportWeek(ctx context.Context, w *bytes.Buffer, week model.Week, employeeIDs []int64) error {
	_, err := export.Write(ctx, a.db, w, export.Options{From: week.Start, To: week.End(), EmployeeIDs: employeeIDs})
	return err
}

// updateReminderDM queues a redraw of the person's Friday DM of that week
// (if one was sent) after they changed the week from anywhere in Slack. It
// returns at once: the redraw (chat.update, rate-limited by Slack) runs in
// the reminder engine's RunUpdates loop, never inside an ack.
func (a *App) updateReminderDM(_ context.Context, emp model.Employee, week model.Week) {
	a.remind.RequestUpdate(emp.ID, week)
}
