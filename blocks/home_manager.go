package blocks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
	"github.com/tallyhq/tally/model"
)

// Scope is which part of a manager's organisation the home tab shows.
type Scope string

// The scopes of the manager home.
const (
	ScopeDirect  Scope = "direct"  // direct reports only (the default)
	ScopeSubtree Scope = "subtree" // everyone reporting directly or transitively
)

// ApprovalStatus is where a person's week stands with approval; the values
// match week_approvals.status, with "" for no decision yet.
type ApprovalStatus string

// The approval states.
const (
	ApprovalNone     ApprovalStatus = ""
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalRejected ApprovalStatus = "rejected"
	ApprovalChanged  ApprovalStatus = "changed_after_approval"
)

// TeamMember is one row of the manager's team table.
type TeamMember struct {
	EmployeeID int64
	Name       string
	Week       Summary // Summarize of the person's entries of the week
	Approval   ApprovalStatus
	Self       bool // the viewer's own row: nobody approves their own week
	// Drift is set when the week's figures moved away from what was
	// approved: the row says "changed after approval" with the difference
	// until the week is approved again.
	Drift *Drift
	// OutsideApproved is set when the standing approval explicitly covers
	// the week's time outside the person's employment.
	OutsideApproved bool
}

// drifted reports whether the week moved away from what was approved.
func (m TeamMember) drifted() bool { return m.Drift != nil && !m.Drift.Zero() }

// ManagerHomeInput is what a manager's App Home shows.
type ManagerHomeInput struct {
	Viewer  string     // the manager's name
	Current model.Week // the week containing today
	Week    model.Week // the week chosen with the navigation buttons
	Scope   Scope
	Team    []TeamMember // everyone in Scope, any order; paged here
	Page    int          // 0-based; clamped to the last page
	// HoursByDay is the team's time per day, Monday first; HoursByProject
	// its time per project (the chart keeps the 8 largest).
	HoursByDay     [7]int64
	HoursByProject []BarRow
	// Own is the manager's own week when they log time too; it shows as one
	// line with its Confirm all button on top.
	Own *Summary
}

// ManagerHome builds a manager's home tab: team totals, charts, and a team
// table with Approve, Reject and Nudge per person, paged so every page stays
// within MaxHomeBlocks.
func ManagerHome(in ManagerHomeInput) slack.HomeTabViewRequest {
	team := sortedTeam(in.Team)

	toggle := button(ActionHomeScope, string(ScopeSubtree), "Show whole organisation")
	title := "direct reports"
	if in.Scope == ScopeSubtree {
		toggle = button(ActionHomeScope, string(ScopeDirect), "Show direct reports only")
		title = "whole organisation"
	}
	out := []slack.Block{header("home_header", fmt.Sprintf("Team · %s · %s", in.Week.Label(), title))}
	if in.Own != nil && in.Own.Entries > 0 {
		out = append(out, ownSection(in.Week, *in.Own))
	}
	out = append(out,
		weekNav(in.Week, in.Current, []slack.BlockElement{toggle, exportButton(in.Week)}),
		section("team_totals", teamTotals(team)),
		teamCharts(in.HoursByDay, in.HoursByProject),
		slack.NewDividerBlock(),
	)

	// Every person takes at most two blocks (row and buttons); paging adds
	// two more (position and buttons).
	room := MaxHomeBlocks - len(out)
	perPage := room / 2
	if len(team) > perPage {
		perPage = (room - 2) / 2
	}
	pages := (len(team) + perPage - 1) / perPage
	if pages == 0 {
		pages = 1
	}
	page := in.Page
	if page >= pages {
		page = pages - 1
	}
	if page < 0 {
		page = 0
	}
	from := page * perPage
	to := min(from+perPage, len(team))
	if len(team) == 0 {
		out = append(out, section("team_empty", "Nobody reports to you in BambooHR for this scope."))
	}
	for _, m := range team[from:to] {
		out = append(out, memberRow(in.Week, m))
		if a := memberActions(in.Week, m); a != nil {
			out = append(out, a)
		}
	}
	if pages > 1 {
		out = append(out, contextText("team_page", fmt.Sprintf("Page %d of %d · people %d–%d of %d",
			page+1, pages, from+1, to, len(team))))
		var els []slack.BlockElement
		if page > 0 {
			els = append(els, button(ActionHomePagePrev, strconv.Itoa(page-1), "◀ Previous page"))
		}
		if page < pages-1 {
			els = append(els, button(ActionHomePageNext, strconv.Itoa(page+1), "Next page ▶"))
		}
		out = append(out, slack.NewActionBlock("team_paging", els...))
	}
	return home(out)
}

