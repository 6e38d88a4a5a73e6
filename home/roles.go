package home

import (
	"context"
	"encoding/json"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/timesheet"
)

// Data is the read model the manager and HR homes use (*storage.DB).
type Data interface {
	EmployeeByID(ctx context.Context, id int64) (model.Employee, error)
	HasReports(ctx context.Context, employeeID int64) (bool, error)
	TeamSummaries(ctx context.Context, employeeIDs []int64, week model.Week) ([]storage.WeekSummary, error)
	HoursByDay(ctx context.Context, employeeIDs []int64, week model.Week) ([7]int64, error)
	HoursByProject(ctx context.Context, employeeIDs []int64, week model.Week, limit int) ([]storage.ProjectHours, error)
	ActiveEmployeeIDs(ctx context.Context) ([]int64, error)
	UnmatchedPeople(ctx context.Context) (int, error)
	ParkedInbox(ctx context.Context, limit int) ([]storage.ParkedItem, error)
	ParkedOutbox(ctx context.Context, limit int) ([]storage.ParkedItem, error)
	RecentSyncRuns(ctx context.Context, limit int) ([]storage.SyncRun, error)
	OpenRosterProblems(ctx context.Context) ([]storage.RosterProblem, error)
	// WeekPeopleIDs lists active employees and anyone with time in the
	// week (people who left during it included).
	WeekPeopleIDs(ctx context.Context, week model.Week) ([]int64, error)
	// OrgTotals is the one organisation total of hours and money.
	OrgTotals(ctx context.Context, f storage.ExportFilter) (storage.Totals, error)
	// UnpricedPeople and EmploymentProblems say who has billable time
	// without a rate, and time outside their employment, in a date range.
	UnpricedPeople(ctx context.Context, from, to time.Time) ([]storage.UnpricedPerson, error)
	EmploymentProblems(ctx context.Context, from, to time.Time) ([]storage.EmploymentProblem, error)
}

// Team lists a manager's people (review.Service).
type Team interface {
	Subtree(ctx context.Context, managerEmployeeID int64, directOnly bool) ([]model.Employee, error)
}

// State is what a home tab shows, kept in the view's private_metadata so
// navigation keeps the other choices.
type State struct {
	Week  string       `json:"w,omitempty"` // Monday of the shown week
	Scope blocks.Scope `json:"s,omitempty"`
	Page  int          `json:"p,omitempty"`
}

// maxMetadata is the longest private_metadata Slack keeps on a view; a
// longer one never came from tally.
const maxMetadata = 3000

// ParseState reads a view's private_metadata; garbage yields the defaults,
// and each field is kept only when tally could have written it: a week
// start (whether it is in range is State.week's question), a known scope,
// a page up to blocks.MaxPage.
func ParseState(meta string) State {
	var s State
	if len(meta) > maxMetadata || json.Unmarshal([]byte(meta), &s) != nil {
		return State{Scope: blocks.ScopeDirect}
	}
	if _, err := blocks.ParseWeekValue(s.Week); err != nil {
		s.Week = ""
	}
	if s.Scope != blocks.ScopeSubtree {
		s.Scope = blocks.ScopeDirect
	}
	if s.Page < 0 || s.Page > blocks.MaxPage {
		s.Page = 0
	}
	return s
}

func (s State) encode() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// week returns the shown week, or current when unset, invalid or outside
// timesheet.ViewWindow.
func (s State) week(current model.Week) model.Week {
	if w, err := model.ParseWeek(s.Week); err == nil && timesheet.ViewWindow(current.Start).Contains(w) {
		return w
	}
	return current
}

// toSummary converts a stored week summary to what the blocks show.
func toSummary(s storage.WeekSummary) blocks.Summary {
	billable := model.Amounts{}
	for c, v := range s.Billable {
		billable[c] = v
	}
	return blocks.Summary{
		Entries:            s.Entries,
		Seconds:            s.Seconds,
		ConfirmedSeconds:   s.ConfirmedSeconds,
		UnallocatedSeconds: s.UnallocatedSeconds,
		Unconfirmed:        s.Entries - s.Confirmed,
		UnconfirmedSeconds: s.Seconds - s.ConfirmedSeconds,
		Unallocated:        s.Unallocated,
		Confirmable:        s.Entries - s.Confirmed - s.Unallocated,
		ConfirmableSeconds: s.Seconds - s.ConfirmedSeconds - s.UnallocatedSeconds,
		Billable:           billable,
		Unpriced:           s.Unpriced,
		UnpricedSeconds:    s.UnpricedSeconds,
		UnpricedReason:     model.UnpricedReason(s.UnpricedReason),
		Outside:            s.OutsideEmployment,
		OutsideSeconds:     s.OutsideEmploymentSeconds,
	}
}

// toMember converts a stored week summary to a row of the team table: the
// figures, the approval and how the week moved away from what was approved.
func toMember(e model.Employee, s storage.WeekSummary) blocks.TeamMember {
	m := blocks.TeamMember{EmployeeID: e.ID, Name: e.Name(), Week: toSummary(s), Approval: blocks.ApprovalStatus(s.Approval.Status)}
	if s.Approved != nil {
		m.OutsideApproved = s.Approved.IncludesOutsideEmployment
		if d := s.Drift(); !d.Zero() {
			m.Drift = &blocks.Drift{Seconds: d.Seconds, Amounts: d.Amounts}
		}
	}
	return m
}

// managerHome builds the team view of a manager.
func (p *Publisher) managerHome(ctx context.Context, me model.Employee, current model.Week, st State) (slack.HomeTabViewRequest, error) {
	week := st.week(current)
	people, err := p.opts.Team.Subtree(ctx, me.ID, st.Scope != blocks.ScopeSubtree)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	ids := make([]int64, 0, len(people)+1)
	for _, e := range people {
		ids = append(ids, e.ID)
	}
	sums, err := p.opts.Data.TeamSummaries(ctx, append(ids, me.ID), week)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	byID := make(map[int64]storage.WeekSummary, len(sums))
	for _, s := range sums {
		byID[s.EmployeeID] = s
	}
	in := blocks.ManagerHomeInput{Viewer: me.Name(), Current: current, Week: week, Scope: st.Scope, Page: st.Page}
	for _, e := range people {
		in.Team = append(in.Team, toMember(e, byID[e.ID]))
	}
	if own, ok := byID[me.ID]; ok && own.Entries > 0 {
		sum := toSummary(own)
		in.Own = &sum
	}
	if len(ids) > 0 {
		if in.HoursByDay, err = p.opts.Data.HoursByDay(ctx, ids, week); err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		projects, err := p.opts.Data.HoursByProject(ctx, ids, week, 8)
		if err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		for _, ph := range projects {
			label := ph.Project
			if label == "" {
				label = storage.NoProject
			}
			in.HoursByProject = append(in.HoursByProject, blocks.BarRow{Label: label, Seconds: ph.Seconds})
		}
	}
	v := blocks.ManagerHome(in)
	v.PrivateMetadata = State{Week: week.String(), Scope: st.Scope, Page: st.Page}.encode()
	return v, nil
}

// errNotAllowed is what someone sees when they press a button of a role
// they don't have (a forged payload, or a role lost since the view was drawn).
var errNotAllowed = model.Errorf(model.EForbidden, "Only your managers and HR can do that.")

// compile-time check that review.Service offers what the home needs.
var _ Team = (*review.Service)(nil)
