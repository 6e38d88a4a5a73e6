package commands

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/timesheet"
)

// seedAda gives Ada a history that makes tally suggest "Checkout revamp"
// for "Payment form" (entries 2001 and 2002 of this week) and nothing for
// entry 2003; Bob has one unallocated entry, 3001.
func seedAda(f *e2e) {
	f.entry(1001, f.ada, 100, -2, 0, 9, projSuggested, "Payment form")
	f.entry(1002, f.ada, 100, -1, 0, 9, projSuggested, "Payment form")
	f.entry(1003, f.ada, 100, -1, 1, 9, projInternal, "Standup")
	f.entry(1004, f.ada, 100, -1, 2, 9, projInternal, "Standup")
	f.entry(2001, f.ada, 100, 0, 0, 9, 0, "Payment form")
	f.entry(2002, f.ada, 100, 0, 1, 9, 0, "Payment form")
	f.entry(2003, f.ada, 100, 0, 3, 15, 0, "Conference talk prep")
	f.entry(3001, f.bob, 200, 0, 0, 9, 0, "Payment form")
}

func values(opts []sandbox.SlackOption) map[string]sandbox.SlackOption {
	out := map[string]sandbox.SlackOption{}
	for _, o := range opts {
		out[o.Value] = o
	}
	return out
}

