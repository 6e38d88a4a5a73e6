package blocks

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/model"
)

// Action ids of the suggestion buttons.
const (
	ActionUseSuggestion     = "use_suggestion"     // value ProjectValue of the suggested project
	ActionAssignSuggestions = "assign_suggestions" // value SuggestionsValue
)

// maxDigestLen bounds the digest a SuggestionsValue carries
// (storage.SuggestionDigest writes 16 hex digits).
const maxDigestLen = 64

// SuggestionsValue is the value of "Assign all suggestions":
// "<weekStart>:<digest>", the digest fingerprinting the suggestions its
// confirmation dialog listed.
func SuggestionsValue(week model.Week, digest string) string {
	return week.String() + ":" + digest
}

// ParseSuggestionsValue reads a SuggestionsValue back; the digest must look
// like one tally wrote (lower-case hex).
func ParseSuggestionsValue(v string) (model.Week, string, error) {
	a, digest, ok := strings.Cut(v, ":")
	if !ok || len(digest) > maxDigestLen || !isHash(digest) {
		return model.Week{}, "", fmt.Errorf("suggestions value %q: want <YYYY-MM-DD>:<hex digest>", Clip(v))
	}
	week, err := ParseWeekValue(a)
	if err != nil {
		return model.Week{}, "", fmt.Errorf("suggestions value %q: %w", Clip(v), err)
	}
	return week, digest, nil
}

// confirmTextMax is Slack's limit on a confirmation dialog's text.
const confirmTextMax = 300

// assignAllButton is "Assign all N suggestions" with a confirmation dialog
// listing what will change (day, time, duration → project), as many lines
// as fit Slack's 300 characters, then "…and N more".
func assignAllButton(in WeekInput, sugg []model.Entry) *slack.ButtonBlockElement {
	var secs int64
	ls := make([]string, len(sugg))
	for i, e := range sugg {
		secs += e.Seconds
		p := in.Suggestions[e.ID].Project
		ls[i] = fmt.Sprintf("%s %s %s → %s", localDate(e).Format("Mon"), e.Start.Format("15:04"),
			Duration(e.Seconds), esc(p.label(), 60))
	}
	head := fmt.Sprintf("Assign %s (%s) to the suggested projects:", plural(len(sugg), "entry", "entries"), Duration(secs))
	text := lines(append([]string{head}, ls...), confirmTextMax, func(n int) string {
		return fmt.Sprintf("…and %d more", n)
	})
	b := button(ActionAssignSuggestions, SuggestionsValue(in.Week, in.SuggestionsDigest),
		fmt.Sprintf("Assign all %s", plural(len(sugg), "suggestion", "suggestions")))
	b.Confirm = confirmDialog("Assign all suggestions?", text, "Assign all", "Cancel")
	return b
}
