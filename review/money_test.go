package review_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

func TestAllocationFollowsTheProjectsBillableDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name         string
		wasBillable  bool
		project      int64
		wantBillable bool
		wantAmount   int64
	}{
		{"non-billable time to a billable project", false, 1, true, 10000},
		{"billable time to a non-billable project", true, 4, false, 0},
	} {
		id, _ := f.entry("dev1", 1, 0, 3600)
		start := week.Start.AddDate(0, 0, 1).Add(9 * time.Hour)
		f.exec(`UPDATE time_entries SET billable = $2, content_hash = $3 WHERE id = $1`,
			id, tc.wasBillable, model.ContentHash(start, 3600, 0, 0, "work", tc.wasBillable))

		as, err := f.svc.AssignProject(f.ctx, "UDEV1", id, tc.project)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		wantHash := model.ContentHash(start, 3600, tc.project, 0, "work", tc.wantBillable)
		var billable bool
		var hash string
		var amount int64
		f.must(f.db.QueryRow(f.ctx, `SELECT billable, content_hash, amount_minor FROM priced_entries WHERE id = $1`, id).
			Scan(&billable, &hash, &amount))
		var payload storage.SetProjectPayload
		f.must(f.db.QueryRow(f.ctx, `SELECT payload FROM toggl_outbox WHERE entry_id = $1 AND op = 'set_project'`, id).Scan(&payload))
		if billable != tc.wantBillable || as.Billable != tc.wantBillable || hash != wantHash || as.ContentHash != wantHash ||
			amount != tc.wantAmount || payload.ProjectID != tc.project || payload.Billable != tc.wantBillable {
			t.Errorf("%s: stored billable %v hash ok %v amount %d; assignment %+v; Toggl write %+v",
				tc.name, billable, hash == wantHash, amount, as, payload)
		}
	}
}

// approveDana gives Dana one confirmed hour on Apollo and approves it.
func approveDana(t *testing.T, f *fixture) int64 {
	t.Helper()
	id, _ := f.entry("dev1", 2, 1, 3600)
	f.confirmWeek("dev1")
	dec, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Approved == nil || dec.Approved.Seconds != 3600 || dec.Approved.Amounts.String() != "100.00 EUR" {
		t.Fatalf("approved %+v", dec.Approved)
	}
	return id
}

func approvedAmounts(t *testing.T, f *fixture) (model.Amounts, int) {
	t.Helper()
	got, changed := model.Amounts{}, 0
	err := f.db.ExportEntries(f.ctx, storage.ExportFilter{From: week.Start, To: week.End(), ApprovedOnly: true}, func(r storage.ExportRow) error {
		got[r.Currency] += r.AmountMinor
		if r.Changed {
			changed++
		}
		return nil
	})
	f.must(err)
	return got, changed
}

// TestBackdatedRaiseDoesNotChangeAnApprovedWeek: the approved record keeps
// what was approved, the week becomes changed after approval with the
// difference, and the approved export uses the approved figures, flagged.
func TestBackdatedRaiseDoesNotChangeAnApprovedWeek(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	approveDana(t, f)
	// A raise to 150.00 entered today, effective from before the week.
	f.exec(`INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency) VALUES ($1, $2, 15000, 'EUR')`,
		f.ids["dev1"], week.Start.AddDate(0, 0, -3))

	got, err := f.svc.ChangedAfterApproval(f.ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("changed weeks %+v %v", got, err)
	}
	d := got[0]
	if !d.HasDiff || d.Diff.Approved.Amounts.String() != "100.00 EUR" || d.Diff.Amounts.String() != "150.00 EUR" ||
		d.Diff.Drift().Amounts.String() != "50.00 EUR" || d.Diff.Drift().Seconds != 0 || d.Diff.Changed != 1 {
		t.Fatalf("diff %+v drift %+v", d.Diff, d.Diff.Drift())
	}
	sum, err := f.db.WeekSummary(f.ctx, f.ids["dev1"], week)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Approval.Status != storage.ApprovalChanged || sum.Billable["EUR"] != 15000 || sum.Approved == nil ||
		sum.Approved.Amounts["EUR"] != 10000 || sum.Drift().Amounts["EUR"] != 5000 {
		t.Fatalf("summary %+v approved %+v", sum, sum.Approved)
	}
	if amounts, changed := approvedAmounts(t, f); amounts.String() != "100.00 EUR" || changed != 1 {
		t.Fatalf("approved export %v, %d flagged", amounts, changed)
	}
	// The record cannot be edited, even by hand.
	if _, err := f.db.Exec(f.ctx, `UPDATE approved_entries SET amount_minor = 15000`); err == nil {
		t.Fatal("approved entries were updated")
	}
	if _, err := f.db.Exec(f.ctx, `DELETE FROM approved_weeks`); err == nil {
		t.Fatal("approved weeks were deleted")
	}
	// Re-approved: a new record at today's figures, no drift.
	if _, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week); err != nil {
		t.Fatal(err)
	}
	if amounts, changed := approvedAmounts(t, f); amounts.String() != "150.00 EUR" || changed != 0 {
		t.Fatalf("re-approved export %v, %d flagged", amounts, changed)
	}
	if n := f.count(`SELECT count(*) FROM approved_weeks WHERE superseded_at IS NOT NULL`); n != 1 {
		t.Fatalf("%d superseded records, want the first one kept", n)
	}
	if got, _ := f.svc.ChangedAfterApproval(f.ctx); len(got) != 0 {
		t.Fatalf("still changed after re-approval: %+v", got)
	}
}

