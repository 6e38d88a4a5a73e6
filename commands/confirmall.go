package commands

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
)

// Confirmer confirms entries and assigns projects on behalf of their owner
// (review.Service).
type Confirmer interface {
	ConfirmEntry(ctx context.Context, slackUserID string, entryID int64, hash string) (review.Result, error)
	ConfirmAll(ctx context.Context, slackUserID string, week model.Week) (review.WeekResult, error)
	AssignProject(ctx context.Context, slackUserID string, entryID, projectID int64) (review.Assignment, error)
	AcceptSuggestion(ctx context.Context, slackUserID string, entryID, projectID int64) (review.Assignment, error)
	AcceptSuggestions(ctx context.Context, slackUserID string, week model.Week, digest string) (review.SuggestionsResult, error)
}

func (h *Handler) confirmAll(ctx context.Context, cmd slack.SlashCommand) (*bot.Message, error) {
	emp, msg, err := h.employee(ctx, cmd.UserID)
	if msg != nil || err != nil {
		return msg, err
	}
	arg, err := parseWeekArg(cmd.Text, h.userNow(emp), false)
	if err != nil {
		return &bot.Message{Text: blocks.NotificationText(model.ErrorMessage(err)), Blocks: blocks.ConfirmAllUsage(model.ErrorMessage(err))}, nil
	}
	if arg.help {
		return &bot.Message{Text: blocks.NotificationText("How to use /confirm-all"), Blocks: blocks.ConfirmAllUsage("")}, nil
	}
	return h.ConfirmWeek(ctx, emp, cmd.UserID, arg.week)
}

// ConfirmWeek confirms every unconfirmed entry of the person's week and
// answers with what was done and the fresh week (used by /confirm-all and
// the Confirm all button).
func (h *Handler) ConfirmWeek(ctx context.Context, emp model.Employee, slackUserID string, week model.Week) (*bot.Message, error) {
	res, err := h.confirmer.ConfirmAll(ctx, slackUserID, week)
	if err != nil {
		if model.ErrorCodeOf(err) == model.EInternal {
			return nil, unavailable(err)
		}
		return nil, err
	}
	in, err := h.weeks.WeekInput(ctx, emp, week)
	if err != nil {
		return nil, err
	}
	out := blocks.ConfirmAllResult{Confirmed: res.Confirmed, ConfirmedSeconds: res.ConfirmedSeconds}
	for _, e := range in.Entries {
		if !e.Allocated() && e.Status != model.StatusConfirmed {
			out.NotConfirmed = append(out.NotConfirmed, blocks.NotConfirmed{Entry: e, Reason: "it has no project yet: pick one, then confirm it"})
		}
	}
	h.afterChange(ctx, emp, week)
	return &bot.Message{
		Text:   blocks.NotificationText(fmt.Sprintf("Confirmed %d entries of %s.", res.Confirmed, week.Label())),
		Blocks: blocks.ConfirmAllMessage(out, in),
	}, nil
}
