package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// SuggestSpec describes typing in an external select: the surface as in
// BlockActionSpec (a message, a view or the user's Home), the select's
// ActionID (BlockID when several blocks have one), and the typed Query.
type SuggestSpec struct {
	ActionID string
	BlockID  string
	Query    string

	ChannelID string
	MessageTS string
	ViewID    string
	Home      bool
}

// SlackOption is one option of a block_suggestion answer.
type SlackOption struct {
	Group       string // the option group's label, "" without groups
	Text        string
	Value       string
	Description string
}

// SlackSuggestion is one block_suggestion the fake sent and what the app
// answered.
type SlackSuggestion struct {
	UserID   string
	ActionID string
	BlockID  string
	Query    string
	Options  []SlackOption
	// Refused says why Slack would have refused the answer ("" when it
	// was accepted); a refused answer shows the person no options.
	Refused string
}

// ErrSlackOptionsRefused is returned by Suggest when the app's answer
// breaks Slack's limits for external select options.
var ErrSlackOptionsRefused = errors.New("slack fake: block_suggestion answer refused")

// Limits of an options load answer. Slack's Block Kit reference, "Select
// menu element" (docs.slack.dev/reference/block-kit/block-elements/
// select-menu-element#external_select): each time the menu is opened or
// typed in, the app answers (within 3 seconds) with an object containing
// either an options array or an option_groups array, at most 100 options
// (or 100 option groups); "Option object": text at most 75 characters,
// value at most 150; "Option group object": label at most 75.
const (
	slackMaxSuggestOptions = 100
	slackMaxOptionText     = 75
	slackMaxOptionValue    = 150
)

// Suggest sends a block_suggestion for the external select spec names,
// as Slack does while a person types in it (from the first click when its
// min_query_length is 0), waits for the ack and returns the options it
// carried. The answer is recorded (Suggestions). An answer past Slack's
// limits, or that is not an options payload, is refused with
// ErrSlackOptionsRefused, as Slack shows such a menu empty.
func (s *Slack) Suggest(ctx context.Context, userID string, spec SuggestSpec) ([]SlackOption, error) {
	s.mu.Lock()
	payload, blocks, err := s.suggestPayloadLocked(userID, spec)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	// Finding the select reads the whole surface: outside the lock, so
	// people typing at once do not wait for each other's surfaces.
	el, blockID, ok := s.findElement(blocks, spec.BlockID, spec.ActionID)
	if !ok || el.Type != "external_select" {
		// Slack only asks for the options of an external select.
		return nil, fmt.Errorf("slack fake: no external_select with action_id %q (block_id %q) on that surface", spec.ActionID, spec.BlockID)
	}
	payload["block_id"] = blockID
	raw, err := slackPayloadJSON(payload)
	if err != nil {
		return nil, err
	}
	ack, err := s.deliver(ctx, "interactive", raw, true)
	if err != nil {
		return nil, err
	}
	opts, refused := s.readOptions(ack.Payload)
	s.mu.Lock()
	s.suggestions = append(s.suggestions, SlackSuggestion{UserID: userID, ActionID: spec.ActionID, BlockID: blockID,
		Query: spec.Query, Options: opts, Refused: refused})
	s.mu.Unlock()
	if refused != "" {
		return nil, fmt.Errorf("%w: %s", ErrSlackOptionsRefused, refused)
	}
	return opts, nil
}

// Suggestions returns every block_suggestion sent so far with its answer.
func (s *Slack) Suggestions() []SlackSuggestion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SlackSuggestion(nil), s.suggestions...)
}

// suggestPayloadLocked builds the block_suggestion payload Slack sends:
// type, user, team, api_app_id, container, action_id, value (the typed
// text), and the view or message (with channel) it comes from; the caller
// adds block_id from the surface's blocks it returns.
func (s *Slack) suggestPayloadLocked(userID string, spec SuggestSpec) (map[string]any, json.RawMessage, error) {
	u, err := s.userLocked(userID)
	if err != nil {
		return nil, nil, err
	}
	payload := s.interactionPayloadLocked("block_suggestion", u)
	payload["action_id"], payload["value"] = spec.ActionID, spec.Query
	blocks, _, err := s.surfaceLocked(payload, userID, slackSurface{Home: spec.Home, ViewID: spec.ViewID, ChannelID: spec.ChannelID, MessageTS: spec.MessageTS}, "type in")
	if err != nil {
		return nil, nil, fmt.Errorf("slack fake: suggestion: %w", err)
	}
	// Unlike block_actions, a block_suggestion from a message carries the
	// container and channel but not the message: Slack's own SDKs model
	// the payload without one (Bolt for JavaScript's BlockSuggestion,
	// docs.slack.dev/tools/bolt-js/reference/interfaces/BlockSuggestion:
	// type, block_id, action_id, value, api_app_id, team, user, channel?,
	// container, token, view?, enterprise?, is_enterprise_install?; the Java
	// SDK's BlockSuggestionPayload has the same fields). From a view, the
	// view comes along.
	delete(payload, "message")
	return payload, blocks, nil
}

