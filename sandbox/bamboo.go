package sandbox

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// BambooOptions configures the BambooHR fake. The zero value is usable.
type BambooOptions struct {
	// APIKey is the key HTTP Basic must carry as user (default
	// "sandbox-bamboo-key"); BambooHR ignores the password ("x").
	APIKey string
	// RateField is the field alias holding the billable rate (default
	// "customBillableRate"); SetRate writes it.
	RateField string
	// ContractorRateField holds contractors' rate when set (default
	// "customContractorRate"); "-" disables it.
	ContractorRateField string
	// RateTable is the name of the effective-dated table SetRate appends to
	// (default "compensation"; rows carry startDate and rate).
	RateTable string
	// RateHistoryTable is the custom table that keeps the history of the
	// rate fields (default "customBillableRateHistory": an effective date
	// column customEffectiveDate, then one column per rate field), as
	// BambooHR keeps a history-tracked field in a table. "-" makes the rate
	// fields plain fields that no table keeps (SetRate still dates them).
	RateHistoryTable string
	// WhosOutVisible are the employees whose time off the API user's saved
	// who's out filter shows; time_off/whos_out without filter=off returns
	// only theirs (and holidays). Default: nobody's.
	WhosOutVisible map[string]bool
	// Now is the fake's clock (default time.Now): it decides which dated
	// rate is in force and stamps lastChanged.
	Now    func() time.Time
	Logger *zap.Logger
}

func (o *BambooOptions) bambooDefaults() {
	if o.APIKey == "" {
		o.APIKey = "sandbox-bamboo-key"
	}
	if o.RateField == "" {
		o.RateField = "customBillableRate"
	}
	if o.ContractorRateField == "" {
		o.ContractorRateField = "customContractorRate"
	}
	if o.ContractorRateField == "-" {
		o.ContractorRateField = ""
	}
	if o.RateTable == "" {
		o.RateTable = "compensation"
	}
	if o.RateHistoryTable == "" {
		o.RateHistoryTable = "customBillableRateHistory"
	}
	if o.RateHistoryTable == "-" {
		o.RateHistoryTable = ""
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
}

// BambooEmployee is one person in the fake's organisation. Fields holds
// any other field (custom fields, rate fields) by alias; a value is
// returned exactly as stored, so a test can plant "abc" or "-5 USD".
type BambooEmployee struct {
	ID               string
	FirstName        string
	LastName         string
	DisplayName      string
	WorkEmail        string
	JobTitle         string
	Department       string
	SupervisorID     string // supervisorEId
	Status           string // Active or Inactive (default Active)
	EmploymentStatus string // employmentHistoryStatus, e.g. Full-Time, Contractor
	HireDate         string // YYYY-MM-DD
	TerminationDate  string
	Fields           map[string]any
	LastChanged      time.Time
	deleted          bool
}

// BambooRate is one row of the effective-dated rate table.
type BambooRate struct {
	EffectiveDate time.Time
	Amount        string // e.g. "125.00"
	Currency      string
}

// BambooTimeOff is approved time off (or a holiday with no employee).
type BambooTimeOff struct {
	ID         int
	Type       string // timeOff or holiday
	EmployeeID string
	Name       string
	Start, End time.Time
}

// Bamboo is a BambooHR API fake on 127.0.0.1 with a mutable organisation.
type Bamboo struct {
	opts BambooOptions
	log  *zap.Logger
	srv  *httptest.Server

	mu       sync.Mutex
	emps     map[string]*BambooEmployee
	rates    map[string][]BambooRate
	timeOff  []BambooTimeOff
	nextID   int
	failures []bambooFailure
	requests map[string]int // by route
	total    int
}

type bambooFailure struct {
	status     int
	retryAfter string
}

// NewBamboo starts the fake.
func NewBamboo(opts BambooOptions) (*Bamboo, error) {
	opts.bambooDefaults()
	b := &Bamboo{opts: opts, log: opts.Logger.Named("bamboo_fake"), emps: map[string]*BambooEmployee{},
		rates: map[string][]BambooRate{}, nextID: 100, requests: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	b.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(b.serve), ReadHeaderTimeout: 10 * time.Second}}
	b.srv.Start()
	return b, nil
}

// URL is the API base to give BAMBOO_API_URL, ending with "/api/v1/".
func (b *Bamboo) URL() string { return b.srv.URL + "/api/v1/" }

// APIKey is the key the fake accepts.
func (b *Bamboo) APIKey() string { return b.opts.APIKey }

// RateField is the alias of the billable-rate field.
func (b *Bamboo) RateField() string { return b.opts.RateField }

// ContractorRateField is the alias of contractors' rate field ("" if none).
func (b *Bamboo) ContractorRateField() string { return b.opts.ContractorRateField }

// RateTable is the name of the dated rate table.
func (b *Bamboo) RateTable() string { return b.opts.RateTable }

// RateHistoryTable is the name of the table keeping the rate fields'
// history ("" when they are plain fields).
func (b *Bamboo) RateHistoryTable() string { return b.opts.RateHistoryTable }

// Close stops the server.
func (b *Bamboo) Close() { b.srv.Close() }

