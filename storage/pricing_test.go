package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// pricingWeek is the week of the pricing fixtures: Monday 2 Nov 2026.
var pricingWeek = model.Week{Start: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}

type pricingDB struct {
	t   *testing.T
	ctx context.Context
	db  *storage.DB
	seq int64
}

func newPricingDB(t *testing.T) *pricingDB {
	t.Helper()
	p := &pricingDB{t: t, ctx: context.Background(), db: storagetest.New(t), seq: 100}
	// Rita: 100.00 EUR/h, raised to 200.00 from Wednesday 4 Nov.
	// Nora: no rate at all. Finn: first rate from 1 Dec.
	p.exec(`INSERT INTO employees (id, bamboo_id, display_name, toggl_user_id) VALUES
		(1, 'r', 'Rita', 11), (2, 'n', 'Nora', 12), (3, 'f', 'Finn', 13)`)
	p.exec(`INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency) VALUES
		(1, '2026-01-01', 10000, 'EUR'), (1, '2026-11-04', 20000, 'EUR'), (3, '2026-12-01', 5000, 'EUR')`)
	return p
}

func (p *pricingDB) exec(sql string, args ...any) {
	p.t.Helper()
	if _, err := p.db.Exec(p.ctx, sql, args...); err != nil {
		p.t.Fatalf("%s: %v", sql, err)
	}
}

// entry stores an entry as the sync would: start in UTC, the user's offset,
// and the local date of start in that offset.
func (p *pricingDB) entry(togglUser, employee int64, startUTC string, offsetHours int, secs int64, billable bool) int64 {
	p.t.Helper()
	start, err := time.Parse(time.RFC3339, startUTC)
	if err != nil {
		p.t.Fatal(err)
	}
	zone := time.FixedZone("", offsetHours*3600)
	local := start.In(zone)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	p.seq++
	var emp any
	if employee != 0 {
		emp = employee
	}
	p.exec(`INSERT INTO time_entries (id, toggl_user_id, employee_id, project_id, billable, start_at, stop_at,
			tz_offset_secs, local_date, duration_secs, toggl_updated_at, content_hash, unknown_user)
		VALUES ($1::bigint, $2, $3::bigint, 1, $4, $5, $6, $7, $8, $9, now(), 'h' || $1::bigint, $3::bigint IS NULL)`,
		p.seq, togglUser, emp, billable, start, start.Add(time.Duration(secs)*time.Second), offsetHours*3600, day, secs)
	return p.seq
}

type priced struct {
	rate     *int64
	amount   *int64
	unpriced bool
	reason   *string
}

func (p *pricingDB) priced(id int64) priced {
	p.t.Helper()
	var r priced
	if err := p.db.QueryRow(p.ctx, `SELECT rate_minor, amount_minor, unpriced, unpriced_reason FROM priced_entries WHERE id = $1`, id).
		Scan(&r.rate, &r.amount, &r.unpriced, &r.reason); err != nil {
		p.t.Fatal(err)
	}
	return r
}

func deref[T any](v *T) any {
	if v == nil {
		return nil
	}
	return *v
}

// TestPricingUsesTheLocalDateAndTheEffectiveDay pins the rate lookup: the
// entry's local date (not its UTC date), a rate in force ON its effective
// date (<=, not <), and a mid-week change splitting the week.
func TestPricingUsesTheLocalDateAndTheEffectiveDay(t *testing.T) {
	t.Parallel()
	p := newPricingDB(t)
	for _, tc := range []struct {
		name     string
		startUTC string
		offset   int
		wantRate int64
	}{
		// 23:30 UTC on Tuesday is 01:30 on Wednesday in Helsinki (+2): the
		// new rate, although the UTC date is Tuesday.
		{"local Wednesday, UTC Tuesday", "2026-11-03T23:30:00Z", 2, 20000},
		// 01:00 UTC on Wednesday is 20:00 on Tuesday in New York (-5): the
		// old rate, although the UTC date is Wednesday.
		{"local Tuesday, UTC Wednesday", "2026-11-04T01:00:00Z", -5, 10000},
		// The effective day itself takes the new rate.
		{"on the effective date", "2026-11-04T09:00:00Z", 0, 20000},
		{"the day before", "2026-11-03T09:00:00Z", 0, 10000},
	} {
		id := p.entry(11, 1, tc.startUTC, tc.offset, 3600, true)
		if got := p.priced(id); got.rate == nil || *got.rate != tc.wantRate || *got.amount != tc.wantRate {
			t.Errorf("%s: rate %v amount %v, want %d", tc.name, deref(got.rate), deref(got.amount), tc.wantRate)
		}
	}
}

