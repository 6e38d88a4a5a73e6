package home

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/timesheet"
)

// Decider approves and rejects weeks (review.Service).
type Decider interface {
	Approve(ctx context.Context, actorSlackID string, employeeID int64, week model.Week) (review.Decision, error)
	// ApproveIncludingOutsideEmployment approves the week and explicitly
	// covers its time logged outside the person's employment.
	ApproveIncludingOutsideEmployment(ctx context.Context, actorSlackID string, employeeID int64, week model.Week) (review.Decision, error)
	Reject(ctx context.Context, actorSlackID string, employeeID int64, week model.Week, reason string) (review.Decision, error)
	CanDecide(ctx context.Context, actorSlackID string, employeeID int64) (bool, error)
}

// Nudger sends a person their week again (remind.Engine).
type Nudger interface {
	Nudge(ctx context.Context, actorSlackID string, employeeID int64, week model.Week) error
}

// Requeuer puts parked queue rows back (storage.DB).
type Requeuer interface {
	RequeueParked(ctx context.Context, queue string, id int64, actor string) (bool, error)
}

// Exporter writes the billing CSV of a week for some people (nil: all).
type Exporter func(ctx context.Context, w *bytes.Buffer, week model.Week, employeeIDs []int64) error

// Messenger is the Slack API the home actions call beyond views.publish.
type Messenger interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
}

// Actions handles the manager and HR buttons and the reject modal. It
// implements commands.ExtraActions.
type Actions struct {
	pub      *Publisher
	api      Messenger
	decider  Decider
	nudger   Nudger
	requeue  Requeuer
	exporter Exporter
	log      *zap.Logger
}

// ActionOptions configure Actions. API, Decider, Requeuer and Exporter are
// required; without a Nudger the Nudge button does nothing.
type ActionOptions struct {
	API      Messenger
	Decider  Decider
	Nudger   Nudger
	Requeuer Requeuer
	Exporter Exporter
}

// NewActions builds the manager/HR action handler; pub redraws the home
// tabs after an action and lends its read model and settings.
func NewActions(pub *Publisher, opts ActionOptions) *Actions {
	return &Actions{pub: pub, api: opts.API, decider: opts.Decider, nudger: opts.Nudger, requeue: opts.Requeuer,
		exporter: opts.Exporter, log: pub.log}
}