// Typing part of a client's name, in any case and without its accents,
// finds a project far beyond the old 30-option cap; an archived project is
// never offered, also when it is archived after the search index loaded;
// the empty search leads with the suggestion.
func TestPickerSearchesEveryProject(t *testing.T) {
	t.Parallel()
	f := newE2E(t, 60)
	seedAda(f)
	m := f.timesheet("UADA")
	for _, q := range []string{"societe", "GÉNÉRALE", "brulee soc", "Crème"} {
		opts, err := f.suggest("UADA", m, 2003, q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		got := values(opts)
		if _, ok := got["2003:901"]; !ok {
			t.Errorf("%q does not find Crème brûlée (Société Générale): %+v", q, opts)
		}
		if _, ok := got["2003:902"]; ok {
			t.Errorf("%q offers the archived project", q)
		}
	}
	if opts, err := f.suggest("UADA", m, 2003, "old checkout"); err != nil || len(opts) != 0 {
		t.Errorf("archived project searched: %+v %v", opts, err)
	}
	// Empty query: the suggestion first, with why, then recent projects.
	opts, err := f.suggest("UADA", m, 2001, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(opts) == 0 || opts[0].Value != "2001:900" || opts[0].Group != "Suggested" || opts[0].Description == "" {
		t.Fatalf("empty search does not lead with the suggestion: %+v", opts)
	}
	// 64 projects: the list is filled up to the cap, the suggestion and
	// the recent projects included, each project once.
	if len(opts) != timesheet.MaxSearchOptions || len(values(opts)) != len(opts) {
		t.Errorf("empty search: %d options (%d distinct), want %d", len(opts), len(values(opts)), timesheet.MaxSearchOptions)
	}
	if opts, err := f.suggest("UADA", m, 2003, "agency"); err != nil || len(opts) != timesheet.MaxSearchOptions {
		t.Errorf("typed search of 60 matches: %d options (%v), want %d", len(opts), err, timesheet.MaxSearchOptions)
	}
	if opts, _ := f.suggest("UADA", m, 2003, ""); len(opts) > 0 && opts[0].Group == "Suggested" {
		t.Errorf("entry without a suggestion leads with one: %+v", opts[0])
	}
	// Archiving moves the catalog version: the next search reloads.
	f.exec(`UPDATE toggl_projects SET active = false WHERE id = $1`, projCreme)
	if opts, err := f.suggest("UADA", m, 2003, "creme"); err != nil || len(opts) != 0 {
		t.Errorf("project archived after the index loaded is offered: %+v %v", opts, err)
	}
	// The answer was recorded by the fake as Slack received it.
	if n := len(f.slack.Suggestions()); n != 9 {
		t.Errorf("%d suggestions recorded, want 9", n)
	}
}

// "Use <project>" allocates the entry like a manual pick: the project's
// billable default, the Toggl write, and an audit row saying it came from
// a suggestion and why. The other entries stay as they were.
func TestUseSuggestion(t *testing.T) {
	t.Parallel()
	f := newE2E(t, 5)
	seedAda(f)
	m := f.timesheet("UADA")
	if v, ok := elementValue(m.Blocks, blocks.ActionUseSuggestion, "suggest_2001"); !ok || v != "2001:900" {
		t.Fatalf("no Use button for entry 2001: %q", v)
	}
	f.click("UADA", m, sandbox.BlockActionSpec{ActionID: blocks.ActionUseSuggestion, BlockID: "suggest_2001"})
	if p, billable := f.project(2001); p != projSuggested || !billable {
		t.Fatalf("entry 2001: project %d billable %v", p, billable)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'entry.set_project' AND entity_id = '2001'
		AND after->>'source' = 'suggestion' AND after->>'reason' = 'same_description' AND actor = 'UADA'`); n != 1 {
		t.Errorf("%d suggestion audit rows", n)
	}
	if n := f.count(`SELECT count(*) FROM toggl_outbox WHERE entry_id = 2001 AND op = 'set_project'
		AND status = 'pending' AND payload->>'billable' = 'true'`); n != 1 {
		t.Errorf("%d Toggl writes", n)
	}
	for _, id := range []int64{2002, 2003, 3001} {
		if p, _ := f.project(id); p != 0 {
			t.Errorf("entry %d got project %d", id, p)
		}
	}
}

// "Assign all suggestions" allocates exactly the offered suggestions its
// dialog listed and leaves the rest; when the suggestions changed since the
// message was drawn, it changes nothing.
func TestAssignAllSuggestions(t *testing.T) {
	t.Parallel()
	f := newE2E(t, 5)
	seedAda(f)
	m := f.timesheet("UADA")
	if _, ok := elementValue(m.Blocks, blocks.ActionAssignSuggestions, "week_actions"); !ok {
		t.Fatalf("no Assign all button: %s", m.Blocks)
	}
	// A new suggested entry since the message was drawn: its dialog did
	// not list it, so the click assigns nothing.
	f.entry(2004, f.ada, 100, 0, 4, 9, 0, "Payment form")
	f.click("UADA", m, sandbox.BlockActionSpec{ActionID: blocks.ActionAssignSuggestions, BlockID: "week_actions"})
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'entry.set_project'`); n != 0 {
		t.Fatalf("a stale Assign all wrote %d set_project rows", n)
	}
	m = f.timesheet("UADA")
	f.click("UADA", m, sandbox.BlockActionSpec{ActionID: blocks.ActionAssignSuggestions, BlockID: "week_actions"})
	for id, want := range map[int64]int64{2001: projSuggested, 2002: projSuggested, 2004: projSuggested, 2003: 0, 3001: 0} {
		if p, _ := f.project(id); p != want {
			t.Errorf("entry %d: project %d, want %d", id, p, want)
		}
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'entry.set_project' AND after->>'source' = 'suggestion'`); n != 3 {
		t.Errorf("%d suggestion audit rows, want 3", n)
	}
	if n := f.count(`SELECT count(*) FROM toggl_outbox WHERE op = 'set_project' AND status = 'pending'`); n != 3 {
		t.Errorf("%d Toggl writes, want 3", n)
	}
}

// Values tally could not have sent are refused and change nothing:
// someone else's entry, an archived project, a suggestion tally does not
// make; a search in someone else's entry offers nothing.
func TestForgedProjectValuesRefused(t *testing.T) {
	t.Parallel()
	f := newE2E(t, 5)
	seedAda(f)
	m := f.timesheet("UADA")
	pick := func(value string) {
		f.click("UADA", m, sandbox.BlockActionSpec{ActionID: blocks.ActionAssignProject, BlockID: "entry_2003", SelectedOption: value})
	}
	pick(blocks.ProjectValue(3001, projSuggested)) // Bob's entry
	pick(blocks.ProjectValue(2003, projArchived))  // archived
	pick(blocks.ProjectValue(2003, 424242))        // unknown
	f.click("UADA", m, sandbox.BlockActionSpec{ActionID: blocks.ActionUseSuggestion, BlockID: "suggest_2001",
		Value: blocks.ProjectValue(2001, projCreme)}) // not the suggestion
	f.click("UADA", m, sandbox.BlockActionSpec{ActionID: blocks.ActionUseSuggestion, BlockID: "suggest_2001",
		Value: blocks.ProjectValue(3001, projSuggested)}) // Bob's entry
	for _, id := range []int64{2001, 2003, 3001} {
		if p, _ := f.project(id); p != 0 {
			t.Errorf("forged value allocated entry %d to %d", id, p)
		}
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'project.denied' AND actor = 'UADA'`); n != 2 {
		t.Errorf("%d project.denied rows, want 2", n)
	}
	// Once allocated, the picker's entry takes no other project.
	pick(blocks.ProjectValue(2003, projInternal))
	pick(blocks.ProjectValue(2003, projSuggested))
	if p, _ := f.project(2003); p != projInternal {
		t.Errorf("entry 2003 re-allocated to %d", p)
	}
	h := New(Options{Weeks: fakeWeeks{}, Confirmer: &fakeConfirmer{}, Picker: searchFunc(func(string, int64) error {
		return errors.New("must not search")
	})})
	for _, cb := range []bot.Suggestion{
		{ActionID: blocks.ActionAssignProject, BlockID: "week_actions"},
		{ActionID: blocks.ActionConfirmAll, BlockID: "entry_1"},
	} {
		ans, err := h.HandleSuggestion(context.Background(), cb)
		if raw, _ := json.Marshal(ans); string(raw) != `{"options":[]}` {
			t.Errorf("%+v answered %s (%v)", cb, raw, err)
		}
	}
	// Someone else's entry: the search itself offers nothing.
	m2 := f.timesheet("UBOB")
	if opts, err := f.suggest("UBOB", m2, 3001, "soc"); err != nil || len(opts) == 0 {
		t.Fatalf("Bob's own picker: %+v %v", opts, err)
	}
	ans, err := timesheet.NewPicker(f.db).Search(f.ctx, "UADA", 3001, "soc")
	if err != nil || ans.Open || len(ans.Matches) != 0 {
		t.Errorf("Ada searching in Bob's entry: %+v %v", ans, err)
	}
}

// searchFunc adapts a function to ProjectSearcher.
type searchFunc func(slackUserID string, entryID int64) error

func (f searchFunc) Search(_ context.Context, slackUserID string, entryID int64, _ string) (timesheet.PickerAnswer, error) {
	return timesheet.PickerAnswer{}, f(slackUserID, entryID)
}

// elementValue finds the value of the element actionID in block blockID.
func elementValue(raw json.RawMessage, actionID, blockID string) (string, bool) {
	var bs []struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if json.Unmarshal(raw, &bs) != nil {
		return "", false
	}
	for _, b := range bs {
		for _, e := range b.Elements {
			if b.BlockID == blockID && e.ActionID == actionID {
				return e.Value, true
			}
		}
	}
	return "", false
}
