package blocks

import (
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
