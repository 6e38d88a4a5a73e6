package blocks

import (
	"fmt"
	"strconv"
	"time"

	"github.com/slack-go/slack"
	"github.com/tallyhq/tally/model"
)

// OrgTotals sums the organisation's week. Its hours and money are the one
// organisation total (storage.DB.OrgTotals): everyone with time counts,
// people who left during the week and Toggl users not in the roster too.
type OrgTotals struct {
	People          int // active employees
	PeopleLogged    int // everyone with time this week, leavers included
	FullyConfirmed  int // people whose week is fully confirmed
	Approved        int // people whose week is approved
	Week            Summary
	UnmatchedPeople int // active people without a Slack or Toggl user
	// NoProjectSeconds is the time without a project, a bucket of its own
	// ("No project"); NoProjectBillable its priced amount per currency.
	NoProjectSeconds  int64
	NoProjectBillable model.Amounts
}

// UnpricedPerson is someone with billable time that has no rate in force,
// for HR: who, why, how much.
type UnpricedPerson struct {
	Name    string // a Toggl user's name or email when not in the roster
	Reason  model.UnpricedReason
	Entries int
	Seconds int64
}

// OutsidePerson is someone with time logged outside their employment, for
// HR: who, which entries, why.
type OutsidePerson struct {
	Name  string
	Issue model.EmploymentIssue
	// Date is the termination date (after_termination) or the hire date
	// (before_hire); nil when unknown.
	Date     *time.Time
	Entries  int
	Seconds  int64
	EntryIDs []int64 // Toggl time entry ids
	// Approved counts the entries a manager approved explicitly.
	Approved int
}

// SyncRun is one row of sync_runs.
type SyncRun struct {
	ID         int64
	Mode       string // incremental, full, range
	Status     string // running, ok, failed, quota_exhausted, cancelled
	Requests   int
	QuotaUsed  int
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Error      string
}

// RosterProblem is one open roster problem.
type RosterProblem struct {
	Kind   string // e.g. no_slack_user, no_toggl_user, no_rate, inactive_with_entries
	Person string // name, email or other subject
	Detail string
}

// Parked is a parked webhook delivery or Toggl write-back.
type Parked struct {
	ID       int64
	What     string // e.g. "bamboohr webhook", "tag_add entry 123"
	Attempts int
	Error    string
	At       time.Time // received or created
}

// HRHomeInput is what an HR admin's App Home shows.
type HRHomeInput struct {
	Current  model.Week
	Week     model.Week
	Org      OrgTotals
	SyncRuns []SyncRun // newest first
	Problems []RosterProblem
	// ProblemsTotal is the number of open problems when Problems holds only
	// the first ones; 0 means len(Problems).
	ProblemsTotal int
	// Unpriced lists who has unpriced billable time in the week, and why;
	// Outside who logged time outside their employment.
	Unpriced     []UnpricedPerson
	Outside      []OutsidePerson
	ParkedInbox  []Parked
	ParkedOutbox []Parked
	// Location renders times; nil means UTC.
	Location *time.Location
}

// Caps of the HR home's lists.
const (
	hrMaxSyncRuns = 10
	hrMaxProblems = 40
	hrMaxParked   = 15 // per queue, each with a Retry button
)

// HRHome builds the HR/admin home tab: organisation totals, the last sync
// runs, roster problems and parked deliveries with Retry buttons, within
// MaxHomeBlocks.
func HRHome(in HRHomeInput) slack.HomeTabViewRequest {
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	o := in.Org
	out := []slack.Block{
		header("home_header", "Organisation · "+in.Week.Label()),
		weekNav(in.Week, in.Current, []slack.BlockElement{exportButton(in.Week)}),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			mrkdwn(fmt.Sprintf("*People*\n%d active · %d logged time · %d without Slack or Toggl", o.People, o.PeopleLogged, o.UnmatchedPeople), MaxFieldText),
			mrkdwn(fmt.Sprintf("*Weeks*\n%d fully confirmed · %d approved", o.FullyConfirmed, o.Approved), MaxFieldText),
			mrkdwn(fmt.Sprintf("*Hours*\n%s logged · %s confirmed (%s) · %s in %s",
				Duration(o.Week.Seconds), Duration(o.Week.ConfirmedSeconds), percent(o.Week.ConfirmedSeconds, o.Week.Seconds),
				Duration(o.NoProjectSeconds), noProjectText), MaxFieldText),
			mrkdwn(orgMoneyText(o), MaxFieldText),
		}, nil, slack.SectionBlockOptionBlockID("org_totals")),
		slack.NewDividerBlock(),
		section("sync_runs", syncRunsText(in.SyncRuns, loc)),
		section("roster_problems", problemsText(in.Problems, in.ProblemsTotal)),
		section("unpriced_people", unpricedPeopleText(in.Unpriced)),
		section("outside_employment", outsidePeopleText(in.Outside)),
		slack.NewDividerBlock(),
	}
	out = append(out, parkedBlocks("inbox", "Parked webhook deliveries", ActionRetryInbox, in.ParkedInbox, loc)...)
	out = append(out, parkedBlocks("outbox", "Parked Toggl write-backs", ActionRetryOutbox, in.ParkedOutbox, loc)...)
	return home(out)
}

