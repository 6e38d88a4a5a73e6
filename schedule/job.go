package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one named, scheduled piece of work. Run receives the scheduler's
// shutdown context: it is cancelled when the scheduler stops, and the
// scheduler waits for Run to return.
type Job struct {
	// Name identifies the job in claims, logs and metrics, e.g. "remind.weekly".
	Name string
	// Schedule says when the job runs; see Cron and Every.
	Schedule Schedule
	// Run does the work of one slot.
	Run func(ctx context.Context) error
}

// Schedule is when a job runs: a cron expression (UTC, five fields) or a
// fixed interval aligned to multiples of the interval since the Unix epoch,
// so every replica computes the same slots.
type Schedule struct {
	cron  string
	every time.Duration
	sched cron.Schedule
}

// Cron returns a schedule for a five-field cron expression evaluated in UTC,
// e.g. "30 2 * * *".
func Cron(expr string) (Schedule, error) {
	sched, err := cron.ParseStandard("CRON_TZ=UTC " + expr)
	if err != nil {
		return Schedule{}, fmt.Errorf("cron %q: %w", expr, err)
	}
	return Schedule{cron: expr, sched: sched}, nil
}

// MustCron is Cron for expressions known to be valid; it panics otherwise.
func MustCron(expr string) Schedule {
	s, err := Cron(expr)
	if err != nil {
		panic(err)
	}
	return s
}

// Every returns a schedule that runs every d, at multiples of d since the
// Unix epoch (every minute on the minute, every hour on the hour).
func Every(d time.Duration) Schedule { return Schedule{every: d} }

// String renders the schedule for logs.
func (s Schedule) String() string {
	if s.every > 0 {
		return "every " + s.every.String()
	}
	return "cron " + s.cron
}

func (s Schedule) validate() error {
	switch {
	case s.every < 0:
		return errors.New("negative interval")
	case s.every > 0 && s.every < time.Second:
		return errors.New("interval under one second")
	case s.every == 0 && s.sched == nil:
		return errors.New("no schedule: use schedule.Cron or schedule.Every")
	}
	return nil
}

// Slot returns the slot a run at now belongs to: the latest scheduled time
// at or before now, in UTC, as RFC 3339. Runs of the same slot on different
// replicas get the same string, which is what job_claims deduplicates on.
func (s Schedule) Slot(now time.Time) string {
	return s.slotTime(now).UTC().Format(time.RFC3339)
}

func (s Schedule) slotTime(now time.Time) time.Time {
	now = now.UTC()
	if s.every > 0 {
		return now.Truncate(s.every)
	}
	// cron.Schedule only looks forward: find a start before the latest fire
	// time by doubling the look-back, then step forward to it.
	back := time.Minute
	for back < 5*366*24*time.Hour {
		from := now.Add(-back)
		first := s.sched.Next(from)
		if !first.After(now) {
			prev := first
			for next := s.sched.Next(prev); !next.After(now); next = s.sched.Next(prev) {
				prev = next
			}
			return prev
		}
		back *= 2
	}
	return now.Truncate(time.Minute)
}

// next returns the first scheduled time strictly after now.
func (s Schedule) next(now time.Time) time.Time {
	if s.every > 0 {
		return now.UTC().Truncate(s.every).Add(s.every)
	}
	return s.sched.Next(now.UTC())
}
