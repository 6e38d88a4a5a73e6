// Package roster keeps tally's employees in step with BambooHR: the inbox
// worker (Processor) applies webhook deliveries, the nightly Reconciler
// corrects whatever drift they missed, both join people to Slack and Toggl
// by work email, price them with dated billable rates and record roster
// problems. The BambooHR API client and the webhook listener are package
// bamboo; this package decides what their data means.
package roster

import (
	"slices"
	"strings"

	"github.com/tallyhq/tally/model"
)

// Settings are the roster's BambooHR field choices. Whoever wires the roster
// (app, cli) fills them from configuration.
type Settings struct {
	RateField           string // alias of the billable-rate field (BAMBOO_RATE_FIELD)
	ContractorRateField string // contractors' billable-rate field (BAMBOO_CONTRACTOR_RATE_FIELD); empty uses RateField
	RateCurrency        string // currency of a bare number (BAMBOO_RATE_CURRENCY)
	// RateTable is an effective-dated table (BAMBOO_RATE_TABLE, e.g.
	// compensation) whose rows (startDate, rate) are the rate history. When
	// empty, the history of the rate field itself is read (see history.go).
	RateTable string
}

// baseFields are the employee fields tally reads from BambooHR.
var baseFields = []string{"firstName", "lastName", "displayName", "workEmail", "jobTitle", "department",
	"supervisorEId", "status", "employmentHistoryStatus", "hireDate", "terminationDate"}

// Fields returns the field aliases to request for an employee.
func (s Settings) Fields() []string {
	out := append([]string(nil), baseFields...)
	for _, f := range []string{s.RateField, s.ContractorRateField} {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// IsContractor reports whether an employment status names a contractor.
func IsContractor(employmentStatus string) bool {
	return strings.Contains(strings.ToLower(employmentStatus), "contractor")
}

// rateField returns the field that holds this employee's billable rate.
func (s Settings) rateField(e model.Employee) string {
	if e.Contractor && s.ContractorRateField != "" {
		return s.ContractorRateField
	}
	return s.RateField
}

// rateKind is the billable_rates kind for an employee.
func rateKind(e model.Employee) string {
	if e.Contractor {
		return "contractor"
	}
	return "standard"
}
