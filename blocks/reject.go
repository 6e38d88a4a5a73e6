package blocks

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"
	"github.com/tallyhq/tally/model"
)

// MaxRejectReason is the longest reason the reject modal accepts.
const MaxRejectReason = 1000

// RejectModal is the modal a manager fills in to reject a week: callback_id
// CallbackRejectWeek, private_metadata PersonWeekValue(employeeID, week), one
// required multiline input (block RejectReasonBlockID, action
// RejectReasonActionID). Open it with views.open and the click's trigger_id.
func RejectModal(employeeName string, employeeID int64, week model.Week) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(
		plain("What needs fixing? They will see this.", MaxPlaceholder), RejectReasonActionID)
	input.Multiline = true
	input.MinLength = 1
	input.MaxLength = MaxRejectReason
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plain("Reject week", MaxModalTitle),
		Submit:          plain("Reject", MaxModalTitle),
		Close:           plain("Cancel", MaxModalTitle),
		CallbackID:      CallbackRejectWeek,
		PrivateMetadata: PersonWeekValue(employeeID, week),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section("reject_intro", fmt.Sprintf("Send *%s*'s week %s back with a reason. They get a DM with your reason and their week to fix.",
				esc(employeeName, 200), week.Label())),
			slack.NewInputBlock(RejectReasonBlockID, plain("Reason", 2000), nil, input),
		}},
	}
}

// RejectedDM is the message a developer gets when their week is rejected:
// who rejected it, the reason quoted (escaped, so it cannot mention or
// format), and their week with its buttons, within MaxMessageBlocks.
func RejectedDM(managerName, reason string, week WeekInput) []slack.Block {
	out := []slack.Block{
		section("rejected", fmt.Sprintf(":leftwards_arrow_with_hook: *%s* sent your week %s back:\n%s\nPlease fix the entries in Toggl, then confirm them again.",
			esc(managerName, 200), week.Week.Label(), quote(reason, 2000))),
	}
	return append(out, WeekView(week, MaxMessageBlocks-len(out))...)
}

// quote renders user text as a mrkdwn block quote, escaped line by line.
func quote(s string, max int) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ">_(no reason given)_"
	}
	ls := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range ls {
		// The leading ">" is the only raw one: Escape turns any in the text
		// into "&gt;", so the quote markup is ours alone.
		ls[i] = "> " + Escape(l)
	}
	return Truncate(strings.Join(ls, "\n"), max)
}