// findElement is slackFindElement on a surface's elements worked out
// once per surface content: Slack reads a message or view once, not on
// every keystroke, and reading a whole week's blocks for each one cost the
// fake more than the app's answer. Blocks are never changed in place (an
// update stores new ones), so the content is the key.
func (s *Slack) findElement(blocks json.RawMessage, blockID, actionID string) (slackElement, string, bool) {
	surface := s.surfaces.get(string(blocks), func() []slackSurfaceBlock { return slackSurfaceElements(blocks) })
	return slackFindIn(surface, blockID, actionID)
}

// slackOptionsRead is what slackReadOptions found in one answer.
type slackOptionsRead struct {
	options []SlackOption
	refused string
}

// readOptions is slackReadOptions, read once per distinct answer (the
// same answer comes back whenever someone types the same thing in the
// same picker); each caller gets its own copy of the options.
func (s *Slack) readOptions(raw json.RawMessage) ([]SlackOption, string) {
	r := s.answers.get(string(raw), func() slackOptionsRead {
		opts, refused := slackReadOptions(raw)
		return slackOptionsRead{options: opts, refused: refused}
	})
	return slices.Clone(r.options), r.refused
}

// slackReadOptions reads an options load answer, or says why Slack would
// refuse it.
func slackReadOptions(raw json.RawMessage) ([]SlackOption, string) {
	// Absent text or value decode as empty, which the checks refuse as
	// they refuse empty ones: no pointers needed (fewer allocations on
	// an answer read at every keystroke).
	type option struct {
		Text        slackTextObj  `json:"text"`
		Value       string        `json:"value"`
		Description *slackTextObj `json:"description"`
	}
	var p struct {
		Options      *[]option `json:"options"`
		OptionGroups *[]struct {
			Label   *slackTextObj `json:"label"`
			Options []option      `json:"options"`
		} `json:"option_groups"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &p) != nil || (p.Options == nil) == (p.OptionGroups == nil) {
		return nil, "the answer must carry either options or option_groups"
	}
	var out []SlackOption
	check := func(group string, o option) string {
		if o.Text.Type != "plain_text" {
			return "an option needs plain_text text and a value"
		}
		if n := utf8.RuneCountInString(o.Text.Text); n == 0 || n > slackMaxOptionText {
			return fmt.Sprintf("option text must be 1 to %d characters (got %d)", slackMaxOptionText, n)
		}
		if n := utf8.RuneCountInString(o.Value); n == 0 || n > slackMaxOptionValue {
			return fmt.Sprintf("option value must be 1 to %d characters (got %d)", slackMaxOptionValue, n)
		}
		so := SlackOption{Group: group, Text: o.Text.Text, Value: o.Value}
		if o.Description != nil {
			if utf8.RuneCountInString(o.Description.Text) > slackMaxOptionText {
				return fmt.Sprintf("option description must be at most %d characters", slackMaxOptionText)
			}
			so.Description = o.Description.Text
		}
		out = append(out, so)
		return ""
	}
	if p.Options != nil {
		if len(*p.Options) > slackMaxSuggestOptions {
			return nil, fmt.Sprintf("no more than %d options allowed (got %d)", slackMaxSuggestOptions, len(*p.Options))
		}
		for _, o := range *p.Options {
			if why := check("", o); why != "" {
				return nil, why
			}
		}
		return out, ""
	}
	if len(*p.OptionGroups) > slackMaxSuggestOptions {
		return nil, fmt.Sprintf("no more than %d option groups allowed (got %d)", slackMaxSuggestOptions, len(*p.OptionGroups))
	}
	for _, g := range *p.OptionGroups {
		if g.Label == nil || utf8.RuneCountInString(g.Label.Text) == 0 || utf8.RuneCountInString(g.Label.Text) > slackMaxOptionText {
			return nil, fmt.Sprintf("option group label must be 1 to %d characters", slackMaxOptionText)
		}
		if len(g.Options) == 0 || len(g.Options) > slackMaxSuggestOptions {
			return nil, fmt.Sprintf("an option group needs 1 to %d options", slackMaxSuggestOptions)
		}
		for _, o := range g.Options {
			if why := check(g.Label.Text, o); why != "" {
				return nil, why
			}
		}
	}
	if len(out) > slackMaxSuggestOptions {
		return nil, fmt.Sprintf("no more than %d options allowed (got %d)", slackMaxSuggestOptions, len(out))
	}
	return out, ""
}
