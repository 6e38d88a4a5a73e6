package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// ErrNoEmployee is returned when no live employee matches a lookup.
var ErrNoEmployee = errors.New("no such employee")

// teamEmployeeColumns are the employees columns teamScanEmployee reads, in order.
const teamEmployeeColumns = `e.id, e.bamboo_id, e.email, e.first_name, e.last_name, e.display_name,
	e.job_title, e.department, e.supervisor_bamboo_id, e.employment_type, e.is_contractor,
	e.active, e.hire_date, e.termination_date, coalesce(e.slack_user_id, ''), e.slack_tz,
	coalesce(e.toggl_user_id, 0)`

func teamScanEmployee(row pgx.Row) (model.Employee, error) {
	var e model.Employee
	var hire, term *time.Time
	err := row.Scan(&e.ID, &e.BambooID, &e.Email, &e.FirstName, &e.LastName, &e.DisplayName,
		&e.JobTitle, &e.Department, &e.SupervisorID, &e.EmploymentType, &e.Contractor,
		&e.Active, &hire, &term, &e.SlackUserID, &e.SlackTZ, &e.TogglUserID)
	e.HireDate, e.TerminationDate = hire, term
	return e, err
}

// EmployeeBySlackID returns the live (not deleted) employee linked to a Slack
// user, or ErrNoEmployee.
func (db *DB) EmployeeBySlackID(ctx context.Context, slackUserID string) (model.Employee, error) {
	return teamEmployeeBySlackID(ctx, db.pool, slackUserID)
}

func teamEmployeeBySlackID(ctx context.Context, q Querier, slackUserID string) (model.Employee, error) {
	e, err := teamScanEmployee(q.QueryRow(ctx, `SELECT `+teamEmployeeColumns+`
		FROM employees e WHERE e.slack_user_id = $1 AND e.deleted_at IS NULL`, slackUserID))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Employee{}, ErrNoEmployee
	}
	if err != nil {
		return model.Employee{}, fmt.Errorf("employee by slack id: %w", err)
	}
	return e, nil
}

// EmployeeByID returns the live (not deleted) employee with that id, or
// ErrNoEmployee.
func (db *DB) EmployeeByID(ctx context.Context, id int64) (model.Employee, error) {
	e, err := teamScanEmployee(db.pool.QueryRow(ctx, `SELECT `+teamEmployeeColumns+`
		FROM employees e WHERE e.id = $1 AND e.deleted_at IS NULL`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Employee{}, ErrNoEmployee
	}
	if err != nil {
		return model.Employee{}, fmt.Errorf("employee %d: %w", id, err)
	}
	return e, nil
}

// Subtree returns the people who report to the manager: only direct reports
// when directOnly, else everyone below them, transitively. Deleted employees
// are skipped (and so is everyone reachable only through them); inactive ones
// are included so past weeks can still be approved — callers filter on
// Active for display. A cycle in BambooHR's supervisor data cannot loop: the
// recursive UNION discards rows it has already produced. The manager is
// never part of their own subtree. Ordered by name.
func (db *DB) Subtree(ctx context.Context, managerID int64, directOnly bool) ([]model.Employee, error) {
	rows, err := db.pool.Query(ctx, `
		WITH RECURSIVE sub(id, bamboo_id) AS (
			SELECT r.id, r.bamboo_id
			FROM employees m
			JOIN employees r ON r.supervisor_bamboo_id = m.bamboo_id AND r.deleted_at IS NULL
			WHERE m.id = $1 AND m.deleted_at IS NULL AND m.bamboo_id <> ''
			UNION
			SELECT r.id, r.bamboo_id
			FROM sub s
			JOIN employees r ON r.supervisor_bamboo_id = s.bamboo_id AND r.deleted_at IS NULL
			WHERE NOT $2::boolean
		)
		SELECT `+teamEmployeeColumns+`
		FROM sub JOIN employees e ON e.id = sub.id
		WHERE e.id <> $1
		ORDER BY lower(coalesce(nullif(e.display_name, ''), e.first_name || ' ' || e.last_name)), e.id`,
		managerID, directOnly)
	if err != nil {
		return nil, fmt.Errorf("subtree of %d: %w", managerID, err)
	}
	defer rows.Close()
	var out []model.Employee
	for rows.Next() {
		e, err := teamScanEmployee(rows)
		if err != nil {
			return nil, fmt.Errorf("scan subtree: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("subtree of %d: %w", managerID, err)
	}
	return out, nil
}

// Manages reports whether employeeID is below managerID in the supervisor
// chain, directly or transitively. It walks up from the employee, which
// touches only the chain's length of rows however large the organisation.
func (db *DB) Manages(ctx context.Context, managerID, employeeID int64) (bool, error) {
	if managerID == employeeID {
		return false, nil
	}
	var ok bool
	err := db.pool.QueryRow(ctx, `
		WITH RECURSIVE up(id, supervisor) AS (
			SELECT e.id, e.supervisor_bamboo_id FROM employees e
			WHERE e.id = $2 AND e.deleted_at IS NULL
			UNION
			SELECT b.id, b.supervisor_bamboo_id
			FROM up JOIN employees b ON b.bamboo_id = up.supervisor AND b.deleted_at IS NULL
			WHERE up.supervisor <> ''
		)
		SELECT EXISTS (SELECT 1 FROM up WHERE id = $1)`, managerID, employeeID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("does %d manage %d: %w", managerID, employeeID, err)
	}
	return ok, nil
}

// HasReports reports whether anyone live reports directly to the employee —
// what makes a person a manager in tally.
func (db *DB) HasReports(ctx context.Context, employeeID int64) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `
		SELECT EXISTS (
			SELECT 1 FROM employees m
			JOIN employees r ON r.supervisor_bamboo_id = m.bamboo_id AND r.deleted_at IS NULL
			WHERE m.id = $1 AND m.bamboo_id <> '' AND r.id <> m.id)`, employeeID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("reports of %d: %w", employeeID, err)
	}
	return ok, nil
}
