package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// BlockActionSpec describes a click on an interactive element. Give the
// surface either as ChannelID+MessageTS (a message, ephemeral or not), ViewID
// (a Home tab or modal), or Home (the user's current Home tab). The element
// must exist on that surface; BlockID, Type and Value default to what the
// surface's blocks say.
type BlockActionSpec struct {
	ActionID string
	BlockID  string
	// Type is the element type ("button", "static_select", ...).
	Type  string
	Value string
	// SelectedOption is the value of the chosen option of a select or radio
	// group; it is sent as selected_option.
	SelectedOption string

	ChannelID string
	MessageTS string
	ViewID    string
	Home      bool
}

// slackResponseURL is one response_url the fake issued.
type slackResponseURL struct {
	userID    string
	channelID string
	messageTS string // set for block actions on a message: replace_original applies to it
	issued    time.Time
	uses      int
}

// slackTrigger is one trigger_id the fake issued.
type slackTrigger struct {
	userID string
	issued time.Time
	used   bool
}

// Response URL limits: at most 5 uses within 30 minutes.
const (
	slackResponseURLUses = 5
	slackResponseURLTTL  = 30 * time.Minute
)

func (s *Slack) issueResponseURLLocked(userID, channelID, messageTS string) string {
	id := s.nextIDLocked("R") + "/" + slackRandomHex(12)
	s.responseURLs[id] = &slackResponseURL{userID: userID, channelID: channelID, messageTS: messageTS, issued: s.opts.Now()}
	return s.base + "response/" + s.opts.TeamID + "/" + id
}

func (s *Slack) issueTriggerLocked(userID string) string {
	s.seq++
	id := fmt.Sprintf("%d.%d.%s", s.seq, s.opts.Now().Unix(), slackRandomHex(16))
	s.triggers[id] = slackTrigger{userID: userID, issued: time.Now()}
	return id
}

func (s *Slack) userLocked(userID string) (*SlackUser, error) {
	u, ok := s.users[userID]
	if !ok {
		return nil, fmt.Errorf("slack fake: unknown user %q (AddUser first)", userID)
	}
	return u, nil
}

// interactionPayloadLocked is what every interaction payload of type typ
// from user u carries: type, user, team, api_app_id, the verification
// token and the enterprise fields; callers add the rest.
func (s *Slack) interactionPayloadLocked(typ string, u *SlackUser) map[string]any {
	return map[string]any{ //nolint:gosec // G101: the fake's fixed verification token, not a credential
		"type":                  typ,
		"user":                  s.userObjLocked(u),
		"api_app_id":            s.opts.AppID,
		"token":                 "sandbox-verification-token",
		"team":                  s.teamObj(),
		"enterprise":            nil,
		"is_enterprise_install": false,
	}
}

