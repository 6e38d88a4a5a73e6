package blocks

import (
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// Validate checks blocks against the Block Kit limits Slack enforces, with
// maxBlocks as the surface's block limit (MaxMessageBlocks or MaxHomeBlocks):
// block count, text lengths, button text and values, ids and their
// uniqueness, option counts and lengths. It returns every problem found,
// joined. Tests of code that sends blocks call it.
func Validate(blocks []slack.Block, maxBlocks int) error {
	v := validator{ids: map[string]bool{}}
	if len(blocks) > maxBlocks {
		v.errf("%d blocks, limit %d", len(blocks), maxBlocks)
	}
	for i, b := range blocks {
		v.block(i, deref(b))
	}
	return errors.Join(v.errs...)
}

type validator struct {
	errs []error
	ids  map[string]bool
}

func (v *validator) errf(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) text(where string, t *slack.TextBlockObject, max int, required bool) {
	if t == nil {
		if required {
			v.errf("%s: missing text", where)
		}
		return
	}
	if t.Text == "" {
		v.errf("%s: empty text", where)
	}
	if n := textLen(t.Text); n > max {
		v.errf("%s: text %d characters, limit %d", where, n, max)
	}
}

func (v *validator) blockID(where, bid string) {
	if bid == "" {
		return
	}
	if len(bid) > MaxIDLength {
		v.errf("%s: block_id %d characters", where, len(bid))
	}
	if v.ids[bid] {
		v.errf("%s: duplicate block_id %q", where, bid)
	}
	v.ids[bid] = true
}

func (v *validator) block(i int, b slack.Block) {
	where := fmt.Sprintf("block %d (%s)", i, b.BlockType())
	switch b := b.(type) {
	case *slack.HeaderBlock:
		v.blockID(where, b.BlockID)
		v.text(where, b.Text, MaxHeaderText, true)
	case *slack.SectionBlock:
		v.blockID(where, b.BlockID)
		if b.Text == nil && len(b.Fields) == 0 {
			v.errf("%s: neither text nor fields", where)
		}
		v.text(where, b.Text, MaxSectionText, false)
		if len(b.Fields) > 10 {
			v.errf("%s: %d fields, limit 10", where, len(b.Fields))
		}
		for _, f := range b.Fields {
			v.text(where+" field", f, MaxFieldText, true)
		}
		if b.Accessory != nil {
			v.element(where+" accessory", accessoryElement(b.Accessory), map[string]bool{})
		}
	case *slack.ContextBlock:
		v.blockID(where, b.BlockID)
		if n := len(b.ContextElements.Elements); n == 0 || n > 10 {
			v.errf("%s: %d elements, want 1–10", where, n)
		}
		for _, e := range b.ContextElements.Elements {
			if t, ok := e.(*slack.TextBlockObject); ok {
				v.text(where, t, MaxContextText, true)
			}
		}
	case *slack.ActionBlock:
		v.blockID(where, b.BlockID)
		if b.Elements == nil || len(b.Elements.ElementSet) == 0 || len(b.Elements.ElementSet) > 25 {
			v.errf("%s: want 1–25 elements", where)
			return
		}
		actions := map[string]bool{}
		for _, e := range b.Elements.ElementSet {
			v.element(where, e, actions)
		}
	case *slack.DividerBlock:
		v.blockID(where, b.BlockID)
	case *slack.InputBlock:
		v.blockID(where, b.BlockID)
		v.text(where+" label", b.Label, 2000, true)
		v.element(where, b.Element, map[string]bool{})
	}
}

func (v *validator) element(where string, e slack.BlockElement, actions map[string]bool) {
	action := func(aid string) {
		if len(aid) > MaxIDLength {
			v.errf("%s: action_id %d characters", where, len(aid))
		}
		if aid != "" && actions[aid] {
			v.errf("%s: duplicate action_id %q", where, aid)
		}
		actions[aid] = true
	}
	switch e := e.(type) {
	case nil:
		v.errf("%s: missing element", where)
	case *slack.ButtonBlockElement:
		action(e.ActionID)
		v.text(where+" button", e.Text, MaxButtonText, true)
		if len(e.Value) > MaxButtonValue {
			v.errf("%s: button value %d characters", where, len(e.Value))
		}
		if e.Confirm != nil {
			v.text(where+" confirm title", e.Confirm.Title, 100, true)
			v.text(where+" confirm text", e.Confirm.Text, 300, true)
			v.text(where+" confirm yes", e.Confirm.Confirm, 30, true)
			v.text(where+" confirm no", e.Confirm.Deny, 30, true)
		}
	case *slack.SelectBlockElement:
		action(e.ActionID)
		v.text(where+" placeholder", e.Placeholder, MaxPlaceholder, false)
		opts := append([]*slack.OptionBlockObject(nil), e.Options...)
		for _, g := range e.OptionGroups {
			v.text(where+" group label", g.Label, MaxOptionText, true)
			opts = append(opts, g.Options...)
		}
		if e.Type == slack.OptTypeExternal {
			// Slack asks for an external select's options; it carries at
			// most its initial option.
			if len(opts) > 0 {
				v.errf("%s: external select with %d options", where, len(opts))
			}
			if e.InitialOption != nil {
				opts = append(opts, e.InitialOption)
			}
		} else if len(opts) == 0 || len(opts) > MaxOptions {
			v.errf("%s: %d options, want 1–%d", where, len(opts), MaxOptions)
		}
		for _, o := range opts {
			v.text(where+" option", o.Text, MaxOptionText, true)
			if len(o.Value) > MaxOptionValue {
				v.errf("%s: option value %d characters", where, len(o.Value))
			}
		}
	case *slack.PlainTextInputBlockElement:
		action(e.ActionID)
		v.text(where+" placeholder", e.Placeholder, MaxPlaceholder, false)
	}
}
