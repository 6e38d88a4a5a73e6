package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/tallyhq/tally/model"
)

// The reads below are the figures `tally demo` prints about its week: plain
// aggregates over what the running app wrote, read without side effects.

// ZoneCount is how many weekly reminders went out to one time zone.
type ZoneCount struct {
	TZ    string // the person's Slack zone, or "default" when unknown
	Count int
}

// SentRemindersByZone counts the weekly reminders marked sent for the week
// starting at period, per recipient time zone, ordered by zone.
func (db *DB) SentRemindersByZone(ctx context.Context, period time.Time) ([]ZoneCount, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT coalesce(nullif(e.slack_tz, ''), 'default'), count(*)
		FROM reminders r JOIN employees e ON e.id = r.employee_id
		WHERE r.kind = 'weekly' AND r.period = $1 AND r.status = 'sent'
		GROUP BY 1 ORDER BY 1`, period)
	if err != nil {
		return nil, fmt.Errorf("reminders by zone: %w", err)
	}
	defer rows.Close()
	var out []ZoneCount
	for rows.Next() {
		var z ZoneCount
		if err := rows.Scan(&z.TZ, &z.Count); err != nil {
			return nil, fmt.Errorf("reminders by zone: %w", err)
		}
		out = append(out, z)
	}
	return out, rows.Err()
}

// RosterFigures sums up the live roster.
type RosterFigures struct {
	Active        int // active employees
	Contractors   int // active contractors
	Managers      int // distinct supervisors named by anyone
	LinkedToSlack int // active employees with a Slack identity
}

// RosterSummary counts the live (not deleted) roster.
func (db *DB) RosterSummary(ctx context.Context) (RosterFigures, error) {
	var f RosterFigures
	err := db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE active), count(*) FILTER (WHERE active AND is_contractor),
		count(DISTINCT supervisor_bamboo_id) FILTER (WHERE supervisor_bamboo_id <> ''), count(*) FILTER (WHERE active AND slack_user_id IS NOT NULL)
		FROM employees WHERE deleted_at IS NULL`).Scan(&f.Active, &f.Contractors, &f.Managers, &f.LinkedToSlack)
	if err != nil {
		return RosterFigures{}, fmt.Errorf("roster summary: %w", err)
	}
	return f, nil
}

// HoursFigures are the seconds logged in a date range and how much of them
// is unallocated (no project) or confirmed (a live confirmation of the
// entry's current content).
type HoursFigures struct {
	Total       float64
	Unallocated float64
	Confirmed   float64
}

// HoursSummary sums the live entries whose local date is in [from, to].
func (db *DB) HoursSummary(ctx context.Context, from, to time.Time) (HoursFigures, error) {
	var f HoursFigures
	err := db.pool.QueryRow(ctx, `
		SELECT coalesce(sum(te.duration_secs), 0),
		       coalesce(sum(te.duration_secs) FILTER (WHERE te.project_id IS NULL), 0),
		       coalesce(sum(te.duration_secs) FILTER (WHERE c.id IS NOT NULL), 0)
		FROM time_entries te
		LEFT JOIN confirmations c ON c.entry_id = te.id AND c.voided_at IS NULL AND c.content_hash = te.content_hash
		WHERE te.deleted_at IS NULL AND te.local_date BETWEEN $1 AND $2`, from, to).Scan(&f.Total, &f.Unallocated, &f.Confirmed)
	if err != nil {
		return HoursFigures{}, fmt.Errorf("hours summary: %w", err)
	}
	return f, nil
}

// ActiveLinkedBambooIDs returns the BambooHR ids of the active employees
// linked to both Slack and Toggl.
func (db *DB) ActiveLinkedBambooIDs(ctx context.Context) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT bamboo_id FROM employees
		WHERE active AND deleted_at IS NULL AND slack_user_id IS NOT NULL AND toggl_user_id IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("linked employees: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("linked employees: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ReportWeek says whether one direct report's week is fully confirmed.
type ReportWeek struct {
	EmployeeID int64
	Confirmed  bool // every live entry of the week confirmed, and at least one entry
}

// ReportWeeks lists the active direct reports of a supervisor who logged
// time in [from, to], with whether their week is fully confirmed, by id.
func (db *DB) ReportWeeks(ctx context.Context, supervisorBambooID string, from, to time.Time) ([]ReportWeek, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT e.id, bool_and(c.id IS NOT NULL) AND count(te.id) > 0
		FROM employees e
		JOIN time_entries te ON te.employee_id = e.id AND te.deleted_at IS NULL AND te.local_date BETWEEN $2 AND $3
		LEFT JOIN confirmations c ON c.entry_id = te.id AND c.voided_at IS NULL AND c.content_hash = te.content_hash
		WHERE e.supervisor_bamboo_id = $1 AND e.active
		GROUP BY e.id ORDER BY e.id`, supervisorBambooID, from, to)
	if err != nil {
		return nil, fmt.Errorf("report weeks: %w", err)
	}
	defer rows.Close()
	var out []ReportWeek
	for rows.Next() {
		var r ReportWeek
		if err := rows.Scan(&r.EmployeeID, &r.Confirmed); err != nil {
			return nil, fmt.Errorf("report weeks: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ConfirmedBillableByClient sums the confirmed, priced billable amounts of
// the live entries in [from, to] per client ("(no client)" when none) and
// currency.
func (db *DB) ConfirmedBillableByClient(ctx context.Context, from, to time.Time) (map[string]model.Amounts, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT coalesce(nullif(p.client_name, ''), '(no client)'), pe.currency, sum(pe.amount_minor)
		FROM priced_entries pe
		JOIN confirmations c ON c.entry_id = pe.id AND c.voided_at IS NULL AND c.content_hash = pe.content_hash
		LEFT JOIN toggl_projects p ON p.id = pe.project_id
		WHERE pe.deleted_at IS NULL AND pe.local_date BETWEEN $1 AND $2 AND pe.amount_minor > 0
		GROUP BY 1, 2`, from, to)
	if err != nil {
		return nil, fmt.Errorf("billable by client: %w", err)
	}
	defer rows.Close()
	out := map[string]model.Amounts{}
	for rows.Next() {
		var client, cur string
		var minor int64
		if err := rows.Scan(&client, &cur, &minor); err != nil {
			return nil, fmt.Errorf("billable by client: %w", err)
		}
		if out[client] == nil {
			out[client] = model.Amounts{}
		}
		out[client][cur] += minor
	}
	return out, rows.Err()
}
