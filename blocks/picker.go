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
	groups := ProjectOptionGroups(entryID, recent, other, "")
	placeholder := plain("Assign project", MaxPlaceholder)
	switch len(groups.OptionGroups) {
	case 0:
		return nil
	case 1:
		return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder, ActionAssignProject,
			groups.OptionGroups[0].Options...)
	}
	return slack.NewOptionsGroupSelectBlockElement(slack.OptTypeStatic, placeholder, ActionAssignProject,
		groups.OptionGroups...)
}

// ProjectOptionGroups returns the project options for an entry as option
// groups ("Recent", "All projects"), filtered by query (case-insensitive
// substring of project or client) — the answer to an external select's
// block_suggestion as well as the content of ProjectPicker. Empty groups are
// left out; at most MaxOptions options in all.
func ProjectOptionGroups(entryID int64, recent, other []Project, query string) *slack.OptionGroupsResponse {
	q := strings.ToLower(strings.TrimSpace(query))
	seen := map[int64]bool{}
	total := 0
	pick := func(ps []Project) []*slack.OptionBlockObject {
		var opts []*slack.OptionBlockObject
		for _, p := range ps {
			if total >= MaxOptions {
				break
			}
			if p.ID <= 0 || seen[p.ID] {
				continue
			}
			if q != "" && !strings.Contains(strings.ToLower(p.label()), q) {
				continue
			}
			seen[p.ID] = true
			total++
			opts = append(opts, slack.NewOptionBlockObject(ProjectValue(entryID, p.ID), plain(p.label(), MaxOptionText), nil))
		}
		return opts
	}
	resp := &slack.OptionGroupsResponse{}
	if opts := pick(recent); len(opts) > 0 {
		resp.OptionGroups = append(resp.OptionGroups, slack.NewOptionGroupBlockElement(plain("Recent", MaxOptionText), opts...))
	}
	if opts := pick(other); len(opts) > 0 {
		resp.OptionGroups = append(resp.OptionGroups, slack.NewOptionGroupBlockElement(plain("All projects", MaxOptionText), opts...))
	}
	return resp
}
