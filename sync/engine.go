// Package sync keeps Postgres in step with Toggl Track: incremental runs that
// read only what changed since the last watermark, full-window runs that
// also find deleted entries, and CLI ranges. Pages stream through a
// pipeline into COPY + set-based upserts, so memory stays flat whatever the
// window. The package also holds the write-back worker that mirrors
// confirmations to Toggl as tags. (The name shadows the standard library's
// sync; this package imports that one as gosync where needed.)
package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/toggl"
)

// The run modes, as stored in sync_runs.mode.
const (
	ModeIncremental = "incremental"
	ModeFull        = "full"
	ModeRange       = "range"
)

// The run statuses, as stored in sync_runs.status.
const (
	StatusOK             = "ok"
	StatusFailed         = "failed"
	StatusQuotaExhausted = "quota_exhausted"
	StatusCancelled      = "cancelled"
)

// ErrBusy means another sync (in this or another replica) is running.
var ErrBusy = storage.ErrSyncBusy

// TogglAPI is what the engine calls on Toggl (a *toggl.Client).
type TogglAPI interface {
	SearchTimeEntries(ctx context.Context, p toggl.SearchParams) (toggl.Page, error)
	WorkspaceUsers(ctx context.Context) ([]toggl.User, error)
	ProjectsWithClients(ctx context.Context) ([]toggl.Project, error)
	Stats() toggl.Stats
}

// Options configures an Engine. Zero values pick the defaults.
type Options struct {
	PageSize      int // rows asked per Reports page (TOGGL_PAGE_SIZE; default 50)
	FullWeeks     int // weeks a full run re-reads, current included (SYNC_FULL_WEEKS; default 2)
	LookbackWeeks int // weeks an incremental run may find edits in (default 13)
	BatchSize     int // entries per COPY + upsert (default 2000)
	// ConfirmedTag is recorded on tag removals queued for voided confirmations.
	ConfirmedTag string
	Now          func() time.Time
	Logger       *zap.Logger
	// Registerer receives the engine's metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
	// Progress, when set, is called after every page (from the fetching
	// goroutine; keep it quick).
	Progress func(Progress)
}

// Progress is a run's state after a page.
type Progress struct {
	Mode           string
	Pages          int
	Entries        int   // entries read so far
	ExpectedPages  int   // estimate from the stored window; 0 when unknown
	QuotaRemaining int64 // -1 when unknown
}

// Result is what a run did. The same figures are stored in sync_runs.
type Result struct {
	RunID          int64
	Mode           string
	From, To       time.Time // the local-date window
	Status         string
	Pages          int
	Requests       int
	QuotaUsed      int
	QuotaRemaining int64 // -1 when unknown
	Seen           int   // entries read from Toggl
	Skipped        int   // running timers
	Inserted       int
	Updated        int
	Deleted        int
	Voided         int // confirmations voided because their entry changed or vanished
	Watermark      time.Time
	// ChangedWeeks are approved weeks whose entries changed: their approval
	// now reads changed_after_approval and the people should be told.
	ChangedWeeks []storage.WeekRef
	Duration     time.Duration
}

// Engine runs Toggl syncs against one database.
type Engine struct {
	db      *storage.DB
	api     TogglAPI
	opts    Options
	log     *zap.Logger
	metrics engineMetrics
}

