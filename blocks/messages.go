package blocks

import (
	"fmt"
	"strconv"

	"github.com/slack-go/slack"
	"github.com/tallyhq/tally/model"
)

// NotConfirmed is an entry that Confirm all could not confirm, and why.
type NotConfirmed struct {
	Entry  model.Entry
	Reason string // a sentence for the user, e.g. "it changed in Toggl a moment ago"
}

// ConfirmAllResult is what /confirm-all or the Confirm all button did.
type ConfirmAllResult struct {
	Confirmed        int
	ConfirmedSeconds int64
	NotConfirmed     []NotConfirmed
}

// ConfirmAllMessage reports a Confirm all — how many entries and hours were
// confirmed and which could not be, and why — followed by the fresh week,
// within MaxMessageBlocks.
func ConfirmAllMessage(r ConfirmAllResult, week WeekInput) []slack.Block {
	text := fmt.Sprintf(":white_check_mark: Confirmed %s (%s) of %s.",
		plural(r.Confirmed, "entry", "entries"), Duration(r.ConfirmedSeconds), week.Week.Label())
	if r.Confirmed == 0 {
		text = "Nothing was left to confirm in " + week.Week.Label() + "."
	}
	out := []slack.Block{section("confirm_all_result", text)}
	if len(r.NotConfirmed) > 0 {
		ls := []string{fmt.Sprintf(":warning: %s could not be confirmed:", plural(len(r.NotConfirmed), "entry", "entries"))}
		for _, nc := range r.NotConfirmed {
			e := nc.Entry
			ls = append(ls, fmt.Sprintf("• %s `%s` %s — %s: %s", localDate(e).Format("Mon 2 Jan"), e.Start.Format("15:04"),
				Duration(e.Seconds), descriptionText(e.Description, 100), esc(nc.Reason, 300)))
		}
		out = append(out, section("confirm_all_failed", lines(ls, MaxSectionText, func(n int) string {
			return fmt.Sprintf("_…and %d more_", n)
		})))
	}
	out = append(out, slack.NewDividerBlock())
	return append(out, WeekView(week, MaxMessageBlocks-len(out))...)
}

// StaleKind says why a Confirm button no longer matched its entry.
type StaleKind int

// The ways a button goes stale.
const (
	StaleEdited  StaleKind = iota // the entry changed in Toggl after the message was sent
	StaleDeleted                  // the entry was deleted in Toggl
)

// StaleButtonMessage explains that the clicked entry changed or vanished and
// shows the fresh week instead, within MaxMessageBlocks. current is the entry
// as it is now (ignored for StaleDeleted).
func StaleButtonMessage(kind StaleKind, current model.Entry, week WeekInput) []slack.Block {
	var text string
	switch kind {
	case StaleDeleted:
		text = ":wastebasket: That entry was deleted in Toggl, so there is nothing to confirm. Here is your week as it is now."
	default:
		text = fmt.Sprintf(":arrows_counterclockwise: That entry changed in Toggl after this message was sent, so it was not confirmed. It now reads:\n*%s* %s · %s · %s — %s\nCheck it and confirm it below.",
			localDate(current).Format("Mon 2 Jan"), current.Start.Format("15:04"), Duration(current.Seconds),
			projectText(current, 200), descriptionText(current.Description, 500))
	}
	out := []slack.Block{section("stale", text), slack.NewDividerBlock()}
	return append(out, WeekView(week, MaxMessageBlocks-len(out))...)
}

// Sentence is a one-section message for short ephemeral replies. The text is
// escaped, so it may safely echo what a user typed.
func Sentence(text string) []slack.Block {
	return []slack.Block{section("sentence", Escape(text))}
}

// ErrorSentence shows err to a user: the message of a *model.Error, or a
// generic sentence for anything else so internals never leak.
func ErrorSentence(err error) []slack.Block {
	return []slack.Block{section("error", ":warning: "+Escape(model.ErrorMessage(err)))}
}

// UnknownUser tells a Slack user tally cannot match to an employee what to do.
func UnknownUser() []slack.Block {
	return []slack.Block{section("unknown_user",
		"I can't find you in the roster. tally matches your Slack account to BambooHR and Toggl by work email — ask HR to check that your Slack email is the one in BambooHR.")}
}

// TimesheetUsage is the help of /timesheet; problem, when not empty, says
// what was wrong with the arguments first.
func TimesheetUsage(problem string) []slack.Block {
	return usage(problem, "*/timesheet* — see a week and confirm it\n"+
		"• `/timesheet` or `/timesheet this week` — this week\n"+
		"• `/timesheet last week` — last week\n"+
		"• `/timesheet 2026-11-23` — the week containing that date\n"+
		"• `/timesheet help` — this help")
}

// ConfirmAllUsage is the help of /confirm-all.
func ConfirmAllUsage(problem string) []slack.Block {
	return usage(problem, "*/confirm-all* — confirm every unconfirmed entry of a week\n"+
		"• `/confirm-all` or `/confirm-all this week` — this week\n"+
		"• `/confirm-all last week` — last week")
}

func usage(problem, help string) []slack.Block {
	var out []slack.Block
	if problem != "" {
		out = append(out, section("usage_problem", ":warning: "+esc(problem, 500)))
	}
	return append(out, section("usage", help))
}

// NudgeDM is the week a manager's Nudge sends again, with who asked.
func NudgeDM(managerName string, week WeekInput) []slack.Block {
	out := []slack.Block{section("nudge", fmt.Sprintf(":wave: *%s* asks you to confirm your week %s.",
		esc(managerName, 200), week.Week.Label()))}
	return append(out, WeekView(week, MaxMessageBlocks-len(out))...)
}

// ApprovedDM tells a developer their week was approved.
func ApprovedDM(managerName string, week model.Week, seconds int64) []slack.Block {
	return []slack.Block{section("approved", fmt.Sprintf(":white_check_mark: *%s* approved your week %s (%s).",
		esc(managerName, 200), week.Label(), Duration(seconds)))}
}

// ChangedAfterApprovalDM tells a person (the developer, or their approver
// when forApprover) that an approved week changed after it was approved
// (an edit in Toggl, a deleted entry, a backdated rate) and needs approval
// again, with the difference from what was approved when diff is known.
// The approver's copy carries a Nudge button for employeeID.
func ChangedAfterApprovalDM(personName string, employeeID int64, week model.Week, diff *Drift, forApprover bool) []slack.Block {
	change := ""
	if diff != nil {
		change = "\nDifference from what was approved: *" + diff.Text() + "*."
	}
	if !forApprover {
		return []slack.Block{section("changed_after_approval", fmt.Sprintf(
			":warning: Your approved week %s changed after it was approved, so it needs confirming and approving again.%s",
			week.Label(), change))}
	}
	s := section("changed_after_approval", fmt.Sprintf(
		":warning: *%s*'s approved week %s changed after you approved it and needs your approval again once they confirm it.%s",
		esc(personName, 200), week.Label(), change))
	s.Accessory = slack.NewAccessory(button(ActionNudge, strconv.FormatInt(employeeID, 10), "Nudge"))
	return []slack.Block{s}
}
