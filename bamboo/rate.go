package bamboo

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// rateProblem is why an employee has no usable rate.
type rateProblem struct {
	kind   string // storage.ProblemNoRate or storage.ProblemBadRate
	detail string
}

// ParseRate reads a billable rate as BambooHR renders it: "125.00 USD",
// "USD 125", "125" (in defaultCurrency), a number, or an object
// {"value": "125", "currency": "EUR"}. missing is true when there is no
// value at all.
func ParseRate(raw json.RawMessage, defaultCurrency string) (m model.Money, missing bool, err error) {
	raw = unwrapValue(raw)
	var obj struct {
		Value    json.RawMessage `json:"value"`
		Currency string          `json:"currency"`
	}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &obj); err != nil {
			return model.Money{}, false, fmt.Errorf("rate %s is not a value", raw)
		}
		cur := defaultCurrency
		if obj.Currency != "" {
			cur = obj.Currency
		}
		return ParseRate(obj.Value, cur)
	}
	s := rawString(raw)
	if s == "" {
		return model.Money{}, true, nil
	}
	amount, cur := s, defaultCurrency
	if parts := strings.Fields(s); len(parts) == 2 {
		if isCurrencyCode(parts[1]) {
			amount, cur = parts[0], parts[1]
		} else if isCurrencyCode(parts[0]) {
			amount, cur = parts[1], parts[0]
		}
	}
	amount = strings.ReplaceAll(amount, ",", "")
	m, err = model.ParseMoney(amount, cur)
	if err != nil {
		return model.Money{}, false, fmt.Errorf("rate %q: %w", s, err)
	}
	return m, false, nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			if r < 'a' || r > 'z' {
				return false
			}
		}
	}
	return true
}

// rateKind is the billable_rates kind for an employee.
func rateKind(e model.Employee) string {
	if e.Contractor {
		return "contractor"
	}
	return "standard"
}

// rateField returns the field that holds this employee's billable rate.
func (s Settings) rateField(e model.Employee) string {
	if e.Contractor && s.ContractorRateField != "" {
		return s.ContractorRateField
	}
	return s.RateField
}

// observedRates are the rates BambooHR says an employee has, as dated rows
// without a database id yet, or the problem that stopped them.
type observedRates struct {
	rows    []model.Rate
	problem *rateProblem
}

// observeFieldRate reads the rate field of a record, effective on day.
func (s Settings) observeFieldRate(e model.Employee, r Record, day time.Time, source string) observedRates {
	field := s.rateField(e)
	m, missing, err := ParseRate(r[field], s.RateCurrency)
	switch {
	case missing:
		return observedRates{problem: &rateProblem{storage.ProblemNoRate, fmt.Sprintf("BambooHR field %s is empty", field)}}
	case err != nil:
		return observedRates{problem: &rateProblem{storage.ProblemBadRate, fmt.Sprintf("BambooHR field %s: %v", field, err)}}
	}
	return observedRates{rows: []model.Rate{{EffectiveDate: dayOf(day), Hourly: m, Kind: rateKind(e), Source: source}}}
}

// observeTableRates reads effective-dated rows (startDate, rate) of the
// configured table. A bad row is a problem; the good rows are still kept.
func (s Settings) observeTableRates(e model.Employee, rows []Record) observedRates {
	var out observedRates
	for _, row := range rows {
		d, ok := parseDate(row.Get("startDate"))
		if !ok {
			d, ok = parseDate(row.Get("effectiveDate"))
		}
		if !ok {
			out.problem = &rateProblem{storage.ProblemBadRate, fmt.Sprintf("table %s: a row has no startDate", s.RateTable)}
			continue
		}
		m, missing, err := ParseRate(row["rate"], s.RateCurrency)
		if missing || err != nil {
			detail := fmt.Sprintf("table %s row of %s: rate is empty", s.RateTable, d.Format(time.DateOnly))
			if err != nil {
				detail = fmt.Sprintf("table %s row of %s: %v", s.RateTable, d.Format(time.DateOnly), err)
			}
			out.problem = &rateProblem{storage.ProblemBadRate, detail}
			continue
		}
		out.rows = append(out.rows, model.Rate{EffectiveDate: d, Hourly: m, Kind: rateKind(e), Source: "table:" + s.RateTable})
	}
	if len(out.rows) == 0 && out.problem == nil {
		out.problem = &rateProblem{storage.ProblemNoRate, fmt.Sprintf("table %s has no rows", s.RateTable)}
	}
	return out
}

// planRates compares observed rates with the stored history and returns
// only the writes that change what the history says: a row whose date
// already holds the same rate, or whose rate equals the one already in force
// on that date, is skipped.
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
