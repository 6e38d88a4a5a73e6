package blocks

import (
	"strings"

	"github.com/slack-go/slack"
)

// ProjectPicker is the static select that assigns a project to an
// unallocated entry: recent projects first (in their own group when both
// groups are present), then the others, without duplicates, at most
// MaxOptions in all. Option values are ProjectValue(entryID, projectID).
// It returns nil when there is no project to offer.
func ProjectPicker(entryID int64, recent, other []Project) *slack.SelectBlockElement {
	return picker(entryID, projectChoices(recent, other, ""))
}

// ProjectOptionGroups returns the project options for an entry as option
// groups ("Recent", "All projects"), filtered by query (case-insensitive
// substring of project or client) — the answer to an external select's
// block_suggestion as well as the content of ProjectPicker. Empty groups are
// left out; at most MaxOptions options in all.
func ProjectOptionGroups(entryID int64, recent, other []Project, query string) *slack.OptionGroupsResponse {
	return optionGroups(entryID, projectChoices(recent, other, query))
}

// choice is a project option before it is bound to an entry.
type choice struct {
	id     int64
	label  string
	recent bool
}

// projectChoices deduplicates, filters and caps projects once, so a week
// with many unallocated entries labels each project only once.
func projectChoices(recent, other []Project, query string) []choice {
	q := strings.ToLower(strings.TrimSpace(query))
	seen := map[int64]bool{}
	var out []choice
	add := func(ps []Project, isRecent bool) {
		for _, p := range ps {
			if len(out) >= MaxOptions {
				return
			}
			if p.ID <= 0 || seen[p.ID] {
				continue
			}
			label := Truncate(Project{Name: prefix(p.Name, MaxOptionText), Client: prefix(p.Client, MaxOptionText)}.label(), MaxOptionText)
			if label == "" {
				label = "(unnamed project)"
			}
			if q != "" && !strings.Contains(strings.ToLower(label), q) {
				continue
			}
			seen[p.ID] = true
			out = append(out, choice{id: p.ID, label: label, recent: isRecent})
		}
	}
	add(recent, true)
	add(other, false)
	return out
}

func optionGroups(entryID int64, cs []choice) *slack.OptionGroupsResponse {
	var recent, other []*slack.OptionBlockObject
	for _, c := range cs {
		o := slack.NewOptionBlockObject(ProjectValue(entryID, c.id), plain(c.label, MaxOptionText), nil)
		if c.recent {
			recent = append(recent, o)
		} else {
			other = append(other, o)
		}
	}
	resp := &slack.OptionGroupsResponse{}
	if len(recent) > 0 {
		resp.OptionGroups = append(resp.OptionGroups, slack.NewOptionGroupBlockElement(plain("Recent", MaxOptionText), recent...))
	}
	if len(other) > 0 {
		resp.OptionGroups = append(resp.OptionGroups, slack.NewOptionGroupBlockElement(plain("All projects", MaxOptionText), other...))
	}
	return resp
}

func picker(entryID int64, cs []choice) *slack.SelectBlockElement {
	groups := optionGroups(entryID, cs).OptionGroups
	placeholder := plain("Assign project", MaxPlaceholder)
	switch len(groups) {
	case 0:
		return nil
	case 1:
		return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder, ActionAssignProject, groups[0].Options...)
	}
	return slack.NewOptionsGroupSelectBlockElement(slack.OptTypeStatic, placeholder, ActionAssignProject, groups...)
}
