package schedule

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/storage"
)

// recoveryWindow bounds how far back the leader looks for slots whose
// claimer died: far enough for a daily job's slot, short enough that the
// query stays on a small range of job_claims.
const recoveryWindow = 48 * time.Hour

// recovery is the leader's side of short claim leases: slots claimed by a
// replica that died (its claim no longer renewed) are run again here, or
// closed when a later slot has run since.
type recovery struct {
	mu      sync.Mutex
	ctx     context.Context // the jobs' context; nil until Run
	jobs    map[string]Job
	names   []string
	last    time.Time
	stopped bool
	wg      sync.WaitGroup
}

func (r *recovery) start(ctx context.Context, jobs []Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx = ctx
	r.jobs = map[string]Job{}
	r.names = r.names[:0]
	for _, j := range jobs {
		r.jobs[j.Name] = j
		r.names = append(r.names, j.Name)
	}
}

// wait stops new recovered runs and waits for those in progress.
func (r *recovery) wait() {
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	r.wg.Wait()
}

// due reports whether a check is due at now (at most every ClaimLease/4).
func (r *recovery) due(now time.Time, every time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || r.ctx == nil || len(r.names) == 0 || (!r.last.IsZero() && now.Sub(r.last) < every) {
		return false
	}
	r.last = now
	return true
}

// recoverStale is called by the lease loop after each round in which this
// replica holds the lease. It takes over stale claims and runs their jobs
// in the background; Run waits for them at shutdown.
func (s *Scheduler) recoverStale(ctx context.Context, now time.Time) {
	r := &s.recovery
	if !r.due(now, s.opts.ClaimLease/4) {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	since := Every(time.Second).Slot(now.Add(-recoveryWindow))
	claims, closed, err := storage.ReclaimStaleJobSlots(qctx, s.opts.DB, r.names, s.opts.Instance,
		now, now.Add(-s.opts.ClaimLease), since)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("recover stale job claims", zap.Error(err))
		}
		return
	}
	if closed > 0 {
		s.log.Info("closed job claims abandoned by a dead replica", zap.Int64("claims", closed))
	}
	for _, c := range claims {
		j, ok := r.jobs[c.Job]
		if !ok {
			continue
		}
		busy := s.busy[j.Name]
		if !busy.CompareAndSwap(false, true) {
			// This replica is running the job right now; the claim goes
			// stale again and a later check runs it once the job is idle.
			continue
		}
		r.mu.Lock()
		if r.stopped {
			r.mu.Unlock()
			busy.Store(false)
			return
		}
		r.wg.Add(1)
		r.mu.Unlock()
		s.metrics.recovered.WithLabelValues(j.Name).Inc()
		s.log.Info("running a slot whose claimer died", zap.String("job", j.Name), zap.String("slot", c.Slot))
		go func(slot string) {
			defer r.wg.Done()
			defer busy.Store(false)
			_ = s.runClaimed(r.ctx, j, slot)
		}(c.Slot)
	}
}
