package blocks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
)

// Suggestion is the project tally suggests for an unallocated entry, with
// the few words that say why.
type Suggestion struct {
	Project Project
	Why     string
}

// EntryBlockID is the block_id of an entry's section, whose accessory is
// the entry's project picker: a block_suggestion names the entry through it.
func EntryBlockID(entryID int64) string { return "entry_" + strconv.FormatInt(entryID, 10) }

// ParseEntryBlockID reads the entry id back from EntryBlockID.
func ParseEntryBlockID(v string) (int64, error) {
	rest, ok := strings.CutPrefix(v, "entry_")
	if !ok {
		return 0, fmt.Errorf("block id %q: want entry_<id>", Clip(v))
	}
	id, err := parseID(rest)
	if err != nil {
		return 0, fmt.Errorf("block id %q: %w", Clip(v), err)
	}
	return id, nil
}

// ProjectPicker is the external select that assigns a project to an
// unallocated entry: Slack asks tally for its options as the person types
// (block_suggestion, answered with ProjectOptions), from the first click on
// (min_query_length 0). A suggested project is its initial option. Option
// values are ProjectValue(entryID, projectID).
func ProjectPicker(entryID int64, suggested *Suggestion) *slack.SelectBlockElement {
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, plain("Search projects", MaxPlaceholder), ActionAssignProject)
	zero := 0
	sel.MinQueryLength = &zero
	if suggested != nil {
		sel.InitialOption = projectOption(entryID, suggested.Project)
	}
	return sel
}

// ProjectOptionsInput is what one block_suggestion found for an entry.
type ProjectOptionsInput struct {
	EntryID   int64
	Suggested *Suggestion // led by "Suggested", with why as the description
	Recent    []Project   // then "Recent"
	Matches   []Project   // then "Projects"
}

