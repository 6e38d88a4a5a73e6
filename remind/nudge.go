package remind

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Nudge DMs employeeID their week again on behalf of actorSlackID, a
// supervisor of theirs (directly or further up) who is still employed, or
// an HR admin: the same people who may approve the week (a manager who has
// left can do neither). One nudge
// per person per day (in their time zone): a second one returns a
// user-facing *model.Error, as do refusals.
func (e *Engine) Nudge(ctx context.Context, actorSlackID string, employeeID int64, week model.Week) error {
	allowed := slices.Contains(e.opts.HRAdmins, actorSlackID)
	if !allowed {
		ok, err := storage.ReminderSupervises(ctx, e.opts.DB, actorSlackID, employeeID)
		if err != nil {
			return err
		}
		allowed = ok
	}
	if !allowed {
		_ = storage.Audit(ctx, e.opts.DB, storage.AuditEvent{Actor: actorSlackID, Action: "nudge.denied",
			Entity: "employee", EntityID: strconv.FormatInt(employeeID, 10)})
		return model.Errorf(model.EForbidden, "You can nudge only people who report to you, while you are an active employee.")
	}
	p, err := storage.ReminderPersonByID(ctx, e.opts.DB, employeeID)
	if errors.Is(err, storage.ErrNotFound) {
		return model.Errorf(model.ENotFound, "That person is no longer in the roster.")
	}
	if err != nil {
		return err
	}
	name := p.Name
	if name == "" {
		name = "They"
	}
	if !p.Active || p.SlackUserID == "" {
		return model.Errorf(model.EInvalid, "%s cannot be nudged: no active Slack account is linked.", name)
	}
	now := e.opts.Now()
	day := dateOnly(now.In(e.zone(p.SlackTZ)))
	r, ok, err := storage.ClaimReminder(ctx, e.opts.DB, storage.ReminderNudge, employeeID, day, e.opts.Instance, now)
	if err != nil {
		return err
	}
	if !ok {
		return model.Errorf(model.EConflict, "%s was already nudged today. You can nudge again tomorrow.", name)
	}
	if err := storage.Audit(ctx, e.opts.DB, storage.AuditEvent{Actor: actorSlackID, Action: "reminder.nudge",
		Entity: "employee", EntityID: strconv.FormatInt(employeeID, 10), After: map[string]string{"week": week.String()}}); err != nil {
		return err
	}
	it := PlanItem{EmployeeID: p.EmployeeID, Name: p.Name, Email: p.Email, SlackUserID: p.SlackUserID,
		TZ: p.SlackTZ, Week: week, Action: ActionSend, person: p, actor: actorSlackID}
	out, err := e.deliver(ctx, storage.ReminderNudge, it, &r)
	if err != nil || out == outPending {
		// Let the manager try again soon rather than block the day.
		rctx := context.WithoutCancel(ctx)
		if rerr := storage.ReleaseReminder(rctx, e.opts.DB, r.ID, r.ClaimedBy, r.Attempts); rerr != nil {
			return rerr
		}
	}
	switch {
	case err != nil:
		return &model.Error{Code: model.EUnavailable, Message: "Slack did not take the nudge; please try again later.", Err: err}
	case out == outSkipped:
		return model.Errorf(model.EInvalid, "%s has nothing open for the week of %s, so no nudge was sent.", name, week.Label())
	case out == outFailed:
		return model.Errorf(model.EUnavailable, "%s cannot receive DMs from tally; HR has been told.", name)
	case out == outPending:
		return model.Errorf(model.EUnavailable, "Slack is busy right now; please nudge %s again in a few minutes.", name)
	}
	return nil
}
