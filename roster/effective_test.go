package roster_test

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally/roster"
	"github.com/tallyhq/tally/sandbox"
)

// A rate starts pricing on the day BambooHR dates it: a raise entered ahead
// for next month prices nothing this week and prices next month, and a
// change entered late starts on its recorded date, not on the day tally
// noticed it, through both the reconciliation and the webhook worker.
func TestRatesStartOnBambooHRsEffectiveDate(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	modes := []struct {
		name string
		rig  rigOptions
	}{
		{"rate table", rigOptions{rateTable: true}},
		{"field history", rigOptions{}},
	}
	paths := []string{"reconcile", "webhook"}
	for _, m := range modes {
		for _, path := range paths {
			t.Run(m.name+"/"+path, func(t *testing.T) {
				t.Parallel()
				r := newRig(t, m.rig)
				id := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Frances", LastName: "Allen", WorkEmail: "frances.allen@example.com"})
				_ = r.bamboo.SetRate(id, day("2026-01-01"), "100.00", "USD")
				apply := r.applier(t, path, id)
				apply()
				emp := employee(t, r.db, id).ID
				// Two hours each: this week (today is Tuesday 2026-03-10),
				// next month, and either side of a backdated change.
				entries := map[int64]string{1: "2026-03-10", 2: "2026-04-02", 3: "2026-03-03", 4: "2026-03-01"}
				for eid, d := range entries {
					addEntry(t, r, eid, emp, d)
				}

				// A raise entered today for 2026-04-01.
				_ = r.bamboo.SetRate(id, day("2026-04-01"), "150.00", "USD")
				apply()
				want := map[int64]string{1: "20000", 2: "30000", 3: "20000", 4: "20000"}
				checkAmounts(t, r, "after the raise entered ahead", want)

				// A change entered today, effective 2026-03-02.
				_ = r.bamboo.SetRate(id, day("2026-03-02"), "130.00", "USD")
				apply()
				want = map[int64]string{1: "26000", 2: "30000", 3: "26000", 4: "20000"}
				checkAmounts(t, r, "after the backdated change", want)
			})
		}
	}
}

// A plain rate field (no table keeps its history) has no future-dated value
// in BambooHR's current reads: a raise entered ahead starts when BambooHR
// starts reporting it, on its effective day, never earlier.
func TestPlainFieldRaiseAheadStartsOnItsDay(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{plainField: true})
	id := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Barbara", LastName: "Liskov", WorkEmail: "barbara.liskov@example.com", HireDate: "2026-01-01"})
	_ = r.bamboo.SetRate(id, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "100.00", "USD")
	rec := r.reconciler(roster.ReconcilerOptions{})
	run := func() {
		t.Helper()
		if _, err := rec.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	run()
	emp := employee(t, r.db, id).ID
	addEntry(t, r, 1, emp, "2026-03-10")
	addEntry(t, r, 2, emp, "2026-04-02")
	_ = r.bamboo.SetRate(id, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), "150.00", "USD")
	run()
	checkAmounts(t, r, "raise entered ahead", map[int64]string{1: "20000", 2: "20000"})
	r.clock.Advance(22 * 24 * time.Hour) // 2026-04-01
	run()
	checkAmounts(t, r, "on the raise's day", map[int64]string{1: "20000", 2: "30000"})
}

// applier returns how a path applies BambooHR's current state for one
// employee: a reconciliation run, or an event-based webhook delivery (no
// values, no effective date) drained by the inbox worker.
func (r *rig) applier(t *testing.T, path, id string) func() {
	rec := r.reconciler(roster.ReconcilerOptions{})
	n := 0
	return func() {
		t.Helper()
		if path == "reconcile" {
			if _, err := rec.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			return
		}
		kind := "updated"
		if n == 0 {
			kind = "created"
		}
		n++
		r.send(t, sandbox.BambooEventPayload(kind, id, r.clock.Now().Add(time.Duration(n)*time.Second), r.bamboo.RateField()))
		r.drain(t)
	}
}

func addEntry(t *testing.T, r *rig, id, employeeID int64, day string) {
	t.Helper()
	if _, err := r.db.Exec(context.Background(), `INSERT INTO time_entries (id, toggl_user_id, employee_id, billable, start_at, stop_at, local_date, duration_secs, toggl_updated_at, content_hash)
		VALUES ($1, 77, $2, true, $3::date + time '09:00', $3::date + time '11:00', $3::date, 7200, now(), 'h')`, id, employeeID, day); err != nil {
		t.Fatal(err)
	}
}

func checkAmounts(t *testing.T, r *rig, when string, want map[int64]string) {
	t.Helper()
	for id, w := range want {
		if got := pricedAmount(t, r, id); got != w {
			t.Errorf("%s: entry %d amount = %s, want %s", when, id, got, w)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}
