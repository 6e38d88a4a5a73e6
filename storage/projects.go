package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
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
}

// PickerEntry answers, in one round trip, whether entryID is an open
// (live, unallocated) entry of the Slack user, together with the catalog
// version. An unknown user or entry is not an error: Open is false.
func (db *DB) PickerEntry(ctx context.Context, slackUserID string, entryID int64) (PickerEntry, error) {
	var out PickerEntry
	err := db.pool.QueryRow(ctx, `
		SELECT c.version, coalesce(e.id, 0),
			te.id IS NOT NULL AND te.project_id IS NULL AND te.deleted_at IS NULL
		FROM project_catalog c
		LEFT JOIN employees e ON e.slack_user_id = $1
		LEFT JOIN time_entries te ON te.id = $2 AND te.employee_id = e.id
		WHERE c.id = 1`, slackUserID, entryID).Scan(&out.CatalogVersion, &out.EmployeeID, &out.Open)
	if err != nil {
		return PickerEntry{}, fmt.Errorf("picker entry %d: %w", entryID, err)
	}
	return out, nil
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
