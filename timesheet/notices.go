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

// Notice is one DM to send: to whom, its notification text (escaped by
// blocks.NotificationText) and blocks.
type Notice struct {
	SlackUserID string
	Text        string
	Blocks      []slack.Block
}

// ChangeNotices are the DMs that tell the person and their approver that
// an approved week changed after approval (an edit in Toggl, a deletion, a
// backdated rate) and needs approval again, with the difference in hours
// and amount per currency from what was approved; nobody without a Slack
// user is written to.
func ChangeNotices(cw storage.ChangedWeek) []Notice {
	diff := ChangeDrift(cw)
	change := ""
	if diff != nil {
		change = " (" + diff.Text() + ")"
	}
	var out []Notice
	if cw.EmployeeSlackID != "" {
		out = append(out, Notice{
			SlackUserID: cw.EmployeeSlackID,
			Text:        blocks.NotificationText("Your approved week " + cw.Week.Label() + " changed after approval" + change + " and needs approval again."),
			Blocks:      blocks.ChangedAfterApprovalDM(cw.EmployeeName, cw.EmployeeID, cw.Week, diff, false),
		})
	}
	if cw.ApproverSlackID != "" {
		out = append(out, Notice{
			SlackUserID: cw.ApproverSlackID,
			Text:        blocks.NotificationText(cw.EmployeeName + "'s approved week " + cw.Week.Label() + " changed after approval" + change + "."),
			Blocks:      blocks.ChangedAfterApprovalDM(cw.EmployeeName, cw.EmployeeID, cw.Week, diff, true),
		})
	}
	return out
}

// ChangeDrift is the difference of a changed week from what was approved,
// as the blocks show it; nil when the week has no approved record to
// compare with (approved before records were kept).
func ChangeDrift(cw storage.ChangedWeek) *blocks.Drift {
	if !cw.HasDiff {
		return nil
	}
	d := cw.Diff.Drift()
	return &blocks.Drift{Seconds: d.Seconds, Amounts: d.Amounts}
}

// ChangedWeeks lists approved weeks that changed and closes telling their
// people (review.Service).
type ChangedWeeks interface {
	ChangedAfterApproval(ctx context.Context) ([]storage.ChangedWeek, error)
	// MarkChangeNotified closes the notices of one week (it is no longer
	// listed); false when another run (or replica) already did.
	MarkChangeNotified(ctx context.Context, employeeID int64, week model.Week) (bool, error)
}

// NoticeLedger remembers, per recipient, which change notices reached
// Slack, so a notice Slack refused goes out on a later run while one that
// arrived is never sent twice. A notice is one change of one week (the row
// as ChangedWeek.ChangedAt left it: a later change is a new notice) to one
// Slack user.
type NoticeLedger interface {
	// ClaimChangeNotice claims sending the notice: claimed is true for
	// exactly one caller across replicas, who sends it now and then
	// finishes or releases the claim; otherwise sent says whether it
	// reached its recipient already (never send it again) or another run
	// holds a live claim on it. A claim neither finished nor released
	// within a lease (its holder died) may be claimed again.
	ClaimChangeNotice(ctx context.Context, cw storage.ChangedWeek, slackUserID string) (claimed, sent bool, err error)
	// FinishChangeNotice records that the notice reached Slack.
	FinishChangeNotice(ctx context.Context, cw storage.ChangedWeek, slackUserID string) error
	// ReleaseChangeNotice gives a claim back after Slack refused the DM, so
	// a later run sends it again.
	ReleaseChangeNotice(ctx context.Context, cw storage.ChangedWeek, slackUserID string) error
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
	// Ledger records which notices reached whom. Without it a week is
	// closed before its DMs go out (two replicas never both send them) and
	// a DM Slack refuses is logged, not sent again.
	Ledger NoticeLedger
	// Logger defaults to a no-op logger.
	Logger *zap.Logger
}

