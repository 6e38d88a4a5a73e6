package storage

import (
	"context"
	"fmt"
	"time"
)

// ExportFilter selects the entries of a billing export, and of OrgTotals.
type ExportFilter struct {
	From, To time.Time // local dates, both included
	// ApprovedOnly reads the approved records instead of the live entries:
	// weeks with a live approved record (approved, or changed after
	// approval — flagged), as they were approved; entries outside the
	// person's employment only when a manager approved them explicitly.
	ApprovedOnly bool
	EmployeeIDs  []int64 // only these people; nil for everyone
}

// ExportRow is one time entry as the billing export writes it.
type ExportRow struct {
	EntryID     int64
	Client      string // NoProject for time without a project, NoClient for a project without one
	Project     string // NoProject for time without a project
	Person      string
	Email       string
	Date        time.Time
	Seconds     int64
	Billable    bool
	Priced      bool // a rate was in force on the date; Rate, Currency and Amount are set
	RateMinor   int64
	Currency    string
	AmountMinor int64 // 0 for non-billable entries
	// Unpriced says why a billable entry has no rate ("" when priced or
	// not billable).
	Unpriced  UnpricedReason
	Confirmed bool
	Approved  bool
	// Changed is set when the entry's week changed after approval (or, in
	// an approved-only export, this entry's figures differ from what was
	// approved): the approved figure is exported, the drift flagged.
	Changed    bool
	Employment EmploymentIssue
}

// exportClient and exportProject name an entry's bucket: never blank.
func exportClient(projectID, client string) string {
	return `CASE WHEN ` + projectID + ` IS NULL THEN '` + NoProject + `' ELSE coalesce(nullif(` + client + `, ''), '` + NoClient + `') END`
}

func exportProject(projectID, name string) string {
	return `CASE WHEN ` + projectID + ` IS NULL THEN '` + NoProject + `' ELSE coalesce(nullif(` + name + `, ''), 'Project ' || ` + projectID + `) END`
}

// exportLiveSrc is the live entries of the range ($1..$2, people $3),
// priced now, with confirmation and their week's approval.
var exportLiveSrc = `
	SELECT pe.id AS entry_id, pe.employee_id, pe.toggl_user_id, pe.local_date, pe.start_at, pe.duration_secs AS seconds,
		pe.billable, pe.project_id, ` + exportClient("pe.project_id", "p.client_name") + ` AS client,
		` + exportProject("pe.project_id", "p.name") + ` AS project,
		pe.rate_minor, pe.currency, pe.amount_minor, pe.unpriced_reason, pe.employment_issue,
		c.id IS NOT NULL AS confirmed, coalesce(wa.status = 'approved', false) AS approved,
		coalesce(wa.status = 'changed_after_approval', false) AS changed
	FROM priced_entries pe
	LEFT JOIN toggl_projects p ON p.id = pe.project_id
	LEFT JOIN confirmations c
		ON c.entry_id = pe.id AND c.voided_at IS NULL AND c.content_hash = pe.content_hash
	LEFT JOIN week_approvals wa
		ON wa.employee_id = pe.employee_id AND wa.week_start = date_trunc('week', pe.local_date)::date
	WHERE pe.local_date BETWEEN $1 AND $2 AND pe.deleted_at IS NULL
		AND ($3::bigint[] IS NULL OR pe.employee_id = ANY($3))`

// exportApprovedSrc is the approved records of the range: each entry as it
// was approved, flagged when the week or the entry changed since.
var exportApprovedSrc = `
	SELECT ae.entry_id, aw.employee_id, coalesce(te.toggl_user_id, 0) AS toggl_user_id, ae.local_date, ae.start_at,
		ae.seconds, ae.billable, ae.project_id, ` + exportClient("ae.project_id", "ae.client_name") + ` AS client,
		` + exportProject("ae.project_id", "ae.project_name") + ` AS project,
		ae.rate_minor, ae.currency, ae.amount_minor, ae.unpriced_reason, ae.employment_issue,
		true AS confirmed, true AS approved,
		(wa.status = 'changed_after_approval' OR pe.id IS NULL OR pe.deleted_at IS NOT NULL
			OR (pe.duration_secs, pe.billable, pe.rate_minor, pe.currency, pe.amount_minor, pe.content_hash)
				IS DISTINCT FROM (ae.seconds, ae.billable, ae.rate_minor, ae.currency, ae.amount_minor, ae.content_hash)) AS changed
	FROM approved_entries ae
	JOIN approved_weeks aw ON aw.id = ae.approved_week_id AND aw.superseded_at IS NULL
	JOIN week_approvals wa ON wa.employee_id = aw.employee_id AND wa.week_start = aw.week_start
		AND wa.status IN ('approved', 'changed_after_approval')
	LEFT JOIN time_entries te ON te.id = ae.entry_id
	LEFT JOIN priced_entries pe ON pe.id = ae.entry_id
	WHERE ae.local_date BETWEEN $1 AND $2
		AND (ae.employment_issue IS NULL OR aw.includes_outside_employment)
		AND ($3::bigint[] IS NULL OR aw.employee_id = ANY($3))`

// exportSrc is the WITH clause of every export query: CTE src, then the
// joins naming people (aliases e, tu).
func exportSrc(approvedOnly bool) string {
	src := exportLiveSrc
	if approvedOnly {
		src = exportApprovedSrc
	}
	return `WITH src AS (` + src + `)`
}

