package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// SuggestReason says which rule produced a suggestion.
type SuggestReason string

// The rules of SuggestProjects, most trusted first.
const (
	// SuggestNone: nothing credible, no suggestion.
	SuggestNone SuggestReason = ""
	// SuggestSameDescription: the person logged this exact description on
	// the project before.
	SuggestSameDescription SuggestReason = "same_description"
	// SuggestSimilarDescription: the same words, ignoring case,
	// punctuation, digits and ticket keys ("CHK-12 Fix checkout.").
	SuggestSimilarDescription SuggestReason = "similar_description"
	// SuggestNeighbours: the nearest allocated entries before and after it
	// that day are both on the project.
	SuggestNeighbours SuggestReason = "neighbours"
	// SuggestNeighbour: the only allocated entry before or after it that
	// day is on the project.
	SuggestNeighbour SuggestReason = "neighbour"
	// SuggestHabit: most of the person's recent allocated time is on it.
	SuggestHabit SuggestReason = "habit"
	// SuggestTeam: the person's team (same supervisor) logs this
	// description, or similar words, on it.
	SuggestTeam SuggestReason = "team"
)

// Thresholds of the rules (see SuggestProjects).
const (
	// SuggestHistoryWeeks is how far back history counts, before the week.
	SuggestHistoryWeeks = 8
	// SuggestMinSupport is the fewest uses a description or habit rule
	// needs: one use is an accident, not a habit.
	SuggestMinSupport = 2
	// SuggestMinShare is the share of a description's uses (the person's,
	// or the team's), or of the person's allocated entries for the habit
	// rule, the project must have. Well above one half: a description the
	// person splits between projects ("standup") says little, and at 0.6
	// such suggestions were right only half of the time
	// (BenchmarkSuggestAccuracy).
	SuggestMinShare = 0.8
	// SuggestNeighbourHabitShare is the share of the person's allocated
	// entries a lone neighbour's project needs when the person never used
	// it for the description.
	SuggestNeighbourHabitShare = 0.4
)

// Suggestion is the project tally suggests for one unallocated entry.
type Suggestion struct {
	EntryID int64
	// ProjectID is the suggested active project; 0 means no suggestion.
	ProjectID   int64
	ProjectName string
	ClientName  string
	Reason      SuggestReason
	// Support is how many entries back the suggestion: uses of the
	// description or of the project, or 1–2 neighbours.
	Support int
}

// Offered reports whether there is a suggestion.
func (s Suggestion) Offered() bool { return s.ProjectID != 0 }

// Why says in a few words why the project is suggested, for the picker.
func (s Suggestion) Why() string {
	n := strconv.Itoa(s.Support)
	switch s.Reason {
	case SuggestSameDescription:
		return "you logged this description on it " + n + " times"
	case SuggestSimilarDescription:
		return "you logged a similar description on it " + n + " times"
	case SuggestNeighbours:
		return "your entries before and after it that day are on it"
	case SuggestNeighbour:
		return "your entry next to it that day is on it"
	case SuggestHabit:
		return "most of your recent time is on it (" + n + " entries)"
	case SuggestTeam:
		return "your team logs this description on it (" + n + " times)"
	}
	return ""
}

// SuggestProjects suggests a project for every unallocated live entry of
// the people in the week, keyed by entry id; an entry with nothing credible
// is in the map with no project (Offered false). Entries whose project pick
// is already on its way to Toggl are left out. It never allocates anything.
//
// Three set-based statements read the whole week of any number of people
// (its unallocated entries with their neighbours, the history counted per
// person, description and project, and the active projects); the rules are
// then applied in memory. Evidence is the allocated, live entries of the
// SuggestHistoryWeeks weeks before the week and of the week itself. Only active projects are suggested; uses of
// archived or unknown projects still count in the shares, so they make a
// suggestion less likely, never a different one. The first rule that holds
// wins:
//
//  1. same description: the project the person used most for exactly this
//     description, with at least SuggestMinSupport uses and
//     SuggestMinShare of them;
//  2. similar description: the same on the description's words (lower case,
//     letters only, ticket keys like "CHK-12" dropped);
//  3. neighbours: the nearest allocated entries before and after it on that
//     day are on the same project;
//  4. neighbour: only one side has an allocated entry that day, and the
//     person used its project for these words before or spends at least
//     SuggestNeighbourHabitShare of their allocated entries on it (when
//     both sides have one and they differ, neither is suggested);
//  5. habit: no allocated entry that day, and the person's most used
//     project has SuggestMinSupport uses and SuggestMinShare of them;
//  6. team: the project the person's team (same supervisor) used most for
//     the description's words, with the support and share of rule 1, when
//     no allocated entry that day is on another project.
//
// Otherwise there is no suggestion: tally never guesses without evidence.
// docs/allocation.md explains the rules and how they were measured.
func (db *DB) SuggestProjects(ctx context.Context, employeeIDs []int64, week model.Week) (map[int64]Suggestion, error) {
	out := make(map[int64]Suggestion)
	if len(employeeIDs) == 0 {
		return out, nil
	}
	from := week.Start.AddDate(0, 0, -7*SuggestHistoryWeeks)
	// The three statements are independent: run them side by side.
	var (
		targets  []suggestTarget
		hist     *suggestHistory
		projects map[int64]suggestProject
		errs     [3]error
		wg       sync.WaitGroup
	)
	wg.Add(3)
	go func() { defer wg.Done(); targets, errs[0] = db.suggestTargets(ctx, employeeIDs, week) }()
	go func() { defer wg.Done(); hist, errs[1] = db.suggestHistory(ctx, employeeIDs, from, week.End()) }()
	go func() { defer wg.Done(); projects, errs[2] = db.suggestActiveProjects(ctx) }()
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("suggest projects: %w", err)
	}
	for _, t := range targets {
		s := hist.decide(t, projects)
		s.EntryID = t.id
		if p, ok := projects[s.ProjectID]; ok {
			s.ProjectName, s.ClientName = p.name, p.client
		}
		out[t.id] = s
	}
	return out, nil
}

