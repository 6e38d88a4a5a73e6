package commands

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/model"
)

// Confirmer confirms entries on behalf of their owner (review.Service).
type Confirmer interface {
	ConfirmAll(ctx context.Context, slackUserID string, week model.Week) (blocks.ConfirmAllResult, error)
}

func (h *Handler) confirmAll(ctx context.Context, cmd slack.SlashCommand) (*bot.Message, error) {
	emp, msg, err := h.employee(ctx, cmd.UserID)
	if msg != nil || err != nil {
		return msg, err
	}
	arg, err := parseWeekArg(cmd.Text, userNow(h.now(), emp.SlackTZ, h.defaultTZ), false)
	if err != nil {
		return &bot.Message{Text: model.ErrorMessage(err), Blocks: blocks.ConfirmAllUsage(model.ErrorMessage(err))}, nil
	}
	if arg.help {
		return &bot.Message{Text: "How to use /confirm-all", Blocks: blocks.ConfirmAllUsage("")}, nil
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
	in, err := h.WeekInput(ctx, emp, week)
	if err != nil {
		return nil, err
	}
	return &bot.Message{
		Text:   fmt.Sprintf("Confirmed %d entries of %s.", res.Confirmed, week.Label()),
		Blocks: blocks.ConfirmAllMessage(res, in),
	}, nil
}
