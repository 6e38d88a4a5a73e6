package review_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// benchSeed fills db by COPY with people employees (bamboo ids "p0"…, whose
// supervisor is super(i)), a EUR rate each, 50 projects and perWeek entries
// per person in each of the weeks ending with last; every other entry is
// confirmed. It returns the employee ids in order.
func benchSeed(b *testing.B, db *storage.DB, people, weeks, perWeek int, last model.Week, super func(i int) string) []int64 {
	b.Helper()
	ctx := context.Background()
	copyRows := func(table string, cols []string, n int, row func(i int) []any) {
		storagetest.CopyRows(b, db, table, cols, n, row)
	}
	copyRows("employees", []string{"id", "bamboo_id", "email", "display_name", "supervisor_bamboo_id", "slack_user_id", "toggl_user_id"}, people,
		func(i int) []any {
			return []any{int64(i + 1), "p" + strconv.Itoa(i), fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("Person %05d", i),
				super(i), "U" + strconv.Itoa(i), int64(100000 + i)}
		})
	copyRows("billable_rates", []string{"employee_id", "effective_date", "amount_minor", "currency"}, people,
		func(i int) []any {
			return []any{int64(i + 1), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), int64(9000 + i%50*100), "EUR"}
		})
	copyRows("toggl_projects", []string{"id", "name", "client_name"}, 50,
		func(i int) []any {
			return []any{int64(i + 1), fmt.Sprintf("Project %d", i), fmt.Sprintf("Client %d", i%10)}
		})
	first := last.Start.AddDate(0, 0, -7*(weeks-1))
	perPerson := weeks * perWeek
	entry := func(n int) (person int, start time.Time, project any) {
		person = n / perPerson
		k := n % perPerson
		day := k/perWeek*7 + k%perWeek%5 // weekdays
		start = first.AddDate(0, 0, day).Add(time.Duration(8+k%perWeek/5) * time.Hour)
		if k%25 != 0 {
			project = int64(k%50 + 1)
		}
		return
	}
	total := people * perPerson
	copyRows("time_entries", []string{"id", "toggl_user_id", "employee_id", "project_id", "description", "billable",
		"start_at", "stop_at", "local_date", "duration_secs", "toggl_updated_at", "content_hash"}, total,
		func(n int) []any {
			p, start, project := entry(n)
			return []any{int64(n + 1), int64(100000 + p), int64(p + 1), project, "work", n%7 != 0,
				start, start.Add(45 * time.Minute), start.Truncate(24 * time.Hour), int64(2700), start, "h" + strconv.Itoa(n)}
		})
	copyRows("confirmations", []string{"entry_id", "employee_id", "content_hash", "slack_user_id"}, total/2,
		func(n int) []any {
			e := n * 2
			p, _, _ := entry(e)
			return []any{int64(e + 1), int64(p + 1), "h" + strconv.Itoa(e), "U" + strconv.Itoa(p)}
		})
	if _, err := db.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, people)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}

// BenchmarkTeamHome measures the data of a manager home — the 200-person
// subtree and every person's week summary — with 400,000 entries in the
// database (2,000 people × 5 weeks × 40 entries). It reports p50/p95/max
// over 50 builds per iteration; the target for the whole home is p95 ≤ 150 ms.
func BenchmarkTeamHome(b *testing.B) {
	db := storagetest.New(b)
	ctx := context.Background()
	last := model.WeekOf(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	// p0 manages p1…p10; each of those manages 19 more: a 200-person
	// subtree. Everyone else hangs in 18 other trees of 100.
	super := func(i int) string {
		switch {
		case i == 0 || (i >= 200 && (i-200)%100 == 0):
			return ""
		case i <= 10:
			return "p0"
		case i < 200:
			return "p" + strconv.Itoa(1+(i-11)/19)
		default:
			return "p" + strconv.Itoa(200+(i-200)/100*100)
		}
	}
	start := time.Now()
	benchSeed(b, db, 2000, 5, 40, last, super)
	b.Logf("seeded 2,000 people and 400,000 entries in %s", time.Since(start).Round(time.Millisecond))
	svc := review.New(db, review.Options{})
	var durs []time.Duration
	b.ResetTimer()
	for range b.N {
		for range 50 {
			t0 := time.Now()
			rows, err := svc.Team(ctx, 1, last, false)
			if err != nil {
				b.Fatal(err)
			}
			durs = append(durs, time.Since(t0))
			if len(rows) != 199 || rows[0].Summary.Entries != 40 {
				b.Fatalf("%d people, first with %d entries", len(rows), rows[0].Summary.Entries)
			}
		}
	}
	b.StopTimer()
	slices.Sort(durs)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(durs[len(durs)/2]), "p50_ms")
	b.ReportMetric(ms(durs[len(durs)*95/100]), "p95_ms")
	b.ReportMetric(ms(durs[len(durs)-1]), "max_ms")
}