const exportPeopleJoin = `
	FROM src s
	LEFT JOIN employees e ON e.id = s.employee_id
	LEFT JOIN toggl_users tu ON tu.id = s.toggl_user_id`

// exportPerson and exportEmail name an entry's person: the roster's name,
// else Toggl's for users tally could not match.
const (
	exportPerson = `coalesce(nullif(e.display_name, ''), nullif(trim(e.first_name || ' ' || e.last_name), ''), tu.fullname, '')`
	exportEmail  = `coalesce(nullif(e.email, ''), tu.email, '')`
)

// ExportEntries streams the filter's entries to fn, ordered by client,
// project, person and date, straight from the wire: memory stays flat
// however many rows there are. An error from fn stops the stream.
func (db *DB) ExportEntries(ctx context.Context, f ExportFilter, fn func(ExportRow) error) error {
	rows, err := db.pool.Query(ctx, exportSrc(f.ApprovedOnly)+`
		SELECT s.entry_id, s.client, s.project, `+exportPerson+`, `+exportEmail+`,
			s.local_date, s.seconds, s.billable, s.rate_minor IS NOT NULL,
			coalesce(s.rate_minor, 0), coalesce(s.currency, ''), coalesce(s.amount_minor, 0),
			coalesce(s.unpriced_reason, ''), s.confirmed, s.approved, s.changed, coalesce(s.employment_issue, '')
		`+exportPeopleJoin+`
		ORDER BY 2, 3, 4, s.local_date, s.start_at, s.entry_id`,
		f.From, f.To, exportIDs(f.EmployeeIDs))
	if err != nil {
		return fmt.Errorf("export entries: %w", err)
	}
	defer rows.Close()
	var r ExportRow
	for rows.Next() {
		if err := rows.Scan(&r.EntryID, &r.Client, &r.Project, &r.Person, &r.Email, &r.Date, &r.Seconds,
			&r.Billable, &r.Priced, &r.RateMinor, &r.Currency, &r.AmountMinor, &r.Unpriced, &r.Confirmed,
			&r.Approved, &r.Changed, &r.Employment); err != nil {
			return fmt.Errorf("scan export row: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export entries: %w", err)
	}
	return nil
}

// ExportGroupBy is the key of a grouped export.
type ExportGroupBy string

// The keys a grouped export can use.
const (
	ExportByClient  ExportGroupBy = "client"
	ExportByProject ExportGroupBy = "project"
	ExportByPerson  ExportGroupBy = "person"
)

// ExportGroup is the total of one group in one currency ("" for entries
// without a rate).
type ExportGroup struct {
	Client, Project      string // by client: Client; by project: both
	Person, Email        string // by person
	Currency             string
	Entries              int64
	Seconds              int64
	BillableSeconds      int64
	ConfirmedSeconds     int64
	AmountMinor          int64 // all priced entries: the sum of their amounts
	ConfirmedAmountMinor int64 // confirmed entries only
	Unpriced             int64 // billable entries without a rate
	UnpricedSeconds      int64
	Changed              int64 // entries flagged changed after approval
}

// ExportGroups streams the filter's totals per group and currency to fn,
// ordered by the group key.
func (db *DB) ExportGroups(ctx context.Context, f ExportFilter, by ExportGroupBy, fn func(ExportGroup) error) error {
	var keys string
	switch by {
	case ExportByClient:
		keys = `s.client, ''::text, ''::text, ''::text`
	case ExportByProject:
		keys = `s.client, s.project, ''::text, ''::text`
	case ExportByPerson:
		keys = `''::text, ''::text, ` + exportPerson + `, ` + exportEmail
	default:
		return fmt.Errorf("export: unknown grouping %q", by)
	}
	rows, err := db.pool.Query(ctx, exportSrc(f.ApprovedOnly)+`
		SELECT `+keys+`, coalesce(s.currency, ''), count(*), sum(s.seconds),
			coalesce(sum(s.seconds) FILTER (WHERE s.billable), 0),
			coalesce(sum(s.seconds) FILTER (WHERE s.confirmed), 0),
			coalesce(sum(s.amount_minor), 0),
			coalesce(sum(s.amount_minor) FILTER (WHERE s.confirmed), 0),
			count(*) FILTER (WHERE s.unpriced_reason IS NOT NULL),
			coalesce(sum(s.seconds) FILTER (WHERE s.unpriced_reason IS NOT NULL), 0),
			count(*) FILTER (WHERE s.changed)
		`+exportPeopleJoin+`
		GROUP BY 1, 2, 3, 4, 5
		ORDER BY 1, 2, 3, 4, 5`,
		f.From, f.To, exportIDs(f.EmployeeIDs))
	if err != nil {
		return fmt.Errorf("export groups: %w", err)
	}
	defer rows.Close()
	var g ExportGroup
	for rows.Next() {
		if err := rows.Scan(&g.Client, &g.Project, &g.Person, &g.Email, &g.Currency, &g.Entries, &g.Seconds,
			&g.BillableSeconds, &g.ConfirmedSeconds, &g.AmountMinor, &g.ConfirmedAmountMinor, &g.Unpriced,
			&g.UnpricedSeconds, &g.Changed); err != nil {
			return fmt.Errorf("scan export group: %w", err)
		}
		if err := fn(g); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export groups: %w", err)
	}
	return nil
}

// exportIDs passes nil as SQL NULL (everyone) and a list as an array.
func exportIDs(ids []int64) any {
	if ids == nil {
		return nil
	}
	return ids
}