// AddEmployee adds a person and returns their id (assigned when empty).
func (b *Bamboo) AddEmployee(e BambooEmployee) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e.ID == "" {
		b.nextID++
		e.ID = strconv.Itoa(b.nextID)
	} else if n, err := strconv.Atoi(e.ID); err == nil && n > b.nextID {
		b.nextID = n
	}
	if e.Status == "" {
		e.Status = "Active"
	}
	if e.EmploymentStatus == "" {
		e.EmploymentStatus = "Full-Time"
	}
	fields := map[string]any{}
	for k, v := range e.Fields {
		fields[k] = v
	}
	e.Fields = fields
	e.LastChanged = b.opts.Now().UTC()
	b.emps[e.ID] = &e
	return e.ID
}

// UpdateEmployee changes a person through fn.
func (b *Bamboo) UpdateEmployee(id string, fn func(*BambooEmployee)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.emps[id]
	if !ok || e.deleted {
		return fmt.Errorf("bamboo fake: no employee %s", id)
	}
	fn(e)
	e.LastChanged = b.opts.Now().UTC()
	return nil
}

// Employee returns a copy of a person; deleted ones are not found.
func (b *Bamboo) Employee(id string) (BambooEmployee, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.emps[id]
	if !ok || e.deleted {
		return BambooEmployee{}, false
	}
	return *e, true
}

// Terminate makes a person Inactive with a termination date.
func (b *Bamboo) Terminate(id string, date time.Time) error {
	return b.UpdateEmployee(id, func(e *BambooEmployee) {
		e.Status = "Inactive"
		e.TerminationDate = date.Format(time.DateOnly)
	})
}

// Delete removes a person: the API answers 404 for them from now on.
func (b *Bamboo) Delete(id string) error {
	return b.UpdateEmployee(id, func(e *BambooEmployee) { e.deleted = true })
}

// SetRate records a billable rate effective from a date in the rate table.
// The rate field (the contractor field for contractors, when configured)
// then reads as the rate in force on the fake's current day, "125.00 USD";
// a rate dated in the future shows only to a read with onlyCurrent=false,
// as in BambooHR.
func (b *Bamboo) SetRate(id string, effective time.Time, amount, currency string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.emps[id]
	if !ok || e.deleted {
		return fmt.Errorf("bamboo fake: no employee %s", id)
	}
	rows := b.rates[id]
	d := bambooDay(effective)
	replaced := false
	for i := range rows {
		if rows[i].EffectiveDate.Equal(d) {
			rows[i] = BambooRate{d, amount, currency}
			replaced = true
		}
	}
	if !replaced {
		rows = append(rows, BambooRate{d, amount, currency})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].EffectiveDate.Before(rows[j].EffectiveDate) })
	b.rates[id] = rows
	e.LastChanged = b.opts.Now().UTC()
	return nil
}

// rateValueLocked is the value of e's rate field: from the dated rates when
// there are any (the one in force today, or with onlyCurrent false the
// latest one, future-dated included), else whatever the field holds. ok is
// false when the field has no value at all.
func (b *Bamboo) rateValueLocked(e *BambooEmployee, onlyCurrent bool) (any, bool) {
	rows := b.rates[e.ID]
	if len(rows) == 0 {
		v, ok := e.Fields[b.rateFieldLocked(e)]
		return v, ok
	}
	today := bambooDay(b.opts.Now())
	var v any
	for _, r := range rows {
		if !onlyCurrent || !r.EffectiveDate.After(today) {
			v = r.Amount + " " + r.Currency
		}
	}
	return v, v != nil
}

// Rates returns a person's rate table rows, oldest first.
func (b *Bamboo) Rates(id string) []BambooRate {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]BambooRate(nil), b.rates[id]...)
}

func (b *Bamboo) rateFieldLocked(e *BambooEmployee) string {
	if b.opts.ContractorRateField != "" && strings.Contains(strings.ToLower(e.EmploymentStatus), "contractor") {
		return b.opts.ContractorRateField
	}
	return b.opts.RateField
}

// AddTimeOff records approved time off for a person ("" for a holiday).
func (b *Bamboo) AddTimeOff(employeeID, name string, start, end time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := BambooTimeOff{ID: len(b.timeOff) + 1, Type: "timeOff", EmployeeID: employeeID, Name: name, Start: bambooDay(start), End: bambooDay(end)}
	if employeeID == "" {
		t.Type = "holiday"
	}
	b.timeOff = append(b.timeOff, t)
}

// FailNext makes the next n API requests fail with status (429 or 503),
// carrying Retry-After when retryAfter is not empty.
func (b *Bamboo) FailNext(n, status int, retryAfter string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := 0; i < n; i++ {
		b.failures = append(b.failures, bambooFailure{status, retryAfter})
	}
}

// Requests returns how many API requests reached the fake on a route
// ("employee", "report", "directory", "changed", "table", "meta_tables",
// "whos_out"), or
// in total with "".
func (b *Bamboo) Requests(route string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if route == "" {
		return b.total
	}
	return b.requests[route]
}

// EmployeeIDs lists the live employees' ids, sorted numerically.
func (b *Bamboo) EmployeeIDs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ids []string
	for id, e := range b.emps {
		if !e.deleted {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return bambooIDLess(ids[i], ids[j]) })
	return ids
}

func bambooIDLess(a, b string) bool {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	if ea == nil && eb == nil {
		return na < nb
	}
	return a < b
}

func bambooDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
