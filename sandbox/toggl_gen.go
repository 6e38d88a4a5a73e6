package sandbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/tallyhq/tally/model"
)

// TogglGenSpec describes a generated workspace.
type TogglGenSpec struct {
	// People are the users to create (share them with the other fakes);
	// when empty, Users people are made up by TogglPeople.
	People []TogglUser
	Users  int
	// EntriesPerWeek per person (default 40), spread over Monday–Friday.
	EntriesPerWeek int
	// Weeks to fill, e.g. the current and previous week.
	Weeks []model.Week
	// Projects and Clients to create (defaults 24 and 6).
	Projects int
	Clients  int
	// UnallocatedFrac of entries have no project (default 1/3, as audits
	// of 100+ developer teams found).
	UnallocatedFrac float64
	// RunningFrac of people have a timer running at the end of their last
	// day (default 0.02).
	RunningFrac float64
}

// togglZoneChoices are the offsets people get, round robin: several zones,
// fixed offsets (the sandbox has no DST).
var togglZoneChoices = []struct {
	name   string
	offset int
}{
	{"Europe/Berlin", 3600}, {"America/New_York", -5 * 3600}, {"Asia/Kolkata", 5*3600 + 1800},
	{"UTC", 0}, {"America/Los_Angeles", -8 * 3600}, {"Europe/Kyiv", 2 * 3600},
	{"Asia/Tokyo", 9 * 3600}, {"America/Sao_Paulo", -3 * 3600},
}

var togglFirstNames = strings.Fields(`ada alan barbara brian carol dennis edsger frances grace guido
	hedy ivan james jean ken linus margaret niklaus olga peter radia rob sophie tim ursula
	vint whitfield xavier yukihiro zoe anita bjarne cynthia donald elena fernando gerald hanna
	ingrid john karen leslie marvin nadia oscar priya quentin rosa steve tanya`)

var togglLastNames = strings.Fields(`lovelace turing liskov kernighan shaw ritchie dijkstra allen hopper
	rossum lamarr sutherland gosling sammet thompson torvalds hamilton wirth ladyzhenskaya naur perlman
	pike wilson berners lehmann cerf diffie leroy matsumoto chen borg stroustrup dwork knuth
	ershov corbato sussman hanke goldberg backus jones lamport minsky nakamura ousterhout pnueli
	quinn rivest steele tarjan`)

var togglDescriptions = []string{
	"code review", "standup", "feature work", "bug fixing", "planning", "pairing", "deploy",
	"incident follow-up", "refactoring", "writing tests", "design doc", "customer call",
	"onboarding", "research spike", "release prep", "", "support rotation", "sprint demo",
}

// TogglPeople makes up n people with unique first.last@example.com emails,
// Toggl user ids from 100001 and several time zones.
func TogglPeople(n int) []TogglUser {
	out := make([]TogglUser, 0, n)
	seen := make(map[string]int, n)
	for i := 0; i < n; i++ {
		first := togglFirstNames[i%len(togglFirstNames)]
		last := togglLastNames[(i/len(togglFirstNames))%len(togglLastNames)]
		local := first + "." + last
		if k := seen[local]; k > 0 {
			seen[local] = k + 1
			local = fmt.Sprintf("%s%d", local, k+1)
		} else {
			seen[local] = 1
		}
		z := togglZoneChoices[i%len(togglZoneChoices)]
		out = append(out, TogglUser{
			ID: int64(100001 + i), Email: local + "@example.com",
			FirstName: strings.ToUpper(first[:1]) + first[1:], LastName: strings.ToUpper(last[:1]) + last[1:],
			Timezone: z.name, OffsetSecs: z.offset,
		})
	}
	return out
}