// ProjectOptions is the ack payload answering an external select's
// block_suggestion: option groups "Suggested", "Recent" and "Projects",
// without duplicates, at most MaxOptions options in all, each text within
// MaxOptionText. With nothing to offer it is {"options": []}.
func ProjectOptions(in ProjectOptionsInput) any {
	seen := map[int64]bool{}
	n := 0
	group := func(label string, ps []Project, why string) *slack.OptionGroupBlockObject {
		var opts []*slack.OptionBlockObject
		for _, p := range ps {
			if n >= MaxOptions || p.ID <= 0 || seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			n++
			o := projectOption(in.EntryID, p)
			if why != "" {
				o.Description = plain(why, MaxOptionText)
			}
			opts = append(opts, o)
		}
		if len(opts) == 0 {
			return nil
		}
		return slack.NewOptionGroupBlockElement(plain(label, MaxOptionText), opts...)
	}
	var groups []*slack.OptionGroupBlockObject
	if in.Suggested != nil {
		if g := group("Suggested", []Project{in.Suggested.Project}, in.Suggested.Why); g != nil {
			groups = append(groups, g)
		}
	}
	for _, g := range []*slack.OptionGroupBlockObject{group("Recent", in.Recent, ""), group("Projects", in.Matches, "")} {
		if g != nil {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return NoOptions()
	}
	return &slack.OptionGroupsResponse{OptionGroups: groups}
}

// NoOptionsPayload is a block_suggestion answer offering nothing.
type NoOptionsPayload struct {
	Options []*slack.OptionBlockObject `json:"options"`
}

// NoOptions is the block_suggestion answer that offers nothing:
// {"options": []}.
func NoOptions() NoOptionsPayload {
	return NoOptionsPayload{Options: []*slack.OptionBlockObject{}}
}

// projectOption is one project as a picker option of the entry.
func projectOption(entryID int64, p Project) *slack.OptionBlockObject {
	label := Truncate(Project{Name: prefix(p.Name, MaxOptionText), Client: prefix(p.Client, MaxOptionText)}.label(), MaxOptionText)
	if label == "" {
		label = "(unnamed project)"
	}
	return slack.NewOptionBlockObject(ProjectValue(entryID, p.ID), plain(label, MaxOptionText), nil)
}

// PickerProject is a project as the project picker offers it, with its
// option text already encoded (NewPickerProject). A search offers the same
// projects keystroke after keystroke, so a catalog version encodes each
// project's text once instead of once per answer.
type PickerProject struct {
	Project
	text []byte // JSON of the option's text object, as ProjectOptions writes it
}

// NewPickerProject encodes p's option text for PickerOptionsJSON.
func NewPickerProject(p Project) PickerProject {
	return PickerProject{Project: p, text: encodeText(projectOption(0, p).Text)}
}

// PickerOptionsInput is what one block_suggestion found for an entry, as
// PickerProjects: ProjectOptionsInput with pre-encoded texts.
type PickerOptionsInput struct {
	EntryID   int64
	Suggested *PickerProject // led by "Suggested", with Why as the description
	Why       string
	Recent    []PickerProject // then "Recent"
	Matches   []PickerProject // then "Projects"
}

// Group labels of the picker's answer, encoded once.
var (
	suggestedLabel = encodeText(plain("Suggested", MaxOptionText))
	recentLabel    = encodeText(plain("Recent", MaxOptionText))
	projectsLabel  = encodeText(plain("Projects", MaxOptionText))
)

// encodeText is a text object's JSON, as json.Marshal writes it.
func encodeText(t *slack.TextBlockObject) []byte {
	b, err := json.Marshal(t)
	if err != nil {
		// A text object holds two strings and a bool: it always encodes.
		panic(fmt.Sprintf("blocks: encode text object: %v", err))
	}
	return b
}

// PickerOptionsJSON is the ack payload answering a block_suggestion, byte
// for byte what json.Marshal(ProjectOptions(...)) writes for the same
// projects (same groups, order, deduplication and MaxOptions cap), built
// from the pre-encoded option texts without reflection: every keystroke
// of every person typing is answered, and building and encoding slack-go's
// option objects for each answer cost more than copying bytes.
func PickerOptionsJSON(in PickerOptionsInput) json.RawMessage {
	seen := make(map[int64]struct{}, 1+len(in.Recent)+len(in.Matches))
	n := 0
	// Room for every option as written below: its text object, the value
	// and keys around it (at most 60 bytes), and the groups' labels; no
	// answer is grown and copied while it is written.
	size := 3*(len(suggestedLabel)+32) + len(in.Why) + 64
	for _, ps := range [][]PickerProject{in.Recent, in.Matches} {
		for _, p := range ps {
			size += len(p.text) + 60
		}
	}
	if in.Suggested != nil {
		size += len(in.Suggested.text) + 60
	}
	buf := make([]byte, 0, size)
	buf = append(buf, `{"option_groups":[`...)
	groups := 0
	group := func(label []byte, ps []PickerProject, why []byte) {
		opened := false
		for _, p := range ps {
			if n >= MaxOptions || p.ID <= 0 {
				continue
			}
			if _, dup := seen[p.ID]; dup {
				continue
			}
			seen[p.ID] = struct{}{}
			n++
			if !opened {
				if groups > 0 {
					buf = append(buf, ',')
				}
				groups++
				opened = true
				buf = append(buf, `{"label":`...)
				buf = append(buf, label...)
				buf = append(buf, `,"options":[`...)
			} else {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"text":`...)
			text := p.text
			if text == nil {
				// Not built by NewPickerProject: encode it now.
				text = NewPickerProject(p.Project).text
			}
			buf = append(buf, text...)
			buf = append(buf, `,"value":"`...)
			buf = strconv.AppendInt(buf, in.EntryID, 10)
			buf = append(buf, ':')
			buf = strconv.AppendInt(buf, p.ID, 10)
			buf = append(buf, '"')
			if why != nil {
				buf = append(buf, `,"description":`...)
				buf = append(buf, why...)
			}
			buf = append(buf, '}')
		}
		if opened {
			buf = append(buf, "]}"...)
		}
	}
	if in.Suggested != nil {
		var why []byte
		if in.Why != "" {
			why = encodeText(plain(in.Why, MaxOptionText))
		}
		group(suggestedLabel, []PickerProject{*in.Suggested}, why)
	}
	group(recentLabel, in.Recent, nil)
	group(projectsLabel, in.Matches, nil)
	if groups == 0 {
		return json.RawMessage(`{"options":[]}`)
	}
	return append(buf, "]}"...)
}
