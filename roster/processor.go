package roster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/storage"
)

// DefaultInboxLease is the inbox claim lease: short, because claims are
// renewed while work runs, so that a row cut off by a crash is retried
// within 30 s (15 s lease + the bamboo.inbox job's 15 s interval).
const DefaultInboxLease = 15 * time.Second

// historyTTL is how long the inbox worker trusts its reading of BambooHR's
// table metadata (which table keeps the rate field's history).
const historyTTL = time.Hour

// ProcessorOptions tune the inbox worker. Zero values take the defaults.
type ProcessorOptions struct {
	Batch       int           // rows claimed at a time; default 50
	MaxAttempts int           // attempts before a row is parked; default 8
	BaseBackoff time.Duration // first retry delay, doubled per attempt with jitter; default 30s
	MaxBackoff  time.Duration // default 1h
	// Lease is how long a claimed row stays reserved without a renewal;
	// default DefaultInboxLease. The worker renews the rows it holds every
	// RenewEvery while it works, so the lease only decides how soon a row
	// whose claimer died is retried: within Lease plus the drain interval.
	Lease time.Duration
	// RenewEvery is the heartbeat of the rows in work; default Lease/3.
	RenewEvery time.Duration
	// Ticker makes the heartbeat's ticker (default time.NewTicker); tests
	// pass one they fire by hand.
	Ticker     func(d time.Duration) (<-chan time.Time, func())
	Now        func() time.Time
	Slack      SlackLookup   // optional: Slack identity of new hires
	Cache      EmployeeCache // optional: told about every employee change
	Logger     *zap.Logger
	Registerer prometheus.Registerer // default: a private registry
}

// Processor drains the webhook inbox: in order of receipt, idempotently
// (each change re-reads the employee from BambooHR, so duplicates and
// out-of-order deliveries converge on BambooHR's current state), retrying
// failures with backoff and parking rows that keep failing.
type Processor struct {
	db       *storage.DB
	src      EmployeeSource
	settings Settings
	opts     ProcessorOptions
	log      *zap.Logger
	wake     chan struct{}

	// unanswered is set when a delivery failed because BambooHR did not
	// answer (5xx, 429, no connection); the next success resumes the rows
	// waiting out a backoff (ResumeInboxRetries).
	unanswered atomic.Bool

	histMu sync.Mutex
	hist   history
	histAt time.Time // zero: not read yet

	processed, failed, parked, takenOver prometheus.Counter
	pending, parkedNow                   prometheus.Gauge
}

// NewProcessor builds the inbox worker. src is normally the *bamboo.Client.
func NewProcessor(db *storage.DB, src EmployeeSource, s Settings, opts ProcessorOptions) (*Processor, error) {
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 30 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Hour
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultInboxLease
	}
	if opts.RenewEvery <= 0 || opts.RenewEvery >= opts.Lease {
		opts.RenewEvery = opts.Lease / 3
	}
	if opts.Ticker == nil {
		opts.Ticker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	reg := opts.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	p := &Processor{db: db, src: src, settings: s, opts: opts, log: log.Named("inbox"), wake: make(chan struct{}, 1),
		processed: prometheus.NewCounter(prometheus.CounterOpts{Name: "tally_bamboo_inbox_processed_total", Help: "BambooHR webhook deliveries processed."}),
		failed:    prometheus.NewCounter(prometheus.CounterOpts{Name: "tally_bamboo_inbox_failed_total", Help: "Failed attempts at processing a BambooHR webhook delivery."}),
		parked:    prometheus.NewCounter(prometheus.CounterOpts{Name: "tally_bamboo_inbox_parked_total", Help: "BambooHR webhook deliveries parked after repeated failures."}),
		takenOver: prometheus.NewCounter(prometheus.CounterOpts{Name: "tally_bamboo_inbox_taken_over_total", Help: "Inbox rows another claimer took over while this one worked on them (its outcome was dropped)."}),
		pending:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "tally_bamboo_inbox_pending", Help: "BambooHR webhook deliveries waiting to be processed."}),
		parkedNow: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tally_bamboo_inbox_parked", Help: "BambooHR webhook deliveries parked (dead letters) awaiting attention."}),
	}
	for _, c := range []prometheus.Collector{p.processed, p.failed, p.parked, p.takenOver, p.pending, p.parkedNow} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register inbox metrics: %w", err)
		}
	}
	return p, nil
}

