package review

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// MaxReasonLen is the longest rejection reason accepted, in characters.
const MaxReasonLen = 2000

// Decision is the outcome of an approval or a rejection.
type Decision struct {
	Employee model.Employee // whose week it is: the person to tell
	Week     model.Week
	Status   storage.ApprovalStatus
	Reason   string
	// Changed is false when the same decision stood already (a double
	// click): nothing was written and nobody needs telling again.
	Changed bool
	// Approved is what an approval recorded: the week's figures as they
	// were approved, kept unchanged whatever happens to the entries later.
	// Nil for rejections.
	Approved *storage.ApprovedTotals
	// LeftOut counts entries outside the person's employment that this
	// approval does not cover (LeftOutSeconds their time): approved
	// exports leave them out until ApproveIncludingOutsideEmployment.
	LeftOut        int
	LeftOutSeconds int64
}

// TeamRow is one person of a manager's team table.
type TeamRow struct {
	Employee model.Employee
	Summary  storage.WeekSummary
}

// Subtree returns the people who report to the manager, directly only or
// transitively (see storage.DB.Subtree).
func (s *Service) Subtree(ctx context.Context, managerEmployeeID int64, directOnly bool) ([]model.Employee, error) {
	return s.db.Subtree(ctx, managerEmployeeID, directOnly)
}

// Team returns the manager's people with their week's summary, in two
// set-based queries however large the subtree.
func (s *Service) Team(ctx context.Context, managerEmployeeID int64, week model.Week, directOnly bool) ([]TeamRow, error) {
	people, err := s.db.Subtree(ctx, managerEmployeeID, directOnly)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	sums, err := s.db.TeamSummaries(ctx, ids, week)
	if err != nil {
		return nil, err
	}
	rows := make([]TeamRow, len(people))
	for i := range people {
		rows[i] = TeamRow{Employee: people[i], Summary: sums[i]}
	}
	return rows, nil
}

// CanDecide reports whether the Slack user may approve or reject the
// person's weeks: not their own, only people in their subtree, anyone for
// HR admins. The home tab uses it to draw buttons; Approve and Reject check
// again.
func (s *Service) CanDecide(ctx context.Context, actorSlackID string, employeeID int64) (bool, error) {
	_, why, err := s.authorise(ctx, actorSlackID, employeeID)
	return why == "", err
}

// authorise returns the target employee and "" when actor may decide their
// weeks, else a reason for the audit log.
func (s *Service) authorise(ctx context.Context, actorSlackID string, employeeID int64) (model.Employee, string, error) {
	target, err := s.db.EmployeeByID(ctx, employeeID)
	if errors.Is(err, storage.ErrNoEmployee) {
		return model.Employee{}, "unknown employee", nil
	}
	if err != nil {
		return model.Employee{}, "", err
	}
	if target.SlackUserID != "" && target.SlackUserID == actorSlackID {
		return target, "own week", nil
	}
	actor, err := s.db.EmployeeBySlackID(ctx, actorSlackID)
	linked := err == nil
	if err != nil && !errors.Is(err, storage.ErrNoEmployee) {
		return model.Employee{}, "", err
	}
	if linked && actor.ID == target.ID {
		return target, "own week", nil
	}
	if s.isHRAdmin(actorSlackID) {
		return target, "", nil
	}
	if !linked {
		return target, "not a manager of this person", nil
	}
	if !actor.Active {
		// A manager who has left keeps a Slack account for a while; their
		// rights end with their employment.
		return target, "not an active employee", nil
	}
	ok, err := s.db.Manages(ctx, actor.ID, target.ID)
	if err != nil {
		return model.Employee{}, "", err
	}
	if !ok {
		return target, "not a manager of this person", nil
	}
	return target, "", nil
}

// Approve approves a person's week for the Slack user acting as their
// manager (or as HR admin). It refuses — audited as approve.denied,
// changing nothing — the actor's own week and anyone outside their subtree;
// it refuses a week with entries not confirmed (EConflict, saying how many).
// Approving a week that stands approved changes nothing. An approval is
// audited as week.approve in the same transaction.
//
// The approval stores what was approved (storage.ApprovalSnapshot): every
// entry with its seconds, rate, currency and amount, and the week's totals.
// Entries logged outside the person's employment (after the termination
// date, before the hire date) are recorded but not covered: Decision.LeftOut
// counts them, and approved exports leave them out until a manager approves
// them with ApproveIncludingOutsideEmployment.
func (s *Service) Approve(ctx context.Context, actorSlackID string, employeeID int64, week model.Week) (Decision, error) {
	return s.decide(ctx, actorSlackID, employeeID, week, storage.ApprovalApproved, "", false)
}

// ApproveIncludingOutsideEmployment is Approve that explicitly covers the
// week's entries outside the person's employment too (audited as
// week.approve with outside_employment true). On a week approved without
// them it records a new approved record that includes them.
func (s *Service) ApproveIncludingOutsideEmployment(ctx context.Context, actorSlackID string, employeeID int64, week model.Week) (Decision, error) {
	return s.decide(ctx, actorSlackID, employeeID, week, storage.ApprovalApproved, "", true)
}

// Reject rejects a person's week with a reason (required, trimmed, at most
// MaxReasonLen characters), under the same authorisation as Approve, and
// audits it as week.reject. The caller DMs Decision.Employee the reason.
func (s *Service) Reject(ctx context.Context, actorSlackID string, employeeID int64, week model.Week, reason string) (Decision, error) {
	return s.decide(ctx, actorSlackID, employeeID, week, storage.ApprovalRejected, reason, false)
}

