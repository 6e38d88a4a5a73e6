package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// RateWrite is one billable-rate row to insert, or to correct when Before
// is set (same employee and effective date, different amount).
type RateWrite struct {
	BambooID string // for the audit row
	Before   *model.Rate
	After    model.Rate
}

type rateSnapshot struct {
	EffectiveDate string `json:"effective_date"`
	Amount        string `json:"amount"`
	AmountMinor   int64  `json:"amount_minor"`
	Currency      string `json:"currency"`
	Kind          string `json:"kind"`
	Source        string `json:"source,omitempty"`
}

func snapshotRate(r model.Rate) string {
	b, _ := json.Marshal(rateSnapshot{
		EffectiveDate: r.EffectiveDate.Format(time.DateOnly), Amount: r.Hourly.String(),
		AmountMinor: r.Hourly.Minor, Currency: r.Hourly.Currency, Kind: r.Kind, Source: r.Source,
	})
	return string(b)
}

// ListRates returns every employee's rate history, oldest first, keyed by
// employee id.
func ListRates(ctx context.Context, q Querier) (map[int64][]model.Rate, error) {
	return queryRates(ctx, q, `SELECT employee_id, effective_date, amount_minor, currency, kind, source
		FROM billable_rates ORDER BY employee_id, effective_date`)
}

// RatesOf returns one employee's rate history, oldest first.
func RatesOf(ctx context.Context, q Querier, employeeID int64) ([]model.Rate, error) {
	m, err := queryRates(ctx, q, `SELECT employee_id, effective_date, amount_minor, currency, kind, source
		FROM billable_rates WHERE employee_id = $1 ORDER BY effective_date`, employeeID)
	return m[employeeID], err
}

func queryRates(ctx context.Context, q Querier, sql string, args ...any) (map[int64][]model.Rate, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list rates: %w", err)
	}
	out := map[int64][]model.Rate{}
	var r model.Rate
	_, err = pgx.ForEachRow(rows, []any{&r.EmployeeID, &r.EffectiveDate, &r.Hourly.Minor, &r.Hourly.Currency, &r.Kind, &r.Source}, func() error {
		out[r.EmployeeID] = append(out[r.EmployeeID], r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list rates: %w", err)
	}
	return out, nil
}

// SaveRates upserts rate rows keyed by (employee, effective date) and
// appends one audit row per write. Because the priced_entries view prices
// every entry with the row in force on its date, a row dated in the past
// re-prices the entries it covers.
func SaveRates(ctx context.Context, q Querier, writes []RateWrite, actor string) error {
	if len(writes) == 0 {
		return nil
	}
	n := len(writes)
	emp, amt := make([]int64, n), make([]int64, n)
	dates := make([]time.Time, n)
	cur, kind, src := make([]string, n), make([]string, n), make([]string, n)
	ids, before, after := make([]string, n), make([]*string, n), make([]string, n)
	for i, w := range writes {
		r := w.After
		emp[i], dates[i], amt[i], cur[i], kind[i], src[i] = r.EmployeeID, r.EffectiveDate, r.Hourly.Minor, r.Hourly.Currency, r.Kind, r.Source
		ids[i], after[i] = w.BambooID, snapshotRate(r)
		if w.Before != nil {
			s := snapshotRate(*w.Before)
			before[i] = &s
		}
	}
	_, err := q.Exec(ctx, `INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency, kind, source)
		SELECT * FROM unnest($1::bigint[], $2::date[], $3::bigint[], $4::text[], $5::text[], $6::text[])
		ON CONFLICT (employee_id, effective_date) DO UPDATE
		SET amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, kind = EXCLUDED.kind,
		    source = EXCLUDED.source, recorded_at = now()`, emp, dates, amt, cur, kind, src)
	if err != nil {
		return fmt.Errorf("save rates: %w", err)
	}
	_, err = q.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id, before, after)
		SELECT $1, 'employee.rate', 'employee', x.id, x.b, x.a FROM unnest($2::text[], $3::jsonb[], $4::jsonb[]) AS x(id, b, a)`,
		actor, ids, before, after)
	if err != nil {
		return fmt.Errorf("audit rates: %w", err)
	}
	return nil
}
