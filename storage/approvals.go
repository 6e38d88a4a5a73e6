package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// ApprovalStatus is a manager's decision on a week; "" means none yet.
type ApprovalStatus string

// The decisions a week can carry.
const (
	ApprovalNone     ApprovalStatus = ""
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalRejected ApprovalStatus = "rejected"
	// ApprovalChanged is set by the sync engine when an entry of an
	// approved week changes: the week needs approving again.
	ApprovalChanged ApprovalStatus = "changed_after_approval"
)

// WeekApproval is the decision on one person's week.
type WeekApproval struct {
	EmployeeID int64
	Week       model.Week
	Status     ApprovalStatus
	DecidedBy  string // Slack user id of whoever decided
	Reason     string // rejections only
	DecidedAt  time.Time
}

// WeekApproval returns the decision on a person's week; Status is
// ApprovalNone when there is none.
func (db *DB) WeekApproval(ctx context.Context, employeeID int64, week model.Week) (WeekApproval, error) {
	return ApprovalCurrent(ctx, db.pool, employeeID, week, false)
}

// ApprovalCurrent reads the decision on a week, locking its row for update
// when lock is set (inside the caller's transaction).
func ApprovalCurrent(ctx context.Context, q Querier, employeeID int64, week model.Week, lock bool) (WeekApproval, error) {
	sql := `SELECT status, decided_by, reason, decided_at FROM week_approvals
		WHERE employee_id = $1 AND week_start = $2`
	if lock {
		sql += " FOR UPDATE"
	}
	a := WeekApproval{EmployeeID: employeeID, Week: week}
	err := q.QueryRow(ctx, sql, employeeID, week.Start).Scan(&a.Status, &a.DecidedBy, &a.Reason, &a.DecidedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, nil
	}
	if err != nil {
		return WeekApproval{}, fmt.Errorf("approval of %d for %s: %w", employeeID, week, err)
	}
	return a, nil
}

// ApprovalWeekState counts a person's live entries of the week and those of
// them not confirmed for their current content, locking the entries against
// a concurrent sync until the caller's transaction ends — so an edit that
// lands while a week is being approved waits and then marks the approved
// week as changed.
func ApprovalWeekState(ctx context.Context, q Querier, employeeID int64, week model.Week) (entries, unconfirmed int, err error) {
	err = q.QueryRow(ctx, `
		WITH locked AS (
			SELECT id, content_hash FROM time_entries
			WHERE employee_id = $1 AND local_date BETWEEN $2 AND $3 AND deleted_at IS NULL
			FOR SHARE
		)
		SELECT count(*), count(*) FILTER (WHERE c.id IS NULL)
		FROM locked l
		LEFT JOIN confirmations c ON c.entry_id = l.id AND c.voided_at IS NULL AND c.content_hash = l.content_hash`,
		employeeID, week.Start, week.End()).Scan(&entries, &unconfirmed)
	if err != nil {
		return 0, 0, fmt.Errorf("week state of %d for %s: %w", employeeID, week, err)
	}
	return entries, unconfirmed, nil
}

// ApprovalRecord stores a decision, replacing the previous one and clearing
// its notification mark. It reports false, changing nothing, when the same
// decision (status and reason) stands already — a double click or a retry.
func ApprovalRecord(ctx context.Context, q Querier, a WeekApproval) (bool, error) {
	var id int64
	err := q.QueryRow(ctx, `
		INSERT INTO week_approvals (employee_id, week_start, status, decided_by, reason)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (employee_id, week_start) DO UPDATE
			SET status = EXCLUDED.status, decided_by = EXCLUDED.decided_by, reason = EXCLUDED.reason,
				decided_at = now(), notified_at = NULL
			WHERE (week_approvals.status, week_approvals.reason) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.reason)
		RETURNING id`, a.EmployeeID, a.Week.Start, string(a.Status), a.DecidedBy, a.Reason).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record %s of %d for %s: %w", a.Status, a.EmployeeID, a.Week, err)
	}
	return true, nil
}

// ChangedWeek names a week that changed after it was approved, with the people
// to tell: the employee and whoever approved it.
type ChangedWeek struct {
	EmployeeID      int64
	EmployeeName    string
	EmployeeSlackID string // "" when the person has no Slack user
	Week            model.Week
	ApproverSlackID string
	ChangedAt       time.Time // decided_at of the row, as the sync left it
	// Diff is how the week differs from what was approved (hours and
	// amount per currency: Diff.Drift()); HasDiff is false for weeks
	// approved before approved records were kept.
	Diff    ApprovalDiff
	HasDiff bool
}

// ChangedAfterApproval lists the weeks marked "changed after approval" whose
// people were not told yet, oldest first, each with its difference from
// what was approved.
func (db *DB) ChangedAfterApproval(ctx context.Context) ([]ChangedWeek, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT wa.employee_id, e.display_name, e.first_name, e.last_name, e.email,
			coalesce(e.slack_user_id, ''), wa.week_start, wa.decided_by, wa.decided_at
		FROM week_approvals wa
		JOIN employees e ON e.id = wa.employee_id
		WHERE wa.status = 'changed_after_approval' AND wa.notified_at IS NULL
		ORDER BY wa.decided_at, wa.id`)
	if err != nil {
		return nil, fmt.Errorf("changed after approval: %w", err)
	}
	defer rows.Close()
	var out []ChangedWeek
	for rows.Next() {
		var r ChangedWeek
		var emp model.Employee
		var start time.Time
		if err := rows.Scan(&r.EmployeeID, &emp.DisplayName, &emp.FirstName, &emp.LastName, &emp.Email,
			&r.EmployeeSlackID, &start, &r.ApproverSlackID, &r.ChangedAt); err != nil {
			return nil, fmt.Errorf("scan changed week: %w", err)
		}
		r.EmployeeName = emp.Name()
		r.Week = model.WeekOf(start)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changed after approval: %w", err)
	}
	for i := range out {
		if out[i].Diff, out[i].HasDiff, err = approvalDiff(ctx, db.pool, out[i].EmployeeID, out[i].Week); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MarkChangeNotified claims the notification of a changed week: it reports
// true to exactly one caller (across replicas), who then tells both people,
// and false when someone else did or the week is no longer in that state.
func (db *DB) MarkChangeNotified(ctx context.Context, employeeID int64, week model.Week) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE week_approvals SET notified_at = now()
		WHERE employee_id = $1 AND week_start = $2 AND status = 'changed_after_approval' AND notified_at IS NULL`,
		employeeID, week.Start)
	if err != nil {
		return false, fmt.Errorf("mark change of %d for %s notified: %w", employeeID, week, err)
	}
	return tag.RowsAffected() == 1, nil
}
