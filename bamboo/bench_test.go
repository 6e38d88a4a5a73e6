package bamboo_test

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/sandbox"
)

// BenchmarkWebhookDeliveries sends signed deliveries over loopback at 500
// requests/s (open loop: one request every 2 ms whatever the latency) and
// reports the achieved throughput and the p50/p99 latency of stored-and-
// answered deliveries. Target: p99 ≤ 20 ms.
func BenchmarkWebhookDeliveries(b *testing.B) {
	r := newRig(b, rigOptions{})
	r.clock.t = time.Now()
	r.sender.Now = time.Now
	r.sender.Client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 200}}
	const perIter = 2000
	const rate = 500
	total := perIter * b.N
	lat := make([]time.Duration, total)
	codes := make([]int, total)
	var wg sync.WaitGroup
	ctx := context.Background()
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	// Warm up first, as a listener that has been running would be: the
	// first deliveries dial HTTP and Postgres connections and prepare
	// statements (cold start is reported on its own).
	const warm = 100
	var coldMax time.Duration
	var wwg sync.WaitGroup
	var wmu sync.Mutex
	for i := 0; i < warm; i++ {
		<-tick.C
		wwg.Add(1)
		go func(i int) {
			defer wwg.Done()
			body := sandbox.BambooEventPayload("updated", strconv.Itoa(900000+i), r.clock.Now(), "jobTitle")
			t0 := time.Now()
			if code, err := r.sender.Send(ctx, body); err != nil || code != 200 {
				b.Errorf("warm-up delivery: %d %v", code, err)
			}
			wmu.Lock()
			coldMax = max(coldMax, time.Since(t0))
			wmu.Unlock()
		}(i)
	}
	wwg.Wait()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < total; i++ {
		<-tick.C
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := sandbox.BambooEventPayload("updated", strconv.Itoa(100000+i), r.clock.Now(), "jobTitle")
			t0 := time.Now()
			code, err := r.sender.Send(ctx, body)
			lat[i] = time.Since(t0)
			if err != nil {
				code = -1
			}
			codes[i] = code
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	for i, c := range codes {
		if c != 200 {
			b.Fatalf("delivery %d answered %d", i, c)
		}
	}
	if n := count(b, r.db, `SELECT count(*) FROM webhook_inbox`); n != total+warm {
		b.Fatalf("stored %d of %d deliveries", n, total)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(float64(total)/elapsed.Seconds(), "req/s")
	b.ReportMetric(ms(lat[total/2]), "p50_ms")
	b.ReportMetric(ms(lat[total*99/100]), "p99_ms")
	b.ReportMetric(ms(lat[total-1]), "max_ms")
	b.ReportMetric(ms(coldMax), "cold_start_max_ms")
}

// BenchmarkReconcile10k reconciles 10,000 employees against the BambooHR
// and Slack fakes (first run: everyone new; second run: no drift) and
// reports the time and the API calls used. Targets: ≤ 30 s, ≤ 20 Slack calls.
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
		rec := bamboo.NewReconciler(r.db, r.client, r.settings, bamboo.ReconcilerOptions{Slack: api})
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
		b.ReportMetric(float64(sl.CallCount("users.list"))/2, "slack_calls/run")
		b.ReportMetric(float64(r.bamboo.Requests("")-bambooBefore)/2, "bamboo_calls/run")
		b.ReportMetric(0, "toggl_calls/run") // Toggl identity joins toggl_users in SQL
		b.ReportMetric(float64(len(rep2.OpenProblems)), "open_problems")
		sl.Close()
	}
}
