package blocks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/tallyhq/tally/model"
)

func TestWeekViewGolden(t *testing.T) {
	tests := []struct {
		name      string
		in        WeekInput
		maxBlocks int
		wantText  []string
	}{
		{"week_empty", WeekInput{Week: testWeek, Person: "Ada Lovelace"}, MaxMessageBlocks,
			[]string{"Nothing logged this week", "[ Open Toggl ↗ ]"}},
		{"week_normal", normalWeek(), MaxMessageBlocks,
			[]string{"Week 23–29 Nov 2026 · Ada Lovelace", "[ Confirm all 3 ]", "[ Confirm ]", "Checkout revamp (Acme)", "14:00 logged"}},
		{"week_unallocated_changed", mixedWeek(), MaxMessageBlocks,
			[]string{"⚠️ no project", "[ Checkout revamp (Acme) ▾ ]", "[ Use Checkout revamp (Acme) ]", "[ Search projects ▾ ]",
				"[ Assign all 1 suggestion ]", "[ Confirm again ]", "changed since you confirmed it", "2:45 unallocated"}},
		{"week_markup", markupWeek(), MaxMessageBlocks,
			[]string{"R&D <core> ∗team∗", "Smith & Sons > Co", "fix <script>"}},
		{"week_busy_message", busyWeek(120), MaxMessageBlocks,
			[]string{"Needs your attention", "covered by Confirm all 60"}},
		{"week_busy_home", busyWeek(120), MaxHomeBlocks - 4,
			[]string{"Needs your attention", "covered by Confirm all 60"}},
		{"week_suggested_message", suggestedWeek(busyWeek(40)), MaxMessageBlocks,
			[]string{"Needs your attention", "[ Assign all 10 suggestions ]", "[ Use Checkout revamp (Acme) ]", "and 2 more, covered by Confirm all 20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := WeekView(tt.in, tt.maxBlocks)
			if err := Validate(bs, tt.maxBlocks); err != nil {
				t.Fatalf("limits: %v", err)
			}
			text := RenderText(bs)
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("rendered text lacks %q:\n%s", w, text)
				}
			}
			golden(t, tt.name, messageJSON(bs), bs)
		})
	}
}

func TestWeekViewLayouts(t *testing.T) {
	tests := []struct {
		name       string
		entries    int
		maxBlocks  int
		wantBlocks int
		wantMore   bool
	}{
		{"fits entry by entry", 10, MaxMessageBlocks, 3 + 7 + 10, false},
		{"exactly full", 40, MaxMessageBlocks, 50, false},
		{"one over collapses to days and open entries", 41, MaxMessageBlocks, 3 + 7 + 1 + 30, false},
		{"120 in a message", 120, MaxMessageBlocks, 50, true},
		{"120 on a home", 120, MaxHomeBlocks, 100, true},
		{"tiny budget", 120, 8, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := WeekView(busyWeek(tt.entries), tt.maxBlocks)
			if len(bs) != tt.wantBlocks {
				t.Errorf("got %d blocks, want %d", len(bs), tt.wantBlocks)
			}
			if err := Validate(bs, tt.maxBlocks); err != nil {
				t.Fatalf("limits: %v", err)
			}
			if got := strings.Contains(RenderText(bs), "covered by Confirm all"); got != tt.wantMore {
				t.Errorf("and-more note shown = %v, want %v", got, tt.wantMore)
			}
		})
	}
}

