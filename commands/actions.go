package commands

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/timesheet"
)

// SlackAPI is the part of the Slack Web API the actions call.
type SlackAPI interface {
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
}

// HomeRefresher republishes a person's App Home after they act.
type HomeRefresher interface {
	PublishWeek(ctx context.Context, userID string, shown *model.Week) error
}

// ChangeListener hears about every change to a person's week made from
// Slack, e.g. to update the Friday DM in place.
type ChangeListener func(ctx context.Context, emp model.Employee, week model.Week)

// ExtraActions handles action ids this package does not know (manager and
// HR actions live with the home views).
type ExtraActions interface {
	HandleAction(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) (followUp func(context.Context), handled bool, err error)
	HandleViewSubmission(ctx context.Context, cb slack.InteractionCallback) (ack any, followUp func(context.Context), handled bool, err error)
}

// HandleInteraction implements bot.InteractionHandler. The write (the
// confirmation, the project) happens before the ack, so a click Slack saw
// acknowledged is never lost; redrawing the message follows the ack.
func (h *Handler) HandleInteraction(ctx context.Context, cb slack.InteractionCallback) (any, func(context.Context), error) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil, nil, nil
		}
		// Slack sends one action per click.
		followUp, err := h.blockAction(ctx, cb, cb.ActionCallback.BlockActions[0])
		return nil, followUp, err
	case slack.InteractionTypeViewSubmission:
		if h.extra != nil {
			ack, followUp, handled, err := h.extra.HandleViewSubmission(ctx, cb)
			if handled {
				return ack, followUp, err
			}
		}
		return nil, nil, nil
	}
	return nil, nil, nil
}

func (h *Handler) blockAction(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) (func(context.Context), error) {
	user := cb.User.ID
	switch a.ActionID {
	case blocks.ActionOpenToggl:
		return nil, nil // a link: Slack opens it, nothing to do
	case blocks.ActionConfirmEntry:
		id, hash, err := blocks.ParseEntryValue(a.Value)
		if err != nil {
			return h.refuse(cb, "That button is broken; run /timesheet for a fresh one.", err)
		}
		res, err := h.confirmer.ConfirmEntry(ctx, user, id, hash)
		return h.afterEntryAction(cb, res.Week, id, err), err
	case blocks.ActionAssignProject:
		id, project, err := blocks.ParseProjectValue(a.SelectedOption.Value)
		if err != nil {
			return h.refuse(cb, "That choice is broken; run /timesheet for a fresh one.", err)
		}
		res, err := h.confirmer.AssignProject(ctx, user, id, project)
		return h.afterEntryAction(cb, res.Week, id, err), err
	case blocks.ActionUseSuggestion:
		return h.useSuggestion(ctx, cb, a)
	case blocks.ActionAssignSuggestions:
		return h.assignSuggestions(ctx, cb, a)
	case blocks.ActionConfirmAll:
		week, err := blocks.ParseWeekValue(a.Value)
		if err != nil {
			return h.refuse(cb, "That button is broken; run /confirm-all instead.", err)
		}
		if err := timesheet.ActWindow(h.now()).Check(week); err != nil {
			return h.replyError(cb, err), err
		}
		emp, msg, err := h.employee(ctx, user)
		if msg != nil || err != nil {
			return h.replyError(cb, errOrUnknown(err)), err
		}
		reply, err := h.ConfirmWeek(ctx, emp, user, week)
		if err != nil {
			return h.replyError(cb, err), err
		}
		return func(ctx context.Context) {
			if cb.Container.Type == "view" {
				h.refreshHome(ctx, user, &week)
				return
			}
			h.replace(ctx, cb, reply.Text, reply.Blocks)
		}, nil
	case blocks.ActionHomeWeekPrev, blocks.ActionHomeWeekNext:
		week, err := blocks.ParseWeekValue(a.Value)
		if err != nil {
			return h.refuse(cb, "That button is broken; open the Home tab again.", err)
		}
		if err := timesheet.ViewWindow(h.now()).Check(week); err != nil {
			return h.replyError(cb, err), err
		}
		return func(ctx context.Context) { h.refreshHome(ctx, user, &week) }, nil
	}
	if h.extra != nil {
		followUp, handled, err := h.extra.HandleAction(ctx, cb, a)
		if handled {
			return followUp, err
		}
	}
	h.log.Debug("unknown action", zap.String("action_id", blocks.Clip(a.ActionID)))
	return nil, nil
}

// refuse answers a value tally could not have sent (a forged or garbled
// payload): the person reads sentence, nothing changes, and the returned
// error (model.EInvalid, so it is not counted as a failure) carries cause,
// whose quoted value blocks already capped.
func (h *Handler) refuse(cb slack.InteractionCallback, sentence string, cause error) (func(context.Context), error) {
	err := &model.Error{Code: model.EInvalid, Message: sentence, Err: cause}
	return h.replyError(cb, err), err
}

func errOrUnknown(err error) error {
	if err != nil {
		return err
	}
	return model.Errorf(model.ENotFound, "I can't find you in the roster. Ask HR to check that your Slack email is the one in BambooHR.")
}