func TestMidWeekRateChangeSplitsTheWeek(t *testing.T) {
	t.Parallel()
	p := newPricingDB(t)
	for d := 0; d < 7; d++ {
		p.entry(11, 1, pricingWeek.Start.AddDate(0, 0, d).Add(9*time.Hour).Format(time.RFC3339), 0, 3600, true)
	}
	entries, err := p.db.PricedWeekEntries(p.ctx, 1, pricingWeek)
	if err != nil {
		t.Fatal(err)
	}
	var rates []string
	for _, e := range entries {
		rates = append(rates, model.FormatMinor(e.RateMinor, "EUR"))
	}
	// Monday and Tuesday at 100.00, Wednesday to Sunday at 200.00.
	if got := strings.Join(rates, " "); got != "100.00 100.00 200.00 200.00 200.00 200.00 200.00" {
		t.Fatalf("rates by day: %s", got)
	}
	sum, err := p.db.WeekSummary(p.ctx, 1, pricingWeek)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Billable["EUR"] != 2*10000+5*20000 || sum.Unpriced != 0 {
		t.Fatalf("week billable %v unpriced %d", sum.Billable, sum.Unpriced)
	}
}

// TestUnpricedIsNeverZero: billable time without a rate carries no amount,
// is counted as unpriced with its reason everywhere, and is exposed to
// Prometheus.
func TestUnpricedIsNeverZero(t *testing.T) {
	t.Parallel()
	p := newPricingDB(t)
	nora := p.entry(12, 2, "2026-11-02T09:00:00Z", 0, 1800, true)
	finn := p.entry(13, 3, "2026-11-03T09:00:00Z", 0, 3600, true)
	ghost := p.entry(99, 0, "2026-11-03T10:00:00Z", 0, 900, true)
	p.entry(12, 2, "2026-11-04T09:00:00Z", 0, 600, false) // not billable: nothing to price
	for id, want := range map[int64]storage.UnpricedReason{nora: storage.UnpricedNoRate, finn: storage.UnpricedBeforeFirstRate, ghost: storage.UnpricedUnknownPerson} {
		got := p.priced(id)
		if got.amount != nil || !got.unpriced || got.reason == nil || *got.reason != string(want) {
			t.Errorf("entry %d: amount %v unpriced %v reason %v, want no amount and %s", id, deref(got.amount), got.unpriced, deref(got.reason), want)
		}
	}
	sums, err := p.db.TeamSummaries(p.ctx, []int64{2, 3}, pricingWeek)
	if err != nil {
		t.Fatal(err)
	}
	if s := sums[0]; s.Unpriced != 1 || s.UnpricedSeconds != 1800 || s.UnpricedReason != storage.UnpricedNoRate || len(s.Billable) != 0 {
		t.Errorf("Nora's summary %+v", s)
	}
	if s := sums[1]; s.Unpriced != 1 || s.UnpricedSeconds != 3600 || s.UnpricedReason != storage.UnpricedBeforeFirstRate {
		t.Errorf("Finn's summary %+v", s)
	}
	entries, err := p.db.PricedWeekEntries(p.ctx, 2, pricingWeek)
	if err != nil || len(entries) != 2 || entries[0].Unpriced != storage.UnpricedNoRate || entries[0].Priced || entries[1].Unpriced != storage.Priced {
		t.Fatalf("Nora's entries %+v %v", entries, err)
	}
	people, err := p.db.UnpricedPeople(p.ctx, pricingWeek.Start, pricingWeek.End())
	if err != nil || len(people) != 3 || people[0].Name != "Finn" || people[0].Reason != storage.UnpricedBeforeFirstRate ||
		people[2].TogglUserID != 99 || people[2].Reason != storage.UnpricedUnknownPerson {
		t.Fatalf("unpriced people %+v %v", people, err)
	}
	n, err := p.db.UnpricedBillable(p.ctx, pricingWeek.Start, pricingWeek.End())
	if err != nil || n.Entries != 3 || n.Seconds != 1800+3600+900 || n.ByReason[storage.UnpricedNoRate] != 1800 {
		t.Fatalf("unpriced count %+v %v", n, err)
	}
	// Thursday of the following week: "last week" is the fixture's week.
	now := func() time.Time { return pricingWeek.Start.AddDate(0, 0, 10).Add(12 * time.Hour) }
	c := storage.NewUnpricedCollector(p.db, now, time.UTC)
	want := `
# HELP tally_unpriced_billable_entries Billable entries with no rate in force (no amount), by week.
# TYPE tally_unpriced_billable_entries gauge
tally_unpriced_billable_entries{week="current"} 0
tally_unpriced_billable_entries{week="last"} 3
# HELP tally_unpriced_billable_seconds Billable seconds with no rate in force (no amount), by week and reason.
# TYPE tally_unpriced_billable_seconds gauge
tally_unpriced_billable_seconds{reason="before_first_rate",week="current"} 0
tally_unpriced_billable_seconds{reason="before_first_rate",week="last"} 3600
tally_unpriced_billable_seconds{reason="no_rate",week="current"} 0
tally_unpriced_billable_seconds{reason="no_rate",week="last"} 1800
tally_unpriced_billable_seconds{reason="unknown_person",week="current"} 0
tally_unpriced_billable_seconds{reason="unknown_person",week="last"} 900
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}
