package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// Employee is a person from BambooHR with the identities tally joined to them.
type Employee struct {
	ID              int64
	BambooID        string
	Email           string
	FirstName       string
	LastName        string
	DisplayName     string
	JobTitle        string
	Department      string
	SupervisorID    string // BambooHR id of the supervisor
	EmploymentType  string // BambooHR employmentHistoryStatus, e.g. Full-Time, Contractor
	Contractor      bool
	Active          bool
	HireDate        *time.Time
	TerminationDate *time.Time
	SlackUserID     string
	SlackTZ         string
	TogglUserID     int64
}

// Name returns the name to show people.
func (e Employee) Name() string {
	if e.DisplayName != "" {
		return e.DisplayName
	}
	n := e.FirstName
	if e.LastName != "" {
		if n != "" {
			n += " "
		}
		n += e.LastName
	}
	if n == "" {
		return e.Email
	}
	return n
}

// Rate is a billable hourly rate in force from EffectiveDate on.
type Rate struct {
	EmployeeID    int64
	EffectiveDate time.Time
	Hourly        Money
	Kind          string // "standard" or "contractor"
	Source        string // "webhook", "reconcile", "table:<name>"
}

// Entry is a Toggl time entry as tally stores it.
type Entry struct {
	ID          int64
	TogglUserID int64
	EmployeeID  int64
	ProjectID   int64 // 0 when unallocated
	ProjectName string
	ClientName  string
	TaskID      int64
	Description string
	Billable    bool
	Start       time.Time // with the user's offset
	Stop        time.Time
	LocalDate   time.Time // the calendar date of Start in the user's offset
	Seconds     int64
	TagIDs      []int64
	UpdatedAt   time.Time // Toggl's "at"
	ContentHash string
	Deleted     bool
	// Amount is the billable amount at the rate in force on LocalDate:
	// zero for a non-billable entry, empty (no currency) for an unpriced
	// one — which is not an amount of zero (see Unpriced).
	Amount Money
	Status EntryStatus
	// Unpriced says why a billable entry has no rate in force on its date
	// (Priced otherwise); UnpricedWhy also catches sources that do not say.
	Unpriced UnpricedReason
	// Outside is set on an entry logged outside its person's employment
	// (after the termination date, before the hire date).
	Outside EmploymentIssue
}

// EntryStatus is where an entry stands with its confirmation.
type EntryStatus string

// The statuses an entry can have.
const (
	StatusUnconfirmed EntryStatus = "unconfirmed"
	StatusConfirmed   EntryStatus = "confirmed"
	// StatusChanged marks an entry whose content changed after it was
	// confirmed: the confirmation was voided and it needs confirming again.
	StatusChanged EntryStatus = "changed"
)

// Allocated reports whether the entry has a project.
func (e Entry) Allocated() bool { return e.ProjectID != 0 }

// ContentHash hashes what a confirmation vouches for: start, duration,
// project, task, description and billable flag. Any change to one of them
// voids a confirmation.
func ContentHash(start time.Time, seconds, projectID, taskID int64, description string, billable bool) string {
	h := sha256.New()
	var buf [8]byte
	put := func(v int64) {
		binary.BigEndian.PutUint64(buf[:], uint64(v)) //nolint:gosec // G115: two's-complement bits hashed as they are; no arithmetic
		h.Write(buf[:])
	}
	put(start.UTC().Unix())
	put(seconds)
	put(projectID)
	put(taskID)
	if billable {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	h.Write([]byte(description))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Hash computes the entry's content hash from its fields.
func (e Entry) Hash() string {
	return ContentHash(e.Start, e.Seconds, e.ProjectID, e.TaskID, e.Description, e.Billable)
}

// Confirmation records that a person vouched for an entry's content.
type Confirmation struct {
	EntryID     int64
	ContentHash string
	SlackUserID string
	At          time.Time
	Source      string
}
