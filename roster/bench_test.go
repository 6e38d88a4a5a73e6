package roster_test

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/roster"
	"github.com/tallyhq/tally/sandbox"
)

// BenchmarkReconcile10k reconciles 10,000 employees against the BambooHR
// and Slack fakes (first run: everyone new; second run, at once: no drift)
// and reports the time and the API calls used. The first run lists the
// Slack directory: 50 users.list pages of 200 under Tier 2, at least
// slack_floor_s of waiting whatever tally does; first_beyond_floor_s is
// the rest. The second run, within SlackDirectoryEvery of the listing,
// asks Slack nothing. Targets: ≤ 30 s beyond the floor, ≤ 30 s without
// drift, ≤ 50 Slack calls a run.
func BenchmarkReconcile10k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := newRig(b, rigOptions{})
		sl, err := sandbox.NewSlack(sandbox.SlackOptions{})
		if err != nil {
			b.Fatal(err)
		}
		people := r.bamboo.Seed(sandbox.BambooOrgSpec{Employees: 10000, Seed: 1})
		seedIdentities(b, r.db, sl, people, func(i int) bool { return i%97 == 0 }, func(i int) bool { return i%89 == 0 })
		api := slack.New(sl.BotToken(), slack.OptionAPIURL(sl.URL()))
		rec := roster.NewReconciler(r.db, r.client, r.settings, roster.ReconcilerOptions{Slack: api})
		ctx := context.Background()
		bambooBefore := r.bamboo.Requests("")
		b.StartTimer()
		t0 := time.Now()
		rep, err := rec.Run(ctx)
		first := time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		rep2, err := rec.Run(ctx)
		second := time.Since(t1)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Created != 10000 || rep2.Created+rep2.Updated+rep2.RatesWritten != 0 {
			b.Fatalf("first %+v second %+v", rep.Created, rep2)
		}
		b.ReportMetric(first.Seconds(), "first_run_s")
		b.ReportMetric(second.Seconds(), "nodrift_run_s")
		b.ReportMetric(float64(rep.SlackCalls), "slack_calls_first")
		b.ReportMetric(float64(rep2.SlackCalls), "slack_calls_nodrift")
		// The least time Slack's documented limit allows for the first run's
		// listing: users.list is Tier 2 (20+ calls a minute; the fake lets 20
		// through at once, then one every 3 s). tally keeps one call in hand
		// (roster.slackPace), 3 s more than this floor.
		pages := (rep.SlackUsers + roster.MaxSlackPageSize - 1) / roster.MaxSlackPageSize
		floor := max(0, float64(pages-20)) * 3
		b.ReportMetric(floor, "slack_floor_s")
		b.ReportMetric(first.Seconds()-floor, "first_beyond_floor_s")
		b.ReportMetric(float64(r.bamboo.Requests("")-bambooBefore)/2, "bamboo_calls/run")
		b.ReportMetric(0, "toggl_calls/run") // Toggl identity joins toggl_users in SQL
		b.ReportMetric(float64(len(rep2.OpenProblems)), "open_problems")
		sl.Close()
	}
}
