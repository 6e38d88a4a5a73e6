package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/toggl"
)

// WritebackAPI is what the write-back worker calls on Toggl (a *toggl.Client).
type WritebackAPI interface {
	PatchTimeEntries(ctx context.Context, ids []int64, ops []toggl.PatchOp) (toggl.BulkResult, error)
	UpdateTimeEntry(ctx context.Context, id int64, u toggl.EntryUpdate) error
}

// WritebackOptions configures the worker. Zero values pick the defaults.
type WritebackOptions struct {
	// ConfirmedTag is CONFIRMED_TAG; empty disables tag write-back (queued
	// tag operations are marked superseded).
	ConfirmedTag string
	BatchSize    int           // rows claimed at a time (default 500)
	MaxBatches   int           // batches per RunOnce (default 20)
	Lease        time.Duration // how long a claim hides rows from other workers (default 2 min; the writes are idempotent)
	MaxAttempts  int           // attempts before a failing row is parked (default 12)
	RetryBase    time.Duration // first retry delay (default 10 s: the next run), jittered, doubling
	RetryMax     time.Duration // longest retry delay (default 1 h)
	Now          func() time.Time
	Logger       *zap.Logger
	Registerer   prometheus.Registerer
}

// Writeback drains the toggl_outbox: confirmed-tag adds and project changes
// (with the billable flag that goes with the project) go out in bulk
// PATCHes of up to 100 entries, tag removals as single PUTs. Transient
// failures are retried with jittered backoff; permanent ones are parked
// with their reason.
type Writeback struct {
	db   *storage.DB
	api  WritebackAPI
	opts WritebackOptions
	log  *zap.Logger
	ops  *prometheus.CounterVec
	pend prometheus.Gauge
}

// NewWriteback builds the worker.
func NewWriteback(db *storage.DB, api WritebackAPI, opts WritebackOptions) (*Writeback, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.MaxBatches <= 0 {
		opts.MaxBatches = 20
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 12
	}
	if opts.RetryBase <= 0 {
		// Short, so a row refused by a Toggl hiccup goes out again at the
		// job's next run (every 30 s) rather than a minute later; doubling
		// from it, MaxAttempts (12) still spans about three hours of
		// failures before a row is parked.
		opts.RetryBase = 10 * time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	w := &Writeback{db: db, api: api, opts: opts, log: log.Named("writeback"),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tally_writeback_ops_total",
			Help: "Toggl write-back outbox rows handled, by operation and result (done, retry, parked, superseded)."},
			[]string{"op", "result"}),
		pend: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tally_writeback_pending",
			Help: "Rows waiting in the Toggl write-back outbox."}),
	}
	if opts.Registerer != nil {
		for _, c := range []prometheus.Collector{w.ops, w.pend} {
			if err := opts.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("register writeback metrics: %w", err)
			}
		}
	}
	return w, nil
}

// RunOnce drains the due rows (up to MaxBatches batches) and returns how
// many it finished: written, superseded or parked.
func (w *Writeback) RunOnce(ctx context.Context) (int, error) {
	finished := 0
	for b := 0; b < w.opts.MaxBatches; b++ {
		items, err := storage.ClaimOutbox(ctx, w.db, w.opts.Now(), w.opts.Lease, w.opts.BatchSize)
		if err != nil {
			return finished, err
		}
		if len(items) == 0 {
			break
		}
		n, err := w.handle(ctx, items)
		finished += n
		if err != nil {
			return finished, err
		}
	}
	if pending, _, err := storage.OutboxCounts(ctx, w.db); err == nil {
		w.pend.Set(float64(pending))
	}
	return finished, nil
}

// outcome collects what happened to a batch's rows.
type outcome struct {
	done, superseded []int64
	parked           map[string][]int64 // reason → ids
	retry            map[string][]int64 // reason → ids
	// quota holds rows held back by a spent Toggl quota: retried when it
	// resets, never parked however often it happens.
	quota map[string]quotaRetry // reason → rows and wait
	byID  map[int64]storage.OutboxItem
}

// quotaRetry is a set of rows waiting for the quota to reset.
type quotaRetry struct {
	ids  []int64
	wait time.Duration
}

func (o *outcome) park(reason string, ids ...int64) {
	o.parked[reason] = append(o.parked[reason], ids...)
}
func (o *outcome) again(reason string, ids ...int64) {
	o.retry[reason] = append(o.retry[reason], ids...)
}

