package timesheet

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Notice is one DM to send: to whom, its notification text and blocks.
type Notice struct {
	SlackUserID string
	Text        string
	Blocks      []slack.Block
}

// ChangeNotices are the DMs that tell the person and their approver that
// an approved week changed in Toggl and needs approval again; nobody
// without a Slack user is written to.
func ChangeNotices(cw storage.ChangedWeek) []Notice {
	var out []Notice
	if cw.EmployeeSlackID != "" {
		out = append(out, Notice{
			SlackUserID: cw.EmployeeSlackID,
			Text:        "Your approved week " + cw.Week.Label() + " changed in Toggl and needs approval again.",
			Blocks:      blocks.ChangedAfterApprovalDM(cw.EmployeeName, cw.EmployeeID, cw.Week, false),
		})
	}
	if cw.ApproverSlackID != "" {
		out = append(out, Notice{
			SlackUserID: cw.ApproverSlackID,
			Text:        cw.EmployeeName + "'s approved week " + cw.Week.Label() + " changed in Toggl.",
			Blocks:      blocks.ChangedAfterApprovalDM(cw.EmployeeName, cw.EmployeeID, cw.Week, true),
		})
	}
	return out
}

// ChangedWeeks lists approved weeks that changed and claims telling their
// people (review.Service).
type ChangedWeeks interface {
	ChangedAfterApproval(ctx context.Context) ([]storage.ChangedWeek, error)
	// MarkChangeNotified claims the notices of one week; false when another
	// run (or replica) already did.
	MarkChangeNotified(ctx context.Context, employeeID int64, week model.Week) (bool, error)
}

// Messenger is the part of the Slack Web API the notices use.
type Messenger interface {
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
}

// NotifierOptions configure a Notifier.
type NotifierOptions struct {
	// Weeks and Slack are required.
	Weeks ChangedWeeks
	Slack Messenger
	// Logger defaults to a no-op logger.
	Logger *zap.Logger
}

// Notifier sends the changed-after-approval notices.
type Notifier struct {
	weeks ChangedWeeks
	api   Messenger
	log   *zap.Logger
}

// NewNotifier builds a Notifier.
func NewNotifier(opts NotifierOptions) *Notifier {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return &Notifier{weeks: opts.Weeks, api: opts.Slack, log: opts.Logger.Named("notices")}
}

// Run tells the person and their approver, once, about every approved week
// that changed in Toggl (the approvals.notify job). A week is claimed before
// its DMs go out, so two replicas never both send them; a DM Slack refuses
// is logged, not retried.
func (n *Notifier) Run(ctx context.Context) error {
	weeks, err := n.weeks.ChangedAfterApproval(ctx)
	if err != nil {
		return fmt.Errorf("changed weeks: %w", err)
	}
	for _, cw := range weeks {
		claimed, err := n.weeks.MarkChangeNotified(ctx, cw.EmployeeID, cw.Week)
		if err != nil {
			return fmt.Errorf("claim notices of %d week %s: %w", cw.EmployeeID, cw.Week, err)
		}
		if !claimed {
			continue
		}
		for _, msg := range ChangeNotices(cw) {
			n.send(ctx, msg)
		}
	}
	return nil
}

// send posts a notice to a person's DM with tally, logging failures.
func (n *Notifier) send(ctx context.Context, msg Notice) {
	ch, _, _, err := n.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{msg.SlackUserID}})
	if err != nil {
		n.log.Warn("open dm", zap.String("user", msg.SlackUserID), zap.Error(err))
		return
	}
	if _, _, err := n.api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)); err != nil {
		n.log.Warn("post dm", zap.String("user", msg.SlackUserID), zap.Error(err))
	}
}
