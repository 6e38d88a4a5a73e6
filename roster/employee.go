package roster

import (
	"strings"
	"time"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/model"
)

// employeeFromRecord maps a record onto the domain type. A person is active
// unless BambooHR says Inactive, and stays active until a termination date
// that lies in the future (today is the caller's calendar day).
func employeeFromRecord(id string, r bamboo.Record, today time.Time) model.Employee {
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
	if d, ok := bamboo.ParseDate(r.Get("hireDate")); ok {
		e.HireDate = &d
	}
	if d, ok := bamboo.ParseDate(r.Get("terminationDate")); ok {
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