// userObjLocked is an interaction payload's user object, encoded once per
// user (slackEncoded: spliced into payloads as it is).
func (s *Slack) userObjLocked(u *SlackUser) slackEncoded {
	return s.encodedObj(u.ID+"\x00"+u.Name, map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": s.opts.TeamID})
}

// teamObj is an interaction payload's team object, encoded once.
func (s *Slack) teamObj() slackEncoded {
	return s.encodedObj("\x00team", map[string]any{"id": s.opts.TeamID, "domain": "tally-sandbox"})
}

// encodedObj is obj encoded, remembered under key (obj is a pure function
// of key).
func (s *Slack) encodedObj(key string, obj map[string]any) slackEncoded {
	return s.objJSON.get(key, func() slackEncoded {
		b, err := json.Marshal(obj)
		if err != nil {
			panic(fmt.Sprintf("slack fake: encode %v: %v", obj, err)) // strings only: it always encodes
		}
		return b
	})
}

func (s *Slack) actionTS() string {
	return slackTS(s.opts.Now().UnixMicro())
}

// SlashCommand sends a slash command typed by userID in the bot's DM channel
// and waits for its ack. command includes the slash, e.g. "/tally".
func (s *Slack) SlashCommand(ctx context.Context, userID, command, text string) (*Ack, error) {
	return s.SlashCommandIn(ctx, userID, s.DMChannel(userID), command, text)
}

// SlashCommandIn is SlashCommand typed in channelID.
func (s *Slack) SlashCommandIn(ctx context.Context, userID, channelID, command, text string) (*Ack, error) {
	s.mu.Lock()
	u, err := s.userLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	payload := map[string]any{ //nolint:gosec // G101: the fake's fixed verification token, not a credential
		"token":                 "sandbox-verification-token",
		"team_id":               s.opts.TeamID,
		"team_domain":           "tally-sandbox",
		"channel_id":            channelID,
		"channel_name":          "directmessage",
		"user_id":               u.ID,
		"user_name":             u.Name,
		"command":               command,
		"text":                  text,
		"api_app_id":            s.opts.AppID,
		"is_enterprise_install": "false",
		"response_url":          s.issueResponseURLLocked(u.ID, channelID, ""),
		"trigger_id":            s.issueTriggerLocked(u.ID),
	}
	s.mu.Unlock()
	ack, err := s.SendEnvelope(ctx, "slash_commands", payload, true)
	if err == nil && len(ack.Payload) > 0 {
		s.slackShowAckMessage(u.ID, channelID, ack.Payload)
	}
	return ack, err
}

// slackShowAckMessage shows a slash command's ack payload the way Slack
// does: an ephemeral message for the user (default), or a channel message
// for response_type in_channel. Buttons on it can then be clicked.
func (s *Slack) slackShowAckMessage(userID, channelID string, raw json.RawMessage) {
	var msg struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if json.Unmarshal(raw, &msg) != nil || (msg.Text == "" && len(msg.Blocks) == 0) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := SlackMessage{Channel: channelID, TS: s.nextTSLocked(), Text: msg.Text, Blocks: msg.Blocks, PostedAt: s.opts.Now()}
	if msg.ResponseType == "in_channel" {
		m.User = s.opts.BotUserID
		s.appendMessageLocked(&m)
		return
	}
	m.User = userID
	s.ephemerals[userID] = append(s.ephemerals[userID], m)
}

// OpenHome sends the app_home_opened event for userID's Home tab and waits
// for its ack. The event carries the user's current Home view, if any.
func (s *Slack) OpenHome(ctx context.Context, userID string) (*Ack, error) {
	s.mu.Lock()
	if _, err := s.userLocked(userID); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	now := s.opts.Now()
	event := map[string]any{
		"type":     "app_home_opened",
		"user":     userID,
		"channel":  s.dmLocked(userID),
		"tab":      "home",
		"event_ts": slackTS(now.UnixMicro()),
	}
	if v := s.homeViewObjLocked(userID); v != nil {
		event["view"] = v
	}
	payload := map[string]any{ //nolint:gosec // G101: the fake's fixed verification token, not a credential
		"token":      "sandbox-verification-token",
		"team_id":    s.opts.TeamID,
		"api_app_id": s.opts.AppID,
		"event":      event,
		"type":       "event_callback",
		"event_id":   s.nextIDLocked("Ev"),
		"event_time": now.Unix(),
		"authorizations": []map[string]any{{
			"enterprise_id": nil, "team_id": s.opts.TeamID, "user_id": s.opts.BotUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
	}
	s.mu.Unlock()
	return s.SendEnvelope(ctx, "events_api", payload, false)
}

// BlockAction sends a block_actions interaction by userID and waits for its ack.
func (s *Slack) BlockAction(ctx context.Context, userID string, a BlockActionSpec) (*Ack, error) {
	s.mu.Lock()
	payload, err := s.blockActionPayloadLocked(userID, a)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.SendEnvelope(ctx, "interactive", payload, false)
}

func (s *Slack) blockActionPayloadLocked(userID string, a BlockActionSpec) (map[string]any, error) {
	u, err := s.userLocked(userID)
	if err != nil {
		return nil, err
	}
	payload := s.interactionPayloadLocked("block_actions", u)
	payload["trigger_id"] = s.issueTriggerLocked(userID)
	blocks, message, err := s.surfaceLocked(payload, userID, slackSurface{Home: a.Home, ViewID: a.ViewID, ChannelID: a.ChannelID, MessageTS: a.MessageTS}, "act on")
	if err != nil {
		return nil, fmt.Errorf("slack fake: block action: %w", err)
	}
	if message {
		payload["response_url"] = s.issueResponseURLLocked(userID, a.ChannelID, a.MessageTS)
	}
	el, blockID, ok := slackFindElement(blocks, a.BlockID, a.ActionID)
	if !ok {
		return nil, fmt.Errorf("slack fake: no element with action_id %q (block_id %q) on that surface", a.ActionID, a.BlockID)
	}
	action := map[string]any{
		"action_id": a.ActionID,
		"block_id":  blockID,
		"type":      slackFirst(a.Type, el.Type, "button"),
		"action_ts": s.actionTS(),
	}
	if el.Text != nil {
		action["text"] = el.Text
	}
	if a.SelectedOption != "" {
		action["selected_option"] = slackOptionObj(el, a.SelectedOption)
	} else {
		action["value"] = slackFirst(a.Value, el.Value)
	}
	payload["actions"] = []any{action}
	return payload, nil
}

// ViewSubmission submits a modal for userID and waits for the ack, whose
// payload may carry {"response_action":"errors","errors":{...}}. values maps
// block_id → action_id → the entered value; each is sent in the shape its
// element type takes (plain_text_input value, select selected_option,
// datepicker selected_date, ...) when the view is known. Empty callbackID and
// privateMetadata default to the opened view's.
func (s *Slack) ViewSubmission(ctx context.Context, userID, viewID, callbackID, privateMetadata string, values map[string]map[string]string) (*Ack, error) {
	s.mu.Lock()
	u, err := s.userLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	view := map[string]any{"id": viewID, "team_id": s.opts.TeamID, "type": "modal", "app_id": s.opts.AppID,
		"bot_id": "B0SANDBOX", "root_view_id": viewID, "previous_view_id": nil, "hash": slackRandomHex(8)}
	var blocks json.RawMessage
	if obj, vb, ok := s.viewObjByIDLocked(viewID); ok {
		view = obj
		blocks = vb
	}
	if callbackID != "" {
		view["callback_id"] = callbackID
	}
	if privateMetadata != "" {
		view["private_metadata"] = privateMetadata
	}
	state := map[string]map[string]any{}
	for blockID, actions := range values {
		state[blockID] = map[string]any{}
		for actionID, v := range actions {
			el, _, _ := slackFindElement(blocks, blockID, actionID)
			state[blockID][actionID] = slackStateValue(el, v)
		}
	}
	view["state"] = map[string]any{"values": state}
	payload := s.interactionPayloadLocked("view_submission", u)
	payload["trigger_id"] = s.issueTriggerLocked(userID)
	payload["view"] = view
	payload["response_urls"] = []any{}
	s.mu.Unlock()
	ack, err := s.SendEnvelope(ctx, "interactive", payload, true)
	if err != nil {
		return nil, err
	}
	s.applyViewResponse(viewID, ack)
	return ack, nil
}

// applyViewResponse follows a view_submission ack as Slack does: "update"
// replaces the modal, "errors" keeps it, anything else closes it.
func (s *Slack) applyViewResponse(viewID string, ack *Ack) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.modals[viewID]
	if !ok {
		return
	}
	switch ack.ResponseAction() {
	case "errors", "push":
	case "update":
		var p struct {
			View json.RawMessage `json:"view"`
		}
		if json.Unmarshal(ack.Payload, &p) == nil && len(p.View) > 0 {
			m.View = p.View
			m.Updates++
		}
	default:
		m.Closed = true
	}
}

func slackFirst(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// slackSurface names where a person acts or types: a view (the Home tab
// or one by id) or a message (channel + ts).
type slackSurface struct {
	Home      bool
	ViewID    string
	ChannelID string
	MessageTS string
}

// surfaceLocked fills payload's container, channel and message or view as
// Slack sends them for an action or suggestion on sf, and returns the
// surface's blocks and whether it is a message.
func (s *Slack) surfaceLocked(payload map[string]any, userID string, sf slackSurface, verb string) (json.RawMessage, bool, error) {
	switch {
	case sf.Home || sf.ViewID != "":
		viewID := sf.ViewID
		if sf.Home {
			viewID = s.homeViewIDs[userID]
		}
		view, vb, ok := s.viewObjByIDLocked(viewID)
		if !ok {
			return nil, false, fmt.Errorf("no view %q to %s", viewID, verb)
		}
		payload["container"] = map[string]any{"type": "view", "view_id": viewID}
		payload["view"] = view
		return vb, false, nil
	case sf.ChannelID != "" && sf.MessageTS != "":
		container := map[string]any{"type": "message", "message_ts": sf.MessageTS, "channel_id": sf.ChannelID, "is_ephemeral": false}
		payload["channel"] = map[string]any{"id": sf.ChannelID, "name": "directmessage"}
		payload["container"] = container
		if m := s.findMessageLocked(sf.ChannelID, sf.MessageTS); m != nil && !m.Deleted {
			payload["message"] = s.messageJSONLocked(m)
			return m.Blocks, true, nil
		}
		if m := s.findEphemeralLocked(userID, sf.ChannelID, sf.MessageTS); m != nil {
			container["is_ephemeral"] = true
			return m.Blocks, true, nil
		}
		return nil, false, fmt.Errorf("no message %s in %s to %s", sf.MessageTS, sf.ChannelID, verb)
	}
	return nil, false, fmt.Errorf("it needs a message (ChannelID+MessageTS), a ViewID or Home")
}
