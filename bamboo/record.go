package bamboo

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/model"
)

// Record is one employee as the BambooHR API returns it: field alias to raw
// JSON value (usually a string, sometimes null, a number or an object).
type Record map[string]json.RawMessage

// Get returns field k as a string ("" when absent or null).
func (r Record) Get(k string) string { return rawString(r[k]) }

// Settings are the roster's BambooHR field choices.
type Settings struct {
	RateField           string // alias of the billable-rate field
	ContractorRateField string // contractors' billable-rate field; empty uses RateField
	RateCurrency        string // currency of a bare number
	RateTable           string // optional effective-dated table read as the rate history
}

// SettingsFromConfig takes the roster settings from tally's configuration.
func SettingsFromConfig(c config.Config) Settings {
	return Settings{RateField: c.BambooRateField, ContractorRateField: c.BambooContractorRateField,
		RateCurrency: c.BambooRateCurrency, RateTable: c.BambooRateTable}
}

// baseFields are the employee fields tally reads from BambooHR.
var baseFields = []string{"firstName", "lastName", "displayName", "workEmail", "jobTitle", "department",
	"supervisorEId", "status", "employmentHistoryStatus", "hireDate", "terminationDate"}

// Fields returns the field aliases to request for an employee.
func (s Settings) Fields() []string {
	out := append([]string(nil), baseFields...)
	for _, f := range []string{s.RateField, s.ContractorRateField} {
		if f != "" && !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// IsContractor reports whether an employment status names a contractor.
func IsContractor(employmentStatus string) bool {
	return strings.Contains(strings.ToLower(employmentStatus), "contractor")
}

// employeeFromRecord maps a record onto the domain type. A person is active
// unless BambooHR says Inactive, and stays active until a termination date
// that lies in the future (today is the caller's calendar day).
func employeeFromRecord(id string, r Record, today time.Time) model.Employee {
	e := model.Employee{
		BambooID:       id,
		Email:          strings.ToLower(r.Get("workEmail")),
		FirstName:      r.Get("firstName"),
		LastName:       r.Get("lastName"),
		DisplayName:    r.Get("displayName"),
		JobTitle:       r.Get("jobTitle"),
		Department:     r.Get("department"),
		SupervisorID:   r.Get("supervisorEId"),
		EmploymentType: r.Get("employmentHistoryStatus"),
	}
	e.Contractor = IsContractor(e.EmploymentType)
	if d, ok := parseDate(r.Get("hireDate")); ok {
		e.HireDate = &d
	}
	if d, ok := parseDate(r.Get("terminationDate")); ok {
		e.TerminationDate = &d
	}
	e.Active = !strings.EqualFold(r.Get("status"), "inactive")
	if e.TerminationDate != nil {
		e.Active = e.TerminationDate.After(today)
	}
	return e
}

// sameEmployee reports whether the BambooHR-sourced fields of two employees
// agree (identities and database ids are not compared).
func sameEmployee(a, b model.Employee) bool {
	return a.Email == b.Email && a.FirstName == b.FirstName && a.LastName == b.LastName &&
		a.DisplayName == b.DisplayName && a.JobTitle == b.JobTitle && a.Department == b.Department &&
		a.SupervisorID == b.SupervisorID && a.EmploymentType == b.EmploymentType &&
		a.Contractor == b.Contractor && a.Active == b.Active &&
		sameDate(a.HireDate, b.HireDate) && sameDate(a.TerminationDate, b.TerminationDate)
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Format(time.DateOnly) == b.Format(time.DateOnly)
}

// dayOf returns t's calendar date in UTC as a date-only time.
func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
