package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// weekConfirmedJoin joins an entry (alias pe) to its live confirmation that
// vouches for the entry's current content (c.id is NULL when there is none).
// A live confirmation for another hash (the sync has not voided it yet) does
// not count. The LATERAL … LIMIT 1 keeps it a lookup in the unique partial
// index per entry: a plain join lets the planner hash the whole
// confirmations table, which costs a team view 100 ms at 400,000 entries.
const weekConfirmedJoin = `LEFT JOIN LATERAL (
		SELECT c.id FROM confirmations c
		WHERE c.entry_id = pe.id AND c.voided_at IS NULL AND c.content_hash = pe.content_hash
		LIMIT 1
	) c ON true`

// WeekEntry is an entry of a person's week with how it is priced.
type WeekEntry struct {
	model.Entry
	// Priced is set when a rate was in force on the entry's local date;
	// RateMinor is that rate (Entry.Amount.Currency its currency).
	Priced    bool
	RateMinor int64
	// Unpriced says why a billable entry has no amount ("" otherwise):
	// Entry.Amount is then empty, which is NOT an amount of zero.
	Unpriced UnpricedReason
	// Employment is set when the entry lies outside the person's
	// employment (after termination, before hire).
	Employment EmploymentIssue
}

// WeekEntries returns the live entries of a person's week (Monday to Sunday
// by the entries' local dates), oldest first, with project and client names,
// the billable amount at the rate in force that day and the confirmation
// status. An entry is "changed" when a confirmation for other content was
// voided (or still hangs on) and none holds for the current content. An
// unpriced billable entry has an empty Amount: use PricedWeekEntries to tell
// it from a priced one.
func (db *DB) WeekEntries(ctx context.Context, employeeID int64, week model.Week) ([]model.Entry, error) {
	priced, err := db.PricedWeekEntries(ctx, employeeID, week)
	if err != nil {
		return nil, err
	}
	out := make([]model.Entry, len(priced))
	for i, e := range priced {
		out[i] = e.Entry
	}
	return out, nil
}