// Notifier sends the changed-after-approval notices.
type Notifier struct {
	weeks  ChangedWeeks
	api    Messenger
	ledger NoticeLedger
	log    *zap.Logger
}

// NewNotifier builds a Notifier.
func NewNotifier(opts NotifierOptions) *Notifier {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return &Notifier{weeks: opts.Weeks, api: opts.Slack, ledger: opts.Ledger, log: opts.Logger.Named("notices")}
}

// Run tells the person and their approver, once, about every approved week
// that changed in Toggl (the approvals.notify job). With a Ledger each
// notice is claimed before it goes out and finished once Slack took it; a
// notice Slack refused is released and the week stays listed, so the next
// run sends it again, and only it. A week is closed when every notice of it
// reached its recipient.
func (n *Notifier) Run(ctx context.Context) error {
	weeks, err := n.weeks.ChangedAfterApproval(ctx)
	if err != nil {
		return fmt.Errorf("changed weeks: %w", err)
	}
	for _, cw := range weeks {
		if n.ledger == nil {
			err = n.closeThenSend(ctx, cw)
		} else {
			err = n.sendThenClose(ctx, cw)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// closeThenSend is the run without a ledger: close the week, then send.
func (n *Notifier) closeThenSend(ctx context.Context, cw storage.ChangedWeek) error {
	claimed, err := n.weeks.MarkChangeNotified(ctx, cw.EmployeeID, cw.Week)
	if err != nil {
		return fmt.Errorf("claim notices of %d week %s: %w", cw.EmployeeID, cw.Week, err)
	}
	if !claimed {
		return nil
	}
	for _, msg := range ChangeNotices(cw) {
		_ = n.send(ctx, msg)
	}
	return nil
}

// sendThenClose sends each notice of the week not sent yet, under its
// claim, and closes the week when all of them reached Slack.
func (n *Notifier) sendThenClose(ctx context.Context, cw storage.ChangedWeek) error {
	done := true
	for _, msg := range ChangeNotices(cw) {
		claimed, sent, err := n.ledger.ClaimChangeNotice(ctx, cw, msg.SlackUserID)
		if err != nil {
			return fmt.Errorf("claim notice of %d week %s: %w", cw.EmployeeID, cw.Week, err)
		}
		if !claimed {
			// Sent: nothing to do. Busy: the other run closes the week.
			done = done && sent
			continue
		}
		if err := n.send(ctx, msg); err != nil {
			done = false
			// The release must happen even when the run is being cancelled:
			// a held claim would block the retry for a whole lease.
			if err := n.ledger.ReleaseChangeNotice(context.WithoutCancel(ctx), cw, msg.SlackUserID); err != nil {
				return fmt.Errorf("release notice of %d week %s: %w", cw.EmployeeID, cw.Week, err)
			}
			continue
		}
		if err := n.ledger.FinishChangeNotice(context.WithoutCancel(ctx), cw, msg.SlackUserID); err != nil {
			return fmt.Errorf("finish notice of %d week %s: %w", cw.EmployeeID, cw.Week, err)
		}
	}
	if !done {
		return nil
	}
	if _, err := n.weeks.MarkChangeNotified(ctx, cw.EmployeeID, cw.Week); err != nil {
		return fmt.Errorf("close notices of %d week %s: %w", cw.EmployeeID, cw.Week, err)
	}
	return nil
}

// send posts a notice to a person's DM with tally; a failure is logged and
// returned.
func (n *Notifier) send(ctx context.Context, msg Notice) error {
	ch, _, _, err := n.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{msg.SlackUserID}})
	if err != nil {
		n.log.Warn("open dm", zap.String("user", msg.SlackUserID), zap.Error(err))
		return fmt.Errorf("open dm with %s: %w", msg.SlackUserID, err)
	}
	if _, _, err := n.api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)); err != nil {
		n.log.Warn("post dm", zap.String("user", msg.SlackUserID), zap.Error(err))
		return fmt.Errorf("post dm to %s: %w", msg.SlackUserID, err)
	}
	return nil
}
