package remind

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/schedule"
)

// TickEvery is how often the weekly and digest ticks look for people who
// are due. Due times are whole minutes, but a tick every minute on the
// minute leaves a freshly started (or restarted) leader idle for up to a
// minute before it sends what is already due, and a fan-out cut off by a
// dead leader waits for its slot claim to go stale; a tick every 15 s bounds
// both to 15 s. A tick whose previous run is still going is skipped, and the
// plan it reads (roster and ledger) is two indexed queries.
const TickEvery = 15 * time.Second

// ReminderJob is the weekly reminder tick for the scheduler: every
// TickEvery, send to everyone whose local reminder time has passed.
func (e *Engine) ReminderJob() schedule.Job {
	return schedule.Job{Name: "remind.weekly", Schedule: schedule.Every(TickEvery), Run: func(ctx context.Context) error {
		res, err := e.RunDue(ctx, e.opts.Now())
		e.logTick("weekly", res)
		return err
	}}
}

// DigestJob is the managers' digest tick for the scheduler: every
// TickEvery, send the digest to managers whose local digest time has passed.
func (e *Engine) DigestJob() schedule.Job {
	return schedule.Job{Name: "remind.digest", Schedule: schedule.Every(TickEvery), Run: func(ctx context.Context) error {
		res, err := e.DigestDue(ctx, e.opts.Now())
		e.logTick("digest", res)
		return err
	}}
}

// RecoverJob is the recovery tick for the scheduler: every 10 seconds,
// complete the weekly reminders and digests a dead engine left claimed
// (Recover). With the short claim lease this is what bounds recovery after
// a crash to about half a minute.
func (e *Engine) RecoverJob() schedule.Job {
	return schedule.Job{Name: "remind.recover", Schedule: schedule.Every(10 * time.Second), Run: func(ctx context.Context) error {
		res, err := e.Recover(ctx, e.opts.Now())
		e.logTick("recover", res)
		return err
	}}
}

// Jobs are the engine's scheduled jobs: the weekly tick, the digest tick
// and the recovery tick. Wiring registers all of them.
func (e *Engine) Jobs() []schedule.Job {
	return []schedule.Job{e.ReminderJob(), e.DigestJob(), e.RecoverJob()}
}

func (e *Engine) logTick(kind string, r Result) {
	if r == (Result{}) {
		return
	}
	e.log.Info("reminder tick", zap.String("kind", kind), zap.Int("sent", r.Sent), zap.Int("skipped", r.Skipped),
		zap.Int("failed", r.Failed), zap.Int("pending", r.Pending), zap.Int("recovered", r.Recovered))
}
