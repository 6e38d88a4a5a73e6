package remind

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// outcome is how handling one person ended.
type outcome string

const (
	outSent    outcome = "sent"
	outSkipped outcome = "skipped"
	outFailed  outcome = "failed"
	outPending outcome = "pending" // left claimed; a later tick retries
	outTaken   outcome = "taken"   // another engine has the row
)

// MetadataEventType marks tally's reminder messages in Slack message
// metadata; the payload carries the ledger id, which is how a retry finds
// a message that was posted before a crash.
const MetadataEventType = "tally_reminder"

// deliver renders the message, opens the DM, makes sure no earlier attempt
// already posted it, posts it and records the result.
func (e *Engine) deliver(ctx context.Context, kind Kind, it PlanItem, r *storage.Reminder) (outcome, error) {
	render := e.renderFor(kind)
	if kind == storage.ReminderNudge {
		render = e.opts.Render
		if e.opts.RenderNudge != nil {
			render = func(ctx context.Context, id int64, week model.Week) ([]slack.Block, string, bool, string, error) {
				return e.opts.RenderNudge(ctx, id, week, it.actor)
			}
		}
	}
	blocks, text, needs, reason, err := render(ctx, it.EmployeeID, it.Week)
	if err != nil {
		return e.pending(ctx, r, fmt.Errorf("render: %w", err)), err
	}
	if !needs {
		return e.finish(ctx, kind, r, storage.ReminderOutcome{Status: "skipped", Reason: reason}), nil
	}

	channel := r.ChannelID
	// An earlier attempt may have posted: it got as far as the DM, or it
	// posted to the user id and died before recording the channel.
	recovering := channel != "" || r.Attempts > 1
	if channel == "" {
		channel = it.person.DMChannel
	}
	if channel == "" && recovering {
		if channel, err = e.open(ctx, it.SlackUserID); err != nil {
			return e.failure(ctx, kind, it, r, "conversations.open", err)
		}
	}
	if channel != "" && r.ChannelID == "" {
		if err := storage.SetReminderChannel(ctx, e.opts.DB, r.ID, r.ClaimedBy, r.Attempts, channel); err != nil {
			return e.pending(ctx, r, err), err
		}
		r.ChannelID = channel
	}
	if recovering {
		ts, found, err := e.findPosted(ctx, channel, r.ID)
		if err != nil {
			// Not knowing whether it went out, posting could DM twice.
			return e.pending(ctx, r, fmt.Errorf("look for an earlier post: %w", err)), nil
		}
		if found {
			e.log.Info("found reminder posted before an interruption", zap.Int64("reminder_id", r.ID))
			return e.sent(ctx, kind, r, channel, ts), nil
		}
	}

	// The fence: only the engine that still holds the claim may post.
	ok, err := storage.TouchReminderClaim(ctx, e.opts.DB, r.ID, r.ClaimedBy, r.Attempts, e.opts.Now())
	if err != nil {
		return e.pending(ctx, r, err), err
	}
	if !ok {
		return outTaken, nil
	}
	// Without a known DM channel the message goes to the user id: Slack
	// posts it to the bot's DM with them and answers with that channel, so a
	// first DM costs no conversations.open (Tier 3, 50 a minute).
	target := channel
	if target == "" {
		target = it.SlackUserID
	}
	ts, posted, err := e.post(ctx, target, it.SlackUserID, r.ID, kind, blocks, text)
	if err != nil {
		return e.failure(ctx, kind, it, r, "chat.postMessage", err)
	}
	return e.sent(ctx, kind, r, posted, ts), nil
}

// failure records a Slack failure: permanent ones end the row as failed
// (and open a roster problem when the person cannot be DMed), the rest
// leave it claimed for a later attempt.
func (e *Engine) failure(ctx context.Context, kind Kind, it PlanItem, r *storage.Reminder, method string, err error) (outcome, error) {
	switch classify(err) {
	case classUser:
		now := e.opts.Now()
		detail := fmt.Sprintf("%s to Slack user %s failed: %s", method, it.SlackUserID, slackCode(err))
		if perr := storage.RecordDMFailure(context.WithoutCancel(ctx), e.opts.DB, it.EmployeeID, it.person.BambooID, detail, now); perr != nil {
			e.log.Warn("record roster problem", zap.Error(perr))
		}
		e.log.Warn("cannot DM person", zap.Int64("employee_id", it.EmployeeID), zap.String("error", slackCode(err)))
		return e.finish(ctx, kind, r, storage.ReminderOutcome{Status: "failed", ChannelID: r.ChannelID, Error: detail}), nil
	case classMessage:
		e.log.Warn("slack rejected the message", zap.Int64("employee_id", it.EmployeeID), zap.String("kind", string(kind)), zap.Error(err))
		return e.finish(ctx, kind, r, storage.ReminderOutcome{Status: "failed", ChannelID: r.ChannelID, Error: method + ": " + slackCode(err)}), nil
	case classFatal:
		e.pending(ctx, r, err)
		return outPending, fmt.Errorf("%w: %s: %s", ErrFatal, method, slackCode(err))
	default:
		return e.pending(ctx, r, fmt.Errorf("%s: %w", method, err)), nil
	}
}

func (e *Engine) sent(ctx context.Context, kind Kind, r *storage.Reminder, channel, ts string) outcome {
	return e.finish(ctx, kind, r, storage.ReminderOutcome{Status: "sent", ChannelID: channel, MessageTS: ts})
}