// PricedWeekEntries is WeekEntries with each entry's pricing: its rate, why
// it is unpriced, whether it lies outside the person's employment.
func (db *DB) PricedWeekEntries(ctx context.Context, employeeID int64, week model.Week) ([]WeekEntry, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT pe.id, pe.toggl_user_id, coalesce(pe.employee_id, 0), coalesce(pe.project_id, 0),
			coalesce(p.name, ''), coalesce(p.client_name, ''), coalesce(pe.task_id, 0),
			pe.description, pe.billable, pe.tag_ids, pe.start_at, pe.stop_at, pe.tz_offset_secs,
			pe.local_date, pe.duration_secs, pe.toggl_updated_at, pe.content_hash,
			coalesce(pe.amount_minor, 0), coalesce(pe.currency, ''),
			CASE
				WHEN c.id IS NOT NULL THEN 'confirmed'
				WHEN EXISTS (SELECT 1 FROM confirmations o WHERE o.entry_id = pe.id
					AND o.content_hash <> pe.content_hash) THEN 'changed'
				ELSE 'unconfirmed'
			END,
			pe.rate_minor IS NOT NULL, coalesce(pe.rate_minor, 0), coalesce(pe.unpriced_reason, ''),
			coalesce(pe.employment_issue, '')
		FROM priced_entries pe
		LEFT JOIN toggl_projects p ON p.id = pe.project_id
		`+weekConfirmedJoin+`
		WHERE pe.employee_id = $1 AND pe.local_date BETWEEN $2 AND $3 AND pe.deleted_at IS NULL
		ORDER BY pe.start_at, pe.id`, employeeID, week.Start, week.End())
	if err != nil {
		return nil, fmt.Errorf("week entries of %d: %w", employeeID, err)
	}
	defer rows.Close()
	var out []WeekEntry
	for rows.Next() {
		var w WeekEntry
		e := &w.Entry
		var offset int32
		var status string
		if err := rows.Scan(&e.ID, &e.TogglUserID, &e.EmployeeID, &e.ProjectID, &e.ProjectName,
			&e.ClientName, &e.TaskID, &e.Description, &e.Billable, &e.TagIDs, &e.Start, &e.Stop,
			&offset, &e.LocalDate, &e.Seconds, &e.UpdatedAt, &e.ContentHash, &e.Amount.Minor,
			&e.Amount.Currency, &status, &w.Priced, &w.RateMinor, &w.Unpriced, &w.Employment); err != nil {
			return nil, fmt.Errorf("scan week entry: %w", err)
		}
		zone := time.FixedZone("", int(offset))
		e.Start, e.Stop = e.Start.In(zone), e.Stop.In(zone)
		e.Status = model.EntryStatus(status)
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("week entries of %d: %w", employeeID, err)
	}
	return out, nil
}

// WeekSummary is what a week of one person adds up to.
type WeekSummary struct {
	EmployeeID int64
	Week       model.Week
	Entries    int // live entries
	Confirmed  int // entries whose current content is confirmed
	// Unallocated counts entries without a project; they cannot be confirmed
	// until a project is assigned.
	Unallocated        int
	Seconds            int64
	ConfirmedSeconds   int64
	UnallocatedSeconds int64
	BillableSeconds    int64
	// Billable is the billable amount of all live entries per currency;
	// ConfirmedBillable the part of it already confirmed.
	Billable          model.Amounts
	ConfirmedBillable model.Amounts
	// Unpriced counts billable entries with no rate in force on their
	// date, UnpricedSeconds their time: they are not in Billable, and are
	// NOT zero — surfaces show them as unpriced, with UnpricedReason (the
	// reason of most of those entries).
	Unpriced        int
	UnpricedSeconds int64
	UnpricedReason  UnpricedReason
	// OutsideEmployment counts entries logged after the termination date or
	// before the hire date (OutsideEmploymentSeconds their time).
	OutsideEmployment        int
	OutsideEmploymentSeconds int64
	// Approved is what the manager approved, when a live approved record
	// exists (the week is approved or changed after approval); compare
	// with Drift.
	Approved *ApprovedTotals
	// Approval is the manager's decision on the week; Status is "" when
	// nobody decided yet.
	Approval WeekApproval
}

// Unconfirmed returns the number of entries still to confirm.
func (s WeekSummary) Unconfirmed() int { return s.Entries - s.Confirmed }

// Hours returns the week's hours.
func (s WeekSummary) Hours() float64 { return float64(s.Seconds) / 3600 }

// ConfirmedHours returns the confirmed hours.
func (s WeekSummary) ConfirmedHours() float64 { return float64(s.ConfirmedSeconds) / 3600 }

// UnallocatedHours returns the hours without a project.
func (s WeekSummary) UnallocatedHours() float64 { return float64(s.UnallocatedSeconds) / 3600 }

// AllConfirmed reports whether every live entry is confirmed (true for an
// empty week).
func (s WeekSummary) AllConfirmed() bool { return s.Confirmed == s.Entries }

// WeekSummary returns the summary of one person's week.
func (db *DB) WeekSummary(ctx context.Context, employeeID int64, week model.Week) (WeekSummary, error) {
	all, err := db.TeamSummaries(ctx, []int64{employeeID}, week)
	if err != nil {
		return WeekSummary{}, err
	}
	return all[0], nil
}

// TeamSummaries returns the week's summary of every listed person, in the
// order given, duplicates collapsed, in one set-based query: a manager home
// for a few hundred people costs one round trip.
func (db *DB) TeamSummaries(ctx context.Context, employeeIDs []int64, week model.Week) ([]WeekSummary, error) {
	ids := make([]int64, 0, len(employeeIDs))
	index := make(map[int64]int, len(employeeIDs))
	for _, id := range employeeIDs {
		if _, dup := index[id]; dup {
			continue
		}
		index[id] = len(ids)
		ids = append(ids, id)
	}
	out := make([]WeekSummary, len(ids))
	for i, id := range ids {
		out[i] = WeekSummary{EmployeeID: id, Week: week, Billable: model.Amounts{}, ConfirmedBillable: model.Amounts{}}
	}
	if len(ids) == 0 {
		return out, nil
	}
	err := db.InTx(ctx, func(tx Tx) error {
		// The planner's estimate for a few hundred people crosses
		// jit_above_cost, and compiling the query costs more (10-400 ms)
		// than running it (~20 ms for 200 people × 40 entries).
		if _, err := tx.Exec(ctx, "SET LOCAL jit = off"); err != nil {
			return fmt.Errorf("team summaries: %w", err)
		}
		return teamSummariesQuery(ctx, tx, ids, week, index, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func teamSummariesQuery(ctx context.Context, q Querier, ids []int64, week model.Week, index map[int64]int, out []WeekSummary) error {
	rows, err := q.Query(ctx, `
		WITH agg AS (
			SELECT pe.employee_id, pe.currency,
				count(*) AS n,
				count(c.id) AS confirmed_n,
				count(*) FILTER (WHERE pe.project_id IS NULL) AS unallocated_n,
				sum(pe.duration_secs) AS secs,
				coalesce(sum(pe.duration_secs) FILTER (WHERE c.id IS NOT NULL), 0) AS confirmed_secs,
				coalesce(sum(pe.duration_secs) FILTER (WHERE pe.project_id IS NULL), 0) AS unallocated_secs,
				coalesce(sum(pe.duration_secs) FILTER (WHERE pe.billable), 0) AS billable_secs,
				coalesce(sum(pe.amount_minor), 0) AS amount,
				coalesce(sum(pe.amount_minor) FILTER (WHERE c.id IS NOT NULL), 0) AS confirmed_amount,
				count(*) FILTER (WHERE pe.unpriced) AS unpriced,
				coalesce(sum(pe.duration_secs) FILTER (WHERE pe.unpriced), 0) AS unpriced_secs,
				mode() WITHIN GROUP (ORDER BY pe.unpriced_reason) FILTER (WHERE pe.unpriced) AS unpriced_reason,
				count(*) FILTER (WHERE pe.employment_issue IS NOT NULL) AS outside_n,
				coalesce(sum(pe.duration_secs) FILTER (WHERE pe.employment_issue IS NOT NULL), 0) AS outside_secs
			FROM priced_entries pe
			`+weekConfirmedJoin+`
			WHERE pe.employee_id = ANY($1) AND pe.local_date BETWEEN $2 AND $3 AND pe.deleted_at IS NULL
			GROUP BY pe.employee_id, pe.currency
		)
		SELECT ids.id, coalesce(agg.currency, ''), coalesce(agg.n, 0), coalesce(agg.confirmed_n, 0),
			coalesce(agg.unallocated_n, 0), coalesce(agg.secs, 0), coalesce(agg.confirmed_secs, 0),
			coalesce(agg.unallocated_secs, 0), coalesce(agg.billable_secs, 0), coalesce(agg.amount, 0),
			coalesce(agg.confirmed_amount, 0), coalesce(agg.unpriced, 0), coalesce(agg.unpriced_secs, 0),
			coalesce(agg.unpriced_reason, ''), coalesce(agg.outside_n, 0), coalesce(agg.outside_secs, 0),
			coalesce(wa.status, ''), coalesce(wa.decided_by, ''), coalesce(wa.reason, ''), wa.decided_at
		FROM unnest($1::bigint[]) AS ids(id)
		LEFT JOIN agg ON agg.employee_id = ids.id
		LEFT JOIN week_approvals wa ON wa.employee_id = ids.id AND wa.week_start = $2`,
		ids, week.Start, week.End())
	if err != nil {
		return fmt.Errorf("team summaries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, n, confN, unallocN, secs, confSecs, unallocSecs, billSecs, amount, confAmount int64
			unpriced, unpricedSecs, outsideN, outsideSecs                                     int64
			currency, unpricedWhy, status, decidedBy, reason                                  string
			decidedAt                                                                         *time.Time
		)
		if err := rows.Scan(&id, &currency, &n, &confN, &unallocN, &secs, &confSecs, &unallocSecs,
			&billSecs, &amount, &confAmount, &unpriced, &unpricedSecs, &unpricedWhy, &outsideN, &outsideSecs,
			&status, &decidedBy, &reason, &decidedAt); err != nil {
			return fmt.Errorf("scan team summary: %w", err)
		}
		s := &out[index[id]]
		s.Entries += int(n)
		s.Confirmed += int(confN)
		s.Unallocated += int(unallocN)
		s.Seconds += secs
		s.ConfirmedSeconds += confSecs
		s.UnallocatedSeconds += unallocSecs
		s.BillableSeconds += billSecs
		s.Unpriced += int(unpriced)
		s.UnpricedSeconds += unpricedSecs
		if unpricedWhy != "" {
			s.UnpricedReason = UnpricedReason(unpricedWhy)
		}
		s.OutsideEmployment += int(outsideN)
		s.OutsideEmploymentSeconds += outsideSecs
		if currency != "" {
			s.Billable[currency] += amount
			s.ConfirmedBillable[currency] += confAmount
		}
		s.Approval = WeekApproval{EmployeeID: id, Week: week, Status: ApprovalStatus(status),
			DecidedBy: decidedBy, Reason: reason}
		if decidedAt != nil {
			s.Approval.DecidedAt = *decidedAt
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("team summaries: %w", err)
	}
	return approvedTotalsInto(ctx, q, ids, week, index, out)
}

// ProjectOption is a Toggl project as the project picker offers it.
type ProjectOption struct {
	ID         int64
	Name       string
	ClientName string
	// Billable is the project's billable default in Toggl: time allocated
	// to the project from Slack takes it.
	Billable bool
}

// RecentProjects returns the active projects the person logged time on most
// recently, newest first, at most limit of them.
func (db *DB) RecentProjects(ctx context.Context, employeeID int64, limit int) ([]ProjectOption, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT p.id, p.name, p.client_name, p.billable
		FROM (
			SELECT project_id, max(start_at) AS last_used
			FROM time_entries
			WHERE employee_id = $1 AND project_id IS NOT NULL AND deleted_at IS NULL
			GROUP BY project_id
		) r
		JOIN toggl_projects p ON p.id = r.project_id AND p.active
		ORDER BY r.last_used DESC, p.id
		LIMIT $2`, employeeID, limit)
	if err != nil {
		return nil, fmt.Errorf("recent projects of %d: %w", employeeID, err)
	}
	return weekCollectProjects(rows)
}

// ActiveProjects returns the active projects whose name or client contains
// query (case-insensitive; empty matches all), ordered by client and name,
// at most limit of them — the options of the picker's search.
func (db *DB) ActiveProjects(ctx context.Context, query string, limit int) ([]ProjectOption, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT id, name, client_name, billable FROM toggl_projects
		WHERE active AND ($1 = '' OR strpos(lower(name || ' ' || client_name), lower($1)) > 0)
		ORDER BY lower(client_name), lower(name), id
		LIMIT $2`, query, limit)
	if err != nil {
		return nil, fmt.Errorf("active projects: %w", err)
	}
	return weekCollectProjects(rows)
}

// ActiveProject returns one active project, or ok false when it is unknown
// or archived.
func (db *DB) ActiveProject(ctx context.Context, id int64) (ProjectOption, bool, error) {
	return ConfirmProject(ctx, db.pool, id)
}

func weekCollectProjects(rows pgx.Rows) ([]ProjectOption, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProjectOption, error) {
		var p ProjectOption
		err := r.Scan(&p.ID, &p.Name, &p.ClientName, &p.Billable)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan projects: %w", err)
	}
	return out, nil
}
