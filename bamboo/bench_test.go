package bamboo_test

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/sandbox"
)

// BenchmarkWebhookDeliveries sends signed deliveries over loopback at 500
// requests/s (open loop: one request every 2 ms whatever the latency) and
// reports the achieved throughput and the p50/p99 latency of stored-and-
// answered deliveries. Target: p99 ≤ 20 ms.
func BenchmarkWebhookDeliveries(b *testing.B) {
	r := newRig(b)
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
