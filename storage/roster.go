package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The roster problem kinds the BambooHR roster owns. Other parts of tally
// record kinds of their own in the same table.
const (
	ProblemNoSlack        = "no_slack"
	ProblemNoToggl        = "no_toggl"
	ProblemNoRate         = "no_rate"
	ProblemBadRate        = "bad_rate"
	ProblemDuplicateEmail = "duplicate_email"
)

// RosterProblem is something HR must fix for one person.
type RosterProblem struct {
	ID           int64
	Kind         string
	Subject      string // BambooHR id for roster kinds
	EmployeeID   int64  // 0 when not tied to a stored employee
	EmployeeName string
	Email        string
	Detail       string
	FirstSeen    time.Time
	LastSeen     time.Time
	ResolvedAt   *time.Time
}

// ProblemScope says which open problems a SyncRosterProblems call is the
// authority on: every problem of Kinds, limited to Subjects unless nil.
type ProblemScope struct {
	Kinds    []string
	Subjects []string
}

// SyncRosterProblems makes the open problems within scope exactly open:
// listed ones are opened (or reopened) and refreshed, every other open one in
// scope is resolved. It returns how many were newly opened and resolved.
func SyncRosterProblems(ctx context.Context, q Querier, scope ProblemScope, open []RosterProblem, now time.Time) (opened, resolved int, err error) {
	n := len(open)
	kinds, subjects, details := make([]string, n), make([]string, n), make([]string, n)
	emps := make([]*int64, n)
	for i, p := range open {
		kinds[i], subjects[i], details[i] = p.Kind, p.Subject, p.Detail
		if p.EmployeeID != 0 {
			id := p.EmployeeID
			emps[i] = &id
		}
	}
	if n > 0 {
		err = q.QueryRow(ctx, `WITH up AS (
				INSERT INTO roster_problems (kind, subject, employee_id, detail, first_seen, last_seen)
				SELECT k, s, e, d, $5, $5 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS x(k, s, e, d)
				ON CONFLICT (kind, subject) DO UPDATE
				SET employee_id = EXCLUDED.employee_id, detail = EXCLUDED.detail, last_seen = EXCLUDED.last_seen,
				    first_seen = CASE WHEN roster_problems.resolved_at IS NULL THEN roster_problems.first_seen ELSE EXCLUDED.first_seen END,
				    resolved_at = NULL
				RETURNING first_seen = $5 AS fresh)
			SELECT count(*) FILTER (WHERE fresh) FROM up`, kinds, subjects, emps, details, now).Scan(&opened)
		if err != nil {
			return 0, 0, fmt.Errorf("open roster problems: %w", err)
		}
	}
	tag, err := q.Exec(ctx, `UPDATE roster_problems SET resolved_at = $1
		WHERE resolved_at IS NULL AND kind = ANY($2)
		  AND ($3::text[] IS NULL OR subject = ANY($3))
		  AND (kind, subject) NOT IN (SELECT * FROM unnest($4::text[], $5::text[]))`,
		now, scope.Kinds, scope.Subjects, kinds, subjects)
	if err != nil {
		return 0, 0, fmt.Errorf("resolve roster problems: %w", err)
	}
	return opened, int(tag.RowsAffected()), nil
}