// afterEntryAction redraws the surface after a click on an entry: the fresh
// week (with an explanation when the button was stale or refused).
func (h *Handler) afterEntryAction(cb slack.InteractionCallback, week model.Week, entryID int64, actErr error) func(context.Context) {
	user := cb.User.ID
	var stale *review.StaleError
	if errors.As(actErr, &stale) {
		week = stale.Week
	} else if actErr != nil {
		return h.replyError(cb, actErr)
	}
	return func(ctx context.Context) {
		onHome := func(ctx context.Context) {
			if stale != nil {
				h.dm(ctx, user, blocks.NotificationText(model.ErrorMessage(stale)), blocks.ErrorSentence(stale))
			}
		}
		h.redrawWeek(ctx, cb, week, onHome, func(in blocks.WeekInput) []slack.Block {
			if stale == nil {
				return blocks.WeekView(in, blocks.MaxMessageBlocks)
			}
			kind := blocks.StaleEdited
			if stale.Change == review.StaleDeleted {
				kind = blocks.StaleDeleted
			}
			var current model.Entry
			for _, e := range in.Entries {
				if e.ID == entryID {
					current = e
				}
			}
			return blocks.StaleButtonMessage(kind, current, in)
		})
	}
}

// redrawWeek, after a change to the clicker's week, tells the listener and
// redraws the surface clicked: the Home tab (then onHome, if any), or the
// message, with the blocks draw makes of the week.
func (h *Handler) redrawWeek(ctx context.Context, cb slack.InteractionCallback, week model.Week,
	onHome func(context.Context), draw func(blocks.WeekInput) []slack.Block) {
	user := cb.User.ID
	emp, msg, err := h.employee(ctx, user)
	if msg != nil || err != nil {
		return
	}
	h.afterChange(ctx, emp, week)
	if cb.Container.Type == "view" {
		h.refreshHome(ctx, user, &week)
		if onHome != nil {
			onHome(ctx)
		}
		return
	}
	in, err := h.weeks.WeekInput(ctx, emp, week)
	if err != nil {
		h.log.Warn("redraw week", zap.Error(err))
		return
	}
	h.replace(ctx, cb, blocks.NotificationText(fmt.Sprintf("Your week %s", week.Label())), draw(in))
}

// afterChange tells the listener (the reminder DM updater) about a change.
func (h *Handler) afterChange(ctx context.Context, emp model.Employee, week model.Week) {
	if h.onChange != nil {
		h.onChange(ctx, emp, week)
	}
}

// replyError shows an action's error to the person who clicked: in place of
// nothing (the message stays), as an ephemeral reply on message surfaces and
// as a DM from the home tab.
func (h *Handler) replyError(cb slack.InteractionCallback, err error) func(context.Context) {
	if model.ErrorCodeOf(err) == model.EInternal && !storage.IsUnavailable(err) {
		h.log.Error("action failed", zap.String("user", cb.User.ID), zap.Error(err))
	}
	text := model.ErrorMessage(err)
	if errors.Is(err, context.DeadlineExceeded) || model.ErrorCodeOf(err) == model.EUnavailable || storage.IsUnavailable(err) {
		text = "tally can't reach its database right now, so your click was not saved. Please try again in a minute."
	}
	return func(ctx context.Context) {
		if cb.Container.Type == "view" || cb.ResponseURL == "" {
			h.dm(ctx, cb.User.ID, blocks.NotificationText(text), blocks.Sentence(text))
			return
		}
		msg := &slack.WebhookMessage{Text: blocks.NotificationText(text), ResponseType: "ephemeral", ReplaceOriginal: false,
			Blocks: &slack.Blocks{BlockSet: blocks.Sentence(text)}}
		if err := slack.PostWebhookCustomHTTPContext(ctx, cb.ResponseURL, webhookClient, msg); err != nil {
			h.log.Warn("post error reply", zap.Error(err))
		}
	}
}

// webhookClient posts to response_url with a timeout.
var webhookClient = &http.Client{Timeout: 10 * time.Second}

// replace redraws the clicked message (text built by
// blocks.NotificationText): ephemeral messages through
// response_url (the only way to change them), bot messages with
// chat.update (response_url allows only five uses).
func (h *Handler) replace(ctx context.Context, cb slack.InteractionCallback, text string, bs []slack.Block) {
	if cb.Container.IsEphemeral || cb.Container.MessageTs == "" {
		if cb.ResponseURL == "" {
			return
		}
		msg := &slack.WebhookMessage{Text: text, ReplaceOriginal: true, ResponseType: "ephemeral", Blocks: &slack.Blocks{BlockSet: bs}}
		if err := slack.PostWebhookCustomHTTPContext(ctx, cb.ResponseURL, webhookClient, msg); err != nil {
			h.log.Warn("replace ephemeral message", zap.Error(err))
		}
		return
	}
	if h.api == nil {
		return
	}
	if _, _, _, err := h.api.UpdateMessageContext(ctx, cb.Container.ChannelID, cb.Container.MessageTs,
		slack.MsgOptionText(text, false), slack.MsgOptionBlocks(bs...)); err != nil {
		h.log.Warn("update message", zap.String("channel", cb.Container.ChannelID), zap.Error(err))
	}
}

func (h *Handler) refreshHome(ctx context.Context, userID string, week *model.Week) {
	if h.homeRefresh == nil {
		return
	}
	if err := h.homeRefresh.PublishWeek(ctx, userID, week); err != nil {
		h.log.Warn("refresh home", zap.String("user", userID), zap.Error(err))
	}
}

// dm sends a short message to a person's DM with tally; text is built by
// blocks.NotificationText.
func (h *Handler) dm(ctx context.Context, userID, text string, bs []slack.Block) {
	if h.api == nil {
		return
	}
	ch, _, _, err := h.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		h.log.Warn("open dm", zap.String("user", userID), zap.Error(err))
		return
	}
	if _, _, err := h.api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(bs...)); err != nil {
		h.log.Warn("post dm", zap.String("user", userID), zap.Error(err))
	}
}
