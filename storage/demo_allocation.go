package storage

import (
	"context"
	"fmt"
	"time"
)

// SuggestionPicks counts the project picks of entries with local dates in
// [from, to] by where they came from: Accepted is audit rows
// entry.set_project whose source is "suggestion" (the Use button or Assign
// all suggestions), Manual those whose source is "picker" (a project chosen
// in the picker). tally demo reports them.
type SuggestionPicks struct {
	Accepted int
	Manual   int
}

// CountSuggestionPicks reads the audit log of the project picks of the
// entries with local dates in [from, to].
func (db *DB) CountSuggestionPicks(ctx context.Context, from, to time.Time) (SuggestionPicks, error) {
	var p SuggestionPicks
	err := db.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE a.after->>'source' = 'suggestion'),
		       count(*) FILTER (WHERE a.after->>'source' = 'picker')
		FROM audit_log a
		JOIN time_entries te ON te.id::text = a.entity_id
		WHERE a.action = 'entry.set_project' AND a.entity = 'time_entry'
			AND te.local_date BETWEEN $1 AND $2`, from, to).Scan(&p.Accepted, &p.Manual)
	if err != nil {
		return SuggestionPicks{}, fmt.Errorf("suggestion picks: %w", err)
	}
	return p, nil
}

// ClientNames lists the clients of the active projects, by name.
func (db *DB) ClientNames(ctx context.Context) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT client_name FROM toggl_projects
		WHERE active AND client_name <> '' ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("client names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("client names: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