// ListRosterProblems returns the open roster problems (and resolved ones too
// with includeResolved), by kind and name.
func ListRosterProblems(ctx context.Context, q Querier, includeResolved bool) ([]RosterProblem, error) {
	rows, err := q.Query(ctx, `SELECT p.id, p.kind, p.subject, coalesce(p.employee_id, 0),
			coalesce(nullif(e.display_name, ''), trim(coalesce(e.first_name, '') || ' ' || coalesce(e.last_name, ''))),
			coalesce(e.email, ''), p.detail, p.first_seen, p.last_seen, p.resolved_at
		FROM roster_problems p LEFT JOIN employees e ON e.id = p.employee_id
		WHERE $1 OR p.resolved_at IS NULL
		ORDER BY p.resolved_at IS NOT NULL, p.kind, 5, p.subject`, includeResolved)
	if err != nil {
		return nil, fmt.Errorf("list roster problems: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RosterProblem, error) {
		var p RosterProblem
		err := r.Scan(&p.ID, &p.Kind, &p.Subject, &p.EmployeeID, &p.EmployeeName, &p.Email, &p.Detail, &p.FirstSeen, &p.LastSeen, &p.ResolvedAt)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("list roster problems: %w", err)
	}
	return out, nil
}

// SlackIdentity is the Slack user an employee's work email matched; an
// empty UserID means no match.
type SlackIdentity struct {
	EmployeeID int64
	UserID     string
	TZ         string
}

// ApplySlackIdentities sets the Slack user and time zone of each listed
// employee, writing one audit row per employee whose identity really
// changed. It returns how many changed.
func ApplySlackIdentities(ctx context.Context, q Querier, ids []SlackIdentity, actor string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	emp, uid, tz := make([]int64, len(ids)), make([]string, len(ids)), make([]string, len(ids))
	for i, x := range ids {
		emp[i], uid[i], tz[i] = x.EmployeeID, x.UserID, x.TZ
	}
	rows, err := q.Query(ctx, `SELECT e.id, e.bamboo_id, coalesce(e.slack_user_id, ''), e.slack_tz, d.uid, d.tz
		FROM employees e JOIN unnest($1::bigint[], $2::text[], $3::text[]) AS d(id, uid, tz) ON d.id = e.id
		WHERE e.slack_user_id IS DISTINCT FROM nullif(d.uid, '') OR e.slack_tz <> d.tz
		FOR UPDATE OF e`, emp, uid, tz)
	if err != nil {
		return 0, fmt.Errorf("diff slack identities: %w", err)
	}
	type change struct {
		id                               int64
		bamboo, oldU, oldTZ, newU, newTZ string
	}
	changes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (change, error) {
		var c change
		err := r.Scan(&c.id, &c.bamboo, &c.oldU, &c.oldTZ, &c.newU, &c.newTZ)
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("diff slack identities: %w", err)
	}
	if len(changes) == 0 {
		return 0, nil
	}
	n := len(changes)
	cid, cu, ctz, bids, before, after := make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, c := range changes {
		cid[i], cu[i], ctz[i], bids[i] = c.id, c.newU, c.newTZ, c.bamboo
		before[i] = identityJSON("slack_user_id", c.oldU, c.oldTZ)
		after[i] = identityJSON("slack_user_id", c.newU, c.newTZ)
	}
	// Free the Slack ids first (from these rows and from deleted employees)
	// so moving an id between people never trips the unique index.
	if _, err := q.Exec(ctx, `UPDATE employees SET slack_user_id = NULL
		WHERE id = ANY($1) OR (deleted_at IS NOT NULL AND slack_user_id = ANY($2))`, cid, cu); err != nil {
		return 0, fmt.Errorf("clear slack identities: %w", err)
	}
	if _, err := q.Exec(ctx, `UPDATE employees e SET slack_user_id = nullif(d.uid, ''), slack_tz = d.tz, updated_at = now()
		FROM unnest($1::bigint[], $2::text[], $3::text[]) AS d(id, uid, tz) WHERE e.id = d.id`, cid, cu, ctz); err != nil {
		return 0, fmt.Errorf("set slack identities: %w", err)
	}
	return n, employeeAuditMany(ctx, q, actor, "employee.identity", bids, before, after)
}

func identityJSON(key, id, tz string) string {
	m := map[string]any{key: nil}
	if id != "" {
		m[key] = id
	}
	if key == "slack_user_id" {
		m["slack_tz"] = tz
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// LinkTogglUsers joins employees to Toggl users by lower(work email) from
// toggl_users (filled by the Toggl sync), for every live employee or only
// those listed. Each real change gets an audit row; time entries of a
// newly linked Toggl user that had no employee are attributed to them. It
// returns how many employees changed.
func LinkTogglUsers(ctx context.Context, q Querier, only []int64, actor string) (int, error) {
	rows, err := q.Query(ctx, `SELECT e.id, e.bamboo_id, coalesce(e.toggl_user_id, 0), coalesce(t.id, 0)
		FROM employees e
		LEFT JOIN LATERAL (SELECT tu.id FROM toggl_users tu
			WHERE e.email <> '' AND lower(tu.email) = lower(e.email)
			ORDER BY tu.active DESC, tu.id LIMIT 1) t ON true
		WHERE e.deleted_at IS NULL AND e.toggl_user_id IS DISTINCT FROM t.id
		  AND ($1::bigint[] IS NULL OR e.id = ANY($1))
		FOR UPDATE OF e`, only)
	if err != nil {
		return 0, fmt.Errorf("diff toggl identities: %w", err)
	}
	var ids, oldT, newT []int64
	var bids, before, after []string
	var id, o, nw int64
	var bid string
	_, err = pgx.ForEachRow(rows, []any{&id, &bid, &o, &nw}, func() error {
		ids, oldT, newT, bids = append(ids, id), append(oldT, o), append(newT, nw), append(bids, bid)
		before = append(before, togglJSON(o))
		after = append(after, togglJSON(nw))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("diff toggl identities: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if _, err := q.Exec(ctx, `UPDATE employees SET toggl_user_id = NULL
		WHERE id = ANY($1) OR (deleted_at IS NOT NULL AND toggl_user_id = ANY($2))`, ids, newT); err != nil {
		return 0, fmt.Errorf("clear toggl identities: %w", err)
	}
	if _, err := q.Exec(ctx, `UPDATE employees e SET toggl_user_id = nullif(d.t, 0), updated_at = now()
		FROM unnest($1::bigint[], $2::bigint[]) AS d(id, t) WHERE e.id = d.id`, ids, newT); err != nil {
		return 0, fmt.Errorf("set toggl identities: %w", err)
	}
	if _, err := q.Exec(ctx, `UPDATE time_entries te SET employee_id = e.id, unknown_user = false
		FROM employees e WHERE te.employee_id IS NULL AND e.id = ANY($1) AND te.toggl_user_id = e.toggl_user_id`, ids); err != nil {
		return 0, fmt.Errorf("attribute time entries: %w", err)
	}
	return len(ids), employeeAuditMany(ctx, q, actor, "employee.identity", bids, before, after)
}

func togglJSON(id int64) string {
	if id == 0 {
		return `{"toggl_user_id":null}`
	}
	return fmt.Sprintf(`{"toggl_user_id":%d}`, id)
}

// SlackDirectoryListed returns when the whole Slack directory was last
// listed (ok false: never).
func SlackDirectoryListed(ctx context.Context, q Querier) (at time.Time, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT listed_at FROM slack_directory WHERE id = 1`).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("slack directory listed: %w", err)
	}
	return at, true, nil
}

// RecordSlackDirectory records a whole listing of the Slack directory, at
// at, of users people.
func RecordSlackDirectory(ctx context.Context, q Querier, at time.Time, users int) error {
	_, err := q.Exec(ctx, `INSERT INTO slack_directory (id, listed_at, users) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET listed_at = excluded.listed_at, users = excluded.users`, at, users)
	if err != nil {
		return fmt.Errorf("record slack directory: %w", err)
	}
	return nil
}
