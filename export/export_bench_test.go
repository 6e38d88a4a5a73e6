package export_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/export"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// benchPeople × benchWeeks × benchPerWeek entries: a month of a
// 10,000-person organisation at 40 entries a week (1.6 million entries).
const (
	benchPeople  = 10000
	benchWeeks   = 4
	benchPerWeek = 40
)

// countingWriter discards what it is given and counts it.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// procStatusKB reads a "VmHWM:"-style field of /proc/self/status in kB.
func procStatusKB(b *testing.B, field string) int64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	defer func() { _ = f.Close() }() // read-only
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatalf("%s not in /proc/self/status", field)
	return 0
}

// seedMonth copies the organisation in: people with a rate each, 50
// projects, entries on weekdays of November 2026's four full weeks, every
// other one confirmed, the first week of every third person approved.
func seedMonth(b *testing.B, db *storage.DB) {
	b.Helper()
	ctx := context.Background()
	copyRows := func(table string, cols []string, n int, row func(i int) []any) {
		storagetest.CopyRows(b, db, table, cols, n, row)
	}
	copyRows("employees", []string{"id", "bamboo_id", "email", "display_name", "toggl_user_id"}, benchPeople, func(i int) []any {
		return []any{int64(i + 1), "p" + strconv.Itoa(i), fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("Person %05d", i), int64(100000 + i)}
	})
	copyRows("billable_rates", []string{"employee_id", "effective_date", "amount_minor", "currency"}, benchPeople, func(i int) []any {
		cur := "EUR"
		if i%4 == 0 {
			cur = "USD"
		}
		return []any{int64(i + 1), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), int64(8000 + i%60*100), cur}
	})
	copyRows("toggl_projects", []string{"id", "name", "client_name"}, 50, func(i int) []any {
		return []any{int64(i + 1), fmt.Sprintf("Project %d", i), fmt.Sprintf("Client %d", i%12)}
	})
	first := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	per := benchWeeks * benchPerWeek
	total := benchPeople * per
	entry := func(n int) (int, time.Time) {
		k := n % per
		day := k/benchPerWeek*7 + k%benchPerWeek%5
		return n / per, first.AddDate(0, 0, day).Add(time.Duration(8+k%benchPerWeek/5) * time.Hour)
	}
	copyRows("time_entries", []string{"id", "toggl_user_id", "employee_id", "project_id", "description", "billable",
		"start_at", "stop_at", "local_date", "duration_secs", "toggl_updated_at", "content_hash"}, total, func(n int) []any {
		p, start := entry(n)
		return []any{int64(n + 1), int64(100000 + p), int64(p + 1), int64(n%50 + 1), "work", n%7 != 0,
			start, start.Add(45 * time.Minute), start.Truncate(24 * time.Hour), int64(2700), start, "h" + strconv.Itoa(n)}
	})
	copyRows("confirmations", []string{"entry_id", "employee_id", "content_hash", "slack_user_id"}, total/2, func(n int) []any {
		p, _ := entry(2 * n)
		return []any{int64(2*n + 1), int64(p + 1), "h" + strconv.Itoa(2*n), "U"}
	})
	copyRows("week_approvals", []string{"employee_id", "week_start", "status", "decided_by"}, benchPeople/3, func(i int) []any {
		return []any{int64(3*i + 1), first, "approved", "UM"}
	})
	if _, err := db.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkExportMonth exports a month of 10,000 people (1.6 million
// entries) per entry and grouped by client, and reports the time, the rows
// and the peak resident memory of the process during the export (VmHWM,
// reset before it): streaming keeps it flat, far below the CSV's size.
func BenchmarkExportMonth(b *testing.B) {
	db := storagetest.New(b)
	t0 := time.Now()
	seedMonth(b, db)
	b.Logf("seeded %d entries by COPY in %s", benchPeople*benchWeeks*benchPerWeek, time.Since(t0).Round(time.Millisecond))
	opts := export.Options{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name string
		by   export.GroupBy
	}{{"entries", export.GroupNone}, {"by_client", export.GroupClient}} {
		b.Run(tc.name, func(b *testing.B) {
			opts.GroupBy = tc.by
			// Writing "5" to clear_refs resets VmHWM to the current RSS, so
			// the peak below is the export's own.
			resetOK := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
			before := procStatusKB(b, "VmRSS")
			var w countingWriter
			var sum export.Summary
			start := time.Now()
			for range b.N {
				var err error
				w = countingWriter{}
				if sum, err = export.Write(context.Background(), db, &w, opts); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start) / time.Duration(b.N)
			peak := procStatusKB(b, "VmHWM")
			b.ReportMetric(elapsed.Seconds(), "s/export")
			b.ReportMetric(float64(sum.Rows), "rows")
			b.ReportMetric(float64(w.n)/(1<<20), "csv_MiB")
			b.ReportMetric(float64(before)/1024, "rss_before_MiB")
			b.ReportMetric(float64(peak)/1024, "peak_rss_MiB")
			if !resetOK {
				b.Log("could not reset VmHWM: peak_rss_MiB includes the seeding")
			}
		})
	}
}
