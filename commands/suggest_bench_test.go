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
// sandbox's Socket Mode fake to the bot and answered by this package's
// handler against Postgres. It reports the ack latency's p50 and p99 in
// milliseconds (the target is p99 ≤ 50 ms) and the CPU time this process
// spent per burst, which varies far less than latency on a busy machine.
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
	queries := []string{"agency 1", "acme 02", "société", "GEN", "04", "crème", "zzz", "agency 00", "ACME"}
	var lat []time.Duration
	var mu sync.Mutex
	b.ResetTimer()
	stop := profileBursts(b, os.Getenv("PICKER_PROFILE"))
	for n := 0; n < b.N; n++ {
		var wg sync.WaitGroup
		errs := make(chan error, burst)
		for i, p := range pickers {
			q := queries[i%len(queries)]
			if i%10 == 0 {
				q = ""
			}
			wg.Add(1)
			go func(p picker, q string) {
				defer wg.Done()
				start := time.Now()
				if _, err := f.suggest(p.user, p.msg, p.id, q); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			}(p, q)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	stop()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.50), "p50_ms")
	b.ReportMetric(ms(0.99), "p99_ms")
	b.ReportMetric(0, "ns/op")
}
