package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// ProjectCatalog is every active project with the catalog version it was
// read at (migration 00080: the version moves in the same transaction as
// any change to toggl_projects).
type ProjectCatalog struct {
	Version  int64
	Projects []ProjectOption
}

// ProjectCatalog reads the active projects and the catalog version in one
// statement, so the version names exactly the projects returned.
func (db *DB) ProjectCatalog(ctx context.Context) (ProjectCatalog, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT c.version, coalesce(p.id, 0), coalesce(p.name, ''), coalesce(p.client_name, ''), coalesce(p.billable, false)
		FROM project_catalog c
		LEFT JOIN toggl_projects p ON p.active
		WHERE c.id = 1
		ORDER BY p.id`)
	if err != nil {
		return ProjectCatalog{}, fmt.Errorf("project catalog: %w", err)
	}
	defer rows.Close()
	var out ProjectCatalog
	for rows.Next() {
		var p ProjectOption
		if err := rows.Scan(&out.Version, &p.ID, &p.Name, &p.ClientName, &p.Billable); err != nil {
			return ProjectCatalog{}, fmt.Errorf("project catalog: %w", err)
		}
		if p.ID != 0 {
			out.Projects = append(out.Projects, p)
		}
	}
	if err := rows.Err(); err != nil {
		return ProjectCatalog{}, fmt.Errorf("project catalog: %w", err)
	}
	return out, nil
}

// PickerEntry is what a project search needs to know about the entry whose
// picker the person is typing in.
type PickerEntry struct {
	// CatalogVersion is the current project catalog version.
	CatalogVersion int64
	// EmployeeID is the person behind the Slack user (0: nobody).
	EmployeeID int64
	// Open is true when the entry is a live, unallocated entry of that
	// person: the only entries tally draws a picker for.
	Open bool
	// Day is the entry's local date (zero unless Open): the week its
	// suggestion is computed in (PickerLeadersFor).
	Day time.Time
}

// PickerKey names one picker: the entry's and the Slack user typing in it.
type PickerKey struct {
	SlackUserID string
	EntryID     int64
}

// PickerEntries answers, in one statement for many pickers, whether each
// key's entry is an open (live, unallocated) entry of its Slack user,
// together with the catalog version: in the order of keys, all read at one
// catalog version. An unknown user or entry is not an error: Open is false.
func (db *DB) PickerEntries(ctx context.Context, keys []PickerKey) ([]PickerEntry, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	users := make([]string, len(keys))
	entries := make([]int64, len(keys))
	for i, k := range keys {
		users[i], entries[i] = k.SlackUserID, k.EntryID
	}
	rows, err := db.pool.Query(ctx, `
		SELECT k.i, c.version, coalesce(e.id, 0),
			te.id IS NOT NULL AND te.project_id IS NULL AND te.deleted_at IS NULL, te.local_date
		FROM project_catalog c
		CROSS JOIN unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS k (slack_user_id, entry_id, i)
		LEFT JOIN employees e ON e.slack_user_id = k.slack_user_id
		LEFT JOIN time_entries te ON te.id = k.entry_id AND te.employee_id = e.id
		WHERE c.id = 1`, users, entries)
	if err != nil {
		return nil, fmt.Errorf("picker entries: %w", err)
	}
	defer rows.Close()
	out := make([]PickerEntry, len(keys))
	seen := 0
	for rows.Next() {
		var (
			i   int64
			pe  PickerEntry
			day *time.Time
		)
		if err := rows.Scan(&i, &pe.CatalogVersion, &pe.EmployeeID, &pe.Open, &day); err != nil {
			return nil, fmt.Errorf("picker entries: %w", err)
		}
		if i < 1 || i > int64(len(keys)) {
			return nil, fmt.Errorf("picker entries: row %d of %d keys", i, len(keys))
		}
		if pe.Open && day != nil {
			pe.Day = *day
		}
		out[i-1] = pe
		seen++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("picker entries: %w", err)
	}
	if seen != len(keys) {
		// Only a missing catalog row (migration 00080 inserts it) gets here.
		return nil, fmt.Errorf("picker entries: %d answers for %d keys", seen, len(keys))
	}
	return out, nil
}

// ActiveCatalog says which projects are active, from the caller's copy of
// the project catalog (ProjectCatalog).
type ActiveCatalog interface {
	ActiveProject(id int64) (ProjectOption, bool)
}

// PickerLeaders is what an empty search in an entry's picker shows first.
type PickerLeaders struct {
	// Suggestion is the entry's suggestion (Offered false: none).
	Suggestion Suggestion
	// Recent are the active projects the person logged time on most
	// recently, newest first.
	Recent []int64
}

// pickerRecentSQL lists, for each employee of $1, the ids of the active
// projects they logged time on most recently, newest first, at most $2 of
// them each.
const pickerRecentSQL = `
	SELECT e.id, r.id
	FROM unnest($1::bigint[]) AS e (id)
	CROSS JOIN LATERAL (
		SELECT p.id, u.last_used
		FROM (
			SELECT project_id, max(start_at) AS last_used
			FROM time_entries
			WHERE employee_id = e.id AND project_id IS NOT NULL AND deleted_at IS NULL
			GROUP BY project_id
		) u
		JOIN toggl_projects p ON p.id = u.project_id AND p.active
		ORDER BY u.last_used DESC, p.id
		LIMIT $2
	) r
	ORDER BY e.id, r.last_used DESC, r.id`

// LeaderKey names the entry of an empty picker search: whose it is, which
// one, and its local day (PickerEntry.Day).
type LeaderKey struct {
	EmployeeID int64
	EntryID    int64
	Day        time.Time
}

// PickerLeadersFor returns, in one round trip, what the empty searches of
// keys show first, in the order of keys: each entry's suggestion and its
// person's recent projects, at most recent of them. A burst of people
// opening pickers costs one round trip for all of them, not one each. The
// suggestions follow the rules of SuggestProjects for each entry's week,
// with one difference in how they are read: which projects are active
// comes from the caller's catalog copy instead of a read of every active
// project, so a picker with thousands of projects reads only the people's
// evidence. An entry that is not its key's person's unallocated entry
// gets no suggestion.
func (db *DB) PickerLeadersFor(ctx context.Context, keys []LeaderKey, recent int, active ActiveCatalog) ([]PickerLeaders, error) {
	out := make([]PickerLeaders, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	// The suggestion statements run per week, for the people with an
	// entry in it; the recent projects once, for everyone.
	type weekGroup struct {
		week     model.Week
		people   []int64
		hist     *suggestHistory
		projects map[int64]suggestProject
	}
	var (
		groups []*weekGroup
		byWeek = map[time.Time]*weekGroup{}
		people []int64
	)
	for _, k := range keys {
		w := model.WeekOf(k.Day)
		g := byWeek[w.Start]
		if g == nil {
			g = &weekGroup{week: w}
			byWeek[w.Start] = g
			groups = append(groups, g)
		}
		if !slices.Contains(g.people, k.EmployeeID) {
			g.people = append(g.people, k.EmployeeID)
		}
		if !slices.Contains(people, k.EmployeeID) {
			people = append(people, k.EmployeeID)
		}
	}
	b := &pgx.Batch{}
	for _, g := range groups {
		b.Queue(suggestTargetsSQL, g.people, g.week.Start, g.week.End())
		b.Queue(suggestHistorySQL, g.people, g.week.Start.AddDate(0, 0, -7*SuggestHistoryWeeks), g.week.End())
	}
	b.Queue(pickerRecentSQL, people, recent)
	res := db.pool.SendBatch(ctx, b)
	defer func() { _ = res.Close() }() // error paths only; the success path checks Close below
	targets := map[int64]suggestTarget{}
	for _, g := range groups {
		rows, err := res.Query()
		if err != nil {
			return nil, fmt.Errorf("picker leaders: %w", err)
		}
		ts, err := scanSuggestTargets(rows)
		if err != nil {
			return nil, fmt.Errorf("picker leaders: %w", err)
		}
		for _, t := range ts {
			targets[t.id] = t
		}
		rows, err = res.Query()
		if err == nil {
			g.hist, err = scanSuggestHistory(rows)
		}
		if err != nil {
			return nil, fmt.Errorf("picker leaders: %w", err)
		}
		g.projects = g.hist.activeAmong(active)
	}
	recentOf, err := scanPickerRecent(res)
	if err != nil {
		return nil, fmt.Errorf("recent projects: %w", err)
	}
	if err := res.Close(); err != nil {
		return nil, fmt.Errorf("picker leaders: %w", err)
	}
	for i, k := range keys {
		out[i] = PickerLeaders{Suggestion: Suggestion{EntryID: k.EntryID}, Recent: recentOf[k.EmployeeID]}
		t, ok := targets[k.EntryID]
		if !ok || t.employee != k.EmployeeID {
			continue
		}
		g := byWeek[model.WeekOf(k.Day).Start]
		s := g.hist.decide(t, g.projects)
		if p, ok := g.projects[s.ProjectID]; ok {
			s.ProjectName, s.ClientName = p.name, p.client
		}
		s.EntryID = k.EntryID
		out[i].Suggestion = s
	}
	return out, nil
}

// scanPickerRecent reads pickerRecentSQL's rows: each employee's recent
// projects, newest first.
func scanPickerRecent(res pgx.BatchResults) (map[int64][]int64, error) {
	rows, err := res.Query()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var emp, project int64
		if err := rows.Scan(&emp, &project); err != nil {
			return nil, err
		}
		out[emp] = append(out[emp], project)
	}
	return out, rows.Err()
}

// activeAmong returns the active projects, per the caller's catalog, among
// those the rules can look at: every project of the counted evidence. Each
// counted row bumps its person's habit, so the habits hold them all: the
// description and team counts, and the entry's neighbours (allocated
// entries of the week, which the evidence includes).
func (h *suggestHistory) activeAmong(active ActiveCatalog) map[int64]suggestProject {
	out := map[int64]suggestProject{}
	for _, u := range h.habit {
		for id := range u {
			if _, seen := out[id]; seen {
				continue
			}
			if p, ok := active.ActiveProject(id); ok {
				out[id] = suggestProject{name: p.Name, client: p.ClientName}
			}
		}
	}
	return out
}

// SuggestionDigest is a short fingerprint of the offered suggestions (entry
// → project) of a week: "Assign all suggestions" carries it, so a click
// assigns exactly what its confirmation dialog listed, or nothing when the
// suggestions changed since. Suggestions not offered are ignored; the
// digest of none is "".
func SuggestionDigest(suggestions map[int64]Suggestion) string {
	ids := make([]int64, 0, len(suggestions))
	for id, s := range suggestions {
		if s.Offered() {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	h := sha256.New()
	for _, id := range ids {
		h.Write([]byte(strconv.FormatInt(id, 10) + ">" + strconv.FormatInt(suggestions[id].ProjectID, 10) + ";"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
