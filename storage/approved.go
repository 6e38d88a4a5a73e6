package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// ApprovedTotals is what a manager approved of one person's week: the
// figures as they were at that moment, which nothing changes afterwards.
type ApprovedTotals struct {
	RecordID        int64
	ApprovedBy      string // Slack user id
	ApprovedAt      time.Time
	Entries         int
	Seconds         int64
	BillableSeconds int64
	Unpriced        int
	UnpricedSeconds int64
	// OutsideEmployment counts entries outside the person's employment;
	// they count as approved only with IncludesOutsideEmployment.
	OutsideEmployment         int
	OutsideEmploymentSeconds  int64
	IncludesOutsideEmployment bool
	Amounts                   model.Amounts // billable amount per currency
}

// Drift is the difference between a week now and what was approved: now
// minus approved, in seconds and per currency (currencies whose difference
// is zero are left out).
type Drift struct {
	Seconds int64
	Amounts model.Amounts
}

// Zero reports whether nothing differs.
func (d Drift) Zero() bool { return d.Seconds == 0 && len(d.Amounts) == 0 }

// Hours returns the difference in hours.
func (d Drift) Hours() float64 { return float64(d.Seconds) / 3600 }

func driftOf(nowSecs int64, now model.Amounts, approvedSecs int64, approved model.Amounts) Drift {
	d := Drift{Seconds: nowSecs - approvedSecs, Amounts: model.Amounts{}}
	for c, v := range now {
		d.Amounts[c] += v
	}
	for c, v := range approved {
		d.Amounts[c] -= v
	}
	for c, v := range d.Amounts {
		if v == 0 {
			delete(d.Amounts, c)
		}
	}
	return d
}

// Drift returns how the week differs from what was approved (zero when it
// has no approved record).
func (s WeekSummary) Drift() Drift {
	if s.Approved == nil {
		return Drift{Amounts: model.Amounts{}}
	}
	return driftOf(s.Seconds, s.Billable, s.Approved.Seconds, s.Approved.Amounts)
}

// approvedColumns are the approved_weeks columns scanApproved reads.
const approvedColumns = `aw.id, aw.employee_id, aw.approved_by, aw.approved_at, aw.entries, aw.seconds, aw.billable_seconds,
	aw.unpriced_entries, aw.unpriced_seconds, aw.outside_employment_entries, aw.outside_employment_seconds,
	aw.includes_outside_employment,
	coalesce((SELECT jsonb_object_agg(a.currency, a.amount_minor) FROM approved_week_amounts a
		WHERE a.approved_week_id = aw.id), '{}')`

func scanApproved(row pgx.Row) (int64, ApprovedTotals, error) {
	var t ApprovedTotals
	var emp int64
	err := row.Scan(&t.RecordID, &emp, &t.ApprovedBy, &t.ApprovedAt, &t.Entries, &t.Seconds, &t.BillableSeconds,
		&t.Unpriced, &t.UnpricedSeconds, &t.OutsideEmployment, &t.OutsideEmploymentSeconds,
		&t.IncludesOutsideEmployment, &t.Amounts)
	return emp, t, err
}

