package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// BambooOrgSpec describes a generated organisation.
type BambooOrgSpec struct {
	Employees int    // how many people
	Seed      uint64 // same seed, same people
	// ContractorEvery makes every nth person a contractor (default 7).
	ContractorEvery int
	// TeamSize is how many reports each manager has (default 8).
	TeamSize int
	// Domain of the work emails first.last@<domain> (default example.com).
	Domain string
	// HireDate of everyone and the effective date of their first rate
	// (default 2024-01-01).
	HireDate time.Time
}

// BambooPerson is one generated person, shared with the Slack and Toggl
// fakes so all three can be seeded with the same people.
type BambooPerson struct {
	BambooID     string
	FirstName    string
	LastName     string
	Email        string // first.last@example.com (a number added on collision)
	TZ           string // IANA zone, several across the org
	SupervisorID string // BambooHR id of the manager; "" for the top
	Manager      bool
	Contractor   bool
	JobTitle     string
	Department   string
	Rate         string // billable hourly rate, e.g. "125.00"
	Currency     string
	SlackID      string // a Slack-style user id derived from the BambooHR id
	TogglID      int64  // a Toggl-style user id derived from the BambooHR id
}

var (
	bambooFirstNames = []string{"ada", "alan", "grace", "linus", "barbara", "ken", "margaret", "dennis", "frances", "edsger",
		"radia", "tim", "sophie", "john", "hedy", "donald", "katherine", "niklaus", "annie", "bjarne",
		"joan", "guido", "jean", "james", "lynn", "rob", "mary", "brian", "karen", "larry",
		"carol", "vint", "elena", "yukihiro", "ingrid", "anders", "fatima", "tariq", "mei", "olu"}
	bambooLastNames = []string{"lovelace", "turing", "hopper", "torvalds", "liskov", "thompson", "hamilton", "ritchie", "allen", "dijkstra",
		"perlman", "berners", "wilson", "backus", "lamarr", "knuth", "johnson", "wirth", "easley", "stroustrup",
		"clarke", "rossum", "sammet", "gosling", "conway", "pike", "keller", "kernighan", "jones", "page",
		"shaw", "cerf", "novak", "matsumoto", "daubechies", "hejlsberg", "okafor", "haddad", "chen", "adeyemi"}
	bambooZones  = []string{"Europe/Berlin", "America/New_York", "Asia/Kolkata", "Europe/London", "America/Los_Angeles", "Australia/Sydney", "UTC"}
	bambooTitles = []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer", "QA Engineer", "Site Reliability Engineer", "Data Engineer"}
	bambooDepts  = []string{"Platform", "Payments", "Mobile", "Data", "Infrastructure"}
)

// GenerateBambooPeople builds a deterministic organisation: a tree of
// managers and reports, contractors, several time zones, unique emails.
func GenerateBambooPeople(spec BambooOrgSpec) []BambooPerson {
	if spec.ContractorEvery <= 0 {
		spec.ContractorEvery = 7
	}
	if spec.TeamSize <= 0 {
		spec.TeamSize = 8
	}
	if spec.Domain == "" {
		spec.Domain = "example.com"
	}
	r := rand.New(rand.NewPCG(spec.Seed, spec.Seed+1)) //nolint:gosec // G404: seeded on purpose: the fake organisation is reproducible
	seen := map[string]int{}
	out := make([]BambooPerson, spec.Employees)
	for i := range out {
		first := bambooFirstNames[r.IntN(len(bambooFirstNames))]
		last := bambooLastNames[r.IntN(len(bambooLastNames))]
		local := first + "." + last
		seen[local]++
		if n := seen[local]; n > 1 {
			local += strconv.Itoa(n)
		}
		id := 1000 + i
		p := BambooPerson{
			BambooID: strconv.Itoa(id), FirstName: bambooTitle(first), LastName: bambooTitle(last),
			Email: local + "@" + spec.Domain, TZ: bambooZones[r.IntN(len(bambooZones))],
			JobTitle: bambooTitles[r.IntN(len(bambooTitles))], Department: bambooDepts[(i/spec.TeamSize)%len(bambooDepts)],
			Rate: fmt.Sprintf("%d.00", 80+5*r.IntN(20)), Currency: "USD",
			SlackID: fmt.Sprintf("U%07d", id), TogglID: int64(9000000 + id),
		}
		if i > 0 {
			// Person i reports to person (i-1)/TeamSize: a tree of teams.
			mgr := (i - 1) / spec.TeamSize
			p.SupervisorID = out[mgr].BambooID
			out[mgr].Manager = true
		}
		if i%spec.ContractorEvery == spec.ContractorEvery-1 {
			p.Contractor = true
			p.Currency = "EUR"
		}
		out[i] = p
	}
	for i := range out {
		if out[i].Manager {
			out[i].JobTitle = "Engineering Manager"
		}
	}
	return out
}

func bambooTitle(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// Seed adds generated people to the fake, each with a rate effective from
// the hire date, and returns them.
func (b *Bamboo) Seed(spec BambooOrgSpec) []BambooPerson {
	if spec.HireDate.IsZero() {
		spec.HireDate = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	people := GenerateBambooPeople(spec)
	for _, p := range people {
		status := "Full-Time"
		if p.Contractor {
			status = "Contractor"
		}
		b.AddEmployee(BambooEmployee{ID: p.BambooID, FirstName: p.FirstName, LastName: p.LastName, WorkEmail: p.Email,
			JobTitle: p.JobTitle, Department: p.Department, SupervisorID: p.SupervisorID, EmploymentStatus: status,
			HireDate: spec.HireDate.Format(time.DateOnly)})
		_ = b.SetRate(p.BambooID, spec.HireDate, p.Rate, p.Currency)
	}
	return people
}