// TestDeletedEntryShowsAsDrift: the sync deletes an approved entry; the
// approved export still has it, flagged, and the difference says so.
func TestDeletedEntryShowsAsDrift(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := approveDana(t, f)
	// What the sync does when the entry vanishes from Toggl.
	f.exec(`UPDATE time_entries SET deleted_at = now() WHERE id = $1`, id)
	f.exec(`UPDATE week_approvals SET status = 'changed_after_approval' WHERE employee_id = $1`, f.ids["dev1"])
	diff, ok, err := f.db.WeekApprovalDiff(f.ctx, f.ids["dev1"], week)
	if err != nil || !ok || diff.Removed != 1 || diff.Drift().Seconds != -3600 || diff.Drift().Amounts["EUR"] != -10000 {
		t.Fatalf("diff %+v ok %v err %v", diff, ok, err)
	}
	if amounts, changed := approvedAmounts(t, f); amounts.String() != "100.00 EUR" || changed != 1 {
		t.Fatalf("approved export %v, %d flagged", amounts, changed)
	}
	// Rejected now: nothing of the week is approved any more.
	if _, err := f.svc.Reject(f.ctx, "UMGR", f.ids["dev1"], week, "an entry vanished"); err != nil {
		t.Fatal(err)
	}
	if amounts, _ := approvedAmounts(t, f); len(amounts) != 0 {
		t.Fatalf("rejected week exported as approved: %v", amounts)
	}
}

// TestTimeAfterTerminationNeedsAnExplicitApproval: entries logged after the
// termination date are left out of an approval until a manager approves
// them explicitly.
func TestTimeAfterTerminationNeedsAnExplicitApproval(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.exec(`UPDATE employees SET termination_date = $2 WHERE id = $1`, f.ids["dev1"], week.Start.AddDate(0, 0, 2))
	f.entry("dev1", 1, 1, 3600)
	late, _ := f.entry("dev1", 4, 1, 1800)
	f.confirmWeek("dev1")
	sum, err := f.db.WeekSummary(f.ctx, f.ids["dev1"], week)
	if err != nil || sum.OutsideEmployment != 1 || sum.OutsideEmploymentSeconds != 1800 {
		t.Fatalf("summary %+v %v", sum, err)
	}
	dec, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week)
	if err != nil || dec.LeftOut != 1 || dec.LeftOutSeconds != 1800 {
		t.Fatalf("approve %+v %v", dec, err)
	}
	if amounts, _ := approvedAmounts(t, f); amounts.String() != "100.00 EUR" {
		t.Fatalf("approved export %v: the late entry must stay out", amounts)
	}
	if again, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week); err != nil || again.Changed || again.LeftOut != 1 {
		t.Fatalf("repeat %+v %v", again, err)
	}
	dec, err = f.svc.ApproveIncludingOutsideEmployment(f.ctx, "UMGR", f.ids["dev1"], week)
	if err != nil || !dec.Changed || dec.LeftOut != 0 {
		t.Fatalf("explicit approval %+v %v", dec, err)
	}
	if amounts, _ := approvedAmounts(t, f); amounts.String() != "150.00 EUR" {
		t.Fatalf("approved export %v after the explicit approval", amounts)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'week.approve' AND after->>'outside_employment' = 'true'`); n != 1 {
		t.Fatalf("%d audited explicit approvals", n)
	}
	probs, err := f.db.EmploymentProblems(f.ctx, week.Start, week.End())
	if err != nil || len(probs) != 1 || probs[0].EntryIDs[0] != late || probs[0].Approved != 1 {
		t.Fatalf("problems %+v %v", probs, err)
	}
}

// A week re-priced after its approval, clicked before the periodic job has
// marked it, is approved again at today's figures: the decision marks the
// drift itself instead of keeping the old record as a repeated approval.
func TestApprovingADriftedWeekBeforeItIsMarked(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	approveDana(t, f)
	f.exec(`INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency) VALUES ($1, $2, 15000, 'EUR')`,
		f.ids["dev1"], week.Start.AddDate(0, 0, -3))
	if _, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week); err != nil {
		t.Fatal(err)
	}
	if amounts, changed := approvedAmounts(t, f); amounts.String() != "150.00 EUR" || changed != 0 {
		t.Fatalf("approved export after approving the drifted week: %v, %d flagged", amounts, changed)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'week.changed_after_approval' AND actor = 'pricing'`); n != 1 {
		t.Fatalf("%d audit rows say the week changed after approval, want 1", n)
	}
}
