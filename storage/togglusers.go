package storage

import (
	"context"
	"fmt"
)

// TogglUser is a member of the Toggl workspace.
type TogglUser struct {
	ID       int64
	Email    string
	Fullname string
	Active   bool
	Timezone string
}

// TogglProject is a Toggl project with its client's name.
type TogglProject struct {
	ID         int64
	Name       string
	ClientID   int64 // 0: none
	ClientName string
	Active     bool
	Billable   bool
}

// UpsertTogglUsers stores the workspace's users, touching only rows that
// changed. It returns how many rows were written.
func UpsertTogglUsers(ctx context.Context, q Querier, users []TogglUser) (int, error) {
	if len(users) == 0 {
		return 0, nil
	}
	ids := make([]int64, len(users))
	emails := make([]string, len(users))
	names := make([]string, len(users))
	active := make([]bool, len(users))
	tzs := make([]string, len(users))
	for i, u := range users {
		ids[i], emails[i], names[i], active[i], tzs[i] = u.ID, u.Email, u.Fullname, u.Active, u.Timezone
	}
	tag, err := q.Exec(ctx, `INSERT INTO toggl_users AS tu (id, email, fullname, active, timezone)
		SELECT DISTINCT ON (id) * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[], $5::text[])
			AS u(id, email, fullname, active, timezone)
		ORDER BY id
		ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, fullname = EXCLUDED.fullname,
			active = EXCLUDED.active, timezone = EXCLUDED.timezone, updated_at = now()
		WHERE (tu.email, tu.fullname, tu.active, tu.timezone)
			IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.fullname, EXCLUDED.active, EXCLUDED.timezone)`,
		ids, emails, names, active, tzs)
	if err != nil {
		return 0, fmt.Errorf("upsert toggl users: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// UpsertTogglProjects stores the workspace's projects, touching only rows
// that changed. It returns how many rows were written.
func UpsertTogglProjects(ctx context.Context, q Querier, projects []TogglProject) (int, error) {
	if len(projects) == 0 {
		return 0, nil
	}
	ids := make([]int64, len(projects))
	names := make([]string, len(projects))
	clientIDs := make([]int64, len(projects))
	clientNames := make([]string, len(projects))
	active := make([]bool, len(projects))
	billable := make([]bool, len(projects))
	for i, p := range projects {
		ids[i], names[i], clientIDs[i], clientNames[i] = p.ID, p.Name, p.ClientID, p.ClientName
		active[i], billable[i] = p.Active, p.Billable
	}
	tag, err := q.Exec(ctx, `INSERT INTO toggl_projects AS tp (id, name, client_id, client_name, active, billable)
		SELECT DISTINCT ON (id) id, name, nullif(client_id, 0), client_name, active, billable
		FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::boolean[], $6::boolean[])
			AS p(id, name, client_id, client_name, active, billable)
		ORDER BY id
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, client_id = EXCLUDED.client_id,
			client_name = EXCLUDED.client_name, active = EXCLUDED.active, billable = EXCLUDED.billable,
			updated_at = now()
		WHERE (tp.name, tp.client_id, tp.client_name, tp.active, tp.billable)
			IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.client_id, EXCLUDED.client_name, EXCLUDED.active, EXCLUDED.billable)`,
		ids, names, clientIDs, clientNames, active, billable)
	if err != nil {
		return 0, fmt.Errorf("upsert toggl projects: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// MissingTogglRefs returns which of the given Toggl user and project ids are
// not stored yet, so a sync refreshes users or projects only when needed.
func MissingTogglRefs(ctx context.Context, q Querier, userIDs, projectIDs []int64) (users, projects []int64, err error) {
	err = q.QueryRow(ctx, `SELECT
		coalesce((SELECT array_agg(u) FROM unnest($1::bigint[]) u WHERE NOT EXISTS (SELECT 1 FROM toggl_users t WHERE t.id = u)), '{}'),
		coalesce((SELECT array_agg(p) FROM unnest($2::bigint[]) p WHERE NOT EXISTS (SELECT 1 FROM toggl_projects t WHERE t.id = p)), '{}')`,
		userIDs, projectIDs).Scan(&users, &projects)
	if err != nil {
		return nil, nil, fmt.Errorf("find unknown toggl ids: %w", err)
	}
	return users, projects, nil
}
