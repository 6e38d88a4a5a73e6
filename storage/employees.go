package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// StoredEmployee is an employees row: the person as BambooHR last described
// them plus the identities tally joined and whether they were deleted.
type StoredEmployee struct {
	model.Employee
	DeletedAt *time.Time
}

// EmployeeWrite is one employee change computed by the caller: Before is nil
// for a new employee. Each write becomes an insert or update plus one audit
// row holding before and after.
type EmployeeWrite struct {
	Before *StoredEmployee
	After  model.Employee
}

// employeeSnapshot is what the audit log records of an employee.
type employeeSnapshot struct {
	BambooID        string `json:"bamboo_id"`
	Email           string `json:"email"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	DisplayName     string `json:"display_name,omitempty"`
	JobTitle        string `json:"job_title"`
	Department      string `json:"department,omitempty"`
	SupervisorID    string `json:"supervisor_bamboo_id"`
	EmploymentType  string `json:"employment_type"`
	Contractor      bool   `json:"is_contractor"`
	Active          bool   `json:"active"`
	HireDate        string `json:"hire_date,omitempty"`
	TerminationDate string `json:"termination_date,omitempty"`
	Deleted         bool   `json:"deleted,omitempty"`
}

func snapshotEmployee(e model.Employee, deleted bool) employeeSnapshot {
	return employeeSnapshot{
		BambooID: e.BambooID, Email: e.Email, FirstName: e.FirstName, LastName: e.LastName,
		DisplayName: e.DisplayName, JobTitle: e.JobTitle, Department: e.Department,
		SupervisorID: e.SupervisorID, EmploymentType: e.EmploymentType, Contractor: e.Contractor,
		Active: e.Active, HireDate: employeeDateString(e.HireDate),
		TerminationDate: employeeDateString(e.TerminationDate), Deleted: deleted,
	}
}

func employeeDateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

const employeeColumns = `id, bamboo_id, email, first_name, last_name, display_name, job_title, department,
	supervisor_bamboo_id, employment_type, is_contractor, active, hire_date, termination_date,
	coalesce(slack_user_id, ''), slack_tz, coalesce(toggl_user_id, 0), deleted_at`

func scanEmployee(r pgx.Row) (StoredEmployee, error) {
	var e StoredEmployee
	err := r.Scan(&e.ID, &e.BambooID, &e.Email, &e.FirstName, &e.LastName, &e.DisplayName, &e.JobTitle,
		&e.Department, &e.SupervisorID, &e.EmploymentType, &e.Contractor, &e.Active, &e.HireDate,
		&e.TerminationDate, &e.SlackUserID, &e.SlackTZ, &e.TogglUserID, &e.DeletedAt)
	return e, err
}

// ListEmployees returns every employee, deleted ones included, by BambooHR id.
func ListEmployees(ctx context.Context, q Querier) ([]StoredEmployee, error) {
	rows, err := q.Query(ctx, `SELECT `+employeeColumns+` FROM employees ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list employees: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StoredEmployee, error) { return scanEmployee(r) })
	if err != nil {
		return nil, fmt.Errorf("list employees: %w", err)
	}
	return out, nil
}