// HandleAction handles one block action on a home tab or digest.
func (a *Actions) HandleAction(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) (func(context.Context), bool, error) {
	user := cb.User.ID
	st := ParseState(cb.View.PrivateMetadata)
	switch act.ActionID {
	case blocks.ActionApproveWeek, blocks.ActionApproveWeekOutside:
		emp, week, err := blocks.ParsePersonWeekValue(act.Value)
		if err != nil {
			return a.refuse(user, errBrokenButton, err)
		}
		if refusal, err := a.checkDecision(ctx, user, emp, week); refusal != nil || err != nil {
			return refusal, true, err
		}
		approve := a.decider.Approve
		if act.ActionID == blocks.ActionApproveWeekOutside {
			// The explicit choice the confirm dialog asked for: time
			// outside the person's employment is approved and billed too.
			approve = a.decider.ApproveIncludingOutsideEmployment
		}
		d, err := approve(ctx, user, emp, week)
		if err != nil {
			return a.tell(user, err), true, err
		}
		return func(ctx context.Context) {
			if d.Changed && d.Employee.SlackUserID != "" {
				var secs int64
				if d.Approved != nil {
					secs = d.Approved.Seconds
				}
				a.dm(ctx, d.Employee.SlackUserID, blocks.NotificationText("Your week "+week.Label()+" was approved."),
					blocks.ApprovedDM(a.name(ctx, user), week, secs))
			}
			if d.Changed && d.LeftOut > 0 {
				a.dm(ctx, user, blocks.NotificationText("Approved without the time outside employment."),
					blocks.Sentence(fmt.Sprintf("Approved %s's week %s without the %s logged outside their employment: those entries stay out of approved exports until you approve them explicitly.",
						d.Employee.Name(), week.Label(), blocks.Duration(d.LeftOutSeconds))))
			}
			a.refresh(ctx, user, st)
		}, true, nil
	case blocks.ActionRejectWeek:
		empID, week, err := blocks.ParsePersonWeekValue(act.Value)
		if err != nil {
			return a.refuse(user, errBrokenButton, err)
		}
		ok, err := a.decider.CanDecide(ctx, user, empID)
		if err != nil {
			return a.tell(user, err), true, err
		}
		if !ok {
			return a.tell(user, errNotAllowed), true, nil
		}
		if refusal, err := a.checkDecision(ctx, user, empID, week); refusal != nil || err != nil {
			return refusal, true, err
		}
		name := ""
		if e, err := a.pub.opts.Data.EmployeeByID(ctx, empID); err == nil {
			name = e.Name()
		}
		// The trigger_id is valid for 3 s: open the modal before the ack.
		if _, err := a.api.OpenViewContext(ctx, cb.TriggerID, blocks.RejectModal(name, empID, week)); err != nil {
			return nil, true, fmt.Errorf("open reject modal: %w", err)
		}
		return nil, true, nil
	case blocks.ActionNudge:
		empID, err := blocks.ParseIDValue(act.Value)
		if err != nil {
			return a.refuse(user, errBrokenButton, err)
		}
		if a.nudger == nil {
			return nil, true, nil
		}
		// From the home tab: the week shown; from the Monday digest (a
		// message): last week, which the digest is about.
		current := model.WeekOf(a.pub.opts.Now().In(a.pub.opts.DefaultTZ))
		week := st.week(current)
		if cb.Container.Type != "view" {
			week = current.Prev()
		}
		if err := timesheet.ActWindow(a.pub.opts.Now()).Check(week); err != nil {
			return a.tell(user, err), true, err
		}
		err = a.nudger.Nudge(ctx, user, empID, week)
		if err != nil {
			return a.tell(user, err), true, err
		}
		return nil, true, nil
	case blocks.ActionHomeScope:
		scope, err := blocks.ParseScopeValue(act.Value)
		if err != nil {
			return a.refuse(user, errBrokenButton, err)
		}
		st.Scope = scope
		st.Page = 0
		return func(ctx context.Context) { a.refresh(ctx, user, st) }, true, nil
	case blocks.ActionHomePagePrev, blocks.ActionHomePageNext:
		page, err := blocks.ParsePageValue(act.Value)
		if err != nil {
			return a.refuse(user, errBrokenButton, err)
		}
		st.Page = page
		return func(ctx context.Context) { a.refresh(ctx, user, st) }, true, nil
	case blocks.ActionRetryInbox, blocks.ActionRetryOutbox:
		if a.pub.opts.IsHRAdmin == nil || !a.pub.opts.IsHRAdmin(user) {
			return a.tell(user, errNotAllowed), true, nil
		}
		id, err := blocks.ParseIDValue(act.Value)
		if err != nil {
			return a.refuse(user, errBrokenButton, err)
		}
		queue := "inbox"
		if act.ActionID == blocks.ActionRetryOutbox {
			queue = "outbox"
		}
		if _, err := a.requeue.RequeueParked(ctx, queue, id, user); err != nil {
			return a.tell(user, err), true, err
		}
		return func(ctx context.Context) { a.refresh(ctx, user, st) }, true, nil
	case blocks.ActionExportWeek:
		week, err := blocks.ParseWeekValue(act.Value)
		if err != nil {
			return a.refuse(user, errBrokenButton, err)
		}
		if err := timesheet.ViewWindow(a.pub.opts.Now()).Check(week); err != nil {
			return a.tell(user, err), true, err
		}
		return func(ctx context.Context) { a.exportWeek(ctx, user, week) }, true, nil
	}
	return nil, false, nil
}

