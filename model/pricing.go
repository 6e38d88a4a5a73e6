package model

// UnpricedReason says why a billable entry carries no amount. Unpriced time
// is never an amount of zero: every surface shows it as unpriced, with its
// reason. The values are those of the priced_entries view and the CSV's
// unpriced column.
type UnpricedReason string

// The reasons a billable entry can be unpriced ("" when it is priced or not
// billable).
const (
	Priced UnpricedReason = ""
	// UnpricedUnknownPerson: the Toggl user is not in the roster.
	UnpricedUnknownPerson UnpricedReason = "unknown_person"
	// UnpricedNoRate: the person has no billable rate at all.
	UnpricedNoRate UnpricedReason = "no_rate"
	// UnpricedBeforeFirstRate: the person's first rate starts after the
	// entry's date.
	UnpricedBeforeFirstRate UnpricedReason = "before_first_rate"
	// UnpricedUnknown: the entry is billable and has no amount, but the
	// source did not say why.
	UnpricedUnknown UnpricedReason = "unpriced"
)

// Text is the reason in words, for people.
func (r UnpricedReason) Text() string {
	switch r {
	case Priced:
		return ""
	case UnpricedUnknownPerson:
		return "Toggl user not in the roster"
	case UnpricedNoRate:
		return "no billable rate in BambooHR"
	case UnpricedBeforeFirstRate:
		return "before their first billable rate"
	}
	return "no billable rate in force"
}

// EmploymentIssue says how an entry lies outside its person's employment.
type EmploymentIssue string

// The employment issues an entry can have ("" for none).
const (
	EmploymentOK EmploymentIssue = ""
	// AfterTermination: the entry's local date is after the termination date.
	AfterTermination EmploymentIssue = "after_termination"
	// BeforeHire: the entry's local date is before the hire date.
	BeforeHire EmploymentIssue = "before_hire"
)

// Text is the issue in words, for people.
func (i EmploymentIssue) Text() string {
	switch i {
	case EmploymentOK:
		return ""
	case AfterTermination:
		return "logged after the termination date"
	case BeforeHire:
		return "logged before the hire date"
	}
	return "logged outside the employment dates"
}

// UnpricedWhy returns why a billable entry has no amount: its Unpriced
// reason, UnpricedUnknown for a billable entry without an amount whose
// source gave no reason, Priced otherwise.
func (e Entry) UnpricedWhy() UnpricedReason {
	switch {
	case e.Unpriced != Priced:
		return e.Unpriced
	case e.Billable && e.Amount.Currency == "":
		return UnpricedUnknown
	}
	return Priced
}
