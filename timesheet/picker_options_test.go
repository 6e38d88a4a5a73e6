package timesheet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tallyhq/tally/blocks"
)

// An answer's payload, built from the pre-encoded option texts, is byte
// for byte what encoding blocks.ProjectOptions gives for the same projects:
// same groups, order, deduplication, cap, truncation and escaping.
func TestPickerAnswerOptionsMatchProjectOptions(t *testing.T) {
	plain := []blocks.Project{
		{ID: 1, Name: "Checkout <revamp> & \"more\"", Client: "Société Générale"},
		{ID: 2, Name: strings.Repeat("long name ", 20), Client: "Acme"},
		{ID: 3, Name: "", Client: ""},
		{ID: 4, Name: "Payments\u2028line", Client: "Crème brûlée\u00a0SA"},
		{ID: 0, Name: "no id", Client: "skipped"},
		{ID: 5, Name: "emoji 🎉", Client: "x"},
	}
	var many []blocks.Project
	for i := 1; i <= 130; i++ {
		many = append(many, blocks.Project{ID: int64(1000 + i), Name: fmt.Sprintf("Agency %04d", i), Client: "Acme"})
	}
	pick := func(ps []blocks.Project) []blocks.PickerProject {
		out := make([]blocks.PickerProject, len(ps))
		for i, p := range ps {
			out[i] = blocks.NewPickerProject(p)
		}
		return out
	}
	sugg := blocks.NewPickerProject(plain[0])
	for _, tc := range []struct {
		name string
		ans  PickerAnswer
	}{
		{"nothing", PickerAnswer{Open: true}},
		{"suggested only", PickerAnswer{Open: true, Suggested: &sugg, Why: "you used it <yesterday> & before"}},
		{"suggested without why", PickerAnswer{Open: true, Suggested: &sugg}},
		{"leaders and matches, deduplicated", PickerAnswer{Open: true, Suggested: &sugg, Why: "same task",
			Recent: pick(plain[:4]), Matches: pick(plain)}},
		{"only matches", PickerAnswer{Open: true, Matches: pick(plain[1:])}},
		{"only an id-less project", PickerAnswer{Open: true, Matches: pick(plain[4:5])}},
		{"capped at MaxOptions", PickerAnswer{Open: true, Recent: pick(many[:3]), Matches: pick(many)}},
		{"not pre-encoded", PickerAnswer{Open: true, Matches: []blocks.PickerProject{{Project: plain[1]}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := blocks.ProjectOptionsInput{EntryID: 77, Recent: projects(tc.ans.Recent), Matches: projects(tc.ans.Matches)}
			if tc.ans.Suggested != nil {
				in.Suggested = &blocks.Suggestion{Project: tc.ans.Suggested.Project, Why: tc.ans.Why}
			}
			want, err := json.Marshal(blocks.ProjectOptions(in))
			if err != nil {
				t.Fatal(err)
			}
			got := tc.ans.Options(77)
			if !bytes.Equal(got, want) {
				t.Errorf("payload\n%s\nwant\n%s", got, want)
			}
			if !json.Valid(got) {
				t.Errorf("payload is not JSON: %s", got)
			}
		})
	}
}

func projects(ps []blocks.PickerProject) []blocks.Project {
	var out []blocks.Project
	for _, p := range ps {
		out = append(out, p.Project)
	}
	return out
}
