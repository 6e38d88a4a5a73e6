package storagetest

import (
	"context"

	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// SeedEmployee is a person for tests.
type SeedEmployee struct {
	BambooID     string
	Email        string
	First, Last  string
	SlackUserID  string
	SlackTZ      string
	TogglUserID  int64
	SupervisorID string // BambooHR id
	Contractor   bool
}

// AddEmployee inserts an employee and returns its id.
func AddEmployee(t testing.TB, db *storage.DB, e SeedEmployee) int64 {
	t.Helper()
	var slack any
	if e.SlackUserID != "" {
		slack = e.SlackUserID
	}
	var toggl any
	if e.TogglUserID != 0 {
		toggl = e.TogglUserID
	}
	var id int64
	err := db.QueryRow(context.Background(), `
		INSERT INTO employees (bamboo_id, email, first_name, last_name, slack_user_id, slack_tz,
			toggl_user_id, supervisor_bamboo_id, is_contractor, employment_type)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9, CASE WHEN $9 THEN 'Contractor' ELSE 'Full-Time' END)
		RETURNING id`, e.BambooID, e.Email, e.First, e.Last, slack, e.SlackTZ, toggl, e.SupervisorID, e.Contractor).Scan(&id)
	if err != nil {
		t.Fatalf("seed employee: %v", err)
	}
	return id
}

// AddRate inserts a billable rate in force from date.
func AddRate(t testing.TB, db *storage.DB, employeeID int64, from string, minor int64, currency string) {
	t.Helper()
	_, err := db.Exec(context.Background(), `INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency)
		VALUES ($1, $2, $3, $4)`, employeeID, from, minor, currency)
	if err != nil {
		t.Fatalf("seed rate: %v", err)
	}
}

// AddProject inserts a Toggl project.
func AddProject(t testing.TB, db *storage.DB, id int64, name, client string) {
	t.Helper()
	_, err := db.Exec(context.Background(), `INSERT INTO toggl_projects (id, name, client_name, billable)
		VALUES ($1, $2, $3, true)`, id, name, client)
	if err != nil {
		t.Fatalf("seed project: %v", err)
	}
}

// SeedEntry is a time entry for tests.
type SeedEntry struct {
	ID          int64
	TogglUserID int64
	EmployeeID  int64
	ProjectID   int64
	Description string
	Billable    bool
	Start       time.Time // with the user's offset
	Seconds     int64
}

// AddEntry inserts a time entry with its content hash and local date.
func AddEntry(t testing.TB, db *storage.DB, e SeedEntry) {
	t.Helper()
	var project, emp any
	if e.ProjectID != 0 {
		project = e.ProjectID
	}
	if e.EmployeeID != 0 {
		emp = e.EmployeeID
	}
	_, offset := e.Start.Zone()
	local := time.Date(e.Start.Year(), e.Start.Month(), e.Start.Day(), 0, 0, 0, 0, time.UTC)
	hash := model.ContentHash(e.Start, e.Seconds, e.ProjectID, 0, e.Description, e.Billable)
	_, err := db.Exec(context.Background(), `
		INSERT INTO time_entries (id, toggl_user_id, employee_id, project_id, description, billable,
			start_at, stop_at, tz_offset_secs, local_date, duration_secs, toggl_updated_at, content_hash)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11, now(), $12)`,
		e.ID, e.TogglUserID, emp, project, e.Description, e.Billable, e.Start,
		e.Start.Add(time.Duration(e.Seconds)*time.Second), offset, local, e.Seconds, hash)
	if err != nil {
		t.Fatalf("seed entry: %v", err)
	}
}

// CopyRows streams n rows made by row into table with COPY, without holding
// them all in memory: benchmarks seed hundreds of thousands of rows.
func CopyRows(tb testing.TB, db *storage.DB, table string, cols []string, n int, row func(i int) []any) {
	tb.Helper()
	i := 0
	_, err := db.CopyFrom(context.Background(), pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		return row(i - 1), nil
	}))
	if err != nil {
		tb.Fatalf("copy %s: %v", table, err)
	}
}
