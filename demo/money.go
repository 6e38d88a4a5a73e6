package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/export"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

// stageDrift sends a backdated raise for a person whose week the manager
// has just approved: the approved record does not move, the week becomes
// "changed after approval" and the manager is told the difference.
func (d *demo) stageDrift(ctx context.Context) error {
	if len(d.facts.approvedIDs) == 0 {
		return fmt.Errorf("no approved week to re-price")
	}
	id := d.facts.approvedIDs[0]
	emp, err := d.app.DB().EmployeeByID(ctx, id)
	if err != nil {
		return err
	}
	var who sandbox.BambooPerson
	for _, p := range d.people {
		if p.BambooID == emp.BambooID {
			who = p
		}
	}
	if who.BambooID == "" {
		return fmt.Errorf("approved employee %d is not a generated person", id)
	}
	// The raise is on the rate in force at the end of the week (BambooHR's
	// history, which may hold raises since the person was hired).
	rate, currency := who.Rate, who.Currency
	for _, r := range d.bamboo.Rates(who.BambooID) {
		if !r.EffectiveDate.After(d.week.End()) {
			rate, currency = r.Amount, r.Currency
		}
	}
	raised := bumpRate(rate, 1.10)
	if err := d.bamboo.SetRate(who.BambooID, d.week.Start, raised, currency); err != nil {
		return err
	}
	field := d.bamboo.RateField()
	if who.Contractor && d.bamboo.ContractorRateField() != "" {
		field = d.bamboo.ContractorRateField()
	}
	change := d.bamboo.FieldChangeFor(who.BambooID, "Updated", field)
	change.Fields["Effective Date"] = d.week.Start.Format(time.DateOnly)
	sender := sandbox.NewBambooWebhookSender(d.app.WebhookURL(), []byte("sandbox-demo-secret"))
	sender.Now = d.clock.Now
	status, err := sender.Send(ctx, sandbox.BambooFieldPayload(d.clock.Now(), change))
	if err != nil {
		return err
	}
	if status != 200 {
		return fmt.Errorf("webhook answered %d", status)
	}
	if err := d.waitInboxDrained(ctx); err != nil {
		return err
	}
	// The approvals.notify job: marks re-priced approved weeks and tells
	// the person and the approver once.
	if err := d.app.NotifyChangedAfterApproval(ctx); err != nil {
		return err
	}
	diff, ok, err := d.app.DB().WeekApprovalDiff(ctx, id, d.week)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("approved week of %s has no approved record", emp.DisplayName)
	}
	drift := diff.Drift()
	d.printf("BambooHR records a raise for %s %s (%s → %s %s) effective %s, after the manager approved that week:\n",
		who.FirstName, who.LastName, rate, raised, currency, d.week.Start.Format("Mon 2 Jan"))
	d.printf("  approved record (unchanged)  %s h · %s\n", export.Hours(diff.Approved.Seconds), diff.Approved.Amounts)
	d.printf("  the week now                 %s h · %s\n", export.Hours(diff.Seconds), diff.Amounts)
	d.printf("  difference                   %+.2f h · %s — %d entries re-priced: the week is \"changed after approval\"\n",
		drift.Hours(), signed(drift.Amounts), diff.Changed)
	d.facts.drift = fmt.Sprintf("%s %s: approved %s, now %s (%s)", who.FirstName, who.LastName, diff.Approved.Amounts, diff.Amounts, signed(drift.Amounts))
	for _, v := range drift.Amounts {
		if v <= 0 {
			return fmt.Errorf("a backdated raise did not raise the approved week of %s: %s", emp.DisplayName, signed(drift.Amounts))
		}
	}
	if len(drift.Amounts) == 0 {
		return fmt.Errorf("a backdated raise did not change the approved week of %s", emp.DisplayName)
	}
	if dm, ok := d.lastDMContaining(emp.SlackUserID, "changed after"); ok {
		d.printf("%s %s is told (DM):\n", who.FirstName, who.LastName)
		d.indent(firstLines(blocks.RenderText(dm), 6))
	}
	if dm, ok := d.lastDMContaining(d.facts.approver, "changed after"); ok {
		d.printf("and so is the manager who approved it (DM):\n")
		d.indent(firstLines(blocks.RenderText(dm), 6))
	}
	return nil
}

