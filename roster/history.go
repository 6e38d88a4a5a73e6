package roster

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/model"
)

// TableLister lists BambooHR's employee tables and their columns
// (GET meta/tables), to find the table that keeps a rate field's history.
type TableLister interface {
	Tables(ctx context.Context) ([]bamboo.TableMeta, error)
}

// historySource is a table whose rows date an employee's rates.
type historySource struct {
	table    string   // table alias, the {table} of GET employees/{id}/tables/{table}
	dateCols []string // columns that may hold the effective date; the first present wins
	valueCol string   // column holding the rate
	// fieldHistory marks the table that keeps a rate field's history: a
	// row that leaves valueCol empty records another column and is skipped.
	fieldHistory bool
}

// date returns the row's effective date.
func (hs historySource) date(row bamboo.Record) (time.Time, bool) {
	for _, c := range hs.dateCols {
		if d, ok := bamboo.ParseDate(row.Get(c)); ok {
			return d, true
		}
	}
	return time.Time{}, false
}

// history says where each employee's dated rates are read from.
type history struct {
	table   *historySource           // Settings.RateTable: one table for everyone
	byField map[string]historySource // else the table keeping each rate field's history, when there is one
}

// of returns the history source of an employee's rate, if any.
func (h history) of(s Settings, e model.Employee) (historySource, bool) {
	if h.table != nil {
		return *h.table, true
	}
	hs, ok := h.byField[s.rateField(e)]
	return hs, ok
}

// sources lists the distinct sources, each table once.
func (h history) sources() []historySource {
	if h.table != nil {
		return []historySource{*h.table}
	}
	var out []historySource
	seen := map[string]bool{}
	for _, hs := range h.byField {
		if !seen[hs.table] {
			seen[hs.table] = true
			out = append(out, hs)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].table < out[j].table })
	return out
}

// resolveHistory decides where rates are dated from. With Settings.RateTable
// the configured table's startDate is BambooHR's effective date of each
// rate. Without it, a rate field whose history BambooHR keeps is a column of
// an employee table (GET meta/tables lists them); that table's date column
// (its first column of type date, as BambooHR's history tables begin with
// their effective date) dates each value. A field in no table has no history
// in BambooHR: its current value is all there is.
func resolveHistory(ctx context.Context, src TableLister, s Settings) (history, error) {
	if s.RateTable != "" {
		return history{table: &historySource{table: s.RateTable, dateCols: []string{"startDate", "effectiveDate"}, valueCol: "rate"}}, nil
	}
	tables, err := src.Tables(ctx)
	if errors.Is(err, bamboo.ErrNotFound) {
		return history{}, nil
	}
	if err != nil {
		return history{}, err
	}
	h := history{byField: map[string]historySource{}}
	for _, field := range []string{s.RateField, s.ContractorRateField} {
		if field == "" {
			continue
		}
		for _, t := range tables {
			if hs, ok := fieldHistoryIn(t, field); ok {
				h.byField[field] = hs
				break
			}
		}
	}
	return h, nil
}

// fieldHistoryIn returns the history source of field when table t holds it
// next to a date column.
func fieldHistoryIn(t bamboo.TableMeta, field string) (historySource, bool) {
	dateCol, holds := "", false
	for _, f := range t.Fields {
		if f.Type == "date" && dateCol == "" {
			dateCol = f.Alias
		}
		if f.Alias == field {
			holds = true
		}
	}
	if !holds || dateCol == "" || dateCol == field {
		return historySource{}, false
	}
	return historySource{table: t.Alias, dateCols: []string{dateCol}, valueCol: field, fieldHistory: true}, true
}
