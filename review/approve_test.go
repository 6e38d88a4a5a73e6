package review_test

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

func TestSubtree(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	names := func(direct bool) string {
		people, err := f.svc.Subtree(f.ctx, f.ids["ceo"], direct)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range people {
			out = append(out, p.BambooID)
		}
		return strings.Join(out, ",")
	}
	if got := names(true); got != "mgr2,mgr" { // by name: Max, Mona
		t.Fatalf("direct reports %s", got)
	}
	if got := names(false); got != "dev1,dev2,dev3,mgr2,mgr" { // Dana, Dirk, Dora, Max, Mona
		t.Fatalf("subtree %s", got)
	}
	// A cycle in BambooHR data terminates and never lists the manager.
	f.exec(`UPDATE employees SET supervisor_bamboo_id = 'dev1' WHERE bamboo_id = 'ceo'`)
	if got := names(false); got != "dev1,dev2,dev3,mgr2,mgr" {
		t.Fatalf("subtree with a cycle %s", got)
	}
}

func TestApproveAndRejectAuthorisation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, p := range []string{"dev1", "dev2", "dev3", "mgr"} {
		f.entry(p, 0, 1, 3600)
		f.confirmWeek(p)
	}
	for _, tc := range []struct {
		name, actor, target, why string
	}{
		{"manager outside the subtree", "UMGR2", "dev1", "not a manager of this person"},
		{"self-approval", "UMGR", "mgr", "own week"},
		{"developer faking a manager action", "UDEV2", "dev1", "not a manager of this person"},
		{"unknown slack user", "UNOBODY", "dev1", "not a manager of this person"},
		{"a report approving their manager", "UDEV1", "mgr", "not a manager of this person"},
	} {
		_, err := f.svc.Approve(f.ctx, tc.actor, f.ids[tc.target], week)
		if model.ErrorCodeOf(err) != model.EForbidden {
			t.Fatalf("%s: approve got %v, want forbidden", tc.name, err)
		}
		_, err = f.svc.Reject(f.ctx, tc.actor, f.ids[tc.target], week, "fix it")
		if model.ErrorCodeOf(err) != model.EForbidden {
			t.Fatalf("%s: reject got %v, want forbidden", tc.name, err)
		}
		if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'approve.denied' AND actor = $1
			AND after->>'reason' = $2`, tc.actor, tc.why); n < 2 {
			t.Fatalf("%s: %d approve.denied rows", tc.name, n)
		}
		if ok, err := f.svc.CanDecide(f.ctx, tc.actor, f.ids[tc.target]); ok || err != nil {
			t.Fatalf("%s: CanDecide %v %v", tc.name, ok, err)
		}
	}
	if n := f.count(`SELECT count(*) FROM week_approvals`); n != 0 {
		t.Fatalf("refused attempts wrote %d approvals", n)
	}
	// HR admins may not approve their own week either, if they have one.
	f.exec(`UPDATE employees SET slack_user_id = 'UHR' WHERE bamboo_id = 'dev3'`)
	if _, err := f.svc.Approve(f.ctx, "UHR", f.ids["dev3"], week); model.ErrorCodeOf(err) != model.EForbidden {
		t.Fatalf("HR self-approval: %v", err)
	}
	f.exec(`UPDATE employees SET slack_user_id = 'UDEV3' WHERE bamboo_id = 'dev3'`)

	// A manager who has left cannot decide for their former team.
	f.exec(`UPDATE employees SET active = false WHERE slack_user_id = 'UMGR'`)
	if _, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week); model.ErrorCodeOf(err) != model.EForbidden {
		t.Fatalf("inactive manager approved: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'approve.denied' AND actor = 'UMGR' AND after->>'reason' = 'not an active employee'`); n != 1 {
		t.Fatalf("inactive manager refusal audited %d times", n)
	}
	f.exec(`UPDATE employees SET active = true WHERE slack_user_id = 'UMGR'`)

	for _, tc := range []struct{ name, actor, target string }{
		{"direct manager", "UMGR", "dev1"},
		{"manager's manager, transitively", "UCEO", "dev2"},
		{"HR admin for anyone", "UHR", "dev3"},
		{"manager's manager for a manager", "UCEO", "mgr"},
	} {
		d, err := f.svc.Approve(f.ctx, tc.actor, f.ids[tc.target], week)
		if err != nil || !d.Changed || d.Status != storage.ApprovalApproved || d.Employee.ID != f.ids[tc.target] {
			t.Fatalf("%s: %+v %v", tc.name, d, err)
		}
		a, err := f.db.WeekApproval(f.ctx, f.ids[tc.target], week)
		if err != nil || a.Status != storage.ApprovalApproved || a.DecidedBy != tc.actor {
			t.Fatalf("%s: stored %+v %v", tc.name, a, err)
		}
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'week.approve'`); n != 4 {
		t.Fatalf("%d week.approve rows, want 4", n)
	}
	// A double click changes nothing.
	d, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week)
	if err != nil || d.Changed {
		t.Fatalf("repeat approve %+v %v", d, err)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'week.approve'`); n != 4 {
		t.Fatalf("%d week.approve rows after repeat", n)
	}
}