func (s *Service) decide(ctx context.Context, actorSlackID string, employeeID int64, week model.Week, status storage.ApprovalStatus, reason string, includeOutside bool) (Decision, error) {
	verb := "approve"
	if status == storage.ApprovalRejected {
		verb = "reject"
	}
	target, why, err := s.authorise(ctx, actorSlackID, employeeID)
	if err != nil {
		return Decision{}, fmt.Errorf("%s week: %w", verb, err)
	}
	entityID := strconv.FormatInt(employeeID, 10) + ":" + week.String()
	if why != "" {
		msg := model.Errorf(model.EForbidden, "You can only approve or reject the weeks of people who report to you.")
		if why == "own week" {
			msg = model.Errorf(model.EForbidden, "Nobody approves or rejects their own week; your manager does.")
		}
		return Decision{}, s.deny(ctx, actorSlackID, "approve.denied", "week", entityID,
			map[string]any{"decision": verb, "reason": why}, msg)
	}
	if status == storage.ApprovalRejected {
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return Decision{}, model.Errorf(model.EInvalid, "Please say why the week is rejected: the reason is sent to %s.", target.Name())
		}
		if n := utf8.RuneCountInString(reason); n > MaxReasonLen {
			return Decision{}, model.Errorf(model.EInvalid, "The reason is %d characters long; keep it under %d.", n, MaxReasonLen)
		}
	}
	dec := Decision{Employee: target, Week: week, Status: status, Reason: reason}
	err = s.db.InTx(ctx, func(tx storage.Tx) error {
		// A week re-priced since its approval is changed even if the
		// periodic job (ChangedAfterApproval) has not marked it yet: an
		// approval records today's figures, not the old record again.
		if _, err := storage.MarkWeekDrift(ctx, tx, employeeID, week); err != nil {
			return err
		}
		before, err := storage.ApprovalCurrent(ctx, tx, employeeID, week, true)
		if err != nil {
			return err
		}
		if status == storage.ApprovalApproved {
			total, unconfirmed, err := storage.ApprovalWeekState(ctx, tx, employeeID, week)
			if err != nil {
				return err
			}
			if unconfirmed > 0 {
				return model.Errorf(model.EConflict,
					"%s has %d of %d entries of the week of %s not confirmed yet; a week can be approved once every entry is confirmed.",
					target.Name(), unconfirmed, total, week.Label())
			}
		}
		changed, err := storage.ApprovalRecord(ctx, tx, storage.WeekApproval{
			EmployeeID: employeeID, Week: week, Status: status, DecidedBy: actorSlackID, Reason: reason,
		})
		if err != nil {
			return err
		}
		if status == storage.ApprovalRejected {
			if !changed {
				return nil
			}
			if err := storage.ApprovalSupersede(ctx, tx, employeeID, week); err != nil {
				return err
			}
		} else {
			live, ok, err := storage.ApprovedRecord(ctx, tx, employeeID, week)
			if err != nil {
				return err
			}
			// A repeated approval keeps its record; a new one, a
			// re-approval after a change or an explicit approval of
			// entries outside employment records what is approved now.
			if changed || !ok || (includeOutside && !live.IncludesOutsideEmployment && live.OutsideEmployment > 0) {
				if live, err = storage.ApprovalSnapshot(ctx, tx, employeeID, week, actorSlackID, includeOutside); err != nil {
					return err
				}
				changed = true
			}
			dec.Approved = &live
			if !live.IncludesOutsideEmployment {
				dec.LeftOut, dec.LeftOutSeconds = live.OutsideEmployment, live.OutsideEmploymentSeconds
			}
			if !changed {
				return nil
			}
		}
		dec.Changed = true
		var prev any
		if before.Status != storage.ApprovalNone {
			prev = map[string]any{"status": before.Status, "decided_by": before.DecidedBy, "reason": before.Reason}
		}
		after := map[string]any{"status": status, "reason": reason}
		if dec.Approved != nil {
			after["approved_record"] = dec.Approved.RecordID
			after["seconds"] = dec.Approved.Seconds
			after["amounts"] = dec.Approved.Amounts
			after["outside_employment"] = includeOutside
		}
		return storage.Audit(ctx, tx, storage.AuditEvent{
			Actor: actorSlackID, Action: "week." + verb, Entity: "week", EntityID: entityID,
			Before: prev, After: after,
		})
	})
	if err != nil {
		return Decision{}, fmt.Errorf("%s week %s of %d: %w", verb, week, employeeID, err)
	}
	return dec, nil
}

// ChangedAfterApproval first marks approved weeks that re-pricing moved
// away from their approved record (storage.DB.MarkApprovalDrift: a
// backdated rate changes no entry, so the sync cannot see it), then lists
// the approved weeks that changed since and whose people were not told yet,
// each with its difference from what was approved (ChangedWeek.Diff). Tell
// both (ChangedWeek.EmployeeSlackID and ApproverSlackID) after
// MarkChangeNotified returns true, so two replicas never tell them twice.
func (s *Service) ChangedAfterApproval(ctx context.Context) ([]storage.ChangedWeek, error) {
	if _, err := s.db.MarkApprovalDrift(ctx); err != nil {
		return nil, err
	}
	return s.db.ChangedAfterApproval(ctx)
}

// MarkChangeNotified claims the notification of one changed week; see
// storage.DB.MarkChangeNotified.
func (s *Service) MarkChangeNotified(ctx context.Context, employeeID int64, week model.Week) (bool, error) {
	return s.db.MarkChangeNotified(ctx, employeeID, week)
}