func TestWeekViewButtons(t *testing.T) {
	in := mixedWeek()
	raw, _ := json.Marshal(WeekView(in, MaxMessageBlocks))
	js := string(raw)
	// Confirm buttons carry id:hash, never JSON; the changed allocated entry
	// and the unallocated entry without projects get a Confirm button.
	changed := in.Entries[1]
	if !strings.Contains(js, `"value":"`+EntryValue(changed.ID, changed.ContentHash)+`"`) {
		t.Errorf("no confirm button value for the changed entry in %s", js)
	}
	// The unallocated entry's picker is an external select led by its
	// suggestion, with one button accepting it; Assign all carries the
	// week and the digest, behind a dialog listing the change.
	for _, want := range []string{
		`"type":"external_select","placeholder":{"type":"plain_text","text":"Search projects","emoji":true},"action_id":"assign_project","initial_option":{"text":{"type":"plain_text","text":"Checkout revamp (Acme)","emoji":true},"value":"201:11"},"min_query_length":0`,
		`"text":{"type":"plain_text","text":"Use Checkout revamp (Acme)","emoji":true},"action_id":"use_suggestion","value":"201:11"`,
		`"text":{"type":"plain_text","text":"Assign all 1 suggestion","emoji":true},"action_id":"assign_suggestions","value":"2026-11-23:0123456789abcdef"`,
		`Mon 09:00 2:00 → Checkout revamp (Acme)`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("week view lacks %s in %s", want, js)
		}
	}
	if strings.Contains(js, `"entry_205"`) {
		t.Errorf("deleted entry is shown")
	}
	if !strings.Contains(js, `"action_id":"confirm_all","value":"2026-11-23"`) {
		t.Errorf("confirm all button missing: %s", js)
	}
	// Without a suggestion: a picker, no Use button, no Assign all.
	in.Suggestions, in.SuggestionsDigest = nil, ""
	raw, _ = json.Marshal(WeekView(in, MaxMessageBlocks))
	if js := string(raw); !strings.Contains(js, ActionAssignProject) || strings.Contains(js, ActionUseSuggestion) || strings.Contains(js, ActionAssignSuggestions) {
		t.Errorf("week without suggestions: %s", js)
	}
	// Without projects to offer, an unallocated entry says to fix it in Toggl.
	in.NoProjects = true
	raw, _ = json.Marshal(WeekView(in, MaxMessageBlocks))
	if strings.Contains(string(raw), ActionAssignProject) || !strings.Contains(string(raw), "no active project to pick") {
		t.Errorf("picker without projects")
	}
}

// Every block_suggestion answer stays within Slack's option limits: at
// most 100 options, each text at most 75 characters; suggested, then
// recent, then the matches, without duplicates.
func TestProjectOptions(t *testing.T) {
	var many []Project
	for i := 1; i <= 150; i++ {
		many = append(many, Project{ID: int64(i), Name: fmt.Sprintf("Project %03d %s", i, strings.Repeat("é", 80)), Client: "Acme"})
	}
	sugg := &Suggestion{Project: many[6], Why: strings.Repeat("because ", 20)}
	tests := []struct {
		name        string
		in          ProjectOptionsInput
		wantGroups  []string
		wantOptions int
		wantFirst   string
	}{
		{"suggested, recent, deduplicated", ProjectOptionsInput{EntryID: 7, Suggested: sugg, Recent: many[5:8], Matches: many[:10]}, []string{"Suggested", "Recent", "Projects"}, 10, "7:7"},
		{"capped at 100", ProjectOptionsInput{EntryID: 7, Recent: many[:3], Matches: many}, []string{"Recent", "Projects"}, 100, "7:1"},
		{"only matches", ProjectOptionsInput{EntryID: 7, Matches: many[:4]}, []string{"Projects"}, 4, "7:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := ProjectOptions(tt.in).(*slack.OptionGroupsResponse)
			if !ok {
				t.Fatalf("answer %T", ProjectOptions(tt.in))
			}
			n := 0
			var labels []string
			for _, g := range r.OptionGroups {
				labels = append(labels, g.Label.Text)
				n += len(g.Options)
				for _, o := range g.Options {
					if textLen(o.Text.Text) > MaxOptionText || (o.Description != nil && textLen(o.Description.Text) > MaxOptionText) {
						t.Errorf("option text %q too long", o.Text.Text)
					}
				}
			}
			if strings.Join(labels, ",") != strings.Join(tt.wantGroups, ",") || n != tt.wantOptions {
				t.Fatalf("got groups %v, %d options; want %v and %d", labels, n, tt.wantGroups, tt.wantOptions)
			}
			if got := r.OptionGroups[0].Options[0].Value; got != tt.wantFirst {
				t.Errorf("first option %q, want %q", got, tt.wantFirst)
			}
		})
	}
	raw, _ := json.Marshal(ProjectOptions(ProjectOptionsInput{EntryID: 7}))
	if string(raw) != `{"options":[]}` {
		t.Errorf("nothing to offer answers %s", raw)
	}
}

