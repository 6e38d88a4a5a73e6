// Package schedule runs tally's periodic jobs in-process with gocron, safely
// on many replicas: one replica leads through a lease in Postgres, and every
// run first claims its (job, slot) row so a slot never runs twice, even
// across a change of leader.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/storage"
)

// Options configures a Scheduler.
type Options struct {
	// DB holds the leader lease and the job claims.
	DB *storage.DB
	// Instance names this replica in the lease and the claims (TALLY_INSTANCE_ID).
	Instance string
	// Clock drives schedules and lease expiry; nil is the real clock.
	Clock clockwork.Clock
	// LeaseName is the leader_lease row (default "scheduler").
	LeaseName string
	// LeaseTTL is how long a lease lasts without renewal (default 15 s); it
	// is renewed every LeaseTTL/3, so a dead leader is replaced within it.
	LeaseTTL time.Duration
	// ClaimLease is how long a job slot's claim holds without renewal
	// (default 30 s). A running job renews it every ClaimLease/3; a slot
	// whose claimer died is taken over (or closed, if a later slot has run)
	// by the leader within about one lease.
	ClaimLease time.Duration
	// OnRun, if set, is called after each run this replica made of a job
	// (scheduled or recovered) is recorded: the "done" signal tests and
	// tools wait on instead of polling the claims table.
	OnRun func(job, slot string, err error)
	// OnLeaderChange, if set, is called when this replica gains (true) or
	// loses (false) the lease, after the change took effect.
	OnLeaderChange func(leading bool)
	// StopTimeout bounds how long Run waits for running jobs at shutdown
	// (default 30 s).
	StopTimeout time.Duration
	// Log receives one line per failed run and leadership change; nil is no-op.
	Log *zap.Logger
	// Registerer receives the scheduler's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
}

// Scheduler runs registered jobs on the leader replica.
type Scheduler struct {
	opts    Options
	log     *zap.Logger
	clock   clockwork.Clock
	lease   *lease
	metrics *metrics

	mu      sync.Mutex
	jobs    []Job
	started bool

	busy     map[string]*atomic.Bool // per job: a run of it is in progress here
	recovery recovery

	// release is false only in tests that simulate a killed replica.
	release bool
}

