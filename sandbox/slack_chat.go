package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message limits as Slack documents them.
const (
	slackMaxTextRunes     = 40000
	slackMaxMessageBlocks = 50
	slackMaxViewBlocks    = 100
)

// slackContent validates a message's text and blocks the way
// chat.postMessage does and returns the blocks compacted.
func slackContent(text, blocks, attachments string) (json.RawMessage, string) {
	var raw json.RawMessage
	if strings.TrimSpace(blocks) != "" {
		if errs := slackValidateBlocks([]byte(blocks), slackMaxMessageBlocks); len(errs) > 0 {
			return nil, "invalid_blocks"
		}
		raw = slackCompact([]byte(blocks))
		if string(raw) == "[]" {
			raw = nil
		}
	}
	if strings.TrimSpace(text) == "" && raw == nil && strings.TrimSpace(attachments) == "" {
		return nil, "no_text"
	}
	if utf8.RuneCountInString(text) > slackMaxTextRunes {
		return nil, "msg_too_long"
	}
	return raw, ""
}

func (s *Slack) chatPostMessageLocked(p map[string]string) slackResult {
	ch := s.resolvePostChannelLocked(p["channel"])
	if ch == "" {
		return slackFail("channel_not_found")
	}
	blocks, e := slackContent(p["text"], p["blocks"], p["attachments"])
	if e != "" {
		return slackFail(e)
	}
	m := &SlackMessage{Channel: ch, TS: s.nextTSLocked(), ThreadTS: p["thread_ts"], User: s.opts.BotUserID,
		Text: p["text"], Blocks: blocks, PostedAt: s.opts.Now()}
	if md := p["metadata"]; md != "" {
		var probe struct {
			EventType string `json:"event_type"`
		}
		if json.Unmarshal([]byte(md), &probe) != nil || probe.EventType == "" {
			return slackFail("invalid_metadata_format")
		}
		m.Metadata = json.RawMessage(md)
	}
	s.appendMessageLocked(m)
	return slackOK(map[string]any{"channel": ch, "ts": m.TS, "message": s.messageObjLocked(m)})
}

func (s *Slack) chatUpdateLocked(p map[string]string) slackResult {
	ch := p["channel"]
	if ch == "" || strings.HasPrefix(ch, "U") || s.resolvePostChannelLocked(ch) == "" {
		return slackFail("channel_not_found")
	}
	m := s.findMessageLocked(ch, p["ts"])
	if m == nil || m.Deleted {
		return slackFail("message_not_found")
	}
	blocks, e := slackContent(p["text"], p["blocks"], p["attachments"])
	if e != "" {
		return slackFail(e)
	}
	m.Text, m.Blocks = p["text"], blocks
	m.Updates++
	return slackOK(map[string]any{"channel": ch, "ts": m.TS, "text": m.Text, "message": s.messageObjLocked(m)})
}

func (s *Slack) chatDeleteLocked(p map[string]string) slackResult {
	ch := p["channel"]
	if ch == "" || s.resolvePostChannelLocked(ch) == "" {
		return slackFail("channel_not_found")
	}
	m := s.findMessageLocked(ch, p["ts"])
	if m == nil || m.Deleted {
		return slackFail("message_not_found")
	}
	m.Deleted = true
	return slackOK(map[string]any{"channel": ch, "ts": m.TS})
}

func (s *Slack) chatPostEphemeralLocked(p map[string]string) slackResult {
	ch := s.resolvePostChannelLocked(p["channel"])
	if ch == "" {
		return slackFail("channel_not_found")
	}
	u, ok := s.users[p["user"]]
	if !ok {
		return slackFail("user_not_found")
	}
	blocks, e := slackContent(p["text"], p["blocks"], p["attachments"])
	if e != "" {
		return slackFail(e)
	}
	m := SlackMessage{Channel: ch, TS: s.nextTSLocked(), ThreadTS: p["thread_ts"], User: u.ID,
		Text: p["text"], Blocks: blocks, PostedAt: s.opts.Now()}
	s.ephemerals[u.ID] = append(s.ephemerals[u.ID], m)
	return slackOK(map[string]any{"message_ts": m.TS})
}