// Values tally draws read back; anything else is refused.
func TestSuggestionValues(t *testing.T) {
	w, d, err := ParseSuggestionsValue(SuggestionsValue(testWeek, "0123456789abcdef"))
	if err != nil || w != testWeek || d != "0123456789abcdef" {
		t.Fatalf("round trip: %v %v %v", w, d, err)
	}
	for _, bad := range []string{"", "2026-11-23", "2026-11-23:", "2026-11-24:ab", "2026-11-23:<!here>", "2026-11-23:" + strings.Repeat("a", 65)} {
		if _, _, err := ParseSuggestionsValue(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if id, err := ParseEntryBlockID(EntryBlockID(42)); err != nil || id != 42 {
		t.Errorf("entry block id: %d %v", id, err)
	}
	for _, bad := range []string{"entry_", "entry_-1", "week_actions", "entry_1x"} {
		if _, err := ParseEntryBlockID(bad); err == nil {
			t.Errorf("block id %q accepted", bad)
		}
	}
}

func devHomeInput() DeveloperHomeInput {
	in := normalWeek()
	return DeveloperHomeInput{
		Current:  testWeek,
		ThisWeek: Summarize(in.Entries),
		LastWeek: Summarize(mixedWeek().Entries),
		Shown:    in,
	}
}

func team(n int) []TeamMember {
	var out []TeamMember
	approvals := []ApprovalStatus{ApprovalNone, ApprovalApproved, ApprovalRejected, ApprovalChanged}
	for i := 0; i < n; i++ {
		w := busyWeek(1 + i%9)
		s := Summarize(w.Entries)
		if i%5 == 0 { // a fully confirmed week, ready to approve
			s.ConfirmedSeconds, s.Unconfirmed, s.UnconfirmedSeconds = s.Seconds, 0, 0
		}
		m := TeamMember{
			EmployeeID: int64(500 + i),
			Name:       fmt.Sprintf("Person %03d", (i*37)%n),
			Week:       s,
			Approval:   approvals[i%4],
		}
		switch i % 6 {
		case 2: // billable time without a rate
			m.Week.UnpricedSeconds, m.Week.Unpriced, m.Week.UnpricedReason = 1200, 1, model.UnpricedNoRate
		case 3: // a backdated raise after approval
			m.Drift = &Drift{Seconds: 0, Amounts: model.Amounts{"EUR": 2500}}
		case 5: // time after the termination date, ready to approve
			m.Week.Outside, m.Week.OutsideSeconds, m.Week.OutsideIssue = 1, 1200, model.AfterTermination
			m.Week.ConfirmedSeconds, m.Week.Unconfirmed, m.Week.UnconfirmedSeconds = m.Week.Seconds, 0, 0
		}
		out = append(out, m)
	}
	return out
}

func managerInput(n int, scope Scope, page int) ManagerHomeInput {
	own := Summarize(normalWeek().Entries)
	tm := team(n)
	if n > 1 {
		tm[1].Self = true
	}
	return ManagerHomeInput{
		Viewer: "Grace Hopper", Current: testWeek, Week: testWeek.Prev(), Scope: scope, Team: tm, Page: page,
		HoursByDay: [7]int64{8 * 3600 * int64(n), 7 * 3600 * int64(n), 6 * 3600 * int64(n), 8 * 3600 * int64(n), 4 * 3600 * int64(n), 0, 1800},
		HoursByProject: []BarRow{{"Checkout revamp", 120 * 3600}, {"Mobile app", 80 * 3600}, {"Internal", 30 * 3600},
			{"R&D <core>", 10 * 3600}},
		Own: &own,
	}
}

func hrInput() HRHomeInput {
	start := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	var problems []RosterProblem
	for i := 0; i < 60; i++ {
		problems = append(problems, RosterProblem{Kind: "no_slack_user", Person: fmt.Sprintf("person%02d@example.com", i), Detail: "users.lookupByEmail: users_not_found"})
	}
	var parked []Parked
	for i := 0; i < 18; i++ {
		parked = append(parked, Parked{ID: int64(900 + i), What: fmt.Sprintf("tag_add entry %d", 4000+i), Attempts: 8,
			Error: "toggl: 400 Bad Request: <html>entry is locked</html>", At: start})
	}
	return HRHomeInput{
		Current: testWeek, Week: testWeek,
		Org: OrgTotals{People: 310, PeopleLogged: 290, FullyConfirmed: 200, Approved: 150, UnmatchedPeople: 4,
			Week: Summary{Seconds: 290 * 38 * 3600, ConfirmedSeconds: 200 * 38 * 3600, UnallocatedSeconds: 120 * 3600,
				Billable: model.Amounts{"EUR": 123456789, "USD": 5000000}, UnpricedSeconds: 4*3600 + 1800,
				UnpricedReason: model.UnpricedNoRate, OutsideSeconds: 7 * 3600, OutsideIssue: model.AfterTermination},
			NoProjectSeconds: 120 * 3600, NoProjectBillable: model.Amounts{"EUR": 150000}},
		SyncRuns: []SyncRun{
			{ID: 3, Mode: "incremental", Status: "ok", Requests: 12, QuotaUsed: 12, StartedAt: start, FinishedAt: start.Add(42 * time.Second)},
			{ID: 2, Mode: "full", Status: "quota_exhausted", Requests: 240, QuotaUsed: 240, StartedAt: start.Add(-time.Hour), FinishedAt: start.Add(-50 * time.Minute), Error: "toggl quota: 0 remaining, resets in 1200s"},
			{ID: 1, Mode: "incremental", Status: "running", Requests: 1, StartedAt: start.Add(time.Minute)},
		},
		Problems: problems[:45], ProblemsTotal: 60,
		Unpriced: []UnpricedPerson{
			{Name: "Nora <Nolan>", Reason: model.UnpricedNoRate, Entries: 4, Seconds: 4 * 3600},
			{Name: "toggl-user-77@example.com", Reason: model.UnpricedUnknownPerson, Entries: 1, Seconds: 1800},
		},
		Outside: []OutsidePerson{{Name: "Lee Leaver", Issue: model.AfterTermination, Date: &start, Entries: 7,
			Seconds: 7 * 3600, EntryIDs: []int64{9001, 9002, 9003, 9004, 9005, 9006, 9007}}},
		ParkedInbox:  []Parked{{ID: 77, What: "bamboohr webhook", Attempts: 5, Error: "employee 123: unknown currency \"XXX\"", At: start}},
		ParkedOutbox: parked,
	}
}

func TestHomesGolden(t *testing.T) {
	tests := []struct {
		name     string
		view     slack.HomeTabViewRequest
		wantText []string
	}{
		{"home_developer", DeveloperHome(devHomeInput()),
			[]string{"This week · 23–29 Nov 2026", "Last week · 16–22 Nov 2026", "[ ◀ 16–22 Nov 2026 ]", "[ Confirm all 3 ]"}},
		{"home_manager", ManagerHome(managerInput(6, ScopeDirect, 0)),
			[]string{"direct reports", "[ Approve ]", "[ Reject… ]", "[ Nudge ]", "Mon ", "█", "[ Export CSV for this week ]", "Your week", "[ Show whole organisation ]"}},
		{"home_manager_subtree_page2", ManagerHome(managerInput(300, ScopeSubtree, 1)),
			[]string{"whole organisation", "Page 2 of", "[ ◀ Previous page ]", "[ Next page ▶ ]"}},
		{"home_hr", HRHome(hrInput()),
			[]string{"Organisation · 23–29 Nov 2026", "quota_exhausted", "Roster problems (60)", "…and ", "[ Retry ]", "and 3 more", "1,234,567.89 EUR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := tt.view.Blocks.BlockSet
			if tt.view.Type != slack.VTHomeTab {
				t.Errorf("type %q", tt.view.Type)
			}
			if err := Validate(bs, MaxHomeBlocks); err != nil {
				t.Fatalf("limits: %v", err)
			}
			text := RenderText(bs)
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("rendered text lacks %q:\n%s", w, text)
				}
			}
			golden(t, tt.name, tt.view, bs)
		})
	}
}