// handle writes one claimed batch and records each row's outcome.
func (w *Writeback) handle(ctx context.Context, items []storage.OutboxItem) (int, error) {
	o := &outcome{parked: map[string][]int64{}, retry: map[string][]int64{}, quota: map[string]quotaRetry{},
		byID: map[int64]storage.OutboxItem{}}
	// Only the last tag operation and the last project change of an entry
	// matter: the earlier ones are superseded (items are in queue order).
	lastTag, lastProject := map[int64]int64{}, map[int64]int64{}
	for _, it := range items {
		o.byID[it.ID] = it
		if it.Op == storage.OutboxSetProject {
			lastProject[it.EntryID] = it.ID
		} else {
			lastTag[it.EntryID] = it.ID
		}
	}
	adds := map[string][]storage.OutboxItem{}           // tag → rows
	projects := map[projectWrite][]storage.OutboxItem{} // (project, billable) → rows
	for _, it := range items {
		switch {
		case it.Op == storage.OutboxSetProject && lastProject[it.EntryID] != it.ID,
			it.Op != storage.OutboxSetProject && lastTag[it.EntryID] != it.ID:
			o.superseded = append(o.superseded, it.ID)
		case it.Op != storage.OutboxSetProject && w.opts.ConfirmedTag == "":
			o.superseded = append(o.superseded, it.ID)
		case it.Op == storage.OutboxTagAdd:
			tag := w.tagOf(it)
			adds[tag] = append(adds[tag], it)
		case it.Op == storage.OutboxTagRemove:
			w.single(ctx, o, it, toggl.EntryUpdate{Tags: []string{w.tagOf(it)}, TagAction: "delete"})
		case it.Op == storage.OutboxSetProject:
			k := projectWriteOf(it.Payload)
			projects[k] = append(projects[k], it)
		default:
			o.park("unknown operation "+it.Op, it.ID)
		}
	}
	for tag, rows := range adds {
		for start := 0; start < len(rows); start += toggl.MaxBulkIDs {
			w.bulk(ctx, o, toggl.AddTagsOps(tag), rows[start:min(start+toggl.MaxBulkIDs, len(rows))])
		}
	}
	// Project changes go out in bulk too, one PATCH per (project, billable
	// flag) and 100 entries: after a Friday of picks this is tens of
	// requests, not one PUT per entry against the hourly quota. The billable
	// flag travels in the same PATCH as the project, so Toggl never holds
	// the new project with the old flag.
	for k, rows := range projects {
		ops := k.ops()
		for start := 0; start < len(rows); start += toggl.MaxBulkIDs {
			w.bulk(ctx, o, ops, rows[start:min(start+toggl.MaxBulkIDs, len(rows))])
		}
	}
	return w.record(ctx, o)
}

// projectWrite is what one bulk project PATCH sets: the project and, for
// rows that carry one, the billable flag.
type projectWrite struct {
	project     int64
	hasBillable bool // false: a row queued before billable was written back
	billable    bool
}

func projectWriteOf(p storage.OutboxPayload) projectWrite {
	k := projectWrite{project: p.ProjectID}
	if p.Billable != nil {
		k.hasBillable, k.billable = true, *p.Billable
	}
	return k
}

// ops is the JSON patch of the write: /project_id, and /billable when the
// row carries it.
func (k projectWrite) ops() []toggl.PatchOp {
	ops := []toggl.PatchOp{{Op: "replace", Path: "/project_id", Value: k.project}}
	if k.hasBillable {
		ops = append(ops, toggl.PatchOp{Op: "replace", Path: "/billable", Value: k.billable})
	}
	return ops
}

func (w *Writeback) tagOf(it storage.OutboxItem) string {
	if it.Payload.Tag != "" {
		return it.Payload.Tag
	}
	return w.opts.ConfirmedTag
}

// single sends one PUT.
func (w *Writeback) single(ctx context.Context, o *outcome, it storage.OutboxItem, u toggl.EntryUpdate) {
	err := w.api.UpdateTimeEntry(ctx, it.EntryID, u)
	switch {
	case err == nil:
		o.done = append(o.done, it.ID)
	case toggl.IsNotFound(err) && it.Op == storage.OutboxTagRemove:
		// The entry is gone: there is no tag left to remove.
		o.done = append(o.done, it.ID)
	default:
		w.failed(o, err, it.ID)
	}
}