func syncRunsText(runs []SyncRun, loc *time.Location) string {
	if len(runs) == 0 {
		return "*Last sync runs*\nNo sync has run yet."
	}
	ls := []string{"*Last sync runs*"}
	for i, r := range runs {
		if i == hrMaxSyncRuns {
			break
		}
		l := fmt.Sprintf("%s %s %s · %s · %d requests · quota used %d · started %s",
			runIcon(r.Status), code(r.Status, 30), esc(r.Mode, 30), runDuration(r), r.Requests, r.QuotaUsed,
			r.StartedAt.In(loc).Format("Mon 2 Jan 15:04 MST"))
		if r.Error != "" {
			l += "\n      " + code(r.Error, 300)
		}
		ls = append(ls, l)
	}
	return lines(ls, MaxSectionText, func(n int) string { return fmt.Sprintf("_…and %d more_", n) })
}

func runIcon(status string) string {
	switch status {
	case "ok":
		return ":white_check_mark:"
	case "running":
		return ":hourglass_flowing_sand:"
	default:
		return ":x:"
	}
}

func runDuration(r SyncRun) string {
	if r.FinishedAt.IsZero() {
		return "running"
	}
	return r.FinishedAt.Sub(r.StartedAt).Round(time.Second).String()
}

func problemsText(ps []RosterProblem, total int) string {
	if total < len(ps) {
		total = len(ps)
	}
	if total == 0 {
		return "*Roster problems*\nNone. Everyone has a Slack user, a Toggl user and a rate."
	}
	ls := []string{fmt.Sprintf("*Roster problems* (%d)", total)}
	for i, p := range ps {
		if i == hrMaxProblems {
			break
		}
		ls = append(ls, fmt.Sprintf("• %s *%s* — %s", code(p.Kind, 40), esc(p.Person, 100), code(p.Detail, 300)))
	}
	shown := len(ls) - 1
	if rest := total - shown; rest > 0 {
		ls = append(ls, fmt.Sprintf("_…and %d more_", rest))
	}
	return lines(ls, MaxSectionText, func(n int) string { return fmt.Sprintf("_…and %d more_", n+total-shown) })
}

// parkedBlocks lists a queue's parked items, each with a Retry button,
// capped with "and N more".
func parkedBlocks(kind, title, actionID string, items []Parked, loc *time.Location) []slack.Block {
	if len(items) == 0 {
		return []slack.Block{section(kind+"_title", "*"+title+"*\nNothing parked.")}
	}
	out := []slack.Block{section(kind+"_title", fmt.Sprintf("*%s* (%d)", title, len(items)))}
	for i, it := range items {
		if i == hrMaxParked {
			out = append(out, contextText(kind+"_more", fmt.Sprintf("and %d more", len(items)-hrMaxParked)))
			break
		}
		idStr := strconv.FormatInt(it.ID, 10)
		s := section(kind+"_"+idStr, fmt.Sprintf("*#%s* %s · %s · %s\n%s",
			idStr, esc(it.What, 200), plural(it.Attempts, "attempt", "attempts"),
			it.At.In(loc).Format("Mon 2 Jan 15:04 MST"), code(it.Error, 1000)))
		s.Accessory = slack.NewAccessory(button(actionID, idStr, "Retry"))
		out = append(out, s)
	}
	return out
}
