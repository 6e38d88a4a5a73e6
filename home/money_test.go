package home

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
	"github.com/tallyhq/tally/timesheet"
)

// moneyFixture is the home fixture with money in the week of 23 Nov: Ada
// (EUR) and Bob (USD) are priced — Ada also logged billable time without a
// project; Nora has no rate (unpriced); Lee left on 24 Nov and logged two
// hours on the 26th (outside employment). Grace manages them all and logs
// nothing herself.
func newMoneyFixture(t *testing.T) *actionsFixture {
	t.Helper()
	f := newActionsFixture(t)
	db, ctx := f.db, f.ctx
	add := func(key string, e storagetest.SeedEmployee) { f.ids[key] = storagetest.AddEmployee(t, db, e) }
	add("nora", storagetest.SeedEmployee{BambooID: "4", Email: "nora@example.com", First: "Nora", Last: "Nolan",
		SlackUserID: "UNORA", TogglUserID: 103, SupervisorID: "2"})
	add("lee", storagetest.SeedEmployee{BambooID: "5", Email: "lee@example.com", First: "Lee", Last: "Leaver",
		SlackUserID: "ULEE", TogglUserID: 104, SupervisorID: "2"})
	storagetest.AddRate(t, db, f.ids["ada"], "2026-01-01", 12000, "EUR")
	storagetest.AddRate(t, db, f.ids["bob"], "2026-01-01", 10000, "USD")
	storagetest.AddRate(t, db, f.ids["lee"], "2026-01-01", 9000, "EUR")
	at := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, time.UTC) }
	for _, e := range []storagetest.SeedEntry{
		{ID: 10, TogglUserID: 100, EmployeeID: f.ids["ada"], Description: "billable, no project", Billable: true,
			Start: time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("", -10*3600)), Seconds: 2700},
		{ID: 11, TogglUserID: 101, EmployeeID: f.ids["bob"], ProjectID: 5, Description: "telemetry", Billable: true,
			Start: at(24, 9), Seconds: 5400},
		{ID: 12, TogglUserID: 103, EmployeeID: f.ids["nora"], ProjectID: 5, Description: "no rate", Billable: true,
			Start: at(25, 9), Seconds: 3 * 3600},
		{ID: 13, TogglUserID: 104, EmployeeID: f.ids["lee"], ProjectID: 5, Description: "after leaving", Billable: true,
			Start: at(26, 9), Seconds: 2 * 3600},
	} {
		storagetest.AddEntry(t, db, e)
	}
	// Lee confirms the week, then leaves on the 24th.
	rv := review.New(db, review.Options{})
	if _, err := rv.ConfirmAll(ctx, "ULEE", f.week23(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE employees SET termination_date = '2026-11-24', active = false WHERE id = $1`,
		f.ids["lee"]); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *homeFixture) week23(t *testing.T) model.Week {
	t.Helper()
	w, err := model.ParseWeek(f.adaWk)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// home publishes user's home for the week of 23 Nov (subtree scope for a
// manager) and returns all its text.
func (f *actionsFixture) home(t *testing.T, user string) (slack.HomeTabViewRequest, string) {
	t.Helper()
	if err := f.pub.Publish(f.ctx, user, State{Week: f.adaWk, Scope: blocks.ScopeSubtree}); err != nil {
		t.Fatal(err)
	}
	v := f.views.published(t, user)
	all := ""
	for _, b := range v.Blocks.BlockSet {
		all += blockText(t, b)
	}
	return v, all
}

// memberRow is a person's row of the team table with its buttons.
func memberRow(t *testing.T, v slack.HomeTabViewRequest, id int64) string {
	t.Helper()
	out := block(t, v, "member_"+strconv.FormatInt(id, 10))
	for _, b := range v.Blocks.BlockSet {
		if b.ID() == "member_actions_"+strconv.FormatInt(id, 10) {
			out += blockText(t, b)
		}
	}
	return out
}

// click presses a home button as user and runs its follow-up.
func (f *actionsFixture) click(t *testing.T, user, actionID, value string) {
	t.Helper()
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user},
		Container: slack.Container{Type: "view"}}
	cb.View.PrivateMetadata = State{Week: f.adaWk, Scope: blocks.ScopeSubtree}.encode()
	followUp, handled, err := f.actions.HandleAction(f.ctx, cb, &slack.BlockAction{ActionID: actionID, Value: value})
	if !handled || err != nil {
		t.Fatalf("%s %s: handled %v err %v", actionID, value, handled, err)
	}
	if followUp != nil {
		followUp(f.ctx)
	}
}

// For one seeded week the HR home's organisation total, the manager home
// summed over the organisation, the manager's Monday digest and
// storage.OrgTotals state the same hours, amounts per currency and
// unpriced hours — Lee, who left during the week, included everywhere —
// and billable time without a project is the No project bucket.
func TestTotalsAgreeAcrossSurfaces(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t)
	week := f.week23(t)
	org, err := f.db.OrgTotals(f.ctx, storage.ExportFilter{From: week.Start, To: week.End()})
	if err != nil {
		t.Fatal(err)
	}
	// 1:00 + 0:30 + 0:45 Ada, 1:30 Bob, 3:00 Nora, 2:00 Lee.
	if org.Seconds != 31500 || org.UnpricedSeconds != 3*3600 || org.NoProjectSeconds != 4500 {
		t.Fatalf("seeded week adds up to %+v", org)
	}
	hours := blocks.Duration(org.Seconds)
	money := "billable *" + model.Amounts(org.Amounts).String() + "* · :warning: *" + blocks.Duration(org.UnpricedSeconds) + " unpriced*"

	v, _ := f.home(t, "UHR")
	mustContain(t, "HR org totals", block(t, v, "org_totals"), "*Hours*\\n"+hours+" logged", money,
		"No project*: "+blocks.Duration(org.NoProjectSeconds)+" · billable "+model.Amounts(org.NoProjectAmounts).String())

	v, _ = f.home(t, "UMGR")
	mustContain(t, "manager team totals", block(t, v, "team_totals"), "*4 people* · *"+hours+"* logged", money)

	in, err := timesheet.New(timesheet.Options{Store: f.db}).Digest(f.ctx, f.ids["grace"], week)
	if err != nil {
		t.Fatal(err)
	}
	if in.Team.Seconds != org.Seconds || in.Team.UnpricedSeconds != org.UnpricedSeconds ||
		in.Team.Billable.String() != model.Amounts(org.Amounts).String() {
		t.Fatalf("digest team %+v, org %+v", in.Team, org)
	}
	var digest strings.Builder
	for _, b := range blocks.Digest(in) {
		digest.WriteString(blockText(t, b))
	}
	mustContain(t, "digest", digest.String(), "Your team logged *"+hours+"* · "+money)
}

// Unpriced time and time outside employment are visible where each role
// looks: the manager's row per person, the HR home with who and why.
func TestUnpricedAndOutsideEmploymentShown(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t)
	v, _ := f.home(t, "UMGR")
	row := func(key string) string { return memberRow(t, v, f.ids[key]) }
	mustContain(t, "Nora's row", row("nora"), "billable :warning: *3:00 unpriced* (no billable rate in BambooHR)")
	if strings.Contains(row("nora"), "billable *0") {
		t.Errorf("Nora's unpriced time reads as zero: %s", row("nora"))
	}
	mustContain(t, "Lee's row", row("lee"), "billable *180.00 EUR*", ":warning: *2:00 outside employment*",
		blocks.ActionApproveWeek, blocks.ActionApproveWeekOutside, "Bill time outside employment?")

	v, _ = f.home(t, "UHR")
	mustContain(t, "HR unpriced", block(t, v, "unpriced_people"), "Nora Nolan", "3:00 in 1 entry",
		"no billable rate in BambooHR", "enter the rate in BambooHR")
	mustContain(t, "HR outside employment", block(t, v, "outside_employment"), "Lee Leaver",
		"2:00 in 1 entry logged after the termination date (24 Nov 2026)", "entries 13", "not approved")

	// The developer's own week names the unpriced entry too.
	_, dev := f.home(t, "UNORA")
	mustContain(t, "Nora's home", dev, "unpriced: no billable rate in BambooHR", "billable :warning: *3:00 unpriced*")
}

// Approving a week with time outside employment does not cover it; the
// explicit button does, and the HR home then says so.
func TestApproveIncludingOutsideEmployment(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t)
	value := blocks.PersonWeekValue(f.ids["lee"], f.week23(t))
	f.click(t, "UMGR", blocks.ActionApproveWeek, value)
	dms := f.slack.DMs("UMGR")
	if len(dms) != 1 || !strings.Contains(dms[0].Text, "without the time outside employment") {
		t.Fatalf("manager DMs %+v", dms)
	}
	v, _ := f.home(t, "UMGR")
	lee := memberRow(t, v, f.ids["lee"])
	mustContain(t, "Lee approved without", lee, "approved, except 2:00 outside employment", blocks.ActionApproveWeekOutside)

	f.click(t, "UMGR", blocks.ActionApproveWeekOutside, value)
	rec, ok, err := storage.ApprovedRecord(f.ctx, f.db, f.ids["lee"], f.week23(t))
	if err != nil || !ok || !rec.IncludesOutsideEmployment {
		t.Fatalf("approved record %+v ok %v err %v", rec, ok, err)
	}
	v, _ = f.home(t, "UMGR")
	lee = memberRow(t, v, f.ids["lee"])
	if strings.Contains(lee, blocks.ActionApproveWeekOutside) || strings.Contains(lee, "except") {
		t.Errorf("Lee's row after the explicit approval: %s", lee)
	}
	v, _ = f.home(t, "UHR")
	mustContain(t, "HR outside employment", block(t, v, "outside_employment"), "1 of 1 approved explicitly")
}

// A backdated raise on an approved week: the manager's row says "changed
// after approval" with the difference until the week is approved again.
func TestManagerHomeShowsDriftAfterApproval(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t)
	week := f.week23(t)
	if _, err := review.New(f.db, review.Options{}).ConfirmAll(f.ctx, "UBOB", week); err != nil {
		t.Fatal(err)
	}
	f.click(t, "UMGR", blocks.ActionApproveWeek, blocks.PersonWeekValue(f.ids["bob"], week))
	bobRow := func() string {
		v, _ := f.home(t, "UMGR")
		return memberRow(t, v, f.ids["bob"])
	}
	mustContain(t, "Bob approved", bobRow(), ":white_check_mark: approved")
	// 100.00 → 120.00 USD/h from the Monday before: 1:30 costs 30.00 more.
	storagetest.AddRate(t, f.db, f.ids["bob"], "2026-11-23", 12000, "USD")
	mustContain(t, "Bob drifted", bobRow(), "changed after approval: ±0:00 h · +30.00 USD since approved")
	// The notifier marks it; approving again records the new figures.
	if _, err := f.db.MarkApprovalDrift(f.ctx); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "Bob marked", bobRow(), "changed after approval: ±0:00 h · +30.00 USD", blocks.ActionApproveWeek)
	f.click(t, "UMGR", blocks.ActionApproveWeek, blocks.PersonWeekValue(f.ids["bob"], week))
	if row := bobRow(); strings.Contains(row, "changed after approval") || !strings.Contains(row, "approved") {
		t.Errorf("after approving again: %s", row)
	}
}