func TestManagerHomePaging(t *testing.T) {
	const people = 300
	seen := map[string]int{}
	pages := 0
	for page := 0; ; page++ {
		bs := ManagerHome(managerInput(people, ScopeSubtree, page)).Blocks.BlockSet
		if err := Validate(bs, MaxHomeBlocks); err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		raw, _ := json.Marshal(bs)
		for _, b := range bs {
			if s, ok := b.(*slack.SectionBlock); ok && strings.HasPrefix(s.BlockID, "member_") {
				seen[s.BlockID]++
			}
		}
		pages++
		if !strings.Contains(string(raw), ActionHomePageNext) {
			break
		}
		if page > people {
			t.Fatal("paging never ends")
		}
	}
	if len(seen) != people {
		t.Errorf("%d people shown over %d pages, want %d", len(seen), pages, people)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s shown %d times", id, n)
		}
	}
	// A page past the end shows the last page.
	last := ManagerHome(managerInput(people, ScopeSubtree, 999)).Blocks.BlockSet
	if !strings.Contains(RenderText(last), fmt.Sprintf("Page %d of %d", pages, pages)) {
		t.Errorf("page 999 is not the last page")
	}
}

func TestManagerActions(t *testing.T) {
	ready := Summary{Entries: 3, Seconds: 3600, ConfirmedSeconds: 3600}
	open := Summary{Entries: 3, Seconds: 3600, Unconfirmed: 1, UnconfirmedSeconds: 600, Unallocated: 1}
	tests := []struct {
		name string
		m    TeamMember
		want []string
	}{
		{"ready for approval", TeamMember{EmployeeID: 1, Week: ready}, []string{ActionApproveWeek, ActionRejectWeek}},
		{"open week", TeamMember{EmployeeID: 1, Week: open}, []string{ActionRejectWeek, ActionNudge}},
		{"approved", TeamMember{EmployeeID: 1, Week: ready, Approval: ApprovalApproved}, []string{ActionRejectWeek}},
		// A backdated raise the periodic job has not marked yet: approve again at today's figures.
		{"approved, figures moved since", TeamMember{EmployeeID: 1, Week: ready, Approval: ApprovalApproved,
			Drift: &Drift{Amounts: model.Amounts{"EUR": 5000}}}, []string{ActionApproveWeek, ActionRejectWeek}},
		{"approved, zero drift", TeamMember{EmployeeID: 1, Week: ready, Approval: ApprovalApproved,
			Drift: &Drift{Amounts: model.Amounts{}}}, []string{ActionRejectWeek}},
		{"rejected and confirmed again", TeamMember{EmployeeID: 1, Week: ready, Approval: ApprovalRejected}, []string{ActionApproveWeek}},
		{"changed after approval", TeamMember{EmployeeID: 1, Week: open, Approval: ApprovalChanged}, []string{ActionRejectWeek, ActionNudge}},
		{"nothing logged", TeamMember{EmployeeID: 1}, []string{ActionNudge}},
		{"self", TeamMember{EmployeeID: 1, Week: ready, Self: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := memberActions(testWeek, tt.m)
			var got []string
			if a != nil {
				for _, e := range a.Elements.ElementSet {
					b := e.(*slack.ButtonBlockElement)
					got = append(got, b.ActionID)
					if b.ActionID != ActionNudge && b.Value != "1:2026-11-23" {
						t.Errorf("%s value %q", b.ActionID, b.Value)
					}
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("buttons %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRejectModalGolden(t *testing.T) {
	m := RejectModal("Ada <Lovelace> & *Co*", 42, testWeek)
	if m.CallbackID != "reject_week" || m.PrivateMetadata != "42:2026-11-23" {
		t.Errorf("callback %q metadata %q", m.CallbackID, m.PrivateMetadata)
	}
	bs := m.Blocks.BlockSet
	in, ok := bs[len(bs)-1].(*slack.InputBlock)
	if !ok || in.BlockID != "reason" || in.Optional {
		t.Fatalf("last block is not the required reason input: %#v", bs[len(bs)-1])
	}
	el := in.Element.(*slack.PlainTextInputBlockElement)
	if el.ActionID != "reason_input" || !el.Multiline || el.MinLength != 1 {
		t.Errorf("reason input %#v", el)
	}
	if err := Validate(bs, MaxHomeBlocks); err != nil {
		t.Fatal(err)
	}
	golden(t, "reject_modal", m, bs)
}

func TestMessagesGolden(t *testing.T) {
	var items []DigestItem
	for i := 0; i < 60; i++ {
		items = append(items, DigestItem{EmployeeID: int64(700 + i), Name: fmt.Sprintf("Dev %02d", 59-i),
			Seconds: int64(i) * 3600, UnconfirmedSeconds: int64(i%3) * 1800, UnallocatedSeconds: int64(i%2) * 900, ChangedSeconds: int64(i%5) * 600})
	}
	items[58].UnpricedSeconds, items[58].UnpricedReason = 5400, model.UnpricedNoRate
	items[59].OutsideSeconds, items[59].OutsideIssue = 3600, model.AfterTermination
	team := Summary{Seconds: 1770 * 3600, Billable: model.Amounts{"EUR": 17700000}, UnpricedSeconds: 5400,
		UnpricedReason: model.UnpricedNoRate}
	edited := normalWeek().Entries[1]
	edited.Seconds += 900
	tests := []struct {
		name     string
		bs       []slack.Block
		wantText []string
	}{
		{"digest", Digest(DigestInput{Manager: "Grace", Week: testWeek.Prev(), Items: items, Team: team}),
			[]string{"Open time · 16–22 Nov 2026", "60 people have time", "[ Nudge ]", "and 14 more"}},
		{"digest_small", Digest(DigestInput{Manager: "Grace", Week: testWeek.Prev(), Items: items[58:], Team: team}),
			[]string{"2 people have time", "Dev 00", "billable ⚠️ 1:30 unpriced (no billable rate in BambooHR) — ask HR",
				"1:00 outside employment (logged after the termination date)", "Your team logged 1770:00 · billable 177,000.00 EUR · ⚠️ 1:30 unpriced"}},
		{"digest_done", Digest(DigestInput{Manager: "Grace", Week: testWeek.Prev(), Team: Summary{Seconds: 3600, Billable: model.Amounts{"EUR": 12000}}}),
			[]string{"everyone in your team confirmed"}},
		{"rejected_dm", RejectedDM("Grace <Hopper>", "Tuesday is missing.\n<@U123> please *add* it & re-confirm\n> not a quote", normalWeek()),
			[]string{"Grace <Hopper> sent your week", "> Tuesday is missing.", "> <@U123> please ∗add∗ it & re-confirm", "> > not a quote"}},
		{"confirm_all_result", ConfirmAllMessage(ConfirmAllResult{Confirmed: 3, ConfirmedSeconds: 3 * 3600,
			NotConfirmed: []NotConfirmed{{Entry: edited, Reason: "it changed in Toggl a moment ago"}}}, normalWeek()),
			[]string{"Confirmed 3 entries (3:00)", "1 entry could not be confirmed", "it changed in Toggl"}},
		{"stale_edited", StaleButtonMessage(StaleEdited, edited, normalWeek()),
			[]string{"changed in Toggl after this message was sent", "2:45"}},
		{"stale_deleted", StaleButtonMessage(StaleDeleted, model.Entry{}, normalWeek()),
			[]string{"deleted in Toggl"}},
		{"timesheet_usage", TimesheetUsage(`"next tuesday" is not a week`),
			[]string{"⚠️ \"next tuesday\" is not a week", "/timesheet 2026-11-23"}},
		{"unknown_user", UnknownUser(), []string{"can't find you"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Validate(tt.bs, MaxMessageBlocks); err != nil {
				t.Fatalf("limits: %v", err)
			}
			text := RenderText(tt.bs)
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("rendered text lacks %q:\n%s", w, text)
				}
			}
			golden(t, tt.name, messageJSON(tt.bs), tt.bs)
		})
	}
}

func TestSmallMessages(t *testing.T) {
	tests := []struct {
		name string
		bs   []slack.Block
		want string
	}{
		{"sentence escapes", Sentence("You typed <@U1> & *this*"), "You typed &lt;@U1&gt; &amp; ∗this∗"},
		{"error sentence of a model error", ErrorSentence(model.Errorf(model.EForbidden, "That entry is not yours.")), ":warning: That entry is not yours."},
		{"error sentence hides internals", ErrorSentence(fmt.Errorf("pgx: password=secret")), "Something went wrong on our side"},
		{"confirm-all usage", ConfirmAllUsage(""), "/confirm-all last week"},
		{"nudge", NudgeDM("Grace", normalWeek()), "*Grace* asks you to confirm"},
		{"approved", ApprovedDM("Grace", testWeek, 36000), "approved your week 23–29 Nov 2026 (10:00)"},
		{"changed after approval, developer", ChangedAfterApprovalDM("Ada", 7, testWeek, nil, false), "Your approved week"},
		{"changed after approval, approver", ChangedAfterApprovalDM("Ada", 7, testWeek, nil, true), `"value":"7"`},
		{"changed after approval with the difference", ChangedAfterApprovalDM("Ada", 7, testWeek,
			&Drift{Seconds: -1800, Amounts: model.Amounts{"EUR": 15000, "USD": -2050}}, true),
			"Difference from what was approved: *-0:30 h · +150.00 EUR · -20.50 USD*."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Validate(tt.bs, MaxMessageBlocks); err != nil {
				t.Fatal(err)
			}
			var buf strings.Builder
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(tt.bs); err != nil {
				t.Fatal(err)
			}
			if raw := buf.String(); !strings.Contains(raw, tt.want) {
				t.Errorf("%s lacks %q", raw, tt.want)
			}
		})
	}
}
