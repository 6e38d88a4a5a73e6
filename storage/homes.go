package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// HoursByDay returns the seconds the listed people logged on each day of the
// week, Monday first.
func (db *DB) HoursByDay(ctx context.Context, employeeIDs []int64, week model.Week) ([7]int64, error) {
	var out [7]int64
	rows, err := db.pool.Query(ctx, `
		SELECT (local_date - $2::date) AS d, sum(duration_secs)
		FROM time_entries
		WHERE employee_id = ANY($1) AND local_date BETWEEN $2 AND $3 AND deleted_at IS NULL
		GROUP BY 1`, employeeIDs, week.Start, week.End())
	if err != nil {
		return out, fmt.Errorf("hours by day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d int
		var secs int64
		if err := rows.Scan(&d, &secs); err != nil {
			return out, fmt.Errorf("hours by day: %w", err)
		}
		if d >= 0 && d < 7 {
			out[d] = secs
		}
	}
	return out, rows.Err()
}

// ProjectHours is the time logged on one project.
type ProjectHours struct {
	Project string // NoProject for unallocated time
	Client  string // NoProject for unallocated time, NoClient for a project without one
	Seconds int64
}

// HoursByProject returns the listed people's time per project in the week,
// largest first, at most limit rows (unallocated time counts as a project).
func (db *DB) HoursByProject(ctx context.Context, employeeIDs []int64, week model.Week, limit int) ([]ProjectHours, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT `+exportProject("te.project_id", "p.name")+`, `+exportClient("te.project_id", "p.client_name")+`,
			sum(te.duration_secs) AS secs
		FROM time_entries te
		LEFT JOIN toggl_projects p ON p.id = te.project_id
		WHERE te.employee_id = ANY($1) AND te.local_date BETWEEN $2 AND $3 AND te.deleted_at IS NULL
		GROUP BY 1, 2
		ORDER BY secs DESC, 1
		LIMIT $4`, employeeIDs, week.Start, week.End(), limit)
	if err != nil {
		return nil, fmt.Errorf("hours by project: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProjectHours, error) {
		var p ProjectHours
		err := r.Scan(&p.Project, &p.Client, &p.Seconds)
		return p, err
	})
}

// ActiveEmployeeIDs returns the ids of every active, not deleted employee.
func (db *DB) ActiveEmployeeIDs(ctx context.Context) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM employees WHERE active AND deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("active employees: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// WeekPeopleIDs returns the ids of everyone the organisation's totals of a
// week cover: active employees, and anyone (active or not — people who left
// during the week) with live entries that week. Summing TeamSummaries over
// them gives OrgTotals' figures for the employees.
func (db *DB) WeekPeopleIDs(ctx context.Context, week model.Week) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT id FROM employees WHERE active AND deleted_at IS NULL
		UNION
		SELECT DISTINCT employee_id FROM time_entries
		WHERE employee_id IS NOT NULL AND local_date BETWEEN $1 AND $2 AND deleted_at IS NULL
		ORDER BY 1`, week.Start, week.End())
	if err != nil {
		return nil, fmt.Errorf("people of week %s: %w", week, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// UnmatchedPeople counts active employees without a Slack or a Toggl user.
func (db *DB) UnmatchedPeople(ctx context.Context) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM employees
		WHERE active AND deleted_at IS NULL AND (slack_user_id IS NULL OR toggl_user_id IS NULL)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unmatched people: %w", err)
	}
	return n, nil
}

// ParkedItem is a parked webhook delivery or Toggl write-back, for HR.
type ParkedItem struct {
	ID       int64
	What     string
	Attempts int
	Error    string
	At       time.Time
}

// ParkedInbox lists parked webhook deliveries, newest first.
func (db *DB) ParkedInbox(ctx context.Context, limit int) ([]ParkedItem, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, source || ' webhook', attempts, last_error, received_at
		FROM webhook_inbox WHERE status = 'parked' ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("parked inbox: %w", err)
	}
	return collectParked(rows)
}

// ParkedOutbox lists parked Toggl write-backs, newest first.
func (db *DB) ParkedOutbox(ctx context.Context, limit int) ([]ParkedItem, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, op || ' entry ' || entry_id, attempts, last_error, created_at
		FROM toggl_outbox WHERE status = 'parked' ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("parked outbox: %w", err)
	}
	return collectParked(rows)
}

func collectParked(rows pgx.Rows) ([]ParkedItem, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ParkedItem, error) {
		var p ParkedItem
		err := r.Scan(&p.ID, &p.What, &p.Attempts, &p.Error, &p.At)
		return p, err
	})
}

// RequeueParked puts a parked inbox delivery ("inbox") or outbox write
// ("outbox") back in the queue for another round of attempts, audited with
// the HR admin who asked. It reports false when the row is not parked
// (already retried, or unknown).
func (db *DB) RequeueParked(ctx context.Context, queue string, id int64, actor string) (bool, error) {
	var table string
	switch queue {
	case "inbox":
		table = "webhook_inbox"
	case "outbox":
		table = "toggl_outbox"
	default:
		return false, fmt.Errorf("requeue: unknown queue %q", queue)
	}
	var ok bool
	err := db.InTx(ctx, func(tx Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE `+table+` SET status = 'pending', attempts = 0, next_attempt_at = now()
			WHERE id = $1 AND status = 'parked'`, id)
		if err != nil {
			return err
		}
		if ok = tag.RowsAffected() == 1; !ok {
			return nil
		}
		return Audit(ctx, tx, AuditEvent{Actor: actor, Action: queue + ".retry", Entity: table, EntityID: fmt.Sprint(id),
			Before: map[string]string{"status": "parked"}, After: map[string]string{"status": "pending"}})
	})
	if err != nil {
		return false, fmt.Errorf("requeue %s %d: %w", queue, id, err)
	}
	return ok, nil
}

// RecentSyncRuns returns the newest sync runs (see the package function).
func (db *DB) RecentSyncRuns(ctx context.Context, limit int) ([]SyncRun, error) {
	return RecentSyncRuns(ctx, db.pool, limit)
}

// OpenRosterProblems returns the unresolved roster problems.
func (db *DB) OpenRosterProblems(ctx context.Context) ([]RosterProblem, error) {
	return ListRosterProblems(ctx, db.pool, false)
}
