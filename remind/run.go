package remind

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Result counts what a run did.
type Result struct {
	Sent      int // DMs posted (or found posted by an earlier, crashed attempt)
	Skipped   int // decided not to send, written to the ledger
	Failed    int // given up on, written to the ledger
	Pending   int // left claimed after a transient failure; a later tick retries
	Recovered int // stale claims of crashed or stalled runs taken over
}

// RunDue is the reminder tick: it completes stale claims and sends the
// weekly DM to everyone whose local due time has passed and who has no
// ledger row for that week yet.
func (e *Engine) RunDue(ctx context.Context, now time.Time) (Result, error) {
	return e.Run(ctx, Request{Kind: Weekly, Now: now})
}

// DigestDue is the digest tick, like RunDue for the managers' digest.
func (e *Engine) DigestDue(ctx context.Context, now time.Time) (Result, error) {
	if e.opts.RenderDigest == nil {
		return Result{}, nil
	}
	return e.Run(ctx, Request{Kind: Digest, Now: now})
}

// Run executes a fan-out: stale claims of the kind first, then everyone the
// plan says to send to. Per-person failures are recorded and counted, not
// returned; the error is for failures that stop the run (the database,
// the time-off source, or Slack refusing the token: ErrFatal).
func (e *Engine) Run(ctx context.Context, req Request) (Result, error) {
	now := req.Now
	if now.IsZero() {
		now = e.opts.Now()
	}
	req.Now = now
	kind := req.kind()
	items, err := e.plan(ctx, req)
	if err != nil {
		return Result{}, err
	}
	var work []PlanItem
	for _, it := range items {
		if it.Action == ActionSend || (it.Action == ActionSkip && it.record) {
			work = append(work, it)
		}
	}
	stale, err := e.reclaim(ctx, kind, now, req.Only)
	if err != nil {
		return Result{}, err
	}
	return e.fanOut(ctx, kind, stale, work, req.Progress)
}

// Recover completes the rows of weekly reminders and digests whose
// claimer stopped renewing them for a whole ClaimLease (it crashed or was
// killed) and nothing else: a cheap query, so it can run every few seconds
// and a dead engine's rows are picked up within about a lease.
func (e *Engine) Recover(ctx context.Context, now time.Time) (Result, error) {
	if now.IsZero() {
		now = e.opts.Now()
	}
	var total Result
	for _, kind := range []Kind{Weekly, Digest} {
		if kind == Digest && e.opts.RenderDigest == nil {
			continue
		}
		stale, err := e.reclaim(ctx, kind, now, "")
		if err != nil {
			return total, err
		}
		if len(stale) == 0 {
			continue
		}
		res, err := e.fanOut(ctx, kind, stale, nil, nil)
		total.add(res)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (r *Result) add(o Result) {
	r.Sent += o.Sent
	r.Skipped += o.Skipped
	r.Failed += o.Failed
	r.Pending += o.Pending
	r.Recovered += o.Recovered
}

// fanOut handles the reclaimed stale rows, then work, with Concurrency
// workers, renewing every claim it holds until that row is handled.
func (e *Engine) fanOut(ctx context.Context, kind Kind, stale, work []PlanItem, progress func(Progress)) (Result, error) {
	held := newClaimSet()
	for _, it := range stale {
		held.add(it.claimed)
	}
	stop := e.heartbeat(ctx, held)
	defer stop()
	work = append(stale, work...)

	var (
		mu  sync.Mutex
		res = Result{Recovered: len(stale)}
		pr  = Progress{Total: len(work)}
	)
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := make(chan PlanItem)
	var wg sync.WaitGroup
	for range min(e.opts.Concurrency, max(len(work), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range queue {
				out, err := e.handle(runCtx, kind, it, held)
				if errors.Is(err, ErrFatal) {
					cancel(err)
				}
				mu.Lock()
				switch out {
				case outSent:
					res.Sent++
					pr.Sent++
				case outSkipped:
					res.Skipped++
					pr.Skipped++
				case outFailed:
					res.Failed++
					pr.Failed++
				case outPending:
					res.Pending++
				}
				pr.Done++
				pr.LastName, pr.LastOutcome = it.Name, string(out)
				p := pr
				mu.Unlock()
				if progress != nil {
					progress(p)
				}
			}
		}()
	}
feed:
	for _, it := range work {
		select {
		case queue <- it:
		case <-runCtx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	if cause := context.Cause(runCtx); cause != nil && ctx.Err() == nil {
		return res, cause
	}
	return res, ctx.Err()
}

// reclaim takes over claims left stale by crashed or stalled engines, for
// periods of the last three weeks.
func (e *Engine) reclaim(ctx context.Context, kind Kind, now time.Time, only string) ([]PlanItem, error) {
	if only != "" {
		return nil, nil // a targeted manual run leaves recovery to the tick
	}
	rows, err := storage.ReclaimStaleReminders(ctx, e.opts.DB, string(kind), e.opts.Instance,
		now, now.Add(-e.opts.ClaimLease), dateOnly(now).AddDate(0, 0, -21), 1000)
	if err != nil {
		return nil, err
	}
	items := make([]PlanItem, 0, len(rows))
	for _, r := range rows {
		p, err := storage.ReminderPersonByID(ctx, e.opts.DB, r.EmployeeID)
		if err != nil {
			return nil, err
		}
		r := r
		e.log.Info("recovering stale reminder", zap.Int64("reminder_id", r.ID), zap.Int64("employee_id", r.EmployeeID),
			zap.Int("attempt", r.Attempts))
		loc := e.zone(p.SlackTZ)
		items = append(items, PlanItem{EmployeeID: p.EmployeeID, Name: p.Name, Email: p.Email,
			SlackUserID: p.SlackUserID, TZ: loc.String(), Week: model.WeekOf(r.Period), Action: ActionSend,
			Reason: "recovering an interrupted attempt", person: p, loc: loc, claimed: &r})
	}
	return items, nil
}

// handle claims one person's ledger row (unless recovering one already
// claimed) and takes it to its end; held renews the claim meanwhile.
func (e *Engine) handle(ctx context.Context, kind Kind, it PlanItem, held *claimSet) (outcome, error) {
	if ctx.Err() != nil {
		return outPending, ctx.Err()
	}
	r := it.claimed
	if r != nil {
		defer held.remove(r)
	} else {
		got, ok, err := storage.ClaimReminder(ctx, e.opts.DB, string(kind), it.EmployeeID, it.Week.Start, e.opts.Instance, e.opts.Now())
		if err != nil {
			e.log.Warn("claim reminder", zap.Int64("employee_id", it.EmployeeID), zap.Error(err))
			return outPending, err
		}
		if !ok {
			return outTaken, nil
		}
		r = &got
		held.add(r)
		defer held.remove(r)
	}
	if it.Action == ActionSkip {
		return e.finish(ctx, kind, r, storage.ReminderOutcome{Status: "skipped", Reason: it.Reason}), nil
	}
	if r.Attempts > e.opts.MaxAttempts {
		return e.finish(ctx, kind, r, storage.ReminderOutcome{Status: "failed",
			Error: fmt.Sprintf("gave up after %d attempts: %s", e.opts.MaxAttempts, r.Error)}), nil
	}
	return e.deliver(ctx, kind, it, r)
}
