package blocks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tallyhq/tally/model"
)

// noProjectText names the bucket of time without a project, as the export
// and every grouping name it (storage.NoProject).
const noProjectText = "*No project*"

// hrMaxPeople caps the HR home's lists of people.
const hrMaxPeople = 30

// orgMoneyText is the organisation's money: priced amounts, unpriced time
// and the No project bucket's share.
func orgMoneyText(o OrgTotals) string {
	ls := []string{"*Billable*", o.Week.Money()}
	if o.NoProjectSeconds > 0 {
		np := noProjectText + ": " + Duration(o.NoProjectSeconds)
		if len(o.NoProjectBillable) > 0 {
			np += " · billable " + amounts(o.NoProjectBillable)
		}
		ls = append(ls, np)
	}
	if o.Week.OutsideSeconds > 0 {
		ls = append(ls, outsideText(o.Week.OutsideSeconds, o.Week.OutsideIssue))
	}
	return strings.Join(ls, "\n")
}

// unpricedFix says what fixes each reason (docs/money.md).
func unpricedFix(r model.UnpricedReason) string {
	switch r {
	case model.UnpricedNoRate:
		return "enter the rate in BambooHR"
	case model.UnpricedBeforeFirstRate:
		return "backdate the rate, or check the entries"
	case model.UnpricedUnknownPerson:
		return "match the Toggl user's email in BambooHR"
	}
	return "check the rate in BambooHR"
}

// unpricedPeopleText lists who has unpriced billable time and why.
func unpricedPeopleText(ps []UnpricedPerson) string {
	if len(ps) == 0 {
		return "*Unpriced billable time*\nNone: every billable hour has a rate."
	}
	var secs int64
	for _, p := range ps {
		secs += p.Seconds
	}
	ls := []string{fmt.Sprintf("*Unpriced billable time* (%s · %s, not in the amounts above)",
		plural(len(ps), "person", "people"), Duration(secs))}
	for i, p := range ps {
		if i == hrMaxPeople {
			break
		}
		ls = append(ls, fmt.Sprintf("• *%s* — %s in %s · %s → %s", esc(p.Name, 100), Duration(p.Seconds),
			plural(p.Entries, "entry", "entries"), p.Reason.Text(), unpricedFix(p.Reason)))
	}
	shown := len(ls) - 1
	if rest := len(ps) - shown; rest > 0 {
		ls = append(ls, fmt.Sprintf("_…and %d more_", rest))
	}
	return lines(ls, MaxSectionText, func(n int) string { return fmt.Sprintf("_…and %d more_", n+len(ps)-shown) })
}

// outsidePeopleText lists the time logged outside people's employment:
// who, which entries, why, and whether a manager approved it explicitly.
func outsidePeopleText(ps []OutsidePerson) string {
	if len(ps) == 0 {
		return "*Time outside employment*\nNone: nobody logged time before their hire date or after their termination date."
	}
	ls := []string{fmt.Sprintf("*Time outside employment* (%s) — kept out of approved exports unless a manager approves it explicitly",
		plural(len(ps), "person", "people"))}
	for i, p := range ps {
		if i == hrMaxPeople {
			break
		}
		why := p.Issue.Text()
		if p.Date != nil {
			why += " (" + p.Date.Format("2 Jan 2006") + ")"
		}
		ids := make([]string, 0, 5)
		for j, id := range p.EntryIDs {
			if j == 5 {
				ids = append(ids, "…")
				break
			}
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		approved := "not approved"
		if p.Approved > 0 {
			approved = fmt.Sprintf("%d of %d approved explicitly", p.Approved, p.Entries)
		}
		ls = append(ls, fmt.Sprintf("• *%s* — %s in %s %s · entries %s · %s", esc(p.Name, 100), Duration(p.Seconds),
			plural(p.Entries, "entry", "entries"), why, strings.Join(ids, ", "), approved))
	}
	shown := len(ls) - 1
	if rest := len(ps) - shown; rest > 0 {
		ls = append(ls, fmt.Sprintf("_…and %d more_", rest))
	}
	return lines(ls, MaxSectionText, func(n int) string { return fmt.Sprintf("_…and %d more_", n+len(ps)-shown) })
}
