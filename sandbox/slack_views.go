package sandbox

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// slackCheckView parses and validates a view argument; on failure it returns
// the invalid_arguments result with Slack's response_metadata messages.
func slackCheckView(raw, wantType string) (map[string]json.RawMessage, *slackResult) {
	fail := func(msgs ...string) (map[string]json.RawMessage, *slackResult) {
		return nil, &slackResult{err: "invalid_arguments", fields: map[string]any{
			"response_metadata": map[string]any{"messages": msgs},
		}}
	}
	var v map[string]json.RawMessage
	if raw == "" || json.Unmarshal([]byte(raw), &v) != nil {
		return fail("[ERROR] missing required field: view")
	}
	var typ, callbackID, meta string
	_ = json.Unmarshal(v["type"], &typ)
	_ = json.Unmarshal(v["callback_id"], &callbackID)
	_ = json.Unmarshal(v["private_metadata"], &meta)
	if typ != wantType {
		return fail("[ERROR] view type must be " + wantType + " [json-pointer:/view/type]")
	}
	var msgs []string
	if blocks, ok := v["blocks"]; ok && string(blocks) != "null" {
		msgs = append(msgs, slackValidateBlocks(blocks, slackMaxViewBlocks)...)
	}
	if utf8.RuneCountInString(callbackID) > 255 {
		msgs = append(msgs, "[ERROR] callback_id must be at most 255 characters [json-pointer:/view/callback_id]")
	}
	if utf8.RuneCountInString(meta) > 3000 {
		msgs = append(msgs, "[ERROR] private_metadata must be at most 3000 characters [json-pointer:/view/private_metadata]")
	}
	if typ == "modal" {
		for _, f := range []string{"title", "submit", "close"} {
			var t *slackTextObj
			_ = json.Unmarshal(v[f], &t)
			switch {
			case t == nil && f == "title":
				msgs = append(msgs, "[ERROR] missing required field: title [json-pointer:/view/title]")
			case t != nil && (t.Type != "plain_text" || t.Text == "" || utf8.RuneCountInString(t.Text) > 24):
				msgs = append(msgs, "[ERROR] "+f+" must be plain_text of 1 to 24 characters [json-pointer:/view/"+f+"]")
			}
		}
	}
	if len(msgs) > 0 {
		return fail(msgs...)
	}
	return v, nil
}

// fullViewLocked renders a stored view as Slack returns it.
func (s *Slack) fullViewLocked(req map[string]json.RawMessage, id, rootID, hash string) json.RawMessage {
	obj := map[string]any{
		"private_metadata": "", "callback_id": "", "external_id": "",
		"clear_on_close": false, "notify_on_close": false, "close": nil, "submit": nil,
		"previous_view_id": nil,
	}
	for k, v := range req {
		obj[k] = v
	}
	obj["id"] = id
	obj["team_id"] = s.opts.TeamID
	obj["state"] = map[string]any{"values": map[string]any{}}
	obj["hash"] = hash
	obj["app_id"] = s.opts.AppID
	obj["app_installed_team_id"] = s.opts.TeamID
	obj["bot_id"] = "B0SANDBOX"
	obj["root_view_id"] = rootID
	b, _ := json.Marshal(obj)
	return b
}

func (s *Slack) newHashLocked() string {
	return slackTS(s.opts.Now().UnixMicro()) + "." + slackRandomHex(4)
}

func (s *Slack) viewsPublishLocked(p map[string]string) slackResult {
	userID := p["user_id"]
	if userID == "" {
		return slackFail("invalid_arguments")
	}
	if _, ok := s.users[userID]; !ok {
		return slackFail("user_not_found")
	}
	v, bad := slackCheckView(p["view"], "home")
	if bad != nil {
		return *bad
	}
	if h := p["hash"]; h != "" && h != s.homeHashes[userID] {
		return slackFail("hash_conflict")
	}
	id, ok := s.homeViewIDs[userID]
	if !ok {
		id = s.nextIDLocked("V")
		s.homeViewIDs[userID] = id
	}
	hash := s.newHashLocked()
	s.homeHashes[userID] = hash
	full := s.fullViewLocked(v, id, id, hash)
	s.homeFull[userID] = full
	s.homeViews[userID] = append(s.homeViews[userID], slackCompact([]byte(p["view"])))
	return slackOK(map[string]any{"view": full})
}

