package sandbox

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// slackBlock is the part of a Block Kit block the fake checks.
type slackBlock struct {
	Type      string            `json:"type"`
	BlockID   string            `json:"block_id"`
	Text      *slackTextObj     `json:"text"`
	Fields    []slackTextObj    `json:"fields"`
	Label     *slackTextObj     `json:"label"`
	Elements  []json.RawMessage `json:"elements"`
	Accessory json.RawMessage   `json:"accessory"`
	Element   json.RawMessage   `json:"element"`
}

type slackTextObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackCheckedElement struct {
	Type     string        `json:"type"`
	ActionID string        `json:"action_id"`
	Text     *slackTextObj `json:"text"`
	Value    string        `json:"value"`
	URL      string        `json:"url"`
	Options  []struct {
		Text  slackTextObj `json:"text"`
		Value string       `json:"value"`
	} `json:"options"`
}

// slackValidateBlocks checks blocks against Slack's documented Block Kit
// limits and returns one line per violation, as Slack lists them in
// response_metadata.messages.
func slackValidateBlocks(raw []byte, maxBlocks int) []string {
	var blocks []slackBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return []string{"[ERROR] blocks must be a JSON array of block objects"}
	}
	var errs []string
	add := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("[ERROR] "+format+" [json-pointer:/blocks/%d]", append(args, i)...))
	}
	if len(blocks) > maxBlocks {
		errs = append(errs, fmt.Sprintf("[ERROR] no more than %d items allowed [json-pointer:/blocks]", maxBlocks))
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		if b.Type == "" {
			add(i, "missing required field: type")
			continue
		}
		if b.BlockID != "" {
			if len(b.BlockID) > 255 {
				add(i, "block_id must be at most 255 characters")
			}
			if ids[b.BlockID] {
				add(i, "duplicate block_id %q", b.BlockID)
			}
			ids[b.BlockID] = true
		}
		switch b.Type {
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				add(i, "section needs text or fields")
			}
			if b.Text != nil && (utf8.RuneCountInString(b.Text.Text) > 3000 || b.Text.Text == "") {
				add(i, "section text must be 1 to 3000 characters")
			}
			if len(b.Fields) > 10 {
				add(i, "no more than 10 fields allowed")
			}
			for _, f := range b.Fields {
				if utf8.RuneCountInString(f.Text) > 2000 {
					add(i, "field text must be at most 2000 characters")
				}
			}
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || b.Text.Text == "" || utf8.RuneCountInString(b.Text.Text) > 150 {
				add(i, "header text must be plain_text of 1 to 150 characters")
			}
		case "actions":
			if len(b.Elements) == 0 || len(b.Elements) > 25 {
				add(i, "actions needs 1 to 25 elements")
			}
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > 10 {
				add(i, "context needs 1 to 10 elements")
			}
		case "input":
			if b.Label == nil || utf8.RuneCountInString(b.Label.Text) > 2000 {
				add(i, "input needs a label of at most 2000 characters")
			}
			if len(b.Element) == 0 {
				add(i, "input needs an element")
			}
		}
		actionIDs := map[string]bool{}
		els := b.Elements
		if len(b.Accessory) > 0 {
			els = append(els, b.Accessory)
		}
		if len(b.Element) > 0 {
			els = append(els, b.Element)
		}
		for _, raw := range els {
			for _, msg := range slackCheckElement(raw, actionIDs) {
				add(i, "%s", msg)
			}
		}
	}
	return errs
}

func slackCheckElement(raw json.RawMessage, actionIDs map[string]bool) []string {
	var e slackCheckedElement
	if json.Unmarshal(raw, &e) != nil {
		return nil // context elements may be plain strings in old payloads
	}
	var errs []string
	if e.ActionID != "" {
		if len(e.ActionID) > 255 {
			errs = append(errs, "action_id must be at most 255 characters")
		}
		if actionIDs[e.ActionID] {
			errs = append(errs, fmt.Sprintf("duplicate action_id %q", e.ActionID))
		}
		actionIDs[e.ActionID] = true
	}
	if e.Type == "button" {
		if e.Text == nil || e.Text.Text == "" || utf8.RuneCountInString(e.Text.Text) > 75 {
			errs = append(errs, "button text must be 1 to 75 characters")
		}
		if utf8.RuneCountInString(e.Value) > 2000 {
			errs = append(errs, "button value must be at most 2000 characters")
		}
		if len(e.URL) > 3000 {
			errs = append(errs, "button url must be at most 3000 characters")
		}
	}
	if e.Type == "external_select" && len(e.Options) > 0 {
		// Slack loads an external select's options from the app
		// (block_suggestion); the element itself carries none.
		errs = append(errs, "external_select must not carry options")
	}
	if len(e.Options) > 100 {
		errs = append(errs, "no more than 100 options allowed")
	}
	for _, o := range e.Options {
		if utf8.RuneCountInString(o.Text.Text) > 75 || utf8.RuneCountInString(o.Value) > 150 {
			errs = append(errs, "option text must be at most 75 and value at most 150 characters")
		}
	}
	return errs
}

