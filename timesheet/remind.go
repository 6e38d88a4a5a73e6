package timesheet

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
)

// Why a message is not sent; the reminder engine records the reason.
const (
	ReasonWeekDone    = "week confirmed and allocated"
	ReasonReportsDone = "every report's week is confirmed"
)

// NeedsReminder reports whether a week still needs its person: nothing
// logged at all, or time that is unconfirmed or has no project. When it
// does not, reason says why.
func NeedsReminder(s blocks.Summary) (needs bool, reason string) {
	if s.Entries > 0 && s.Unconfirmed == 0 && s.Unallocated == 0 {
		return false, ReasonWeekDone
	}
	return true, ""
}

// weekToRemind loads a person's week and says whether it still needs them.
func (r *Reader) weekToRemind(ctx context.Context, employeeID int64, week model.Week) (blocks.WeekInput, bool, string, error) {
	emp, err := r.employee(ctx, employeeID)
	if err != nil {
		return blocks.WeekInput{}, false, "", err
	}
	in, err := r.WeekInput(ctx, emp, week)
	if err != nil {
		return blocks.WeekInput{}, false, "", err
	}
	needs, reason := NeedsReminder(blocks.Summarize(in.Entries))
	return in, needs, reason, nil
}

// RenderWeek builds the Friday DM of a person (remind.RenderFunc): the same
// week view as /timesheet. A week with nothing open is not to be sent, but
// its view is still returned: a sent DM is redrawn with it once the person
// has confirmed everything.
func (r *Reader) RenderWeek(ctx context.Context, employeeID int64, week model.Week) ([]slack.Block, string, bool, string, error) {
	in, needs, reason, err := r.weekToRemind(ctx, employeeID, week)
	if err != nil {
		return nil, "", false, "", err
	}
	return blocks.WeekView(in, blocks.MaxMessageBlocks), blocks.NotificationText(reminderText(week, len(in.Entries), needs)), needs, reason, nil
}

// reminderText is the notification text of a Friday DM.
func reminderText(week model.Week, entries int, needs bool) string {
	switch {
	case !needs:
		return fmt.Sprintf("Your week %s is confirmed", week.Label())
	case entries == 0:
		return fmt.Sprintf("Nothing logged for %s", week.Label())
	}
	return fmt.Sprintf("Please confirm your hours for %s", week.Label())
}

// DigestItem returns the digest line of one report's week, and false when
// the report belongs in no digest: inactive, or their week has time and
// all of it is confirmed, allocated and priced. A report who logged
// nothing is listed (the manager should know), and so is billable time
// without a rate (unpriced: the manager asks HR for the rate).
func DigestItem(report model.Employee, entries []model.Entry) (blocks.DigestItem, bool) {
	if !report.Active {
		return blocks.DigestItem{}, false
	}
	s := blocks.Summarize(entries)
	if s.Entries > 0 && s.UnconfirmedSeconds == 0 && s.UnallocatedSeconds == 0 && s.UnpricedSeconds == 0 {
		return blocks.DigestItem{}, false
	}
	return blocks.DigestItem{EmployeeID: report.ID, Name: report.Name(), Seconds: s.Seconds,
		UnconfirmedSeconds: s.UnconfirmedSeconds, UnallocatedSeconds: s.UnallocatedSeconds,
		ChangedSeconds: s.ChangedSeconds, UnpricedSeconds: s.UnpricedSeconds, UnpricedReason: s.UnpricedReason,
		OutsideSeconds: s.OutsideSeconds, OutsideIssue: s.OutsideIssue}, true
}

// Digest loads what a manager's Monday digest of a week shows: the open
// items of their direct reports, and the week of all of them (Team) —
// people who left during the week count with the time they logged, as in
// every other total, though they are never listed for a nudge.
func (r *Reader) Digest(ctx context.Context, managerID int64, week model.Week) (blocks.DigestInput, error) {
	mgr, err := r.employee(ctx, managerID)
	if err != nil {
		return blocks.DigestInput{}, err
	}
	reports, err := r.store.Subtree(ctx, managerID, true)
	if err != nil {
		return blocks.DigestInput{}, fmt.Errorf("reports of %d: %w", managerID, err)
	}
	in := blocks.DigestInput{Manager: mgr.Name(), Week: week, Team: blocks.Summary{Billable: model.Amounts{}}}
	for _, rep := range reports {
		entries, err := r.WeekEntries(ctx, rep, week)
		if err != nil {
			return blocks.DigestInput{}, err
		}
		in.Team.Add(blocks.Summarize(entries))
		if item, ok := DigestItem(rep, entries); ok {
			in.Items = append(in.Items, item)
		}
	}
	return in, nil
}

// RenderDigest builds a manager's Monday digest (remind.RenderFunc): the
// open items of their direct reports in the week and the team's hours and
// money; nothing open means no digest.
func (r *Reader) RenderDigest(ctx context.Context, managerID int64, week model.Week) ([]slack.Block, string, bool, string, error) {
	in, err := r.Digest(ctx, managerID, week)
	if err != nil {
		return nil, "", false, "", err
	}
	if len(in.Items) == 0 {
		return nil, "", false, ReasonReportsDone, nil
	}
	text := fmt.Sprintf("%d of your reports have open time for %s", len(in.Items), week.Label())
	return blocks.Digest(in), blocks.NotificationText(text), true, "", nil
}

// RenderNudge builds the week a Nudge sends again on behalf of
// actorSlackID, saying who asked (remind.Options.RenderNudge). Like the
// Friday DM, a week with nothing open is not sent.
func (r *Reader) RenderNudge(ctx context.Context, employeeID int64, week model.Week, actorSlackID string) ([]slack.Block, string, bool, string, error) {
	in, needs, reason, err := r.weekToRemind(ctx, employeeID, week)
	if err != nil || !needs {
		return nil, "", needs, reason, err
	}
	who := r.Asker(ctx, actorSlackID)
	return blocks.NudgeDM(who, in), blocks.NotificationText(fmt.Sprintf("%s asks you to confirm your week %s", who, week.Label())), true, "", nil
}

// Asker names who pressed a button, as the person it concerns reads it:
// their name when they are in the roster, "HR" for an HR admin who is not,
// "Your manager" otherwise.
func (r *Reader) Asker(ctx context.Context, actorSlackID string) string {
	if m, err := r.store.EmployeeBySlackID(ctx, actorSlackID); err == nil {
		return m.Name()
	}
	if r.isHRAdmin(actorSlackID) {
		return "HR"
	}
	return "Your manager"
}
