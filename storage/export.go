package storage

import (
	"context"
	"fmt"
	"time"
)

// ExportFilter selects the entries of a billing export.
type ExportFilter struct {
	From, To     time.Time // local dates, both included
	ApprovedOnly bool      // only entries of weeks that stand approved
	EmployeeIDs  []int64   // only these people; nil for everyone
}

// ExportRow is one live time entry as the billing export writes it.
type ExportRow struct {
	EntryID     int64
	Client      string
	Project     string
	Person      string
	Email       string
	Date        time.Time
	Seconds     int64
	Billable    bool
	Priced      bool // a rate was in force on the date; Rate, Currency and Amount are set
	RateMinor   int64
	Currency    string
	AmountMinor int64 // 0 for non-billable entries
	Confirmed   bool
	Approved    bool
}

// exportFrom is the FROM clause shared by both exports: live entries of the
// range, priced, with names, confirmation and their week's approval.
const exportFrom = `
	FROM priced_entries pe
	LEFT JOIN employees e ON e.id = pe.employee_id
	LEFT JOIN toggl_users tu ON tu.id = pe.toggl_user_id
	LEFT JOIN toggl_projects p ON p.id = pe.project_id
	LEFT JOIN confirmations c
		ON c.entry_id = pe.id AND c.voided_at IS NULL AND c.content_hash = pe.content_hash
	LEFT JOIN week_approvals wa
		ON wa.employee_id = pe.employee_id AND wa.week_start = date_trunc('week', pe.local_date)::date
	WHERE pe.local_date BETWEEN $1 AND $2 AND pe.deleted_at IS NULL
		AND (NOT $3 OR wa.status = 'approved')
		AND ($4::bigint[] IS NULL OR pe.employee_id = ANY($4))`

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
	rows, err := db.pool.Query(ctx, `
		SELECT pe.id, coalesce(p.client_name, ''), coalesce(p.name, ''), `+exportPerson+`, `+exportEmail+`,
			pe.local_date, pe.duration_secs, pe.billable, pe.rate_minor IS NOT NULL,
			coalesce(pe.rate_minor, 0), coalesce(pe.currency, ''), coalesce(pe.amount_minor, 0),
			c.id IS NOT NULL, coalesce(wa.status = 'approved', false)
		`+exportFrom+`
		ORDER BY 2, 3, 4, pe.local_date, pe.start_at, pe.id`,
		f.From, f.To, f.ApprovedOnly, exportIDs(f.EmployeeIDs))
	if err != nil {
		return fmt.Errorf("export entries: %w", err)
	}
	defer rows.Close()
	var r ExportRow
	for rows.Next() {
		if err := rows.Scan(&r.EntryID, &r.Client, &r.Project, &r.Person, &r.Email, &r.Date, &r.Seconds,
			&r.Billable, &r.Priced, &r.RateMinor, &r.Currency, &r.AmountMinor, &r.Confirmed, &r.Approved); err != nil {
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
	ConfirmedSeconds     int64
	AmountMinor          int64 // all priced entries
	ConfirmedAmountMinor int64 // confirmed entries only
	Unpriced             int64 // billable entries without a rate
}

// ExportGroups streams the filter's totals per group and currency to fn,
// ordered by the group key.
func (db *DB) ExportGroups(ctx context.Context, f ExportFilter, by ExportGroupBy, fn func(ExportGroup) error) error {
	var keys string
	switch by {
	case ExportByClient:
		keys = `coalesce(p.client_name, ''), ''::text, ''::text, ''::text`
	case ExportByProject:
		keys = `coalesce(p.client_name, ''), coalesce(p.name, ''), ''::text, ''::text`
	case ExportByPerson:
		keys = `''::text, ''::text, ` + exportPerson + `, ` + exportEmail
	default:
		return fmt.Errorf("export: unknown grouping %q", by)
	}
	rows, err := db.pool.Query(ctx, `
		SELECT `+keys+`, coalesce(pe.currency, ''), count(*), sum(pe.duration_secs),
			coalesce(sum(pe.duration_secs) FILTER (WHERE c.id IS NOT NULL), 0),
			coalesce(sum(pe.amount_minor), 0),
			coalesce(sum(pe.amount_minor) FILTER (WHERE c.id IS NOT NULL), 0),
			count(*) FILTER (WHERE pe.billable AND pe.amount_minor IS NULL)
		`+exportFrom+`
		GROUP BY 1, 2, 3, 4, 5
		ORDER BY 1, 2, 3, 4, 5`,
		f.From, f.To, f.ApprovedOnly, exportIDs(f.EmployeeIDs))
	if err != nil {
		return fmt.Errorf("export groups: %w", err)
	}
	defer rows.Close()
	var g ExportGroup
	for rows.Next() {
		if err := rows.Scan(&g.Client, &g.Project, &g.Person, &g.Email, &g.Currency, &g.Entries, &g.Seconds,
			&g.ConfirmedSeconds, &g.AmountMinor, &g.ConfirmedAmountMinor, &g.Unpriced); err != nil {
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
