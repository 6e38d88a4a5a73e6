package commands

import (
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

// BenchmarkPickerSuggest measures the picker search the way Slack drives
// it: 5,000 active projects, 200 block_suggestions at once (50 people
// typing in the pickers of 4 unallocated entries each; one search in ten
// is the empty one, with the suggestion and recent projects), sent by the
// sandbox's Socket Mode fake over two connections to the bot and answered
// by this package's handler against Postgres. It reports, in milliseconds:
//   - p50_ms, p99_ms: the ack latency as Slack measures it, from the
//     envelope written to the socket to its ack read (the target is
//     p99 ≤ 50 ms), over b.N bursts;
//   - roundtrip_p99_ms: the fake's whole round trip, building the payload
//     and reading the options included (on Slack's side, not tally's, but
//     on the same two cores here);
//   - cold_p99_ms: the first burst after a start, reported on its own;
//   - cpu_ms/burst: the CPU time this process (tally and the fakes) spent
//     per burst, which varies far less than latency on a busy machine.
//
// With PICKER_PROFILE set to a directory, the timed loop alone is profiled
// there: cpu.pprof, and allocs-before.pprof and allocs.pprof to compare
// with go tool pprof -diff_base.
func BenchmarkPickerSuggest(b *testing.B) {
	const (
		projects = 5000
		people   = 50
		perHead  = 4
		burst    = people * perHead
	)
	f := newE2E(b, projects-4)
	type picker struct {
		user string
		msg  sandbox.SlackMessage
		id   int64
	}
	var pickers []picker
	for p := 0; p < people; p++ {
		user := fmt.Sprintf("UDEV%03d", p)
		f.slack.AddUser(sandbox.SlackUser{ID: user, Name: fmt.Sprintf("dev%d", p)})
		emp := storagetest.AddEmployee(b, f.db, storagetest.SeedEmployee{BambooID: fmt.Sprintf("b%d", p),
			Email: fmt.Sprintf("dev%d@example.com", p), First: "Dev", Last: fmt.Sprint(p), SlackUserID: user, TogglUserID: int64(5000 + p)})
		f.entry(int64(50000+p), emp, int64(5000+p), -1, 0, 9, 10000+int64(p), "Payment form")
		for i := 0; i < perHead; i++ {
			f.entry(int64(60000+p*perHead+i), emp, int64(5000+p), 0, i, 9, 0, "Payment form")
		}
		m := f.timesheet(user)
		for i := 0; i < perHead; i++ {
			pickers = append(pickers, picker{user: user, msg: m, id: int64(60000 + p*perHead + i)})
		}
	}
	// A database in use has its statistics and visibility maps up to
	// date; a fixture loaded a moment ago would have autovacuum start in
	// the middle of the measurement.
	f.exec(`VACUUM ANALYZE`)
	queries := []string{"agency 1", "acme 02", "société", "GEN", "04", "crème", "zzz", "agency 00", "ACME"}
	// burst sends every picker's search at once and returns the acks'
	// latencies as Slack measures them (envelope written → ack read) and
	// the round trips through the fake (payload built → options read).
	burstOnce := func() (acks, trips []time.Duration) {
		before := len(f.slack.AckLatencies())
		var wg sync.WaitGroup
		var mu sync.Mutex
		errs := make(chan error, burst)
		for i, p := range pickers {
			q := queries[i%len(queries)]
			if i%10 == 0 {
				q = ""
			}
			wg.Go(func() {
				start := time.Now()
				if _, err := f.suggest(p.user, p.msg, p.id, q); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				trips = append(trips, time.Since(start))
				mu.Unlock()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		acks = f.slack.AckLatencies()[before:]
		if len(acks) != len(trips) {
			b.Fatalf("%d acks for %d suggestions", len(acks), len(trips))
		}
		return acks, trips
	}
	// The first burst after a start is reported on its own: it pays for
	// what a running tally has done once (connections' prepared
	// statements, option texts encoded, goroutine stacks and heap grown).
	cold, _ := burstOnce()
	var acks, trips []time.Duration
	b.ResetTimer()
	stop := profileBursts(b, os.Getenv("PICKER_PROFILE"))
	for n := 0; n < b.N; n++ {
		a, t := burstOnce()
		acks, trips = append(acks, a...), append(trips, t...)
	}
	b.StopTimer()
	stop()
	b.ReportMetric(quantileMS(acks, 0.50), "p50_ms")
	b.ReportMetric(quantileMS(acks, 0.99), "p99_ms")
	b.ReportMetric(quantileMS(trips, 0.99), "roundtrip_p99_ms")
	b.ReportMetric(quantileMS(cold, 0.99), "cold_p99_ms")
	b.ReportMetric(0, "ns/op")
}

// quantileMS returns the q-quantile of ds in milliseconds (ds is sorted).
func quantileMS(ds []time.Duration, q float64) float64 {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return float64(ds[int(q*float64(len(ds)-1))].Microseconds()) / 1000
}