func TestApproveNeedsEveryEntryConfirmed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.entry("dev1", 0, 1, 3600)
	f.confirmWeek("dev1")
	f.entry("dev1", 1, 1, 3600)
	f.entry("dev1", 2, 0, 3600) // unallocated: cannot be confirmed yet
	_, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week)
	if model.ErrorCodeOf(err) != model.EConflict || !strings.Contains(model.ErrorMessage(err), "2 of 3 entries") {
		t.Fatalf("got %v / %q", err, model.ErrorMessage(err))
	}
	if n := f.count(`SELECT count(*) FROM week_approvals`) + f.count(`SELECT count(*) FROM audit_log WHERE action LIKE 'week.%'`); n != 0 {
		t.Fatal("refused approval wrote something")
	}
}

func TestRejectNeedsAReason(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.entry("dev1", 0, 1, 3600)
	for _, reason := range []string{"", "   \n\t", strings.Repeat("x", 2001)} {
		if _, err := f.svc.Reject(f.ctx, "UMGR", f.ids["dev1"], week, reason); model.ErrorCodeOf(err) != model.EInvalid {
			t.Fatalf("reason of %d chars: %v", len(reason), err)
		}
	}
	if n := f.count(`SELECT count(*) FROM week_approvals`); n != 0 {
		t.Fatal("refused rejection stored")
	}
	d, err := f.svc.Reject(f.ctx, "UMGR", f.ids["dev1"], week, "  Tuesday is missing the client meeting.  ")
	if err != nil || !d.Changed || d.Reason != "Tuesday is missing the client meeting." || d.Employee.SlackUserID != "UDEV1" {
		t.Fatalf("%+v %v", d, err)
	}
	var reason string
	f.must(f.db.QueryRow(f.ctx, `SELECT after->>'reason' FROM audit_log WHERE action = 'week.reject'`).Scan(&reason))
	if reason != d.Reason {
		t.Fatalf("audited reason %q", reason)
	}
	// Exactly 2000 characters is fine (multi-byte ones count once).
	if _, err := f.svc.Reject(f.ctx, "UMGR", f.ids["dev1"], week, strings.Repeat("é", 2000)); err != nil {
		t.Fatal(err)
	}
}

func TestChangedAfterApprovalIsToldOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.entry("dev1", 0, 1, 3600)
	f.confirmWeek("dev1")
	if _, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.ChangedAfterApproval(f.ctx); err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
	// What the sync engine does when an entry of the approved week changes.
	f.exec(`UPDATE week_approvals SET status = 'changed_after_approval' WHERE employee_id = $1`, f.ids["dev1"])
	got, err := f.svc.ChangedAfterApproval(f.ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	c := got[0]
	if c.EmployeeSlackID != "UDEV1" || c.ApproverSlackID != "UMGR" || c.Week != week || c.EmployeeName != "Dana Dev" {
		t.Fatalf("%+v", c)
	}
	first, err := f.svc.MarkChangeNotified(f.ctx, c.EmployeeID, c.Week)
	second, err2 := f.svc.MarkChangeNotified(f.ctx, c.EmployeeID, c.Week)
	if err != nil || err2 != nil || !first || second {
		t.Fatalf("claims %v %v (%v %v)", first, second, err, err2)
	}
	if got, _ := f.svc.ChangedAfterApproval(f.ctx); len(got) != 0 {
		t.Fatalf("still listed: %v", got)
	}
	// Re-approved and changed again: told again.
	if _, err := f.svc.Approve(f.ctx, "UMGR", f.ids["dev1"], week); err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE week_approvals SET status = 'changed_after_approval' WHERE employee_id = $1`, f.ids["dev1"])
	if got, _ := f.svc.ChangedAfterApproval(f.ctx); len(got) != 1 {
		t.Fatalf("second change listed %d times", len(got))
	}
}

func TestTeamSummaries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, ah := f.entry("dev1", 0, 1, 3600) // 100.00 EUR
	f.entry("dev1", 1, 0, 1800)          // unallocated, 50.00 EUR
	f.entry("dev1", 2, 2, 900)           // 25.00 EUR
	if _, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", a, ah); err != nil {
		t.Fatal(err)
	}
	f.entry("dev2", 0, 1, 5400)
	f.exec(`DELETE FROM billable_rates WHERE employee_id = $1`, f.ids["dev2"]) // no rate: unpriced
	rows, err := f.svc.Team(f.ctx, f.ids["mgr"], week, true)
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	s := rows[0].Summary // Dana
	if rows[0].Employee.BambooID != "dev1" || s.Entries != 3 || s.Confirmed != 1 || s.Unallocated != 1 ||
		s.Seconds != 6300 || s.ConfirmedSeconds != 3600 || s.UnallocatedSeconds != 1800 ||
		s.Billable["EUR"] != 17500 || s.ConfirmedBillable["EUR"] != 10000 || s.Unpriced != 0 || s.AllConfirmed() {
		t.Fatalf("dev1 %+v", s)
	}
	s = rows[1].Summary
	if s.Entries != 1 || s.Seconds != 5400 || len(s.Billable) != 0 || s.Unpriced != 1 {
		t.Fatalf("dev2 %+v", s)
	}
	one, err := f.db.WeekSummary(f.ctx, f.ids["dev3"], week)
	if err != nil || one.Entries != 0 || !one.AllConfirmed() || one.Approval.Status != storage.ApprovalNone {
		t.Fatalf("empty week %+v %v", one, err)
	}
}
