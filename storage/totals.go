package storage

import (
	"context"
	"fmt"

	"github.com/tallyhq/tally/model"
)

// Totals is what the entries of an ExportFilter add up to. It is the one
// answer to "the organisation's (or a group's) hours and amounts of a week":
// the HR home, the manager homes summed over the organisation, the digest,
// the export and the demo report all agree with it for the same filter.
type Totals struct {
	// People counts everyone with entries: employees (those who left
	// during the range included) and Toggl users not in the roster.
	People           int64
	Entries          int64
	Seconds          int64
	BillableSeconds  int64
	ConfirmedSeconds int64
	// Amounts is the billable amount per currency, the sum of the entries'
	// amounts; ConfirmedAmounts the part of it already confirmed.
	Amounts          model.Amounts
	ConfirmedAmounts model.Amounts
	// UnpricedEntries and UnpricedSeconds are billable time without a rate:
	// not in Amounts, and not zero.
	UnpricedEntries int64
	UnpricedSeconds int64
	// NoProject* is the NoProject bucket: time without a project.
	NoProjectEntries         int64
	NoProjectSeconds         int64
	NoProjectBillableSeconds int64
	NoProjectAmounts         model.Amounts
	// OutsideEmployment* is time logged outside its person's employment.
	OutsideEmploymentEntries int64
	OutsideEmploymentSeconds int64
	// Changed counts entries flagged changed after approval.
	Changed int64
}

// OrgTotals returns the totals of the filter's entries — live, or the
// approved records with ApprovedOnly — exactly as ExportEntries would
// list them.
func (db *DB) OrgTotals(ctx context.Context, f ExportFilter) (Totals, error) {
	t := Totals{Amounts: model.Amounts{}, ConfirmedAmounts: model.Amounts{}, NoProjectAmounts: model.Amounts{}}
	rows, err := db.pool.Query(ctx, exportSrc(f.ApprovedOnly)+`
		SELECT grouping(s.currency), coalesce(s.currency, ''),
			count(DISTINCT coalesce(s.employee_id, -s.toggl_user_id)), count(*), coalesce(sum(s.seconds), 0),
			coalesce(sum(s.seconds) FILTER (WHERE s.billable), 0),
			coalesce(sum(s.seconds) FILTER (WHERE s.confirmed), 0),
			coalesce(sum(s.amount_minor), 0),
			coalesce(sum(s.amount_minor) FILTER (WHERE s.confirmed), 0),
			count(*) FILTER (WHERE s.unpriced_reason IS NOT NULL),
			coalesce(sum(s.seconds) FILTER (WHERE s.unpriced_reason IS NOT NULL), 0),
			count(*) FILTER (WHERE s.project_id IS NULL),
			coalesce(sum(s.seconds) FILTER (WHERE s.project_id IS NULL), 0),
			coalesce(sum(s.seconds) FILTER (WHERE s.project_id IS NULL AND s.billable), 0),
			coalesce(sum(s.amount_minor) FILTER (WHERE s.project_id IS NULL), 0),
			count(*) FILTER (WHERE s.employment_issue IS NOT NULL),
			coalesce(sum(s.seconds) FILTER (WHERE s.employment_issue IS NOT NULL), 0),
			count(*) FILTER (WHERE s.changed)
		FROM src s
		GROUP BY GROUPING SETS ((s.currency), ())`,
		f.From, f.To, exportIDs(f.EmployeeIDs))
	if err != nil {
		return t, fmt.Errorf("org totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			all                                                    int32
			currency                                               string
			people, n, secs, billSecs, confSecs, amount, confAmt   int64
			unpricedN, unpricedSecs, noProjN, noProjSecs, noProjBS int64
			noProjAmt, outsideN, outsideSecs, changed              int64
		)
		if err := rows.Scan(&all, &currency, &people, &n, &secs, &billSecs, &confSecs, &amount, &confAmt,
			&unpricedN, &unpricedSecs, &noProjN, &noProjSecs, &noProjBS, &noProjAmt, &outsideN, &outsideSecs,
			&changed); err != nil {
			return t, fmt.Errorf("scan org totals: %w", err)
		}
		if all == 1 { // the grand total
			t.People, t.Entries, t.Seconds, t.BillableSeconds, t.ConfirmedSeconds = people, n, secs, billSecs, confSecs
			t.UnpricedEntries, t.UnpricedSeconds = unpricedN, unpricedSecs
			t.NoProjectEntries, t.NoProjectSeconds, t.NoProjectBillableSeconds = noProjN, noProjSecs, noProjBS
			t.OutsideEmploymentEntries, t.OutsideEmploymentSeconds, t.Changed = outsideN, outsideSecs, changed
			continue
		}
		if currency == "" {
			continue
		}
		t.Amounts[currency] += amount
		t.ConfirmedAmounts[currency] += confAmt
		if noProjAmt != 0 {
			t.NoProjectAmounts[currency] += noProjAmt
		}
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("org totals: %w", err)
	}
	return t, nil
}