// approvedTotalsInto sets Approved on the summaries of the people whose
// week has a live approved record.
func approvedTotalsInto(ctx context.Context, q Querier, ids []int64, week model.Week, index map[int64]int, out []WeekSummary) error {
	rows, err := q.Query(ctx, `SELECT `+approvedColumns+` FROM approved_weeks aw
		WHERE aw.employee_id = ANY($1) AND aw.week_start = $2 AND aw.superseded_at IS NULL`, ids, week.Start)
	if err != nil {
		return fmt.Errorf("approved totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		emp, t, err := scanApproved(rows)
		if err != nil {
			return fmt.Errorf("scan approved totals: %w", err)
		}
		out[index[emp]].Approved = &t
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("approved totals: %w", err)
	}
	return nil
}

// ApprovedRecord returns the live approved record of a person's week, or ok
// false when the week has none (never approved, or rejected since).
func ApprovedRecord(ctx context.Context, q Querier, employeeID int64, week model.Week) (ApprovedTotals, bool, error) {
	_, t, err := scanApproved(q.QueryRow(ctx, `SELECT `+approvedColumns+` FROM approved_weeks aw
		WHERE aw.employee_id = $1 AND aw.week_start = $2 AND aw.superseded_at IS NULL`, employeeID, week.Start))
	if errors.Is(err, pgx.ErrNoRows) {
		return ApprovedTotals{}, false, nil
	}
	if err != nil {
		return ApprovedTotals{}, false, fmt.Errorf("approved record of %d for %s: %w", employeeID, week, err)
	}
	return t, true, nil
}

// ApprovalSnapshot records, in the caller's transaction, what is being
// approved: every live entry of the week with its seconds, rate, currency
// and amount as priced now, and the week's totals. The previous live record
// of the week, if any, is superseded (kept, never changed). With
// includeOutside the manager explicitly approves entries outside the
// person's employment too. Call it after ApprovalWeekState locked the
// entries.
func ApprovalSnapshot(ctx context.Context, q Querier, employeeID int64, week model.Week, approvedBy string, includeOutside bool) (ApprovedTotals, error) {
	if err := ApprovalSupersede(ctx, q, employeeID, week); err != nil {
		return ApprovedTotals{}, err
	}
	var id int64
	err := q.QueryRow(ctx, `
		WITH week AS (
			SELECT * FROM priced_entries
			WHERE employee_id = $1 AND local_date BETWEEN $2 AND $3 AND deleted_at IS NULL
		)
		INSERT INTO approved_weeks (employee_id, week_start, approved_by, includes_outside_employment, entries, seconds,
			billable_seconds, unpriced_entries, unpriced_seconds, outside_employment_entries, outside_employment_seconds)
		SELECT $1, $2, $4, $5, count(*), coalesce(sum(duration_secs), 0),
			coalesce(sum(duration_secs) FILTER (WHERE billable), 0),
			count(*) FILTER (WHERE unpriced), coalesce(sum(duration_secs) FILTER (WHERE unpriced), 0),
			count(*) FILTER (WHERE employment_issue IS NOT NULL),
			coalesce(sum(duration_secs) FILTER (WHERE employment_issue IS NOT NULL), 0)
		FROM week
		RETURNING id`, employeeID, week.Start, week.End(), approvedBy, includeOutside).Scan(&id)
	if err != nil {
		return ApprovedTotals{}, fmt.Errorf("snapshot week %s of %d: %w", week, employeeID, err)
	}
	if _, err := q.Exec(ctx, `
		WITH entries AS (
			INSERT INTO approved_entries (approved_week_id, entry_id, local_date, start_at, project_id, project_name,
				client_name, description, seconds, billable, rate_minor, currency, amount_minor, unpriced_reason,
				employment_issue, content_hash)
			SELECT $1, pe.id, pe.local_date, pe.start_at, pe.project_id, coalesce(p.name, ''), coalesce(p.client_name, ''),
				pe.description, pe.duration_secs, pe.billable, pe.rate_minor, pe.currency, pe.amount_minor,
				pe.unpriced_reason, pe.employment_issue, pe.content_hash
			FROM priced_entries pe
			LEFT JOIN toggl_projects p ON p.id = pe.project_id
			WHERE pe.employee_id = $2 AND pe.local_date BETWEEN $3 AND $4 AND pe.deleted_at IS NULL
			RETURNING currency, billable, seconds, amount_minor
		)
		INSERT INTO approved_week_amounts (approved_week_id, currency, billable_seconds, amount_minor)
		SELECT $1, currency, coalesce(sum(seconds) FILTER (WHERE billable), 0), sum(amount_minor)
		FROM entries WHERE currency IS NOT NULL
		GROUP BY currency`, id, employeeID, week.Start, week.End()); err != nil {
		return ApprovedTotals{}, fmt.Errorf("snapshot entries of week %s of %d: %w", week, employeeID, err)
	}
	t, _, err := ApprovedRecord(ctx, q, employeeID, week)
	return t, err
}

// ApprovalSupersede ends the live approved record of a week (a rejection,
// or a new approval about to replace it). The record stays, unchanged.
func ApprovalSupersede(ctx context.Context, q Querier, employeeID int64, week model.Week) error {
	if _, err := q.Exec(ctx, `UPDATE approved_weeks SET superseded_at = now()
		WHERE employee_id = $1 AND week_start = $2 AND superseded_at IS NULL`, employeeID, week.Start); err != nil {
		return fmt.Errorf("supersede approved record of %d for %s: %w", employeeID, week, err)
	}
	return nil
}

// ApprovalDiff is how a week that changed after approval differs from what
// was approved: the approved figures, today's, and the entries behind it.
type ApprovalDiff struct {
	Approved ApprovedTotals
	// Seconds and Amounts are the week now (every live entry).
	Seconds int64
	Amounts model.Amounts
	// Added counts live entries that were not approved, Removed approved
	// entries no longer live, Changed entries whose seconds, billable flag,
	// rate or amount differ from what was approved.
	Added, Removed, Changed int
}

// Drift returns now minus approved.
func (d ApprovalDiff) Drift() Drift {
	return driftOf(d.Seconds, d.Amounts, d.Approved.Seconds, d.Approved.Amounts)
}

// WeekApprovalDiff compares a person's week with its live approved record;
// ok is false when the week has none.
func (db *DB) WeekApprovalDiff(ctx context.Context, employeeID int64, week model.Week) (ApprovalDiff, bool, error) {
	return approvalDiff(ctx, db.pool, employeeID, week)
}

func approvalDiff(ctx context.Context, q Querier, employeeID int64, week model.Week) (ApprovalDiff, bool, error) {
	t, ok, err := ApprovedRecord(ctx, q, employeeID, week)
	if err != nil || !ok {
		return ApprovalDiff{}, ok, err
	}
	d := ApprovalDiff{Approved: t}
	err = q.QueryRow(ctx, `
		WITH cur AS (
			SELECT id, duration_secs, billable, rate_minor, currency, amount_minor FROM priced_entries
			WHERE employee_id = $2 AND local_date BETWEEN $3 AND $4 AND deleted_at IS NULL
		), app AS (
			SELECT entry_id AS id, seconds, billable, rate_minor, currency, amount_minor FROM approved_entries
			WHERE approved_week_id = $1
		)
		SELECT (SELECT coalesce(sum(duration_secs), 0) FROM cur),
			(SELECT coalesce(jsonb_object_agg(currency, amt), '{}') FROM
				(SELECT currency, sum(amount_minor) AS amt FROM cur WHERE currency IS NOT NULL GROUP BY currency) x),
			(SELECT count(*) FROM cur WHERE id NOT IN (SELECT id FROM app)),
			(SELECT count(*) FROM app WHERE id NOT IN (SELECT id FROM cur)),
			(SELECT count(*) FROM cur JOIN app USING (id)
				WHERE (cur.duration_secs, cur.billable, cur.rate_minor, cur.currency, cur.amount_minor)
					IS DISTINCT FROM (app.seconds, app.billable, app.rate_minor, app.currency, app.amount_minor))`,
		t.RecordID, employeeID, week.Start, week.End()).Scan(&d.Seconds, &d.Amounts, &d.Added, &d.Removed, &d.Changed)
	if err != nil {
		return ApprovalDiff{}, false, fmt.Errorf("approval diff of %d for %s: %w", employeeID, week, err)
	}
	return d, true, nil
}

// MarkApprovalDrift finds approved weeks whose figures no longer match their
// approved record because rates were recorded after the approval (a
// backdated raise, a correction) and marks them changed_after_approval,
// audited as week.changed_after_approval by actor "pricing". Entry edits and
// deletions are marked by the sync itself. It returns the weeks it marked.
func (db *DB) MarkApprovalDrift(ctx context.Context) ([]WeekRef, error) {
	return markApprovalDrift(ctx, db, nil, nil)
}

// MarkWeekDrift is MarkApprovalDrift for one person's week, in the
// caller's transaction: a decision on the week sees the drift even before
// the periodic job has marked it. It reports whether it marked the week.
func MarkWeekDrift(ctx context.Context, q Querier, employeeID int64, week model.Week) (bool, error) {
	marked, err := markApprovalDrift(ctx, q, &employeeID, &week.Start)
	return len(marked) > 0, err
}

// markApprovalDrift marks drifted approved weeks, of one person and week
// when employeeID and weekStart are given.
func markApprovalDrift(ctx context.Context, q Querier, employeeID *int64, weekStart *time.Time) ([]WeekRef, error) {
	rows, err := q.Query(ctx, `
		WITH cand AS (
			SELECT aw.id, aw.employee_id, aw.week_start FROM approved_weeks aw
			JOIN week_approvals wa ON wa.employee_id = aw.employee_id AND wa.week_start = aw.week_start
				AND wa.status = 'approved'
			WHERE aw.superseded_at IS NULL
				AND ($1::bigint IS NULL OR aw.employee_id = $1) AND ($2::date IS NULL OR aw.week_start = $2)
				AND EXISTS (
				SELECT 1 FROM billable_rates br WHERE br.employee_id = aw.employee_id
					AND br.recorded_at > aw.approved_at AND br.effective_date <= aw.week_start + 6)
		), drifted AS (
			SELECT c.* FROM cand c WHERE EXISTS (
				SELECT 1 FROM approved_entries ae
				LEFT JOIN priced_entries pe ON pe.id = ae.entry_id
				WHERE ae.approved_week_id = c.id AND (pe.rate_minor, pe.currency, pe.amount_minor)
					IS DISTINCT FROM (ae.rate_minor, ae.currency, ae.amount_minor))
		), flagged AS (
			UPDATE week_approvals wa SET status = 'changed_after_approval'
			FROM drifted d
			WHERE wa.employee_id = d.employee_id AND wa.week_start = d.week_start AND wa.status = 'approved'
			RETURNING wa.employee_id, wa.week_start
		), audited AS (
			INSERT INTO audit_log (actor, action, entity, entity_id, before, after)
			SELECT 'pricing', 'week.changed_after_approval', 'week', f.employee_id || ':' || f.week_start,
				'{"status":"approved"}'::jsonb, '{"status":"changed_after_approval","why":"re-priced"}'::jsonb
			FROM flagged f
		)
		SELECT employee_id, week_start FROM flagged ORDER BY 1, 2`, employeeID, weekStart)
	if err != nil {
		return nil, fmt.Errorf("mark approval drift: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WeekRef, error) {
		var w WeekRef
		err := r.Scan(&w.EmployeeID, &w.WeekStart)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("mark approval drift: %w", err)
	}
	return out, nil
}