// slackElement is the part of a Block Kit element the fake reads.
type slackElement struct {
	Type     string          `json:"type"`
	ActionID string          `json:"action_id"`
	Value    string          `json:"value"`
	Text     json.RawMessage `json:"text"`
	Options  []struct {
		Text  json.RawMessage `json:"text"`
		Value string          `json:"value"`
	} `json:"options"`
}

// slackFindElement finds the interactive element with actionID (in blockID
// when given) among blocks' elements, accessories and input elements.
func slackFindElement(blocks json.RawMessage, blockID, actionID string) (slackElement, string, bool) {
	return slackFindIn(slackSurfaceElements(blocks), blockID, actionID)
}

// slackSurfaceBlock is one block's id (Slack's generated one when the app
// gave none) with its interactive elements.
type slackSurfaceBlock struct {
	id    string
	elems []slackElement
}

// slackSurfaceElements reads the interactive elements of blocks, block by
// block; nil when blocks cannot be read.
func slackSurfaceElements(blocks json.RawMessage) []slackSurfaceBlock {
	var list []struct {
		BlockID   string         `json:"block_id"`
		Elements  []slackElement `json:"elements"`
		Accessory *slackElement  `json:"accessory"`
		Element   *slackElement  `json:"element"`
	}
	if json.Unmarshal(blocks, &list) != nil {
		return nil
	}
	out := make([]slackSurfaceBlock, len(list))
	for i, b := range list {
		id := b.BlockID
		if id == "" {
			// Slack generates a block_id when the app gave none.
			id = "blk" + strconv.Itoa(i)
		}
		cands := append([]slackElement(nil), b.Elements...)
		if b.Accessory != nil {
			cands = append(cands, *b.Accessory)
		}
		if b.Element != nil {
			cands = append(cands, *b.Element)
		}
		out[i] = slackSurfaceBlock{id: id, elems: cands}
	}
	return out
}

// slackFindIn finds the element with actionID (in blockID when given).
func slackFindIn(surface []slackSurfaceBlock, blockID, actionID string) (slackElement, string, bool) {
	for _, b := range surface {
		if blockID != "" && b.id != blockID {
			continue
		}
		for _, e := range b.elems {
			if e.ActionID == actionID {
				return e, b.id, true
			}
		}
	}
	return slackElement{}, "", false
}

func slackOptionObj(el slackElement, value string) map[string]any {
	opt := map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": value, "emoji": true}}
	for _, o := range el.Options {
		if o.Value == value && len(o.Text) > 0 {
			opt["text"] = o.Text
		}
	}
	return opt
}

// slackStateValue renders an entered value in the shape view.state.values
// uses for the element's type.
func slackStateValue(el slackElement, v string) map[string]any {
	typ := slackFirst(el.Type, "plain_text_input")
	switch typ {
	case "static_select", "external_select", "radio_buttons":
		return map[string]any{"type": typ, "selected_option": slackOptionObj(el, v)}
	case "datepicker":
		return map[string]any{"type": typ, "selected_date": v}
	case "timepicker":
		return map[string]any{"type": typ, "selected_time": v}
	case "users_select":
		return map[string]any{"type": typ, "selected_user": v}
	case "conversations_select":
		return map[string]any{"type": typ, "selected_conversation": v}
	case "channels_select":
		return map[string]any{"type": typ, "selected_channel": v}
	case "checkboxes", "multi_static_select":
		opts := []any{}
		if v != "" {
			opts = append(opts, slackOptionObj(el, v))
		}
		return map[string]any{"type": typ, "selected_options": opts}
	default:
		return map[string]any{"type": typ, "value": v}
	}
}
