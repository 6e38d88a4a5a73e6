package roster

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// rateProblem is why an employee has no usable rate.
type rateProblem struct {
	kind   string // storage.ProblemNoRate or storage.ProblemBadRate
	detail string
}

// observedRates are the rates BambooHR says an employee has, as dated rows
// without a database id yet, or the problem that stopped them.
type observedRates struct {
	rows    []model.Rate
	problem *rateProblem
}

// observeRates reads an employee's rates: the dated rows of their history
// table when BambooHR has any (BambooHR's own effective dates, future ones
// included, win), else the current value of the rate field, effective on
// day (see docs/bamboohr.md for the order).
func (s Settings) observeRates(e model.Employee, rec bamboo.Record, hs historySource, hasHistory bool, rows []bamboo.Record, day time.Time, source string) observedRates {
	if hasHistory && len(rows) > 0 {
		if obs := s.observeTableRates(e, rows, hs); len(obs.rows) > 0 || obs.problem != nil {
			return obs
		}
	}
	return s.observeFieldRate(e, rec, day, source)
}

// observeFieldRate reads the rate field of a record, effective on day.
func (s Settings) observeFieldRate(e model.Employee, r bamboo.Record, day time.Time, source string) observedRates {
	field := s.rateField(e)
	m, missing, err := bamboo.ParseRate(r[field], s.RateCurrency)
	switch {
	case missing:
		return observedRates{problem: &rateProblem{storage.ProblemNoRate, fmt.Sprintf("BambooHR field %s is empty", field)}}
	case err != nil:
		return observedRates{problem: &rateProblem{storage.ProblemBadRate, fmt.Sprintf("BambooHR field %s: %v", field, err)}}
	}
	return observedRates{rows: []model.Rate{{EffectiveDate: dayOf(day), Hourly: m, Kind: rateKind(e), Source: source}}}
}

// observeTableRates reads effective-dated rows of a history table. A bad
// row is a problem; the good rows are still kept. In a field's history a row
// that leaves the field empty records another column and is skipped.
func (s Settings) observeTableRates(e model.Employee, rows []bamboo.Record, hs historySource) observedRates {
	var out observedRates
	for _, row := range rows {
		if _, missing, _ := bamboo.ParseRate(row[hs.valueCol], s.RateCurrency); missing && hs.fieldHistory {
			continue
		}
		d, ok := hs.date(row)
		if !ok {
			out.problem = &rateProblem{storage.ProblemBadRate, fmt.Sprintf("table %s: a row has no %s", hs.table, hs.dateCols[0])}
			continue
		}
		m, missing, err := bamboo.ParseRate(row[hs.valueCol], s.RateCurrency)
		if missing || err != nil {
			detail := fmt.Sprintf("table %s row of %s: %s is empty", hs.table, d.Format(time.DateOnly), hs.valueCol)
			if err != nil {
				detail = fmt.Sprintf("table %s row of %s: %v", hs.table, d.Format(time.DateOnly), err)
			}
			out.problem = &rateProblem{storage.ProblemBadRate, detail}
			continue
		}
		out.rows = append(out.rows, model.Rate{EffectiveDate: d, Hourly: m, Kind: rateKind(e), Source: "table:" + hs.table})
	}
	return out
}

// planRates compares observed rates with the stored history and returns
// only the writes that change what the history says: a row whose date
// already holds the same rate, or whose rate equals the one already in force
// on that date, is skipped. A row dated in the future is written with its
// date, so it prices from that day and not before.
func planRates(employeeID int64, bambooID string, history []model.Rate, observed []model.Rate) []storage.RateWrite {
	h := append([]model.Rate(nil), history...)
	obs := append([]model.Rate(nil), observed...)
	sort.Slice(obs, func(i, j int) bool { return obs[i].EffectiveDate.Before(obs[j].EffectiveDate) })
	var out []storage.RateWrite
	for _, o := range obs {
		o.EmployeeID = employeeID
		o.EffectiveDate = dayOf(o.EffectiveDate)
		var inForce *model.Rate
		exact := -1
		for i := range h {
			d := dayOf(h[i].EffectiveDate)
			if d.Equal(o.EffectiveDate) {
				exact = i
			}
			if !d.After(o.EffectiveDate) {
				inForce = &h[i]
			}
		}
		if inForce != nil && inForce.Hourly == o.Hourly && inForce.Kind == o.Kind {
			continue
		}
		w := storage.RateWrite{BambooID: bambooID, After: o}
		if exact >= 0 {
			before := h[exact]
			w.Before = &before
			h[exact] = o
		} else {
			h = append(h, o)
			sort.Slice(h, func(i, j int) bool { return h[i].EffectiveDate.Before(h[j].EffectiveDate) })
		}
		out = append(out, w)
	}
	return out
}

// firstRateFromHire backdates an employee's very first rate read from the
// rate field to their hire date: without it, time logged between the hire
// and the day tally first saw the rate would stay unpriced. Table rows carry
// their own dates and are left alone, as is every later change.
func firstRateFromHire(history, observed []model.Rate, hire *time.Time) []model.Rate {
	if len(history) > 0 || len(observed) != 1 || hire == nil || strings.HasPrefix(observed[0].Source, "table:") {
		return observed
	}
	h := dayOf(*hire)
	if !h.Before(dayOf(observed[0].EffectiveDate)) {
		return observed
	}
	out := []model.Rate{observed[0]}
	out[0].EffectiveDate = h
	return out
}