// New returns a scheduler with jobs registered; more can be added with Add
// until Run starts.
func New(opts Options, jobs ...Job) (*Scheduler, error) {
	if opts.DB == nil {
		return nil, errors.New("schedule: a database is required")
	}
	if opts.Instance == "" {
		return nil, errors.New("schedule: an instance id is required")
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	if opts.LeaseName == "" {
		opts.LeaseName = "scheduler"
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 15 * time.Second
	}
	if opts.ClaimLease <= 0 {
		opts.ClaimLease = 30 * time.Second
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 30 * time.Second
	}
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	log = log.Named("schedule")
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Scheduler{opts: opts, log: log, clock: opts.Clock, metrics: m, release: true, busy: map[string]*atomic.Bool{}}
	s.lease = &lease{
		db: opts.DB, name: opts.LeaseName, holder: opts.Instance, ttl: opts.LeaseTTL,
		clock: opts.Clock, log: log,
		onChange: func(leading bool) {
			log.Info("leadership changed", zap.Bool("leading", leading))
			m.leader.Set(boolGauge(leading))
			if opts.OnLeaderChange != nil {
				opts.OnLeaderChange(leading)
			}
		},
	}
	s.lease.onHeld = s.recoverStale
	for _, j := range jobs {
		if err := s.Add(j); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Add registers a job. Names must be unique.
func (s *Scheduler) Add(j Job) error {
	if j.Name == "" || j.Run == nil {
		return errors.New("schedule: a job needs a name and a run function")
	}
	if err := j.Schedule.validate(); err != nil {
		return fmt.Errorf("schedule: job %s: %w", j.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return fmt.Errorf("schedule: job %s added after start", j.Name)
	}
	for _, have := range s.jobs {
		if have.Name == j.Name {
			return fmt.Errorf("schedule: job %s registered twice", j.Name)
		}
	}
	s.jobs = append(s.jobs, j)
	s.busy[j.Name] = &atomic.Bool{}
	return nil
}

// IsLeader reports whether this replica currently leads (implements
// gocron.Elector: nil when leading).
func (s *Scheduler) IsLeader(ctx context.Context) error { return s.lease.IsLeader(ctx) }

// Run keeps the lease and runs the jobs until ctx ends, then stops
// scheduling, cancels the jobs' context, waits (up to StopTimeout) for
// running jobs to return and releases the lease.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("schedule: Run called twice")
	}
	s.started = true
	jobs := append([]Job(nil), s.jobs...)
	s.mu.Unlock()

	jobCtx, cancelJobs := context.WithCancel(ctx)
	defer cancelJobs()
	g, err := gocron.NewScheduler(
		gocron.WithClock(s.clock),
		gocron.WithLocation(time.UTC),
		gocron.WithDistributedElector(s.lease),
		gocron.WithStopTimeout(s.opts.StopTimeout),
	)
	if err != nil {
		return fmt.Errorf("schedule: create scheduler: %w", err)
	}
	for _, j := range jobs {
		if err := s.register(g, jobCtx, j); err != nil {
			_ = g.Shutdown()
			return err
		}
	}

	s.recovery.start(jobCtx, jobs)
	leaseCtx, stopLease := context.WithCancel(context.WithoutCancel(ctx))
	leaseDone := make(chan struct{})
	go func() {
		defer close(leaseDone)
		s.lease.run(leaseCtx, s.release)
	}()
	g.Start()
	s.log.Info("scheduler started", zap.Int("jobs", len(jobs)), zap.Duration("lease_ttl", s.opts.LeaseTTL))

	<-ctx.Done()
	// Jobs see their context cancelled; Shutdown waits for them before the
	// lease is released, so no other replica starts while one still runs.
	cancelJobs()
	err = g.Shutdown()
	s.recovery.wait()
	stopLease()
	<-leaseDone
	if err != nil {
		return fmt.Errorf("schedule: shutdown: %w", err)
	}
	return nil
}

func (s *Scheduler) register(g gocron.Scheduler, ctx context.Context, j Job) error {
	var def gocron.JobDefinition
	opts := []gocron.JobOption{
		gocron.WithName(j.Name),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithContext(ctx),
	}
	if j.Schedule.every > 0 {
		def = gocron.DurationJob(j.Schedule.every)
		// Align interval jobs so every replica agrees on the slots.
		opts = append(opts, gocron.WithStartAt(gocron.WithStartDateTime(j.Schedule.next(s.clock.Now()))))
	} else {
		def = gocron.CronJob(j.Schedule.cron, false)
	}
	_, err := g.NewJob(def, gocron.NewTask(func(ctx context.Context) error { return s.runSlot(ctx, j) }), opts...)
	if err != nil {
		return fmt.Errorf("schedule: job %s: %w", j.Name, err)
	}
	return nil
}

// runSlot claims the job's current slot and, if the claim is ours, runs it
// and records how it ended.
func (s *Scheduler) runSlot(ctx context.Context, j Job) error {
	now := s.clock.Now()
	slot := j.Schedule.Slot(now)
	if !s.lease.leading(now) {
		s.metrics.skipped.WithLabelValues(j.Name, "not_leader").Inc()
		return nil
	}
	busy := s.busy[j.Name]
	if !busy.CompareAndSwap(false, true) {
		// A recovered run of an earlier slot is still going.
		s.metrics.skipped.WithLabelValues(j.Name, "running").Inc()
		return nil
	}
	defer busy.Store(false)
	ok, err := storage.ClaimJobSlot(ctx, s.opts.DB, j.Name, slot, s.opts.Instance, now)
	if err != nil {
		s.log.Warn("claim job slot", zap.String("job", j.Name), zap.String("slot", slot), zap.Error(err))
		return err
	}
	if !ok {
		s.metrics.skipped.WithLabelValues(j.Name, "claimed").Inc()
		return nil
	}
	return s.runClaimed(ctx, j, slot)
}

// runClaimed runs j for a slot this replica has claimed, renewing the claim
// while it runs, and records how it ended. Losing the claim (another
// replica took it over as stale) cancels the run with ErrClaimLost.
func (s *Scheduler) runClaimed(ctx context.Context, j Job, slot string) (err error) {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := Heartbeat(runCtx, s.clock, s.opts.ClaimLease/3, func(hctx context.Context) {
		held, err := storage.RenewJobSlot(hctx, s.opts.DB, j.Name, slot, s.opts.Instance, s.clock.Now())
		switch {
		case err != nil:
			if hctx.Err() == nil {
				s.log.Warn("renew job claim", zap.String("job", j.Name), zap.String("slot", slot), zap.Error(err))
			}
		case !held:
			s.log.Warn("job claim lost; stopping the run", zap.String("job", j.Name), zap.String("slot", slot))
			cancel(ErrClaimLost)
		}
	})
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("job %s panicked: %v", j.Name, r)
		}
		stop()
		if cause := context.Cause(runCtx); errors.Is(cause, ErrClaimLost) && err != nil {
			err = fmt.Errorf("%w: %w", ErrClaimLost, err)
		}
		s.finish(ctx, j.Name, slot, time.Since(start), err)
	}()
	return j.Run(runCtx)
}

func (s *Scheduler) finish(ctx context.Context, job, slot string, took time.Duration, runErr error) {
	status := "ok"
	if runErr != nil {
		status = "failed"
		s.log.Warn("job failed", zap.String("job", job), zap.String("slot", slot), zap.Error(runErr))
	} else {
		s.log.Debug("job done", zap.String("job", job), zap.String("slot", slot), zap.Duration("took", took))
	}
	s.metrics.runs.WithLabelValues(job, status).Inc()
	s.metrics.duration.WithLabelValues(job).Observe(took.Seconds())
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := storage.FinishJobSlot(fctx, s.opts.DB, job, slot, s.opts.Instance, s.clock.Now(), runErr); err != nil {
		s.log.Warn("record job run", zap.String("job", job), zap.Error(err))
	}
	if s.opts.OnRun != nil {
		s.opts.OnRun(job, slot, runErr)
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
