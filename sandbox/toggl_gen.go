package sandbox

import (
	"fmt"
	"math/rand/v2"
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
	// Teams maps a user id to a team key (e.g. the supervisor's BambooHR
	// id): people of a team work mostly on the same few projects. People
	// not in it are grouped eight at a time in the order given.
	Teams map[int64]string
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

// togglGeneric are descriptions that say nothing about the project: people
// write them on any project ("" is the most common of all).
var togglGeneric = []string{"", "", "standup", "meeting", "code review", "planning", "email", "pairing"}

// togglTopics are what projects are about; project p works on topic
// (p-1) mod len, so with more projects than topics two projects share a
// topic and therefore the same descriptions.
var togglTopics = []string{"checkout", "search", "billing", "onboarding flow", "mobile app", "reporting",
	"login", "notifications", "data pipeline", "admin panel", "payments", "dashboard", "invoicing",
	"api gateway", "inventory", "shipping", "analytics", "user profiles", "chat widget", "pricing page"}

// togglVerbs make a topic into a description: "fix checkout".
var togglVerbs = []string{"fix", "build", "review", "test", "design"}

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
	truth := t.truthOf()
	plan := newTogglPlan(t.rng, t.projects[len(t.projects)-spec.Projects:], people, spec.Teams)
	perDay := spec.EntriesPerWeek / 5
	extra := spec.EntriesPerWeek % 5
	now := t.opts.Now().Unix()
	for _, u := range people {
		zone := togglZone(u.OffsetSecs)
		running := t.rng.Float64() < spec.RunningFrac
		habits := plan.person(u.ID)
		for wi, wk := range spec.Weeks {
			lastWeek := wi == len(spec.Weeks)-1
			for d := 0; d < 5; d++ {
				n := perDay
				if d < extra {
					n++
				}
				day := wk.Start.AddDate(0, 0, d)
				cursor := time.Date(day.Year(), day.Month(), day.Day(), 8, 30+t.rng.IntN(60), 0, 0, zone).Unix()
				// Fit n entries into about nine hours.
				slot := int64(9*3600) / int64(max(n, 1))
				var prev TogglProject
				for k := 0; k < n && cursor < now; k++ {
					secs := int64(600 + t.rng.Int64N(max(slot-600, 1)))
					// The project the time really belongs to: often the one
					// just before (people work in blocks), else a habit.
					p := prev
					if k == 0 || t.rng.Float64() >= togglKeepProject {
						p = habits.pick(t.rng, lastWeek)
					}
					prev = p
					e := togglEntry{user: t.userIdx[u.ID], start: cursor, seconds: int32(secs), //nolint:gosec // G115: secs is under nine hours
						desc: plan.describe(t.rng, p)}
					if t.rng.Float64() >= spec.UnallocatedFrac {
						e.project, e.billable = p.ID, p.Billable
					}
					last := lastWeek && d == 4 && k == n-1
					if running && last {
						e.seconds = -1
					}
					t.nextID++
					e.id = t.nextID
					truth.record(e.id, p.ID)
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

// How generated time falls on projects. The generator decides, for every
// entry, the project it really belongs to (TrueProject) before deciding
// whether the person allocated it.
const (
	// togglKeepProject is the chance an entry continues the project of the
	// entry just before it on that day: people work in blocks.
	togglKeepProject = 0.55
	// togglSpecificDesc is the chance a description names the project's
	// topic ("fix checkout"); the rest are generic ("standup", "").
	togglSpecificDesc = 0.6
	// togglStray is the chance an entry goes to a project outside the
	// person's habits.
	togglStray = 0.05
	// togglFreshPeople is the share of people who start on a new project in
	// the last generated week, and togglFreshShare the share of their time
	// that goes to it: that project has no history at all.
	togglFreshPeople = 0.2
	togglFreshShare  = 0.3
)

// togglPlan holds who works on what for one Generate call.
type togglPlan struct {
	rng    *rand.Rand
	old    []TogglProject // projects with history
	fresh  []TogglProject // new projects: used in the last week only
	topics map[int64]string
	teamOf map[int64]string
	teams  map[string][]TogglProject
}

// newTogglPlan splits projects into old and new (the last eighth) and
// gives every person a team.
func newTogglPlan(rng *rand.Rand, projects []TogglProject, people []TogglUser, teams map[int64]string) *togglPlan {
	pl := &togglPlan{rng: rng, topics: make(map[int64]string, len(projects)),
		teamOf: make(map[int64]string, len(people)), teams: make(map[string][]TogglProject)}
	for i, p := range projects {
		pl.topics[p.ID] = togglTopics[i%len(togglTopics)]
	}
	nFresh := len(projects) / 8
	pl.old, pl.fresh = projects[:len(projects)-nFresh], projects[len(projects)-nFresh:]
	for i, u := range people {
		key, ok := teams[u.ID]
		if !ok {
			key = fmt.Sprintf("group-%d", i/8)
		}
		pl.teamOf[u.ID] = key
	}
	return pl
}

// team returns the 4–6 projects a team mostly works on, chosen on first use.
func (pl *togglPlan) team(key string) []TogglProject {
	if ps, ok := pl.teams[key]; ok {
		return ps
	}
	n := min(4+pl.rng.IntN(3), len(pl.old))
	ps := make([]TogglProject, 0, n)
	for _, i := range pl.rng.Perm(len(pl.old))[:n] {
		ps = append(ps, pl.old[i])
	}
	pl.teams[key] = ps
	return ps
}

// togglHabits is one person's way of spending time.
type togglHabits struct {
	main  []TogglProject // 2–4 main projects, mostly their team's
	cum   []float64      // cumulative weights of main
	fresh TogglProject   // a new project of the last week (ID 0: none)
	any   []TogglProject // stray time goes to any old project
}

// person draws a person's habits.
func (pl *togglPlan) person(userID int64) togglHabits {
	team := pl.team(pl.teamOf[userID])
	h := togglHabits{any: pl.old}
	n := min(2+pl.rng.IntN(3), len(pl.old))
	seen := make(map[int64]bool, n)
	// Most people's first project is client work (billable); internal
	// projects come second.
	var billable []TogglProject
	for _, p := range team {
		if p.Billable {
			billable = append(billable, p)
		}
	}
	for tries := 0; len(h.main) < n && tries < 50; tries++ {
		p := pl.old[pl.rng.IntN(len(pl.old))]
		switch {
		case len(h.main) == 0 && len(billable) > 0:
			p = billable[pl.rng.IntN(len(billable))]
		case pl.rng.Float64() < 0.85:
			p = team[pl.rng.IntN(len(team))]
		}
		if !seen[p.ID] {
			seen[p.ID] = true
			h.main = append(h.main, p)
		}
	}
	total := 0.0
	for i := range h.main {
		w := 0.2 + pl.rng.Float64()
		if i == 0 {
			w++ // the main project takes the most time
		}
		total += w
		h.cum = append(h.cum, total)
	}
	for i := range h.cum {
		h.cum[i] /= total
	}
	if len(pl.fresh) > 0 && pl.rng.Float64() < togglFreshPeople {
		h.fresh = pl.fresh[pl.rng.IntN(len(pl.fresh))]
	}
	return h
}

// pick draws the project of an entry that does not continue a block.
func (h togglHabits) pick(rng *rand.Rand, lastWeek bool) TogglProject {
	if lastWeek && h.fresh.ID != 0 && rng.Float64() < togglFreshShare {
		return h.fresh
	}
	if rng.Float64() < togglStray {
		return h.any[rng.IntN(len(h.any))]
	}
	r := rng.Float64()
	for i, c := range h.cum {
		if r < c {
			return h.main[i]
		}
	}
	return h.main[len(h.main)-1]
}

// describe writes a description for time on p: generic, or the project's
// topic with a verb, sometimes with a ticket number or a capital letter.
func (pl *togglPlan) describe(rng *rand.Rand, p TogglProject) string {
	if rng.Float64() >= togglSpecificDesc {
		return togglGeneric[rng.IntN(len(togglGeneric))]
	}
	topic := pl.topics[p.ID]
	d := togglVerbs[rng.IntN(len(togglVerbs))] + " " + topic
	switch rng.IntN(8) {
	case 0:
		return fmt.Sprintf("%s-%d %s", strings.ToUpper(topic[:3]), 100+rng.IntN(900), d)
	case 1:
		return strings.ToUpper(d[:1]) + d[1:]
	}
	return d
}
