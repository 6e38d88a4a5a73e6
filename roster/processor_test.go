package roster_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

func TestLifecycleThroughWebhooks(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	now := r.clock.Now()
	mgr := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Grace", LastName: "Hopper", WorkEmail: "grace.hopper@example.com", JobTitle: "Manager"})
	id := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Ada", LastName: "Lovelace", WorkEmail: "Ada.Lovelace@example.com",
		JobTitle: "Engineer", SupervisorID: mgr, HireDate: "2026-01-05"})
	if err := r.bamboo.SetRate(id, now, "120.00", "USD"); err != nil {
		t.Fatal(err)
	}
	// Creation fires created then updated.
	r.send(t, sandbox.BambooEventPayload("created", id, now))
	r.send(t, sandbox.BambooEventPayload("updated", id, now, "firstName"))
	r.send(t, sandbox.BambooEventPayload("created", mgr, now))
	if n := r.drain(t); n != 3 {
		t.Fatalf("processed %d rows, want 3", n)
	}
	e := employee(t, r.db, id)
	if e.Email != "ada.lovelace@example.com" || e.JobTitle != "Engineer" || e.SupervisorID != mgr || !e.Active || e.HireDate == nil {
		t.Fatalf("created employee = %+v", e.Employee)
	}
	if n := count(t, r.db, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'employee.create'`, id); n != 1 {
		t.Fatalf("create audit rows = %d, want 1 (the follow-up updated event changes nothing)", n)
	}
	if n := count(t, r.db, `SELECT count(*) FROM audit_log WHERE entity_id = $1`, id); n != 2 {
		t.Fatalf("audit rows after creation = %d, want 2 (employee + rate)", n)
	}
	rates, _ := storage.RatesOf(ctx, r.db, e.ID)
	if len(rates) != 1 || rates[0].Hourly.Minor != 12000 || rates[0].Hourly.Currency != "USD" {
		t.Fatalf("rates = %+v", rates)
	}

	// Promotion with a rate change, in the field-based family with wrapped values.
	r.clock.Advance(24 * time.Hour)
	_ = r.bamboo.UpdateEmployee(id, func(e *sandbox.BambooEmployee) { e.JobTitle = "Senior Engineer" })
	_ = r.bamboo.SetRate(id, r.clock.Now(), "150.00", "USD")
	c := r.bamboo.FieldChangeFor(id, "Updated", "Job Title", r.bamboo.RateField())
	c.Wrapped = true
	r.send(t, sandbox.BambooFieldPayload(r.clock.Now(), c))
	r.drain(t)
	e = employee(t, r.db, id)
	if e.JobTitle != "Senior Engineer" {
		t.Fatalf("job title = %q", e.JobTitle)
	}
	rates, _ = storage.RatesOf(ctx, r.db, e.ID)
	if len(rates) != 2 || rates[1].Hourly.Minor != 15000 || !rates[1].EffectiveDate.Equal(time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("rates after promotion = %+v", rates)
	}
	var before, after string
	if err := r.db.QueryRow(ctx, `SELECT before->>'job_title', after->>'job_title' FROM audit_log WHERE entity_id = $1 AND action = 'employee.update'`, id).Scan(&before, &after); err != nil {
		t.Fatal(err)
	}
	if before != "Engineer" || after != "Senior Engineer" {
		t.Fatalf("audit before/after = %q/%q", before, after)
	}

	// Termination: inactive from the termination date, history kept.
	_ = r.bamboo.Terminate(id, r.clock.Now())
	r.send(t, sandbox.BambooEventPayload("updated", id, r.clock.Now(), "status", "terminationDate"))
	r.drain(t)
	e = employee(t, r.db, id)
	if e.Active || e.TerminationDate == nil {
		t.Fatalf("terminated employee = %+v", e.Employee)
	}

	// Deletion: BambooHR answers 404; deleted_at set, rates kept.
	_ = r.bamboo.Delete(id)
	r.send(t, sandbox.BambooEventPayload("deleted", id, r.clock.Now()))
	r.drain(t)
	e = employee(t, r.db, id)
	if e.DeletedAt == nil || e.Active {
		t.Fatalf("deleted employee = %+v deleted_at=%v", e.Employee, e.DeletedAt)
	}
	if n := count(t, r.db, `SELECT count(*) FROM billable_rates WHERE employee_id = $1`, e.ID); n != 2 {
		t.Fatalf("rates after deletion = %d, want 2", n)
	}
	if got := testutil.ToFloat64(r.proc.ProcessedCounter()); got != 6 {
		t.Fatalf("processed counter = %v, want 6", got)
	}
}

func TestDuplicateDeliveryIsOneChange(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	id := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Alan", LastName: "Turing", WorkEmail: "alan.turing@example.com", JobTitle: "Engineer"})
	_ = r.bamboo.SetRate(id, r.clock.Now(), "100", "USD")
	r.send(t, sandbox.BambooEventPayload("created", id, r.clock.Now()))
	r.drain(t)
	audits := count(t, r.db, `SELECT count(*) FROM audit_log`)
	_ = r.bamboo.UpdateEmployee(id, func(e *sandbox.BambooEmployee) { e.JobTitle = "Lead" })
	body := sandbox.BambooEventPayload("updated", id, r.clock.Now(), "jobTitle")
	r.send(t, body)
	r.send(t, body)
	r.drain(t)
	// The same change delivered again as a new delivery (other timestamp
	// field) is processed but changes nothing.
	r.send(t, sandbox.BambooEventPayload("updated", id, r.clock.Now().Add(time.Second), "jobTitle"))
	r.drain(t)
	if n := count(t, r.db, `SELECT count(*) FROM audit_log`) - audits; n != 1 {
		t.Fatalf("audit rows for one change delivered three times = %d, want 1", n)
	}
}

func TestOutOfOrderDeliveriesMatchBambooHR(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	people := r.bamboo.Seed(sandbox.BambooOrgSpec{Employees: 12, Seed: 7})
	var bodies [][]byte
	for i, p := range people {
		bodies = append(bodies, sandbox.BambooEventPayload("created", p.BambooID, r.clock.Now()))
		title := "Title v1"
		_ = r.bamboo.UpdateEmployee(p.BambooID, func(e *sandbox.BambooEmployee) { e.JobTitle = title })
		bodies = append(bodies, sandbox.BambooFieldPayload(r.clock.Now(), r.bamboo.FieldChangeFor(p.BambooID, "Updated", "Job Title")))
		_ = r.bamboo.UpdateEmployee(p.BambooID, func(e *sandbox.BambooEmployee) { e.JobTitle = "Title v2" })
		bodies = append(bodies, sandbox.BambooEventPayload("updated", p.BambooID, r.clock.Now(), "jobTitle"))
		if i%4 == 3 {
			_ = r.bamboo.Terminate(p.BambooID, r.clock.Now().AddDate(0, 0, -1))
			bodies = append(bodies, sandbox.BambooEventPayload("updated", p.BambooID, r.clock.Now(), "status"))
		}
		if i%5 == 4 {
			_ = r.bamboo.Delete(p.BambooID)
			bodies = append(bodies, sandbox.BambooEventPayload("deleted", p.BambooID, r.clock.Now()))
		}
	}
	codes, err := r.sender.SendAll(ctx, bodies, 3, 42)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		if c != 200 {
			t.Fatalf("delivery answered %d", c)
		}
	}
	r.drain(t)
	for _, p := range people {
		want, live := r.bamboo.Employee(p.BambooID)
		got, found, err := storage.EmployeeByBambooID(ctx, r.db, p.BambooID, false)
		if err != nil || (live && !found) {
			t.Fatalf("%s: found=%v err=%v", p.BambooID, found, err)
		}
		if !live {
			if found && got.DeletedAt == nil {
				t.Fatalf("%s deleted in BambooHR but not here", p.BambooID)
			}
			continue
		}
		if got.DeletedAt != nil || got.JobTitle != want.JobTitle || got.Active != (want.Status == "Active") || got.Email != want.WorkEmail {
			t.Fatalf("%s: stored %+v, BambooHR %+v", p.BambooID, got.Employee, want)
		}
	}
}

func TestFailingDeliveryRetriesThenParks(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	id := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Edsger", LastName: "Dijkstra", WorkEmail: "edsger.dijkstra@example.com"})
	_ = r.bamboo.SetRate(id, r.clock.Now(), "90", "USD")
	r.send(t, sandbox.BambooEventPayload("created", id, r.clock.Now()))

	// BambooHR is down for one attempt (3 tries inside the client): retried later.
	r.bamboo.FailNext(3, 503, "")
	r.drain(t)
	var status, lastErr string
	var attempts int
	if err := r.db.QueryRow(context.Background(), `SELECT status, attempts, last_error FROM webhook_inbox`).Scan(&status, &attempts, &lastErr); err != nil {
		t.Fatal(err)
	}
	if status != "pending" || attempts != 1 || lastErr == "" {
		t.Fatalf("after a failure: status=%s attempts=%d error=%q", status, attempts, lastErr)
	}
	if n := r.drain(t); n != 0 {
		t.Fatalf("row retried before its backoff (%d)", n)
	}
	r.clock.Advance(2 * time.Hour)
	r.drain(t)
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE status = 'done'`); n != 1 {
		t.Fatal("row not done after the retry")
	}

	// A delivery that keeps failing is parked with its error after 3 attempts.
	r.send(t, sandbox.BambooEventPayload("updated", id, r.clock.Now(), "jobTitle"))
	r.bamboo.FailNext(100, 500, "")
	for i := 0; i < 3; i++ {
		r.drain(t)
		r.clock.Advance(3 * time.Hour)
	}
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE status = 'parked' AND last_error LIKE '%500%'`); n != 1 {
		t.Fatal("failing row not parked with its error")
	}
	if got := testutil.ToFloat64(r.proc.ParkedCounter()); got != 1 {
		t.Fatalf("parked counter = %v", got)
	}
	parked, _ := storage.ListInbox(context.Background(), r.db, storage.InboxParked, 10)
	if len(parked) != 1 {
		t.Fatalf("parked rows listed = %d", len(parked))
	}
}
