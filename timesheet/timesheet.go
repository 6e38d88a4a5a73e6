package timesheet

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Store is the storage the read model loads weeks from (*storage.DB, or the
// app's cached read model).
type Store interface {
	EmployeeByID(ctx context.Context, id int64) (model.Employee, error)
	EmployeeBySlackID(ctx context.Context, slackUserID string) (model.Employee, error)
	Subtree(ctx context.Context, managerID int64, directOnly bool) ([]model.Employee, error)
	// PricedWeekEntries returns the week's entries with how each is
	// priced: unpriced billable time and time outside the person's
	// employment are shown as such on every surface.
	PricedWeekEntries(ctx context.Context, employeeID int64, week model.Week) ([]storage.WeekEntry, error)
	ActiveProjects(ctx context.Context, query string, limit int) ([]storage.ProjectOption, error)
	SuggestProjects(ctx context.Context, employeeIDs []int64, week model.Week) (map[int64]storage.Suggestion, error)
}

// Options configure a Reader.
type Options struct {
	// Store is required.
	Store Store
	// IsHRAdmin reports whether a Slack user is an HR admin (a nudge from
	// them says "HR" when they are not in the roster); nil: nobody is.
	IsHRAdmin func(slackUserID string) bool
	// Logger defaults to a no-op logger.
	Logger *zap.Logger
}

// Reader loads and renders people's weeks.
type Reader struct {
	store     Store
	isHRAdmin func(string) bool
	log       *zap.Logger
}

// New builds a Reader.
func New(opts Options) *Reader {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.IsHRAdmin == nil {
		opts.IsHRAdmin = func(string) bool { return false }
	}
	return &Reader{store: opts.Store, isHRAdmin: opts.IsHRAdmin, log: opts.Logger.Named("timesheet")}
}

// unavailableMessage is what a person reads when a week cannot be loaded.
const unavailableMessage = "tally can't reach its database right now. Please try again in a minute."

// unavailable marks a storage failure as "try again" for the user.
func unavailable(err error) error {
	return &model.Error{Code: model.EUnavailable, Message: unavailableMessage, Err: err}
}

// EmployeeBySlackID returns the person behind a Slack user;
// storage.ErrNoEmployee when there is none.
func (r *Reader) EmployeeBySlackID(ctx context.Context, slackUserID string) (model.Employee, error) {
	return r.store.EmployeeBySlackID(ctx, slackUserID)
}

// WeekEntries loads a person's entries of a week, for summaries that need
// no project picker. Each entry says why it is unpriced (Entry.Unpriced)
// and whether it lies outside the person's employment (Entry.Outside).
func (r *Reader) WeekEntries(ctx context.Context, emp model.Employee, week model.Week) ([]model.Entry, error) {
	priced, err := r.store.PricedWeekEntries(ctx, emp.ID, week)
	if err != nil {
		return nil, unavailable(err)
	}
	entries := make([]model.Entry, len(priced))
	for i, w := range priced {
		entries[i] = PricedEntry(w)
	}
	return entries, nil
}

// PricedEntry is a stored week entry as the surfaces read it: the entry
// with its unpriced reason and employment issue.
func PricedEntry(w storage.WeekEntry) model.Entry {
	e := w.Entry
	e.Unpriced = model.UnpricedReason(w.Unpriced)
	e.Outside = model.EmploymentIssue(w.Employment)
	if !w.Priced {
		// No rate in force: the amount is unknown, not zero.
		e.Amount = model.Money{}
	}
	return e
}

// WeekInput loads what the week view of a person shows: the entries and,
// when some time has no project, the suggested projects (the pickers
// search every active project as the person types, see Picker).
func (r *Reader) WeekInput(ctx context.Context, emp model.Employee, week model.Week) (blocks.WeekInput, error) {
	entries, err := r.WeekEntries(ctx, emp, week)
	if err != nil {
		return blocks.WeekInput{}, err
	}
	in := blocks.WeekInput{Week: week, Person: emp.Name(), Entries: entries}
	if !needsPicker(entries) {
		return in, nil
	}
	active, err := r.store.ActiveProjects(ctx, "", 1)
	if err != nil {
		return blocks.WeekInput{}, unavailable(err)
	}
	if len(active) == 0 {
		in.NoProjects = true
		return in, nil
	}
	sugg, err := r.store.SuggestProjects(ctx, []int64{emp.ID}, week)
	if err != nil {
		return blocks.WeekInput{}, unavailable(err)
	}
	in.Suggestions = make(map[int64]blocks.Suggestion)
	for id, s := range sugg {
		if s.Offered() {
			in.Suggestions[id] = blocks.Suggestion{
				Project: blocks.Project{ID: s.ProjectID, Name: s.ProjectName, Client: s.ClientName}, Why: s.Why()}
		}
	}
	in.SuggestionsDigest = storage.SuggestionDigest(sugg)
	return in, nil
}

// needsPicker reports whether any entry lacks a project.
func needsPicker(entries []model.Entry) bool {
	for _, e := range entries {
		if !e.Allocated() {
			return true
		}
	}
	return false
}

// WeekBlocks builds the week view of one person, for any surface: the
// /timesheet answer, the Friday DM, a refreshed message after a click, and
// the App Home.
func (r *Reader) WeekBlocks(ctx context.Context, emp model.Employee, week model.Week, maxBlocks int) ([]slack.Block, error) {
	in, err := r.WeekInput(ctx, emp, week)
	if err != nil {
		return nil, err
	}
	return blocks.WeekView(in, maxBlocks), nil
}

// employee loads a person by id for the reminder renderers.
func (r *Reader) employee(ctx context.Context, id int64) (model.Employee, error) {
	emp, err := r.store.EmployeeByID(ctx, id)
	if err != nil {
		return model.Employee{}, fmt.Errorf("employee %d: %w", id, err)
	}
	return emp, nil
}
