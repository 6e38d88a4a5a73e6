package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tallyhq/tally/model"
)

// UnpricedReason is the domain's reason a billable entry carries no amount
// (model.UnpricedReason): the codes are what the priced_entries view and the
// CSV carry, so storage hands them out in the domain type.
type UnpricedReason = model.UnpricedReason

// The reasons, as the view names them.
const (
	Priced                  = model.Priced
	UnpricedUnknownPerson   = model.UnpricedUnknownPerson
	UnpricedNoRate          = model.UnpricedNoRate
	UnpricedBeforeFirstRate = model.UnpricedBeforeFirstRate
)

// EmploymentIssue is the domain's "outside employment" flag
// (model.EmploymentIssue), as the view computes it.
type EmploymentIssue = model.EmploymentIssue

// The employment issues, as the view names them.
const (
	EmploymentOK     = model.EmploymentOK
	AfterTermination = model.AfterTermination
	BeforeHire       = model.BeforeHire
)

// NoProject is the name of the bucket of time without a project, used as
// both client and project name wherever time is grouped or exported: it is
// never an anonymous blank.
const NoProject = "No project"

// NoClient is the client name of a project that has no client in Toggl.
const NoClient = "No client"

// UnpricedPerson is one person's unpriced billable time in a date range,
// for HR: who, why, how much.
type UnpricedPerson struct {
	EmployeeID  int64 // 0 for a Toggl user not in the roster
	TogglUserID int64
	Name        string
	Email       string
	Reason      UnpricedReason
	Entries     int
	Seconds     int64
	EntryIDs    []int64
}

// UnpricedPeople lists who has unpriced billable time with local dates in
// [from, to], per person and reason, most seconds first.
func (db *DB) UnpricedPeople(ctx context.Context, from, to time.Time) ([]UnpricedPerson, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT coalesce(pe.employee_id, 0), pe.toggl_user_id, `+exportPerson+`, `+exportEmail+`,
			pe.unpriced_reason, count(*), sum(pe.duration_secs), array_agg(pe.id ORDER BY pe.local_date, pe.id)
		FROM priced_entries pe
		LEFT JOIN employees e ON e.id = pe.employee_id
		LEFT JOIN toggl_users tu ON tu.id = pe.toggl_user_id
		WHERE pe.unpriced AND pe.local_date BETWEEN $1 AND $2 AND pe.deleted_at IS NULL
		GROUP BY 1, 2, 3, 4, 5
		ORDER BY 7 DESC, 3, 2`, from, to)
	if err != nil {
		return nil, fmt.Errorf("unpriced people: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (UnpricedPerson, error) {
		var p UnpricedPerson
		err := r.Scan(&p.EmployeeID, &p.TogglUserID, &p.Name, &p.Email, &p.Reason, &p.Entries, &p.Seconds, &p.EntryIDs)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("unpriced people: %w", err)
	}
	return out, nil
}

// EmploymentProblem is a person's time logged outside their employment in a
// date range, for HR: who, which entries, why. Such entries stay out of
// approved exports until a manager approves them explicitly
// (review.Service.ApproveIncludingOutsideEmployment).
type EmploymentProblem struct {
	EmployeeID      int64
	Name            string
	Email           string
	Issue           EmploymentIssue
	HireDate        *time.Time
	TerminationDate *time.Time
	Entries         int
	Seconds         int64
	EntryIDs        []int64
	// Approved counts those entries a manager explicitly approved.
	Approved int
}

// EmploymentProblems lists the live entries with local dates in [from, to]
// that lie after their person's termination date or before the hire date,
// per person and issue, ordered by name.
func (db *DB) EmploymentProblems(ctx context.Context, from, to time.Time) ([]EmploymentProblem, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT pe.employee_id, `+exportPerson+`, `+exportEmail+`, pe.employment_issue, e.hire_date, e.termination_date,
			count(*), sum(pe.duration_secs), array_agg(pe.id ORDER BY pe.local_date, pe.id),
			count(*) FILTER (WHERE EXISTS (
				SELECT 1 FROM approved_entries ae JOIN approved_weeks aw ON aw.id = ae.approved_week_id
				WHERE ae.entry_id = pe.id AND aw.superseded_at IS NULL AND aw.includes_outside_employment))
		FROM priced_entries pe
		JOIN employees e ON e.id = pe.employee_id
		LEFT JOIN toggl_users tu ON tu.id = pe.toggl_user_id
		WHERE pe.employment_issue IS NOT NULL AND pe.local_date BETWEEN $1 AND $2 AND pe.deleted_at IS NULL
		GROUP BY 1, 2, 3, 4, 5, 6
		ORDER BY lower(`+exportPerson+`), 1, 4`, from, to)
	if err != nil {
		return nil, fmt.Errorf("employment problems: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EmploymentProblem, error) {
		var p EmploymentProblem
		err := r.Scan(&p.EmployeeID, &p.Name, &p.Email, &p.Issue, &p.HireDate, &p.TerminationDate,
			&p.Entries, &p.Seconds, &p.EntryIDs, &p.Approved)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("employment problems: %w", err)
	}
	return out, nil
}