func (db *DB) suggestTargets(ctx context.Context, employeeIDs []int64, week model.Week) ([]suggestTarget, error) {
	rows, err := db.pool.Query(ctx, suggestTargetsSQL, employeeIDs, week.Start, week.End())
	if err != nil {
		return nil, err
	}
	return scanSuggestTargets(rows)
}

// scanSuggestTargets reads suggestTargetsSQL's rows (the week's query and
// the picker's batch share it).
func scanSuggestTargets(rows pgx.Rows) ([]suggestTarget, error) {
	defer rows.Close()
	var out []suggestTarget
	for rows.Next() {
		var t suggestTarget
		if err := rows.Scan(&t.id, &t.employee, &t.team, &t.description, &t.before, &t.after); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (db *DB) suggestHistory(ctx context.Context, employeeIDs []int64, from, to time.Time) (*suggestHistory, error) {
	rows, err := db.pool.Query(ctx, suggestHistorySQL, employeeIDs, from, to)
	if err != nil {
		return nil, err
	}
	return scanSuggestHistory(rows)
}

// scanSuggestHistory reads suggestHistorySQL's rows into the counts the
// rules use.
func scanSuggestHistory(rows pgx.Rows) (*suggestHistory, error) {
	defer rows.Close()
	h := newSuggestHistory()
	for rows.Next() {
		var (
			employee, project int64
			team, description string
			n                 int
		)
		if err := rows.Scan(&employee, &team, &description, &project, &n); err != nil {
			return nil, err
		}
		h.add(employee, team, description, project, n)
	}
	return h, rows.Err()
}

func (db *DB) suggestActiveProjects(ctx context.Context) (map[int64]suggestProject, error) {
	rows, err := db.pool.Query(ctx, suggestProjectsSQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]suggestProject)
	for rows.Next() {
		var id int64
		var p suggestProject
		if err := rows.Scan(&id, &p.name, &p.client); err != nil {
			return nil, err
		}
		out[id] = p
	}
	return out, rows.Err()
}

// SuggestionFor returns the suggestion for one entry of the employee (the
// same rules as SuggestProjects, computed for their week). An allocated
// entry, or one whose pick is on its way to Toggl, gets no suggestion;
// ErrNoEntry when the employee has no such live entry.
func (db *DB) SuggestionFor(ctx context.Context, employeeID, entryID int64) (Suggestion, error) {
	var day time.Time
	err := db.pool.QueryRow(ctx, `SELECT local_date FROM time_entries
		WHERE id = $1 AND employee_id = $2 AND deleted_at IS NULL`, entryID, employeeID).Scan(&day)
	if errors.Is(err, pgx.ErrNoRows) {
		return Suggestion{}, fmt.Errorf("entry %d of employee %d: %w", entryID, employeeID, ErrNoEntry)
	}
	if err != nil {
		return Suggestion{}, fmt.Errorf("suggestion for entry %d: %w", entryID, err)
	}
	all, err := db.SuggestProjects(ctx, []int64{employeeID}, model.WeekOf(day))
	if err != nil {
		return Suggestion{}, err
	}
	if s, ok := all[entryID]; ok {
		return s, nil
	}
	return Suggestion{EntryID: entryID}, nil
}