// signed prints amounts per currency with their sign, e.g. "+145.20 USD".
func signed(a model.Amounts) string {
	curs := make([]string, 0, len(a))
	for c := range a {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	var parts []string
	for _, c := range curs {
		s := model.Amounts{c: a[c]}.String()
		if a[c] >= 0 {
			s = "+" + s
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "no amount"
	}
	return strings.Join(parts, ", ")
}

// lastDMContaining returns the newest DM to a Slack user whose blocks
// contain text (case-insensitive).
func (d *demo) lastDMContaining(slackID, text string) ([]slack.Block, bool) {
	if slackID == "" {
		return nil, false
	}
	dms := d.slack.DMs(slackID)
	for i := len(dms) - 1; i >= 0; i-- {
		if !strings.Contains(strings.ToLower(string(dms[i].Blocks)), text) {
			continue
		}
		var bs slack.Blocks
		if json.Unmarshal(dms[i].Blocks, &bs) == nil {
			return bs.BlockSet, true
		}
	}
	return nil, false
}

// checkMoney compares the export's totals with storage.OrgTotals for the
// week, per currency, to the cent, and reads the unpriced billable time by
// person: the figures the report prints. A difference fails the demo.
func (d *demo) checkMoney(ctx context.Context, sum export.Summary) error {
	db := d.app.DB()
	tot, err := db.OrgTotals(ctx, storage.ExportFilter{From: d.week.Start, To: d.week.End()})
	if err != nil {
		return err
	}
	d.facts.totals = tot
	d.facts.exportAll, d.facts.exportConfirmed = sum.All, sum.Confirmed
	if d.facts.unpriced, err = db.UnpricedPeople(ctx, d.week.Start, d.week.End()); err != nil {
		return err
	}
	if d.facts.outside, err = db.EmploymentProblems(ctx, d.week.Start, d.week.End()); err != nil {
		return err
	}
	var diffs []string
	if !sameAmounts(tot.Amounts, sum.All) {
		diffs = append(diffs, fmt.Sprintf("billable: report %s, export %s", tot.Amounts, sum.All))
	}
	if !sameAmounts(tot.ConfirmedAmounts, sum.Confirmed) {
		diffs = append(diffs, fmt.Sprintf("confirmed: report %s, export %s", tot.ConfirmedAmounts, sum.Confirmed))
	}
	if tot.Seconds != sum.Seconds || tot.UnpricedSeconds != sum.UnpricedSeconds {
		diffs = append(diffs, fmt.Sprintf("seconds: report %d (unpriced %d), export %d (unpriced %d)",
			tot.Seconds, tot.UnpricedSeconds, sum.Seconds, sum.UnpricedSeconds))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("the report and the export disagree: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// sameAmounts reports whether two per-currency totals are equal to the
// minor unit (a currency missing counts as zero).
func sameAmounts(a, b model.Amounts) bool {
	for c, v := range a {
		if b[c] != v {
			return false
		}
	}
	for c, v := range b {
		if a[c] != v {
			return false
		}
	}
	return true
}

// reportMoney prints the money part of the report: org totals, unpriced
// billable time (named), time outside employment (seeded on purpose: the
// termination of the roster stage) and the report = export check.
func (d *demo) reportMoney() {
	t := d.facts.totals
	d.printf("  money (storage.OrgTotals, week %s):\n", d.week.Label())
	d.printf("    hours                %s logged by %d people · %s billable · %s confirmed\n",
		export.Hours(t.Seconds), t.People, export.Hours(t.BillableSeconds), export.Hours(t.ConfirmedSeconds))
	d.printf("    billable             %s (confirmed %s)\n", t.Amounts, t.ConfirmedAmounts)
	d.printf("    No project           %s h (%s h billable · %s)\n", export.Hours(t.NoProjectSeconds), export.Hours(t.NoProjectBillableSeconds), orNone(t.NoProjectAmounts))
	if len(d.facts.unpriced) == 0 {
		d.printf("    unpriced billable    0.00 h (everyone has a rate in force)\n")
	} else {
		d.printf("    unpriced billable    %s h in %d entries (no amount, not zero):\n", export.Hours(t.UnpricedSeconds), t.UnpricedEntries)
		for _, u := range d.facts.unpriced {
			d.printf("      %-26s %s h  %s\n", u.Name, export.Hours(u.Seconds), u.Reason)
		}
	}
	for _, o := range d.facts.outside {
		d.printf("    outside employment   %s: %s h %s (seeded on purpose: the termination webhook), not in approved exports\n",
			o.Name, export.Hours(o.Seconds), o.Issue)
	}
	d.printf("    report = export      billable %s = %s · confirmed %s = %s · equal to the cent\n",
		t.Amounts, d.facts.exportAll, t.ConfirmedAmounts, d.facts.exportConfirmed)
	if d.facts.drift != "" {
		d.printf("    changed after approval  %s\n", d.facts.drift)
	}
}

// orNone prints amounts, or "no amount" when there are none.
func orNone(a model.Amounts) string {
	if len(a) == 0 {
		return "no amount"
	}
	return a.String()
}
