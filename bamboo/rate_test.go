package bamboo_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw     string
		minor   int64
		cur     string
		missing bool
		bad     bool
	}{
		{`"125.00 USD"`, 12500, "USD", false, false},
		{`"125"`, 12500, "USD", false, false},
		{`125.5`, 12550, "USD", false, false},
		{`"EUR 99.90"`, 9990, "EUR", false, false},
		{`{"value":"125","currency":"EUR"}`, 12500, "EUR", false, false},
		{`{"value":"1,250.00 GBP"}`, 125000, "GBP", false, false},
		{`"12000 JPY"`, 12000, "JPY", false, false},
		{`null`, 0, "", true, false},
		{`""`, 0, "", true, false},
		{``, 0, "", true, false},
		{`"-5 USD"`, 0, "", false, true},
		{`"abc"`, 0, "", false, true},
		{`"125 XXX"`, 0, "", false, true},
		{`{"value":"10","currency":"ZZZ"}`, 0, "", false, true},
	}
	for _, c := range cases {
		m, missing, err := bamboo.ParseRate(json.RawMessage(c.raw), "USD")
		if missing != c.missing || (err != nil) != c.bad {
			t.Errorf("%s: missing=%v err=%v", c.raw, missing, err)
			continue
		}
		if !c.missing && !c.bad && (m.Minor != c.minor || m.Currency != c.cur) {
			t.Errorf("%s: got %v", c.raw, m)
		}
	}
}

func TestParsePayloadFamilies(t *testing.T) {
	t.Parallel()
	ev, err := bamboo.ParsePayload([]byte(`{"type":"employee.updated","timestamp":"2025-02-18T15:30:00Z","data":{"companyId":"12345","employeeId":100,"changedFields":["firstName","payRate"]}}`))
	if err != nil || len(ev) != 1 || ev[0].EmployeeID != "100" || ev[0].Action != bamboo.ActionUpdated || len(ev[0].ChangedFields) != 2 {
		t.Fatalf("event-based: %+v %v", ev, err)
	}
	fb, err := bamboo.ParsePayload([]byte(`{"employees":[{"id":"5","action":"Created","changedFields":["Job Title"],"fields":{"Job Title":"Engineer","Rate":{"value":"125"},"Effective Date":{"value":"2026-01-15"}}},{"id":"6","action":"Deleted","fields":{}}]}`))
	if err != nil || len(fb) != 2 {
		t.Fatalf("field-based: %+v %v", fb, err)
	}
	if fb[0].Action != bamboo.ActionCreated || string(fb[0].Fields["Job Title"]) != `"Engineer"` || string(fb[0].Fields["Rate"]) != `"125"` ||
		!fb[0].EffectiveDate.Equal(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)) || fb[1].Action != bamboo.ActionDeleted {
		t.Fatalf("field-based values: %+v", fb)
	}
	for _, bad := range []string{``, `null`, `{}`, `{"employees":[]}`, `{"employees":[{"action":"Updated"}]}`, `{"type":"company.updated","data":{"employeeId":"1"}}`, `{"employees":[{"id":"1","action":"Exploded"}]}`} {
		if _, err := bamboo.ParsePayload([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

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
// covers, through the priced_entries view.
func TestBackdatedRateReprices(t *testing.T) {
	t.Parallel()
	for _, table := range []bool{true, false} {
		r := newRig(t, rigOptions{rateTable: table})
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
		amount := func() int64 {
			var a int64
			if err := r.db.QueryRow(ctx, `SELECT amount_minor FROM priced_entries WHERE id = 1`).Scan(&a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		want := int64(20000)
		if !table {
			// Field mode: the rate is effective from the day it was received.
			var n int
			_ = r.db.QueryRow(ctx, `SELECT count(*) FROM priced_entries WHERE id = 1 AND amount_minor IS NULL`).Scan(&n)
			if n != 1 {
				t.Fatalf("field mode: entry before the first rate is priced")
			}
		} else if got := amount(); got != want {
			t.Fatalf("table mode: amount before = %d, want %d", got, want)
		}
		// HR records on 2026-03-10 a raise effective 2026-03-01.
		eff := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		_ = r.bamboo.SetRate(id, eff, "130.00", "USD")
		if table {
			r.send(t, sandbox.BambooEventPayload("updated", id, r.clock.Now(), "compensation"))
		} else {
			c := r.bamboo.FieldChangeFor(id, "Updated", r.bamboo.RateField())
			c.Fields["Effective Date"] = "2026-03-01"
			r.send(t, sandbox.BambooFieldPayload(r.clock.Now(), c))
		}
		r.drain(t)
		if got := amount(); got != 26000 {
			t.Fatalf("table=%v: amount after the backdated raise = %d, want 26000", table, got)
		}
	}
}
