package remind

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

// BenchmarkFanOut10k sends 10,000 weekly reminders through the Slack
// sandbox enforcing 1 message/s per channel and 6,000 messages/min across
// the workspace (429 with Retry-After beyond), with a burst of 429s and a
// kill halfway: the first engine's context is cancelled mid-flight and a
// new engine completes the run. Reported: duration, the achieved rate as a
// share of the workspace's sustained rate, duplicate and missed DMs.
func BenchmarkFanOut10k(b *testing.B) {
	const (
		people  = 10000
		perMin  = 6000
		killAt  = people / 2
		workers = 16
	)
	for b.Loop() {
		b.StopTimer()
		db := storagetest.New(b)
		fake := newFake(b, sandbox.SlackOptions{ChannelPostRate: 1, WorkspacePostsPerMinute: perMin})
		ctx := context.Background()
		_, err := db.Exec(ctx, `INSERT INTO employees (bamboo_id, email, display_name, slack_user_id, slack_tz, active)
			SELECT 'b' || g, 'b' || g || '@example.com', 'Person ' || g, 'U' || lpad(g::text, 6, '0'),
			       (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Pacific/Honolulu', 'Pacific/Kiritimati'])[1 + g % 6], true
			FROM generate_series(1, $1) g`, people)
		if err != nil {
			b.Fatal(err)
		}
		for i := 1; i <= people; i++ {
			fake.AddUser(sandbox.SlackUser{ID: fmt.Sprintf("U%06d", i), Name: fmt.Sprintf("p%d", i)})
		}
		r := &renderer{}
		// Saturday 12:00 UTC: everyone's Friday 16:00 has passed.
		c := newClock(utc("2026-11-28T12:00:00Z"))
		mod := func(name string) func(*Options) {
			return func(o *Options) { o.Instance, o.MessagesPerMin, o.Concurrency = name, perMin, workers }
		}
		b.StartTimer()
		start := time.Now()

		killCtx, kill := context.WithCancel(ctx)
		var sent atomic.Int64
		first := newEngine(b, db, slackFor(fake), r.render, c.now, mod("first"))
		_, err = first.Run(killCtx, Request{Now: c.now(), Progress: func(p Progress) {
			n := sent.Add(1)
			if n == killAt/2 {
				fake.FailNext("chat.postMessage", 100, time.Second) // a 429 storm
			}
			if n == killAt {
				kill()
			}
		}})
		kill()
		if err == nil {
			b.Fatal("the first engine was not killed")
		}
		// The replacement starts after the dead engine's claims went stale.
		c.set(c.now().Add(3 * time.Minute))
		second := newEngine(b, db, slackFor(fake), r.render, c.now, mod("second"))
		res, err := second.RunDue(ctx, c.now())
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()

		dups, misses := 0, 0
		for i := 1; i <= people; i++ {
			switch n := len(fake.DMs(fmt.Sprintf("U%06d", i))); {
			case n == 0:
				misses++
			case n > 1:
				dups += n - 1
			}
		}
		allowed := float64(perMin) / 60 * took.Seconds()
		limited := testutil.ToFloat64(first.metrics.rateLimited.WithLabelValues("chat.postMessage")) +
			testutil.ToFloat64(second.metrics.rateLimited.WithLabelValues("chat.postMessage"))
		b.ReportMetric(took.Seconds(), "run-s")
		b.ReportMetric(100*float64(people-misses)/allowed, "%-of-allowed-rate")
		// While Slack says Retry-After, the allowed rate is zero: the same
		// share over the time Slack allowed sending.
		waited := first.pace.pausedTotal() + second.pace.pausedTotal()
		b.ReportMetric(waited.Seconds(), "retry-after-s")
		b.ReportMetric(100*float64(people-misses)/(float64(perMin)/60*(took-waited).Seconds()), "%-of-allowed-rate-outside-retry-after")
		b.ReportMetric(float64(dups), "duplicates")
		b.ReportMetric(float64(misses), "misses")
		b.ReportMetric(float64(res.Recovered), "recovered-claims")
		b.ReportMetric(limited, "429s")
		b.StartTimer()
	}
}