// EmployeeByBambooID returns the employee with a BambooHR id; found is false
// when there is none. With lock set the row is locked until the transaction
// ends, serialising concurrent writers of the same person.
func EmployeeByBambooID(ctx context.Context, q Querier, bambooID string, lock bool) (e StoredEmployee, found bool, err error) {
	sql := `SELECT ` + employeeColumns + ` FROM employees WHERE bamboo_id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	e, err = scanEmployee(q.QueryRow(ctx, sql, bambooID))
	if err == pgx.ErrNoRows {
		return StoredEmployee{}, false, nil
	}
	if err != nil {
		return StoredEmployee{}, false, fmt.Errorf("employee %s: %w", bambooID, err)
	}
	return e, true, nil
}

// SaveEmployees applies writes in one batch: inserts for new employees,
// updates of the BambooHR-sourced columns (clearing deleted_at) for the
// others, and one audit row per write by actor. It returns the database id of
// each write's employee, in order.
func SaveEmployees(ctx context.Context, q Querier, writes []EmployeeWrite, actor string) ([]int64, error) {
	if len(writes) == 0 {
		return nil, nil
	}
	// An email moving between people in one batch must not trip the unique
	// index halfway: free the changed emails first (inside the caller's
	// transaction, so nobody sees the intermediate state).
	var moved []string
	for _, w := range writes {
		if w.Before != nil && w.Before.Email != w.After.Email {
			moved = append(moved, w.After.BambooID)
		}
	}
	if len(moved) > 0 {
		if _, err := q.Exec(ctx, `UPDATE employees SET email = '' WHERE bamboo_id = ANY($1)`, moved); err != nil {
			return nil, fmt.Errorf("free changed emails: %w", err)
		}
	}
	b := &pgx.Batch{}
	for _, w := range writes {
		a := w.After
		args := []any{a.BambooID, a.Email, a.FirstName, a.LastName, a.DisplayName, a.JobTitle, a.Department,
			a.SupervisorID, a.EmploymentType, a.Contractor, a.Active, a.HireDate, a.TerminationDate}
		action := "employee.create"
		var before any
		if w.Before == nil {
			b.Queue(`INSERT INTO employees (bamboo_id, email, first_name, last_name, display_name, job_title, department,
				supervisor_bamboo_id, employment_type, is_contractor, active, hire_date, termination_date, bamboo_changed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
				RETURNING id`, args...)
		} else {
			action = "employee.update"
			before = snapshotEmployee(w.Before.Employee, w.Before.DeletedAt != nil)
			b.Queue(`UPDATE employees SET email = $2, first_name = $3, last_name = $4, display_name = $5, job_title = $6,
				department = $7, supervisor_bamboo_id = $8, employment_type = $9, is_contractor = $10, active = $11,
				hire_date = $12, termination_date = $13, deleted_at = NULL, bamboo_changed_at = now(), updated_at = now()
				WHERE bamboo_id = $1 RETURNING id`, args...)
		}
		bj, err := jsonOrNil(before)
		if err != nil {
			return nil, err
		}
		aj, err := json.Marshal(snapshotEmployee(a, false))
		if err != nil {
			return nil, fmt.Errorf("audit json: %w", err)
		}
		b.Queue(`INSERT INTO audit_log (actor, action, entity, entity_id, before, after) VALUES ($1, $2, 'employee', $3, $4, $5)`,
			actor, action, a.BambooID, bj, aj)
	}
	res := q.SendBatch(ctx, b)
	defer func() { _ = res.Close() }() // error paths only; the success path checks Close below
	ids := make([]int64, len(writes))
	for i, w := range writes {
		if err := res.QueryRow().Scan(&ids[i]); err != nil {
			return nil, fmt.Errorf("save employee %s: %w", w.After.BambooID, err)
		}
		if _, err := res.Exec(); err != nil {
			return nil, fmt.Errorf("audit employee %s: %w", w.After.BambooID, err)
		}
	}
	if err := res.Close(); err != nil {
		return nil, fmt.Errorf("save employees: %w", err)
	}
	return ids, nil
}

// MarkEmployeeDeleted records that BambooHR deleted an employee: deleted_at
// set, inactive, history (rates, entries, audit) kept. It returns false when
// the employee is unknown or already deleted.
func MarkEmployeeDeleted(ctx context.Context, q Querier, bambooID string, at time.Time, actor string) (bool, error) {
	before, found, err := EmployeeByBambooID(ctx, q, bambooID, true)
	if err != nil || !found || before.DeletedAt != nil {
		return false, err
	}
	if _, err := q.Exec(ctx, `UPDATE employees SET deleted_at = $2, active = false, updated_at = now() WHERE bamboo_id = $1`, bambooID, at); err != nil {
		return false, fmt.Errorf("delete employee %s: %w", bambooID, err)
	}
	after := before.Employee
	after.Active = false
	err = Audit(ctx, q, AuditEvent{Actor: actor, Action: "employee.delete", Entity: "employee", EntityID: bambooID,
		Before: snapshotEmployee(before.Employee, false), After: snapshotEmployee(after, true)})
	return err == nil, err
}

// employeeAuditMany appends one audit row per entity id in a single statement.
func employeeAuditMany(ctx context.Context, q Querier, actor, action string, ids, before, after []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id, before, after)
		SELECT $1, $2, 'employee', x.id, x.b, x.a FROM unnest($3::text[], $4::jsonb[], $5::jsonb[]) AS x(id, b, a)`,
		actor, action, ids, before, after)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