// finish writes the final status. It runs without the caller's
// cancellation: a DM that went out must be recorded even during shutdown.
func (e *Engine) finish(ctx context.Context, kind Kind, r *storage.Reminder, o storage.ReminderOutcome) outcome {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	ok, err := storage.FinishReminder(fctx, e.opts.DB, r.ID, r.ClaimedBy, r.Attempts, e.opts.Now(), o)
	if err != nil {
		// The row stays claimed; the next attempt finds the message in the
		// channel's history instead of posting again.
		e.log.Warn("record reminder outcome", zap.Int64("reminder_id", r.ID), zap.Error(err))
		return outPending
	}
	if !ok {
		return outTaken
	}
	switch o.Status {
	case "sent":
		e.metrics.sent.WithLabelValues(string(kind)).Inc()
		return outSent
	case "skipped":
		e.metrics.skipped.WithLabelValues(string(kind)).Inc()
		return outSkipped
	default:
		e.metrics.failed.WithLabelValues(string(kind)).Inc()
		return outFailed
	}
}

// pending notes why an attempt stopped and leaves the row claimed.
func (e *Engine) pending(ctx context.Context, r *storage.Reminder, cause error) outcome {
	if cause == nil {
		return outPending
	}
	e.log.Warn("reminder attempt left for later", zap.Int64("reminder_id", r.ID), zap.Error(cause))
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := storage.NoteReminderError(nctx, e.opts.DB, r.ID, r.ClaimedBy, r.Attempts, cause.Error()); err != nil {
		e.log.Warn("note reminder error", zap.Error(err))
	}
	return outPending
}

// open returns the DM channel with user.
func (e *Engine) open(ctx context.Context, user string) (string, error) {
	var id string
	err := e.retry(ctx, "conversations.open", false, nil, func(ctx context.Context) error {
		ch, _, _, err := e.opts.Slack.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		if err == nil {
			id = ch.ID
		}
		return err
	})
	return id, err
}

// post sends the message with the ledger id in its metadata. After an
// ambiguous failure (a timeout, a 5xx) it looks in the channel before
// posting again.
func (e *Engine) post(ctx context.Context, channel, user string, ledgerID int64, kind Kind, blocks []slack.Block, text string) (string, string, error) {
	var ts string
	posted := channel
	check := func(ctx context.Context) (bool, error) {
		if posted == user { // posted to the user id: look in the DM itself
			dm, err := e.open(ctx, user)
			if err != nil {
				return false, err
			}
			posted = dm
		}
		got, found, err := e.findPosted(ctx, posted, ledgerID)
		if found {
			ts = got
		}
		return found, err
	}
	meta := slack.SlackMetadata{EventType: MetadataEventType, EventPayload: map[string]any{
		"ledger_id": strconv.FormatInt(ledgerID, 10), "kind": string(kind)}}
	err := e.retry(ctx, "chat.postMessage", true, check, func(ctx context.Context) error {
		ch, got, err := e.opts.Slack.PostMessageContext(ctx, channel,
			slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(text, false), slack.MsgOptionMetadata(meta))
		if err == nil {
			ts, posted = got, ch
		}
		return err
	})
	return ts, posted, err
}

// findPosted looks through the recent history of channel for the message
// of ledger row id.
func (e *Engine) findPosted(ctx context.Context, channel string, id int64) (string, bool, error) {
	var hist *slack.GetConversationHistoryResponse
	err := e.retry(ctx, "conversations.history", false, nil, func(ctx context.Context) error {
		var err error
		hist, err = e.opts.Slack.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Limit: 50, IncludeAllMetadata: true})
		return err
	})
	if err != nil {
		return "", false, err
	}
	want := strconv.FormatInt(id, 10)
	for _, m := range hist.Messages {
		if m.Metadata.EventType != MetadataEventType {
			continue
		}
		if v, ok := m.Metadata.EventPayload["ledger_id"]; ok && fmt.Sprint(v) == want {
			return m.Timestamp, true, nil
		}
	}
	return "", false, nil
}

// UpdateSentMessage re-renders the weekly DM of employeeID for week and
// updates it in place (after a confirmation). Without a sent DM for that
// week it does nothing.
func (e *Engine) UpdateSentMessage(ctx context.Context, employeeID int64, week model.Week) error {
	r, ok, err := storage.ReminderFor(ctx, e.opts.DB, storage.ReminderWeekly, employeeID, week.Start)
	if err != nil {
		return err
	}
	if !ok || r.Status != "sent" || r.ChannelID == "" || r.MessageTS == "" {
		return nil
	}
	blocks, text, _, _, err := e.opts.Render(ctx, employeeID, week)
	if err != nil {
		return fmt.Errorf("render week for update: %w", err)
	}
	meta := slack.SlackMetadata{EventType: MetadataEventType, EventPayload: map[string]any{
		"ledger_id": strconv.FormatInt(r.ID, 10), "kind": storage.ReminderWeekly}}
	err = e.retry(ctx, "chat.update", false, nil, func(ctx context.Context) error {
		_, _, _, err := e.opts.Slack.UpdateMessageContext(ctx, r.ChannelID, r.MessageTS,
			slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(text, false), slack.MsgOptionMetadata(meta))
		return err
	})
	if err != nil {
		return fmt.Errorf("update reminder of %d: %w", employeeID, err)
	}
	return nil
}
