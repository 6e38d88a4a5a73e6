package remind

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/schedule"
)

// ReminderJob is the weekly reminder tick for the scheduler: every minute,
// send to everyone whose local reminder time has passed.
func (e *Engine) ReminderJob() schedule.Job {
	return schedule.Job{Name: "remind.weekly", Schedule: schedule.Every(time.Minute), Run: func(ctx context.Context) error {
		res, err := e.RunDue(ctx, e.opts.Now())
		e.logTick("weekly", res)
		return err
	}}
}

// DigestJob is the managers' digest tick for the scheduler: every minute,
// send the digest to managers whose local digest time has passed.
func (e *Engine) DigestJob() schedule.Job {
	return schedule.Job{Name: "remind.digest", Schedule: schedule.Every(time.Minute), Run: func(ctx context.Context) error {
		res, err := e.DigestDue(ctx, e.opts.Now())
		e.logTick("digest", res)
		return err
	}}
}

func (e *Engine) logTick(kind string, r Result) {
	if r == (Result{}) {
		return
	}
	e.log.Info("reminder tick", zap.String("kind", kind), zap.Int("sent", r.Sent), zap.Int("skipped", r.Skipped),
		zap.Int("failed", r.Failed), zap.Int("pending", r.Pending), zap.Int("recovered", r.Recovered))
}