// messageObjLocked renders a stored message as the Web API returns it.
func (s *Slack) messageObjLocked(m *SlackMessage) map[string]any {
	obj := map[string]any{
		"type":   "message",
		"user":   s.opts.BotUserID,
		"bot_id": "B0SANDBOX",
		"app_id": s.opts.AppID,
		"team":   s.opts.TeamID,
		"text":   m.Text,
		"ts":     m.TS,
	}
	if m.Blocks != nil {
		obj["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		obj["thread_ts"] = m.ThreadTS
	}
	if m.Metadata != nil {
		obj["metadata"] = m.Metadata
	}
	if m.Updates > 0 {
		obj["edited"] = map[string]any{"user": s.opts.BotUserID, "ts": m.TS}
	}
	return obj
}

// messageJSONLocked is m's message object for an interaction payload,
// encoded once per content (slackEncoded): the payloads of a message carry
// it whole, at every click and every keystroke in its pickers. A message
// with metadata, or one that does not encode, is returned as a map, for
// the payload's encoding to handle (or refuse) as before.
func (s *Slack) messageJSONLocked(m *SlackMessage) any {
	obj := s.messageObjLocked(m)
	if m.Metadata != nil {
		return obj
	}
	key := fmt.Sprintf("%s\x00%s\x00%s\x00%t\x00%s", m.TS, m.ThreadTS, m.Text, m.Updates > 0, m.Blocks)
	enc := s.messageJSON.get(key, func() slackEncoded {
		b, err := json.Marshal(obj)
		if err != nil {
			return nil
		}
		return b
	})
	if enc == nil {
		return obj
	}
	return enc
}

func (s *Slack) findEphemeralLocked(userID, channel, ts string) *SlackMessage {
	list := s.ephemerals[userID]
	for i := range list {
		if list[i].Channel == channel && list[i].TS == ts {
			return &list[i]
		}
	}
	return nil
}

// serveResponseURL takes POSTs to response_urls: at most 5 within 30
// minutes; ephemeral (default) or in_channel answers, replace_original and
// delete_original on the message an action came from.
func (s *Slack) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/response/"+s.opts.TeamID+"/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var msg struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	perr := json.Unmarshal(body, &msg)

	s.mu.Lock()
	defer s.mu.Unlock()
	ru, ok := s.responseURLs[id]
	if !ok {
		http.Error(w, "invalid_token", http.StatusNotFound)
		return
	}
	post := ResponseURLPost{UserID: ru.userID, URL: s.base + strings.TrimPrefix(r.URL.Path, "/"), Body: body,
		Text: msg.Text, ResponseType: slackFirst(msg.ResponseType, "ephemeral"),
		ReplaceOriginal: msg.ReplaceOriginal, DeleteOriginal: msg.DeleteOriginal, At: s.opts.Now()}
	if len(msg.Blocks) > 0 && string(msg.Blocks) != "null" {
		post.Blocks = slackCompact(msg.Blocks)
	}
	status, answer := s.applyResponseLocked(ru, &post, perr)
	post.Error = answer
	s.responsePosts[ru.userID] = append(s.responsePosts[ru.userID], post)
	if status != http.StatusOK {
		http.Error(w, answer, status)
		return
	}
	slackWriteJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// applyResponseLocked enforces the response_url limits and applies the post;
// it returns the HTTP status and the error text ("" when accepted).
func (s *Slack) applyResponseLocked(ru *slackResponseURL, post *ResponseURLPost, perr error) (int, string) {
	switch {
	case perr != nil:
		return http.StatusBadRequest, "invalid_payload"
	case post.At.Sub(ru.issued) > slackResponseURLTTL:
		return http.StatusNotFound, "expired_url"
	case ru.uses >= slackResponseURLUses:
		return http.StatusNotFound, "used_url"
	}
	var blocks json.RawMessage
	if !post.DeleteOriginal {
		var e string
		if blocks, e = slackContent(post.Text, string(post.Blocks), ""); e != "" {
			return http.StatusBadRequest, e
		}
	}
	ru.uses++
	switch {
	case post.DeleteOriginal && ru.messageTS != "":
		if m := s.findMessageLocked(ru.channelID, ru.messageTS); m != nil {
			m.Deleted = true
		}
	case post.ReplaceOriginal && ru.messageTS != "":
		if m := s.findMessageLocked(ru.channelID, ru.messageTS); m != nil {
			m.Text, m.Blocks = post.Text, blocks
			m.Updates++
		} else if m := s.findEphemeralLocked(ru.userID, ru.channelID, ru.messageTS); m != nil {
			m.Text, m.Blocks = post.Text, blocks
			m.Updates++
		}
	case post.ResponseType == "in_channel":
		s.appendMessageLocked(&SlackMessage{Channel: ru.channelID, TS: s.nextTSLocked(), User: s.opts.BotUserID,
			Text: post.Text, Blocks: blocks, PostedAt: post.At})
	default:
		s.ephemerals[ru.userID] = append(s.ephemerals[ru.userID], SlackMessage{Channel: ru.channelID,
			TS: s.nextTSLocked(), User: ru.userID, Text: post.Text, Blocks: blocks, PostedAt: post.At})
	}
	return http.StatusOK, ""
}

func slackCompact(raw []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return json.RawMessage(raw)
	}
	return json.RawMessage(buf.Bytes())
}

// conversationsHistoryLocked answers conversations.history: the channel's
// messages newest first, at most limit (default 100, max 999), between
// oldest and latest when given. Message metadata is included only with
// include_all_metadata=true, as Slack does.
func (s *Slack) conversationsHistoryLocked(p map[string]string) slackResult {
	ch := p["channel"]
	if ch == "" {
		return slackFail("channel_not_found")
	}
	if _, ok := s.messages[ch]; !ok && !strings.HasPrefix(ch, "D") {
		return slackFail("channel_not_found")
	}
	limit := 100
	if v, err := strconv.Atoi(p["limit"]); err == nil && v > 0 {
		limit = min(v, 999)
	}
	withMeta := p["include_all_metadata"] == "true" || p["include_all_metadata"] == "1"
	list := s.messages[ch]
	out := make([]map[string]any, 0, min(limit, len(list)))
	for i := len(list) - 1; i >= 0 && len(out) < limit; i-- {
		m := list[i]
		if m.Deleted {
			continue
		}
		if p["oldest"] != "" && slackTSLess(m.TS, p["oldest"]) {
			continue
		}
		if p["latest"] != "" && slackTSLess(p["latest"], m.TS) {
			continue
		}
		obj := s.messageObjLocked(m)
		if !withMeta {
			delete(obj, "metadata")
		}
		out = append(out, obj)
	}
	return slackOK(map[string]any{"messages": out, "has_more": false})
}