// sortedTeam orders people by name (case-insensitive), then id.
func sortedTeam(in []TeamMember) []TeamMember {
	type keyed struct {
		key string
		m   TeamMember
	}
	ks := make([]keyed, len(in))
	for i, m := range in {
		ks[i] = keyed{strings.ToLower(m.Name), m}
	}
	sort.SliceStable(ks, func(i, j int) bool {
		if ks[i].key != ks[j].key {
			return ks[i].key < ks[j].key
		}
		return ks[i].m.EmployeeID < ks[j].m.EmployeeID
	})
	out := make([]TeamMember, len(ks))
	for i, k := range ks {
		out[i] = k.m
	}
	return out
}

// ownSection is the viewer's own week in one line, with Confirm all.
func ownSection(w model.Week, s Summary) *slack.SectionBlock {
	sec := section("own_week", "*Your week*: "+s.Line())
	if s.Confirmable > 0 {
		b := button(ActionConfirmAll, w.String(), fmt.Sprintf("Confirm all %d", s.Confirmable))
		b.Style = slack.StylePrimary
		b.Confirm = confirmDialog("Confirm the whole week?",
			fmt.Sprintf("This confirms %s (%s) of %s as correct.",
				plural(s.Confirmable, "entry", "entries"), Duration(s.ConfirmableSeconds), w.Label()),
			"Confirm all", "Cancel")
		sec.Accessory = slack.NewAccessory(b)
	}
	return sec
}

func teamTotals(team []TeamMember) string {
	total := Summary{Billable: model.Amounts{}}
	approved := 0
	for _, m := range team {
		total.Add(m.Week)
		if m.Approval == ApprovalApproved && !m.drifted() {
			approved++
		}
	}
	return fmt.Sprintf("*%s* · %s · %d of %d weeks approved", plural(len(team), "person", "people"), total.Line(), approved, len(team))
}

func teamCharts(byDay [7]int64, byProject []BarRow) *slack.SectionBlock {
	fields := []*slack.TextBlockObject{mrkdwn(chartText("Hours by day", dayRows(byDay)), MaxFieldText)}
	if len(byProject) > 0 {
		fields = append(fields, mrkdwn(chartText("Hours by project", topRows(byProject, 8)), MaxFieldText))
	}
	return slack.NewSectionBlock(nil, fields, nil, slack.SectionBlockOptionBlockID("team_charts"))
}

func memberRow(w model.Week, m TeamMember) *slack.SectionBlock {
	s := m.Week
	parts := []string{
		"*" + esc(m.Name, 200) + "*",
		Duration(s.Seconds),
		percent(s.ConfirmedSeconds, s.Seconds) + " confirmed",
	}
	if s.UnallocatedSeconds > 0 {
		parts = append(parts, ":warning: "+Duration(s.UnallocatedSeconds)+" unallocated")
	} else {
		parts = append(parts, "0:00 unallocated")
	}
	parts = append(parts, billableText(s.Billable, s.UnpricedSeconds, s.UnpricedReason))
	if s.OutsideSeconds > 0 {
		parts = append(parts, outsideText(s.OutsideSeconds, s.OutsideIssue))
	}
	text := strings.Join(parts, " · ") + "\n" + approvalText(m)
	return section("member_"+strconv.FormatInt(m.EmployeeID, 10), text)
}