// Generate fills the workspace: clients, projects, people and their entries
// for the weeks of spec. It returns the people.
func (t *Toggl) Generate(spec TogglGenSpec) []TogglUser {
	people := spec.People
	if len(people) == 0 {
		people = TogglPeople(spec.Users)
	}
	if spec.EntriesPerWeek <= 0 {
		spec.EntriesPerWeek = 40
	}
	if spec.Projects <= 0 {
		spec.Projects = 24
	}
	if spec.Clients <= 0 {
		spec.Clients = 6
	}
	if spec.UnallocatedFrac == 0 {
		spec.UnallocatedFrac = 1.0 / 3
	}
	if spec.RunningFrac == 0 {
		spec.RunningFrac = 0.02
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := 1; c <= spec.Clients; c++ {
		t.clients = append(t.clients, TogglClient{ID: int64(500 + c), Name: fmt.Sprintf("Client %c", 'A'+c-1)})
	}
	for p := 1; p <= spec.Projects; p++ {
		t.projects = append(t.projects, TogglProject{ID: int64(2000 + p), Name: fmt.Sprintf("Project %02d", p),
			ClientID: int64(500 + 1 + (p-1)%spec.Clients), Active: true, Billable: p%4 != 0})
	}
	for _, u := range people {
		if i, ok := t.userIdx[u.ID]; ok {
			t.users[i] = u
		} else {
			t.userIdx[u.ID] = int32(len(t.users)) //nolint:gosec // G115: int32 keeps the fake compact; user counts are far below 2^31
			t.users = append(t.users, u)
		}
	}
	t.entries = append(make([]togglEntry, 0, len(t.entries)+len(people)*len(spec.Weeks)*spec.EntriesPerWeek), t.entries...)
	perDay := spec.EntriesPerWeek / 5
	extra := spec.EntriesPerWeek % 5
	now := t.opts.Now().Unix()
	for _, u := range people {
		zone := togglZone(u.OffsetSecs)
		running := t.rng.Float64() < spec.RunningFrac
		for wi, wk := range spec.Weeks {
			for d := 0; d < 5; d++ {
				n := perDay
				if d < extra {
					n++
				}
				day := wk.Start.AddDate(0, 0, d)
				cursor := time.Date(day.Year(), day.Month(), day.Day(), 8, 30+t.rng.IntN(60), 0, 0, zone).Unix()
				// Fit n entries into about nine hours.
				slot := int64(9*3600) / int64(max(n, 1))
				for k := 0; k < n && cursor < now; k++ {
					secs := int64(600 + t.rng.Int64N(max(slot-600, 1)))
					e := togglEntry{user: t.userIdx[u.ID], start: cursor, seconds: int32(secs), //nolint:gosec // G115: secs is under nine hours
						desc: togglDescriptions[t.rng.IntN(len(togglDescriptions))]}
					if t.rng.Float64() >= spec.UnallocatedFrac {
						p := t.projects[t.rng.IntN(len(t.projects))]
						e.project, e.billable = p.ID, p.Billable
					}
					last := wi == len(spec.Weeks)-1 && d == 4 && k == n-1
					if running && last {
						e.seconds = -1
					}
					t.nextID++
					e.id = t.nextID
					e.at = min(cursor+secs+int64(t.rng.IntN(3600)), now)
					t.lastAt = max(t.lastAt, e.at)
					t.entryIdx[e.id] = int32(len(t.entries)) //nolint:gosec // G115: int32 keeps the fake compact; entry counts are far below 2^31
					t.entries = append(t.entries, e)
					cursor += slot + int64(t.rng.IntN(120))
				}
			}
		}
	}
	t.version++
	return people
}

// EditRandom edits a fraction of the live, stopped entries as people do
// (description, duration or project) and returns their ids.
func (t *Toggl) EditRandom(frac float64) []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ids []int64
	for i := range t.entries {
		e := &t.entries[i]
		if e.deleted || e.seconds < 0 || t.rng.Float64() >= frac {
			continue
		}
		switch t.rng.IntN(3) {
		case 0:
			e.desc += " (edited)"
		case 1:
			e.seconds += int32(60 * (1 + t.rng.IntN(30))) //nolint:gosec // G115: at most 1800
		default:
			if len(t.projects) > 0 {
				p := t.projects[t.rng.IntN(len(t.projects))]
				if p.ID == e.project {
					e.project = 0
				} else {
					e.project, e.billable = p.ID, p.Billable
				}
			}
		}
		e.at = t.nextAtLocked()
		ids = append(ids, e.id)
	}
	t.version++
	return ids
}

// DeleteRandom deletes a fraction of the live entries and returns their ids.
func (t *Toggl) DeleteRandom(frac float64) []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ids []int64
	for i := range t.entries {
		e := &t.entries[i]
		if e.deleted || t.rng.Float64() >= frac {
			continue
		}
		e.deleted = true
		e.at = t.nextAtLocked()
		ids = append(ids, e.id)
	}
	t.version++
	return ids
}