// bulk applies ops to up to 100 entries in one PATCH, handling each id's
// partial success or failure.
func (w *Writeback) bulk(ctx context.Context, o *outcome, ops []toggl.PatchOp, rows []storage.OutboxItem) {
	ids := make([]int64, len(rows))
	rowOf := make(map[int64]int64, len(rows)) // entry id → outbox id
	for i, it := range rows {
		ids[i], rowOf[it.EntryID] = it.EntryID, it.ID
	}
	res, err := w.api.PatchTimeEntries(ctx, ids, ops)
	if err != nil {
		outIDs := make([]int64, len(rows))
		for i, it := range rows {
			outIDs[i] = it.ID
		}
		w.failed(o, err, outIDs...)
		return
	}
	for _, id := range res.Success {
		if oid, ok := rowOf[id]; ok {
			o.done = append(o.done, oid)
			delete(rowOf, id)
		}
	}
	for _, f := range res.Failure {
		oid, ok := rowOf[f.ID]
		if !ok {
			continue
		}
		delete(rowOf, f.ID)
		if strings.Contains(strings.ToLower(f.Message), "not found") {
			o.park("toggl: "+f.Message, oid)
		} else {
			o.again("toggl: "+f.Message, oid)
		}
	}
	for _, oid := range rowOf { // neither success nor failure: try again
		o.again("toggl did not report this entry in the bulk result", oid)
	}
}

// failed sorts a failed call's rows into parked (permanent), waiting for
// the quota, or retry.
func (w *Writeback) failed(o *outcome, err error, ids ...int64) {
	var qe *toggl.QuotaError
	if errors.As(err, &qe) {
		wait := qe.ResetsIn
		if wait <= 0 || wait > w.opts.RetryMax {
			wait = w.opts.RetryMax
		}
		q := o.quota[err.Error()]
		q.ids, q.wait = append(q.ids, ids...), max(q.wait, wait)
		o.quota[err.Error()] = q
		return
	}
	if toggl.Permanent(err) {
		o.park(err.Error(), ids...)
		return
	}
	o.again(err.Error(), ids...)
}

// record stores the outcome of a batch; rows that have used up their
// attempts are parked instead of retried.
func (w *Writeback) record(ctx context.Context, o *outcome) (int, error) {
	now := w.opts.Now()
	rctx := context.WithoutCancel(ctx)
	var errs []error
	count := func(ids []int64, result string) {
		for _, id := range ids {
			w.ops.WithLabelValues(o.byID[id].Op, result).Inc()
		}
	}
	finished := len(o.done) + len(o.superseded)
	errs = append(errs, storage.MarkOutboxDone(rctx, w.db, o.done, now))
	count(o.done, "done")
	errs = append(errs, storage.SupersedeOutbox(rctx, w.db, o.superseded, "superseded: a later write or CONFIRMED_TAG is empty", now))
	count(o.superseded, "superseded")
	for reason, ids := range o.retry {
		var retry []int64
		for _, id := range ids {
			if o.byID[id].Attempts >= w.opts.MaxAttempts {
				o.park(fmt.Sprintf("gave up after %d attempts: %s", o.byID[id].Attempts, reason), id)
				continue
			}
			retry = append(retry, id)
		}
		for _, id := range retry {
			next := now.Add(w.retryDelay(o.byID[id].Attempts))
			errs = append(errs, storage.RetryOutbox(rctx, w.db, []int64{id}, next, reason))
		}
		count(retry, "retry")
	}
	for reason, q := range o.quota {
		// A quota delays work; it is never a reason to give up on it.
		errs = append(errs, storage.RetryOutbox(rctx, w.db, q.ids, now.Add(q.wait), reason))
		count(q.ids, "retry")
	}
	for reason, ids := range o.parked {
		errs = append(errs, storage.ParkOutbox(rctx, w.db, ids, reason, now))
		count(ids, "parked")
		finished += len(ids)
		w.log.Warn("write-back parked", zap.Int("rows", len(ids)), zap.String("reason", reason))
	}
	return finished, errors.Join(errs...)
}

// retryDelay is the jittered exponential delay after the given attempt.
func (w *Writeback) retryDelay(attempt int) time.Duration {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.RandomizationFactor, b.Multiplier = w.opts.RetryBase, w.opts.RetryMax, 0.5, 2
	b.Reset()
	d := b.NextBackOff()
	for i := 1; i < attempt; i++ {
		d = b.NextBackOff()
	}
	return d
}
