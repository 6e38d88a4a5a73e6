package commands

import (
	"context"
	"errors"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/timesheet"
)

// ProjectSearcher answers the project pickers' searches (*timesheet.Picker).
type ProjectSearcher interface {
	Search(ctx context.Context, slackUserID string, entryID int64, query string) (timesheet.PickerAnswer, error)
}

// HandleSuggestion implements bot.SuggestionHandler: the options of an
// entry's project picker for what the person typed. Only a picker tally
// drew gets options — the assign_project select of the block of an
// unallocated entry of the person typing; anything else is offered nothing.
func (h *Handler) HandleSuggestion(ctx context.Context, sg bot.Suggestion) (any, error) {
	if sg.ActionID != blocks.ActionAssignProject || h.picker == nil {
		return blocks.NoOptions(), nil
	}
	entryID, err := blocks.ParseEntryBlockID(sg.BlockID)
	if err != nil {
		return blocks.NoOptions(), &model.Error{Code: model.EInvalid, Message: "not a picker tally drew", Err: err}
	}
	ans, err := h.picker.Search(ctx, sg.UserID, entryID, sg.Value)
	if err != nil {
		return nil, err
	}
	if !ans.Open {
		return blocks.NoOptions(), nil
	}
	return ans.Options(entryID), nil
}

// useSuggestion accepts the suggested project of one entry.
func (h *Handler) useSuggestion(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) (func(context.Context), error) {
	id, project, err := blocks.ParseProjectValue(a.Value)
	if err != nil {
		return h.refuse(cb, "That button is broken; run /timesheet for a fresh one.", err)
	}
	res, err := h.confirmer.AcceptSuggestion(ctx, cb.User.ID, id, project)
	var changed *review.SuggestionChangedError
	if errors.As(err, &changed) {
		return h.redrawWithNotice(cb, changed.Week, err), err
	}
	return h.afterEntryAction(cb, res.Week, id, err), err
}

// assignSuggestions accepts every suggestion of the week the button was
// drawn for, exactly those its confirmation dialog listed.
func (h *Handler) assignSuggestions(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) (func(context.Context), error) {
	week, digest, err := blocks.ParseSuggestionsValue(a.Value)
	if err != nil {
		return h.refuse(cb, "That button is broken; run /timesheet for a fresh one.", err)
	}
	if err := timesheet.ActWindow(h.now()).Check(week); err != nil {
		return h.replyError(cb, err), err
	}
	_, err = h.confirmer.AcceptSuggestions(ctx, cb.User.ID, week, digest)
	var changed *review.SuggestionChangedError
	switch {
	case errors.As(err, &changed):
		return h.redrawWithNotice(cb, week, err), err
	case err != nil:
		return h.replyError(cb, err), err
	}
	return h.redrawWithNotice(cb, week, nil), nil
}

// redrawWithNotice redraws the person's week on the surface clicked (and
// tells listeners it changed); a non-nil notice is also said to them.
func (h *Handler) redrawWithNotice(cb slack.InteractionCallback, week model.Week, notice error) func(context.Context) {
	var say func(context.Context)
	if notice != nil {
		say = h.replyError(cb, notice)
	}
	return func(ctx context.Context) {
		if say != nil {
			say(ctx)
		}
		h.redrawWeek(ctx, cb, week, nil, func(in blocks.WeekInput) []slack.Block {
			return blocks.WeekView(in, blocks.MaxMessageBlocks)
		})
	}
}