// NewEngine builds an engine.
func NewEngine(db *storage.DB, api TogglAPI, opts Options) (*Engine, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	if opts.FullWeeks <= 0 {
		opts.FullWeeks = 2
	}
	if opts.LookbackWeeks <= 0 {
		opts.LookbackWeeks = 13
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	m, err := newEngineMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &Engine{db: db, api: api, opts: opts, log: log.Named("sync"), metrics: m}, nil
}

// plan is one run's shape.
type plan struct {
	mode      string
	from, to  time.Time // local dates the run is about (deletions apply here)
	deletions bool      // mark stored entries Toggl no longer returns
	watermark *time.Time
	refresh   bool // re-read users and projects first
}

// RunIncremental reads entries changed since the last successful
// incremental run, newest first, and stops at its watermark. The first run
// has no watermark and reads the full window.
func (e *Engine) RunIncremental(ctx context.Context) (Result, error) {
	wm, ok, err := storage.SyncWatermark(ctx, e.db)
	if err != nil {
		return Result{}, err
	}
	week := model.WeekOf(e.opts.Now().UTC())
	p := plan{mode: ModeIncremental, to: week.End()}
	if ok {
		p.from = week.Start.AddDate(0, 0, -7*(e.opts.LookbackWeeks-1))
		p.watermark = &wm
	} else {
		p.from = week.Start.AddDate(0, 0, -7*(e.opts.FullWeeks-1))
		p.refresh = true
	}
	return e.run(ctx, p)
}

// RunFull re-reads the full window (the current and previous FullWeeks-1
// weeks) and soft-deletes stored entries of the window Toggl no longer has.
func (e *Engine) RunFull(ctx context.Context) (Result, error) {
	week := model.WeekOf(e.opts.Now().UTC())
	return e.run(ctx, plan{mode: ModeFull, from: week.Start.AddDate(0, 0, -7*(e.opts.FullWeeks-1)),
		to: week.End(), deletions: true, refresh: true})
}

// RunRange reads entries with local dates in [from, to]; with deletions it
// also soft-deletes stored entries of the range Toggl no longer returns.
func (e *Engine) RunRange(ctx context.Context, from, to time.Time, deletions bool) (Result, error) {
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	to = time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)
	if to.Before(from) {
		return Result{}, model.Errorf(model.EInvalid, "--to %s is before --from %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	return e.run(ctx, plan{mode: ModeRange, from: from, to: to, deletions: deletions, refresh: true})
}

// run executes a plan and records it in sync_runs.
func (e *Engine) run(ctx context.Context, p plan) (Result, error) {
	started := e.opts.Now()
	w, err := e.db.BeginEntrySync(ctx, p.deletions, e.opts.ConfirmedTag)
	if err != nil {
		return Result{}, fmt.Errorf("start %s sync: %w", p.mode, err)
	}
	defer w.Close()
	if n, err := storage.AbandonSyncRuns(ctx, e.db, started); err != nil {
		return Result{}, err
	} else if n > 0 {
		e.log.Warn("marked abandoned sync runs failed", zap.Int("runs", n))
	}
	runID, err := storage.StartSyncRun(ctx, e.db, p.mode, &p.from, &p.to, started)
	if err != nil {
		return Result{}, err
	}
	before := e.api.Stats()
	res := Result{RunID: runID, Mode: p.mode, From: p.from, To: p.to}
	e.log.Info("sync started", zap.Int64("run_id", runID), zap.String("mode", p.mode),
		zap.String("from", p.from.Format(time.DateOnly)), zap.String("to", p.to.Format(time.DateOnly)))

	runErr := e.execute(ctx, p, w, &res)

	after := e.api.Stats()
	res.Requests = int(after.Requests - before.Requests)
	res.QuotaUsed = int(after.QuotaUsed - before.QuotaUsed)
	res.QuotaRemaining = after.QuotaRemaining
	res.Duration = e.opts.Now().Sub(started)
	res.Status = statusOf(ctx, runErr)
	if err := e.record(ctx, res, started, runErr); err != nil {
		runErr = errors.Join(runErr, err)
	}
	e.metrics.observe(res)
	fields := []zap.Field{zap.Int64("run_id", runID), zap.String("mode", p.mode), zap.String("status", res.Status),
		zap.Int("pages", res.Pages), zap.Int("requests", res.Requests), zap.Int("seen", res.Seen),
		zap.Int("inserted", res.Inserted), zap.Int("updated", res.Updated), zap.Int("deleted", res.Deleted),
		zap.Int("voided", res.Voided), zap.Int64("quota_remaining", res.QuotaRemaining), zap.Duration("duration", res.Duration)}
	if runErr != nil {
		e.log.Warn("sync ended", append(fields, zap.Error(runErr))...)
		return res, fmt.Errorf("%s sync: %w", p.mode, runErr)
	}
	e.log.Info("sync ended", fields...)
	return res, nil
}

// execute does the reading and writing of a run.
func (e *Engine) execute(ctx context.Context, p plan, w *storage.EntrySyncWriter, res *Result) error {
	if p.refresh {
		if err := e.refreshWorkspace(ctx, true, true); err != nil {
			return err
		}
	}
	complete, refs, err := e.stream(ctx, p, w, res)
	if err != nil {
		return err
	}
	if p.deletions && complete {
		r, err := w.MarkMissingDeleted(ctx, p.from, p.to)
		if err != nil {
			return err
		}
		res.Deleted += r.Deleted
		res.Voided += r.Voided
		res.ChangedWeeks = append(res.ChangedWeeks, r.ChangedWeeks...)
	}
	if !p.refresh {
		users, projects, err := storage.MissingTogglRefs(ctx, e.db, refs.users(), refs.projects())
		if err != nil {
			return err
		}
		if len(users) > 0 || len(projects) > 0 {
			e.log.Info("unknown toggl ids seen; refreshing", zap.Int("users", len(users)), zap.Int("projects", len(projects)))
			if err := e.refreshWorkspace(ctx, len(users) > 0, len(projects) > 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// refreshWorkspace re-reads Toggl's users (and links them to employees by
// email) and projects with their clients.
func (e *Engine) refreshWorkspace(ctx context.Context, users, projects bool) error {
	if users {
		list, err := e.api.WorkspaceUsers(ctx)
		if err != nil {
			return err
		}
		rows := make([]storage.TogglUser, len(list))
		for i, u := range list {
			rows[i] = storage.TogglUser{ID: u.ID, Email: u.Email, Fullname: u.Fullname, Active: u.Active, Timezone: u.Timezone}
		}
		err = e.db.InTx(ctx, func(tx storage.Tx) error {
			if _, err := storage.UpsertTogglUsers(ctx, tx, rows); err != nil {
				return err
			}
			_, err := storage.LinkTogglUsers(ctx, tx, nil, "sync")
			return err
		})
		if err != nil {
			return err
		}
	}
	if projects {
		list, err := e.api.ProjectsWithClients(ctx)
		if err != nil {
			return err
		}
		rows := make([]storage.TogglProject, len(list))
		for i, p := range list {
			rows[i] = storage.TogglProject{ID: p.ID, Name: p.Name, ClientName: p.ClientName, Active: p.Active, Billable: p.Billable}
			if p.ClientID != nil {
				rows[i].ClientID = *p.ClientID
			}
		}
		if _, err := storage.UpsertTogglProjects(ctx, e.db, rows); err != nil {
			return err
		}
	}
	return nil
}

// statusOf maps a run's error to its recorded status.
func statusOf(ctx context.Context, err error) string {
	var qe *toggl.QuotaError
	switch {
	case err == nil:
		return StatusOK
	case errors.As(err, &qe):
		return StatusQuotaExhausted
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return StatusCancelled
	}
	return StatusFailed
}

// record stores the run's outcome, even when ctx was cancelled.
func (e *Engine) record(ctx context.Context, res Result, started time.Time, runErr error) error {
	fin := started.Add(res.Duration)
	run := storage.SyncRun{ID: res.RunID, Mode: res.Mode, FinishedAt: &fin, Status: res.Status,
		Pages: res.Pages, Requests: res.Requests, QuotaUsed: res.QuotaUsed, Seen: res.Seen,
		Inserted: res.Inserted, Updated: res.Updated, Deleted: res.Deleted}
	if res.QuotaRemaining >= 0 {
		q := int(res.QuotaRemaining)
		run.QuotaRemaining = &q
	}
	if !res.Watermark.IsZero() {
		wm := res.Watermark
		run.Watermark = &wm
	}
	if runErr != nil {
		run.Error = runErr.Error()
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return storage.FinishSyncRun(rctx, e.db, run)
}