func (s *Slack) viewsOpenLocked(p map[string]string) slackResult {
	trig := p["trigger_id"]
	if trig == "" {
		return slackFail("invalid_arguments")
	}
	t, ok := s.triggers[trig]
	switch {
	case !ok:
		return slackFail("invalid_trigger_id")
	case t.used:
		return slackFail("exchanged_trigger_id")
	case time.Since(t.issued) > s.opts.TriggerTTL:
		return slackFail("expired_trigger_id")
	}
	v, bad := slackCheckView(p["view"], "modal")
	if bad != nil {
		return *bad
	}
	t.used = true
	s.triggers[trig] = t
	id := s.nextIDLocked("V")
	hash := s.newHashLocked()
	full := s.fullViewLocked(v, id, id, hash)
	s.modals[id] = &SlackView{ID: id, UserID: t.userID, TriggerID: trig, View: slackCompact([]byte(p["view"])), OpenedAt: s.opts.Now()}
	s.modalOrder = append(s.modalOrder, id)
	s.modalFull[id] = full
	s.modalHashes[id] = hash
	return slackOK(map[string]any{"view": full})
}

func (s *Slack) viewsUpdateLocked(p map[string]string) slackResult {
	id := p["view_id"]
	if id == "" && p["external_id"] != "" {
		for mid, full := range s.modalFull {
			var x struct {
				ExternalID string `json:"external_id"`
			}
			if json.Unmarshal(full, &x) == nil && x.ExternalID == p["external_id"] {
				id = mid
			}
		}
		if id == "" {
			return slackFail("not_found")
		}
	}
	if id == "" {
		return slackFail("invalid_arguments")
	}
	if m, ok := s.modals[id]; ok {
		v, bad := slackCheckView(p["view"], "modal")
		if bad != nil {
			return *bad
		}
		if h := p["hash"]; h != "" && h != s.modalHashes[id] {
			return slackFail("hash_conflict")
		}
		hash := s.newHashLocked()
		s.modalHashes[id] = hash
		s.modalFull[id] = s.fullViewLocked(v, id, id, hash)
		m.View = slackCompact([]byte(p["view"]))
		m.Updates++
		return slackOK(map[string]any{"view": s.modalFull[id]})
	}
	for userID, hid := range s.homeViewIDs {
		if hid != id {
			continue
		}
		v, bad := slackCheckView(p["view"], "home")
		if bad != nil {
			return *bad
		}
		if h := p["hash"]; h != "" && h != s.homeHashes[userID] {
			return slackFail("hash_conflict")
		}
		hash := s.newHashLocked()
		s.homeHashes[userID] = hash
		s.homeFull[userID] = s.fullViewLocked(v, id, id, hash)
		s.homeViews[userID] = append(s.homeViews[userID], slackCompact([]byte(p["view"])))
		return slackOK(map[string]any{"view": s.homeFull[userID]})
	}
	return slackFail("not_found")
}

// viewObjByIDLocked returns a home or modal view as a decoded object plus its
// blocks, for payloads that carry the view.
func (s *Slack) viewObjByIDLocked(viewID string) (map[string]any, json.RawMessage, bool) {
	full, ok := s.modalFull[viewID]
	if !ok {
		for userID, hid := range s.homeViewIDs {
			if hid == viewID && viewID != "" {
				full, ok = s.homeFull[userID], true
			}
		}
	}
	if !ok {
		return nil, nil, false
	}
	var obj map[string]any
	var blocks struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	_ = json.Unmarshal(full, &obj)
	_ = json.Unmarshal(full, &blocks)
	return obj, blocks.Blocks, true
}

// homeViewObjLocked returns userID's current Home view, or nil.
func (s *Slack) homeViewObjLocked(userID string) map[string]any {
	obj, _, ok := s.viewObjByIDLocked(s.homeViewIDs[userID])
	if !ok {
		return nil
	}
	return obj
}

// HomeViewID returns the id of userID's Home view, "" before the first views.publish.
func (s *Slack) HomeViewID(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.homeViewIDs[userID]
}