// HandleViewSubmission handles the reject modal.
func (a *Actions) HandleViewSubmission(ctx context.Context, cb slack.InteractionCallback) (any, func(context.Context), bool, error) {
	if cb.View.CallbackID != blocks.CallbackRejectWeek {
		return nil, nil, false, nil
	}
	user := cb.User.ID
	empID, week, err := blocks.ParsePersonWeekValue(cb.View.PrivateMetadata)
	if err != nil {
		followUp, _, err := a.refuse(user, errBrokenModal, err)
		return nil, followUp, true, err
	}
	reason := ""
	if cb.View.State != nil {
		if v, ok := cb.View.State.Values[blocks.RejectReasonBlockID][blocks.RejectReasonActionID]; ok {
			reason = strings.TrimSpace(v.Value)
		}
	}
	if msg := reasonProblem(reason); msg != "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.RejectReasonBlockID: msg}), nil, true, nil
	}
	if refusal, err := a.checkDecision(ctx, user, empID, week); refusal != nil || err != nil {
		return nil, refusal, true, err
	}
	d, err := a.decider.Reject(ctx, user, empID, week, reason)
	if err != nil {
		if model.ErrorCodeOf(err) != model.EInternal {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{
				blocks.RejectReasonBlockID: model.ErrorMessage(err),
			}), nil, true, nil
		}
		return nil, a.tell(user, err), true, err
	}
	return nil, func(ctx context.Context) {
		if d.Changed && d.Employee.SlackUserID != "" {
			in, err := a.pub.opts.Weeks.WeekInput(ctx, d.Employee, week)
			if err == nil {
				a.dm(ctx, d.Employee.SlackUserID, blocks.NotificationText("Your week "+week.Label()+" was sent back: "+reason),
					blocks.RejectedDM(a.name(ctx, user), reason, in))
			}
		}
		a.refresh(ctx, user, State{Week: week.String()})
	}, true, nil
}

// name says who acted, as the person it concerns reads it.
func (a *Actions) name(ctx context.Context, slackUserID string) string {
	return a.pub.opts.Weeks.Asker(ctx, slackUserID)
}

func (a *Actions) refresh(ctx context.Context, user string, st State) {
	if err := a.pub.Publish(ctx, user, st); err != nil {
		a.log.Warn("refresh home", zap.String("user", user), zap.Error(err))
	}
}

// tell DMs the person who pressed a button why it did not work.
func (a *Actions) tell(user string, err error) func(context.Context) {
	if model.ErrorCodeOf(err) == model.EInternal {
		a.log.Error("home action failed", zap.String("user", user), zap.Error(err))
	}
	text := blocks.NotificationText(model.ErrorMessage(err))
	return func(ctx context.Context) { a.dm(ctx, user, text, blocks.ErrorSentence(err)) }
}

// dm posts to a person's DM with tally; text is built by
// blocks.NotificationText.
func (a *Actions) dm(ctx context.Context, user, text string, bs []slack.Block) {
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		a.log.Warn("open dm", zap.String("user", user), zap.Error(err))
		return
	}
	if _, _, err := a.api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(bs...)); err != nil {
		a.log.Warn("post dm", zap.String("user", user), zap.Error(err))
	}
}

// exportWeek sends the week's billing CSV as a file in the person's DM:
// their subtree for a manager, everyone for HR.
func (a *Actions) exportWeek(ctx context.Context, user string, week model.Week) {
	var ids []int64
	if a.pub.opts.IsHRAdmin == nil || !a.pub.opts.IsHRAdmin(user) {
		me, err := a.pub.opts.Employees.EmployeeBySlackID(ctx, user)
		if err != nil {
			a.tell(user, errNotAllowed)(ctx)
			return
		}
		people, err := a.pub.opts.Team.Subtree(ctx, me.ID, false)
		if err != nil || len(people) == 0 {
			a.tell(user, errNotAllowed)(ctx)
			return
		}
		for _, e := range people {
			ids = append(ids, e.ID)
		}
	}
	var buf bytes.Buffer
	if err := a.exporter(ctx, &buf, week, ids); err != nil {
		a.tell(user, err)(ctx)
		return
	}
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		a.log.Warn("open dm for export", zap.Error(err))
		return
	}
	name := "tally-" + week.String() + ".csv"
	_, err = a.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Reader:         bytes.NewReader(buf.Bytes()),
		FileSize:       buf.Len(),
		Filename:       name,
		Title:          "Billable hours " + week.Label(),
		Channel:        ch.ID,
		InitialComment: blocks.NotificationText("Here is the billing export for " + week.Label() + "."),
	})
	if err != nil {
		a.log.Warn("upload export", zap.String("user", user), zap.Error(err))
	}
}