func approvalText(m TeamMember) string {
	if m.drifted() {
		return ":warning: changed after approval: " + m.Drift.Text() + " since approved — needs approval again"
	}
	switch m.Approval {
	case ApprovalApproved:
		if m.Week.OutsideSeconds > 0 && !m.OutsideApproved {
			return fmt.Sprintf(":white_check_mark: approved, except %s outside employment (not billed until approved explicitly)",
				Duration(m.Week.OutsideSeconds))
		}
		return ":white_check_mark: approved"
	case ApprovalRejected:
		return ":x: rejected"
	case ApprovalChanged:
		return ":warning: changed after approval — needs approval again"
	}
	switch {
	case m.Week.Entries == 0:
		return ":zzz: nothing logged"
	case m.Week.Unconfirmed == 0:
		return ":large_blue_circle: confirmed, ready for approval"
	default:
		return fmt.Sprintf(":white_circle: %s unconfirmed", Duration(m.Week.UnconfirmedSeconds))
	}
}

// plainMoney is the money of a summary for a confirmation dialog.
func plainMoney(s Summary) string {
	t := "billable " + amounts(s.Billable)
	if s.UnpricedSeconds > 0 {
		t = "billable " + Duration(s.UnpricedSeconds) + " unpriced (" + s.UnpricedReason.Text() + ")"
		if len(s.Billable) > 0 {
			t = "billable " + amounts(s.Billable) + " and " + Duration(s.UnpricedSeconds) + " unpriced (" + s.UnpricedReason.Text() + ")"
		}
	}
	return t
}

// memberActions holds Approve (a fully confirmed week not yet approved),
// Reject (any week with time not already rejected) and Nudge (anything
// open); nil when none applies.
func memberActions(w model.Week, m TeamMember) *slack.ActionBlock {
	if m.Self {
		return nil
	}
	s := m.Week
	value := PersonWeekValue(m.EmployeeID, w)
	var els []slack.BlockElement
	ready := s.Entries > 0 && s.Unconfirmed == 0
	// An approved week whose figures moved since (drift the periodic job
	// may not have marked yet) can be approved again at today's figures.
	if ready && (m.Approval != ApprovalApproved || m.drifted()) {
		b := button(ActionApproveWeek, value, "Approve")
		b.Style = slack.StylePrimary
		text := fmt.Sprintf("Approve %s's week %s: %s, %s.", esc(m.Name, 100), w.Label(), Duration(s.Seconds), plainMoney(s))
		if s.OutsideSeconds > 0 {
			text += fmt.Sprintf(" The %s %s are not covered: they stay out of approved exports.",
				Duration(s.OutsideSeconds), s.OutsideIssue.Text())
		}
		b.Confirm = confirmDialog("Approve this week?", text, "Approve", "Cancel")
		els = append(els, b)
	}
	if ready && s.OutsideSeconds > 0 && (m.Approval != ApprovalApproved || !m.OutsideApproved) {
		b := button(ActionApproveWeekOutside, value, "Approve incl. outside employment…")
		b.Confirm = confirmDialog("Bill time outside employment?",
			fmt.Sprintf("Approve %s's week %s including the %s %s? Those entries will be in approved exports and billed.",
				esc(m.Name, 100), w.Label(), Duration(s.OutsideSeconds), s.OutsideIssue.Text()),
			"Approve all", "Cancel")
		els = append(els, b)
	}
	if s.Entries > 0 && m.Approval != ApprovalRejected {
		b := button(ActionRejectWeek, value, "Reject…")
		b.Style = slack.StyleDanger
		els = append(els, b)
	}
	if s.Entries == 0 || s.Unconfirmed > 0 || s.Unallocated > 0 {
		els = append(els, button(ActionNudge, strconv.FormatInt(m.EmployeeID, 10), "Nudge"))
	}
	if len(els) == 0 {
		return nil
	}
	return slack.NewActionBlock("member_actions_"+strconv.FormatInt(m.EmployeeID, 10), els...)
}