// Wake asks a running Run loop to drain the inbox now (the webhook
// handler's OnStored). It never blocks.
func (p *Processor) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// RunOnce drains every due row and returns how many rows it handled
// (processed, retried or parked). The error is only for database trouble;
// a failing delivery is retried later, not returned.
func (p *Processor) RunOnce(ctx context.Context) (int, error) {
	n := 0
	defer p.refreshGauges(ctx)
	resumed := false // at most once a drain, so a flapping BambooHR cannot spin
	for ctx.Err() == nil {
		token, err := newClaimToken()
		if err != nil {
			return n, err
		}
		rows, err := storage.ClaimInbox(ctx, p.db, token, p.opts.Now(), p.opts.Lease, p.opts.Batch)
		if err != nil {
			return n, err
		}
		if len(rows) == 0 {
			return n, nil
		}
		k, ok, err := p.handleBatch(ctx, token, rows)
		n += k
		if err != nil {
			return n, err
		}
		if ok && !resumed && p.unanswered.Swap(false) {
			resumed = true
			if err := p.resumeRetries(ctx); err != nil {
				return n, err
			}
		}
	}
	return n, ctx.Err()
}

// handleBatch works through the rows claimed under token, renewing the
// claim on those not yet finished while it works; a row another claimer
// took over is skipped, or its work cancelled when it is the one in hand.
// It also reports whether any row was processed (BambooHR answered).
func (p *Processor) handleBatch(ctx context.Context, token string, rows []storage.InboxRow) (int, bool, error) {
	c := newClaim(token, rows)
	stop := p.heartbeat(ctx, c)
	defer stop()
	n, answered := 0, false
	for _, row := range rows {
		rowCtx, ok := c.begin(ctx, row.ID)
		if !ok {
			p.takenOver.Inc()
			continue
		}
		done, err := p.handle(rowCtx, token, row)
		c.end(row.ID)
		if err != nil {
			return n, answered, err
		}
		answered = answered || done
		n++
	}
	return n, answered, nil
}

// resumeRetries makes the deliveries waiting out a backoff due now: BambooHR
// answers again, so what it refused during the outage need not wait minutes
// more (the drain in progress claims them next).
func (p *Processor) resumeRetries(ctx context.Context) error {
	n, err := storage.ResumeInboxRetries(ctx, p.db, p.opts.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		p.log.Info("BambooHR answers again; retrying deliveries now", zap.Int64("rows", n))
	}
	return nil
}

// unanswered reports whether err means BambooHR did not answer usefully:
// rate limited, unavailable, a server error or no connection at all.
func unanswered(err error) bool {
	var ne net.Error
	return errors.Is(err, bamboo.ErrRateLimited) || errors.Is(err, bamboo.ErrUnavailable) ||
		errors.Is(err, bamboo.ErrServer) || errors.As(err, &ne)
}

// Run drains the inbox every interval, and at once when woken, until ctx
// ends. Database errors are logged and retried at the next tick.
func (p *Processor) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := p.RunOnce(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("inbox drain failed", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-p.wake:
		}
	}
}

// handle processes one claimed row and records the outcome, if token still
// holds the row (otherwise its successor's outcome stands). done reports
// that the row was processed.
func (p *Processor) handle(ctx context.Context, token string, row storage.InboxRow) (done bool, _ error) {
	changes, err := bamboo.ParsePayload(row.Body)
	if err == nil {
		err = p.apply(ctx, changes, row.ReceivedAt)
	}
	now := p.opts.Now()
	final := context.WithoutCancel(ctx)
	var held bool
	var serr error
	switch {
	case err == nil:
		if held, serr = storage.FinishInbox(final, p.db, row.ID, token, now); held {
			p.processed.Inc()
			done = true
		}
	case errors.Is(err, bamboo.ErrBadPayload) || row.Attempts >= p.opts.MaxAttempts:
		if held, serr = storage.ParkInbox(final, p.db, row.ID, token, now, err.Error()); held {
			p.failed.Inc()
			p.parked.Inc()
			p.log.Error("webhook delivery parked", zap.Int64("inbox_id", row.ID), zap.Int("attempts", row.Attempts), zap.Error(err))
		}
	default:
		if unanswered(err) {
			p.unanswered.Store(true)
		}
		next := now.Add(p.backoff(row.Attempts))
		if held, serr = storage.RetryInbox(final, p.db, row.ID, token, next, err.Error()); held {
			p.failed.Inc()
			p.log.Warn("webhook delivery failed; will retry", zap.Int64("inbox_id", row.ID), zap.Int("attempts", row.Attempts), zap.Time("next_attempt_at", next), zap.Error(err))
		}
	}
	if serr == nil && !held {
		p.takenOver.Inc()
		p.log.Info("inbox row taken over by another claimer; this outcome is dropped", zap.Int64("inbox_id", row.ID))
	}
	return done, serr
}

// backoff is BaseBackoff × 2^(attempts-1), capped, with ±25% jitter.
func (p *Processor) backoff(attempts int) time.Duration {
	d := p.opts.BaseBackoff
	for i := 1; i < attempts && d < p.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.opts.MaxBackoff)
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2)) //nolint:gosec // G404: backoff jitter, not a secret
}

