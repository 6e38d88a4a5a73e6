package home

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/timesheet"
)

// The sentences a value tally could not have sent gets.
const (
	errBrokenButton = "That button is broken; open the Home tab again for a fresh one."
	errBrokenModal  = "That form is broken; press Reject… again for a fresh one."
)

// refuse answers a value tally could not have drawn (a forged or garbled
// payload): the person reads sentence, nothing changes, and the returned
// error (model.EInvalid, so it is not counted as a failure) carries cause,
// whose quoted value blocks already capped.
func (a *Actions) refuse(user, sentence string, cause error) (func(context.Context), bool, error) {
	err := &model.Error{Code: model.EInvalid, Message: sentence, Err: cause}
	return a.tell(user, err), true, err
}

// reasonProblem says what is wrong with a rejection reason, "" when
// nothing: it is required and at most blocks.MaxRejectReason characters,
// the max_length of the modal's input (a longer one did not come from it).
func reasonProblem(reason string) string {
	if reason == "" {
		return "Say what needs fixing: the developer sees this."
	}
	if n := utf8.RuneCountInString(reason); n > blocks.MaxRejectReason {
		return fmt.Sprintf("The reason is %d characters long; keep it under %d.", n, blocks.MaxRejectReason)
	}
	return ""
}

// checkDecision vets a week a manager wants to approve or reject before
// the decider sees it: the week must be one tally could have shown
// (timesheet.ActWindow) and have time in it — the team table offers
// Approve and Reject only then, and approving nothing would put an empty
// week in the billing. It returns the reply to send and the refusal when
// the decision must not go ahead, nil and nil when it may. An actor who
// may not decide the person's weeks at all is let through: the decider
// refuses and audits that, and an empty week is not revealed to them.
func (a *Actions) checkDecision(ctx context.Context, user string, employeeID int64, week model.Week) (func(context.Context), error) {
	if err := timesheet.ActWindow(a.pub.opts.Now()).Check(week); err != nil {
		return a.tell(user, err), err
	}
	ok, err := a.decider.CanDecide(ctx, user, employeeID)
	if err != nil {
		return a.tell(user, err), err
	}
	if !ok {
		return nil, nil
	}
	emp, err := a.pub.opts.Data.EmployeeByID(ctx, employeeID)
	if errors.Is(err, storage.ErrNoEmployee) {
		return nil, nil
	}
	if err != nil {
		return a.tell(user, err), err
	}
	entries, err := a.pub.opts.Weeks.WeekEntries(ctx, emp, week)
	if err != nil {
		return a.tell(user, err), err
	}
	if blocks.Summarize(entries).Entries == 0 {
		err := model.Errorf(model.EConflict, "%s logged nothing in the week of %s, so there is nothing to approve or send back. Nudge them instead.",
			emp.Name(), week.Label())
		return a.tell(user, err), err
	}
	return nil, nil
}
