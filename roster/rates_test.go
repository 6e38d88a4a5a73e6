package roster_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

func TestRateProblemsAndContractors(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	bad := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "B", LastName: "Ad", WorkEmail: "b.ad@example.com",
		Fields: map[string]any{r.bamboo.RateField(): "-5 USD"}})
	none := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "N", LastName: "One", WorkEmail: "n.one@example.com"})
	odd := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "O", LastName: "Dd", WorkEmail: "o.dd@example.com",
		Fields: map[string]any{r.bamboo.RateField(): "100 XXX"}})
	con := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "C", LastName: "On", WorkEmail: "c.on@example.com", EmploymentStatus: "Contractor",
		Fields: map[string]any{r.bamboo.RateField(): "100 USD", r.bamboo.ContractorRateField(): map[string]any{"value": "140", "currency": "EUR"}}})
	for _, id := range []string{bad, none, odd, con} {
		r.send(t, sandbox.BambooEventPayload("created", id, r.clock.Now()))
	}
	r.drain(t)
	problems, err := storage.ListRosterProblems(ctx, r.db, false)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, p := range problems {
		if p.Kind == storage.ProblemNoRate || p.Kind == storage.ProblemBadRate {
			kinds[p.Subject] = p.Kind
		}
	}
	if kinds[bad] != "bad_rate" || kinds[none] != "no_rate" || kinds[odd] != "bad_rate" || kinds[con] != "" {
		t.Fatalf("rate problems = %v", kinds)
	}
	if n := count(t, r.db, `SELECT count(*) FROM billable_rates`); n != 1 {
		t.Fatalf("rates stored = %d, want only the contractor's", n)
	}
	var minor int64
	var cur, kind string
	if err := r.db.QueryRow(ctx, `SELECT amount_minor, currency, kind FROM billable_rates`).Scan(&minor, &cur, &kind); err != nil {
		t.Fatal(err)
	}
	if minor != 14000 || cur != "EUR" || kind != "contractor" {
		t.Fatalf("contractor rate = %d %s %s", minor, cur, kind)
	}
	// Fixing the rate resolves the problem.
	_ = r.bamboo.SetRate(bad, r.clock.Now(), "80.00", "USD")
	r.send(t, sandbox.BambooEventPayload("updated", bad, r.clock.Now(), r.bamboo.RateField()))
	r.drain(t)
	if n := count(t, r.db, `SELECT count(*) FROM roster_problems WHERE subject = $1 AND kind = 'bad_rate' AND resolved_at IS NOT NULL`, bad); n != 1 {
		t.Fatal("fixed rate did not resolve its problem")
	}
}

// A rate change recorded late for an earlier date re-prices the entries it
// covers, through the priced_entries view, whichever source dates it: the
// rate table, the rate field's history table, or (a plain field, which has
// no history in BambooHR) the delivery's Effective Date.
func TestBackdatedRateReprices(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rig  rigOptions
		// unpricedBefore: a plain field's first rate starts the day it was
		// received, so the entry before it has no rate yet.
		unpricedBefore bool
	}{
		{"rate table", rigOptions{rateTable: true}, false},
		{"field history", rigOptions{}, false},
		{"plain field", rigOptions{plainField: true}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, tc.rig)
			ctx := context.Background()
			id := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Ken", LastName: "Thompson", WorkEmail: "ken.thompson@example.com"})
			_ = r.bamboo.SetRate(id, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "100.00", "USD")
			r.send(t, sandbox.BambooEventPayload("created", id, r.clock.Now()))
			r.drain(t)
			e := employee(t, r.db, id)
			// Two hours on 2026-03-02, billable.
			if _, err := r.db.Exec(ctx, `INSERT INTO time_entries (id, toggl_user_id, employee_id, billable, start_at, stop_at, local_date, duration_secs, toggl_updated_at, content_hash)
				VALUES (1, 77, $1, true, '2026-03-02T09:00:00Z', '2026-03-02T11:00:00Z', '2026-03-02', 7200, now(), 'h')`, e.ID); err != nil {
				t.Fatal(err)
			}
			want := "20000"
			if tc.unpricedBefore {
				want = "unpriced"
			}
			if got := pricedAmount(t, r, 1); got != want {
				t.Fatalf("amount before = %s, want %s", got, want)
			}
			// HR records on 2026-03-10 a raise effective 2026-03-01.
			_ = r.bamboo.SetRate(id, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "130.00", "USD")
			if tc.rig.rateTable {
				r.send(t, sandbox.BambooEventPayload("updated", id, r.clock.Now(), "compensation"))
			} else {
				c := r.bamboo.FieldChangeFor(id, "Updated", r.bamboo.RateField())
				c.Fields["Effective Date"] = "2026-03-01"
				r.send(t, sandbox.BambooFieldPayload(r.clock.Now(), c))
			}
			r.drain(t)
			if got := pricedAmount(t, r, 1); got != "26000" {
				t.Fatalf("amount after the backdated raise = %s, want 26000", got)
			}
		})
	}
}

// pricedAmount is the amount in minor units priced_entries gives an entry,
// or "unpriced".
func pricedAmount(t testing.TB, r *rig, entryID int64) string {
	t.Helper()
	var a *int64
	if err := r.db.QueryRow(context.Background(), `SELECT amount_minor FROM priced_entries WHERE id = $1`, entryID).Scan(&a); err != nil {
		t.Fatal(err)
	}
	if a == nil {
		return "unpriced"
	}
	return strconv.FormatInt(*a, 10)
}