// apply applies every change of one delivery. Every employee it names is
// read from BambooHR once, however often they are named, many per request
// (readEmployees); an employee named again with an effective date has that
// dated value applied from the same reading.
func (p *Processor) apply(ctx context.Context, changes []bamboo.Change, received time.Time) error {
	h, err := p.history(ctx)
	if err != nil {
		return err
	}
	var ids []string
	named := map[string]bool{}
	for _, c := range changes {
		if !named[c.EmployeeID] {
			named[c.EmployeeID] = true
			ids = append(ids, c.EmployeeID)
		}
	}
	snaps, err := readEmployees(ctx, p.src, p.settings, h, ids)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return err
		}
		again := seen[c.EmployeeID]
		if again && c.EffectiveDate.IsZero() {
			continue
		}
		seen[c.EmployeeID] = true
		a, err := applyEmployee(ctx, p.db, p.settings, h, snaps[c.EmployeeID], c, received)
		if err != nil {
			return err
		}
		if !again && !a.deleted && a.employeeID != 0 {
			if err := p.identify(ctx, a, received); err != nil {
				return err
			}
		}
		if a.changed && p.opts.Cache != nil {
			logCacheError(p.log, p.opts.Cache.EmployeeChanged(ctx, a.employee), c.EmployeeID)
		}
		if a.changed || a.rates > 0 {
			p.log.Info("employee updated from BambooHR", zap.String("bamboo_id", c.EmployeeID), zap.String("action", c.Action),
				zap.Bool("created", a.created), zap.Int("rates", a.rates))
		}
	}
	return nil
}

// identify joins one employee to Slack (users.lookupByEmail, when the email
// is new or no Slack user is known yet) and Toggl (toggl_users by email) and
// records or resolves their identity problems.
func (p *Processor) identify(ctx context.Context, a applied, now time.Time) error {
	e := a.employee
	checkSlack := p.opts.Slack != nil
	if checkSlack && e.Email != "" && (a.emailNew || e.SlackUserID == "") {
		u, found, err := lookupSlack(ctx, p.opts.Slack, e.Email)
		if err != nil {
			return err
		}
		id := storage.SlackIdentity{EmployeeID: a.employeeID}
		if found {
			id.UserID, id.TZ = u.ID, u.TZ
		}
		if _, err := storage.ApplySlackIdentities(ctx, p.db, []storage.SlackIdentity{id}, rosterActor); err != nil {
			return err
		}
	} else if checkSlack && e.Email == "" && e.SlackUserID != "" {
		if _, err := storage.ApplySlackIdentities(ctx, p.db, []storage.SlackIdentity{{EmployeeID: a.employeeID}}, rosterActor); err != nil {
			return err
		}
	}
	if _, err := storage.LinkTogglUsers(ctx, p.db, []int64{a.employeeID}, rosterActor); err != nil {
		return err
	}
	stored, found, err := storage.EmployeeByBambooID(ctx, p.db, e.BambooID, false)
	if err != nil || !found {
		return err
	}
	kinds := []string{storage.ProblemNoToggl}
	if checkSlack {
		kinds = append(kinds, storage.ProblemNoSlack)
	}
	open := identityProblems([]storage.StoredEmployee{stored}, checkSlack)
	_, _, err = storage.SyncRosterProblems(ctx, p.db, storage.ProblemScope{Kinds: kinds, Subjects: []string{e.BambooID}}, open, now)
	return err
}

// history returns where rates are dated from, re-reading BambooHR's table
// metadata once historyTTL has passed.
func (p *Processor) history(ctx context.Context) (history, error) {
	p.histMu.Lock()
	defer p.histMu.Unlock()
	now := p.opts.Now()
	if !p.histAt.IsZero() && now.Sub(p.histAt) < historyTTL && !now.Before(p.histAt) {
		return p.hist, nil
	}
	h, err := resolveHistory(ctx, p.src, p.settings)
	if err != nil {
		return history{}, err
	}
	p.hist, p.histAt = h, now
	return h, nil
}

// refreshGauges sets the pending and parked gauges from the inbox.
func (p *Processor) refreshGauges(ctx context.Context) {
	pending, parked, err := storage.InboxCounts(context.WithoutCancel(ctx), p.db)
	if err != nil {
		return
	}
	p.pending.Set(float64(pending))
	p.parkedNow.Set(float64(parked))
}

// ProcessedCounter exposes the processed counter (for tests and dashboards).
func (p *Processor) ProcessedCounter() prometheus.Counter { return p.processed }

// ParkedCounter exposes the parked counter.
func (p *Processor) ParkedCounter() prometheus.Counter { return p.parked }
