package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// suggestEntry is an entry of a suggestion case: day is relative to the
// week's Monday (negative: history), project 0 is unallocated.
type suggestEntry struct {
	person  int // 0: the person asked about; 1: a teammate; 2: someone of another team
	day     int
	hour    int
	project int64
	desc    string
}

// The projects of the cases: 3 is archived.
const (
	pA, pB, pArchived = int64(1), int64(2), int64(3)
)

var suggestWeek = model.WeekOf(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))

// suggestWorld seeds three people (0 and 1 share a supervisor), projects
// A, B and an archived one, and the entries; ids are 1000 + index.
func suggestWorld(t *testing.T, entries []suggestEntry) (*storage.DB, []int64) {
	t.Helper()
	db := storagetest.New(t)
	supers := []string{"boss", "boss", "other"}
	ids := make([]int64, len(supers))
	for i, s := range supers {
		ids[i] = storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: string(rune('a' + i)),
			Email: string(rune('a'+i)) + "@example.com", TogglUserID: int64(500 + i), SupervisorID: s})
	}
	storagetest.AddProject(t, db, pA, "Alpha", "Acme")
	storagetest.AddProject(t, db, pB, "Beta", "Bolt")
	storagetest.AddProject(t, db, pArchived, "Old", "Acme")
	if _, err := db.Exec(context.Background(), `UPDATE toggl_projects SET active = false WHERE id = $1`, pArchived); err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		start := suggestWeek.Start.AddDate(0, 0, e.day).Add(time.Duration(e.hour) * time.Hour)
		storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: int64(1000 + i), TogglUserID: int64(500 + e.person),
			EmployeeID: ids[e.person], ProjectID: e.project, Description: e.desc, Start: start, Seconds: 1800})
	}
	return db, ids
}

// uses returns n history entries of the person on the project with desc,
// on the days before the week.
func uses(person, n int, project int64, desc string) []suggestEntry {
	out := make([]suggestEntry, n)
	for i := range out {
		out[i] = suggestEntry{person: person, day: -1 - i, hour: 9, project: project, desc: desc}
	}
	return out
}

func TestSuggestProjectsRules(t *testing.T) {
	t.Parallel()
	cat := func(parts ...[]suggestEntry) []suggestEntry {
		var out []suggestEntry
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	// The entry asked about is always the last one: person 0, Tuesday 10:00.
	target := func(desc string) []suggestEntry {
		return []suggestEntry{{person: 0, day: 1, hour: 10, desc: desc}}
	}
	around := func(before, after int64) []suggestEntry {
		var out []suggestEntry
		if before != 0 {
			out = append(out, suggestEntry{person: 0, day: 1, hour: 9, project: before, desc: "work"})
		}
		if after != 0 {
			out = append(out, suggestEntry{person: 0, day: 1, hour: 11, project: after, desc: "other work"})
		}
		return out
	}
	cases := []struct {
		name    string
		entries []suggestEntry
		project int64
		reason  storage.SuggestReason
		support int
	}{
		{"same description wins over neighbours",
			cat(uses(0, 3, pA, "fix checkout"), around(pB, pB), target("fix checkout")),
			pA, storage.SuggestSameDescription, 3},
		{"similar description: case, punctuation and ticket keys ignored",
			cat(uses(0, 2, pA, "CHK-101 Fix checkout."), target("CHK-999 fix Checkout")),
			pA, storage.SuggestSimilarDescription, 2},
		{"neighbours win when the description is generic",
			cat(uses(0, 2, pA, "standup"), uses(0, 2, pB, "standup"), around(pB, pB), target("standup")),
			pB, storage.SuggestNeighbours, 2},
		{"neighbours that disagree suggest nothing",
			cat(uses(0, 2, pA, "standup"), uses(0, 2, pB, "standup"), around(pA, pB), target("standup")),
			0, storage.SuggestNone, 0},
		{"a lone neighbour on a project the person uses",
			cat(uses(0, 3, pB, "misc"), around(pB, 0), target("standup")),
			pB, storage.SuggestNeighbour, 1},
		{"a lone neighbour on a project the person rarely uses is not enough",
			cat(uses(0, 6, pA, "misc"), around(0, pB), target("standup")),
			0, storage.SuggestNone, 0},
		{"habit when nothing else that day",
			cat(uses(0, 5, pA, "misc"), target("standup")),
			pA, storage.SuggestHabit, 5},
		{"team fallback",
			cat(uses(1, 3, pB, "deploy api"), target("Deploy API")),
			pB, storage.SuggestTeam, 3},
		{"another team's history is not evidence",
			cat(uses(2, 3, pB, "deploy api"), target("deploy api")),
			0, storage.SuggestNone, 0},
		{"archived projects are never suggested",
			cat(uses(0, 3, pArchived, "fix checkout"), uses(1, 3, pArchived, "fix checkout"),
				around(pArchived, pArchived), target("fix checkout")),
			0, storage.SuggestNone, 0},
		{"uses of archived projects still count in the share",
			cat(uses(0, 3, pA, "fix checkout"), uses(0, 3, pArchived, "fix checkout"), target("fix checkout")),
			0, storage.SuggestNone, 0},
		{"one use is not evidence",
			cat(uses(0, 1, pA, "fix checkout"), target("fix checkout")),
			0, storage.SuggestNone, 0},
		{"no evidence, no suggestion",
			target("fix checkout"),
			0, storage.SuggestNone, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, ids := suggestWorld(t, tc.entries)
			got, err := db.SuggestProjects(context.Background(), ids[:1], suggestWeek)
			if err != nil {
				t.Fatal(err)
			}
			id := int64(1000 + len(tc.entries) - 1)
			s, ok := got[id]
			if !ok {
				t.Fatalf("entry %d missing from %v", id, got)
			}
			if len(got) != 1 {
				t.Fatalf("%d entries answered; want only the unallocated one: %v", len(got), got)
			}
			if s.ProjectID != tc.project || s.Reason != tc.reason || s.Support != tc.support || s.Offered() != (tc.project != 0) {
				t.Fatalf("suggestion = %+v; want project %d, %q, support %d", s, tc.project, tc.reason, tc.support)
			}
			if s.Offered() && (s.ProjectName == "" || s.Why() == "") {
				t.Fatalf("suggestion without a name or a why: %+v", s)
			}
			one, err := db.SuggestionFor(context.Background(), ids[0], id)
			if err != nil || one != s {
				t.Fatalf("SuggestionFor = %+v, %v; want %+v", one, err, s)
			}
		})
	}
}

func TestSuggestProjectsScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ids := suggestWorld(t, []suggestEntry{
		{person: 0, day: -1, hour: 9, project: pA, desc: "fix checkout"},
		{person: 0, day: -2, hour: 9, project: pA, desc: "fix checkout"},
		{person: 0, day: 0, hour: 9, desc: "fix checkout"},  // 1002: suggested
		{person: 0, day: 0, hour: 10, desc: "fix checkout"}, // 1003: its pick is on its way to Toggl
		{person: 0, day: 7, hour: 9, desc: "fix checkout"},  // 1004: next week
		{person: 1, day: 0, hour: 9, desc: "fix checkout"},  // 1005: teammate, not asked about
	})
	if _, err := db.Exec(ctx, `INSERT INTO toggl_outbox (entry_id, op, payload, idempotency_key)
		VALUES (1003, 'set_project', '{"project_id": 1}', 'set_project:1003')`); err != nil {
		t.Fatal(err)
	}
	got, err := db.SuggestProjects(ctx, ids[:1], suggestWeek)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[1002].ProjectID != pA {
		t.Fatalf("suggestions = %+v; want only entry 1002 → project %d", got, pA)
	}
	if _, err := db.SuggestionFor(ctx, ids[1], 1002); !errors.Is(err, storage.ErrNoEntry) {
		t.Fatalf("another person's entry: %v; want ErrNoEntry", err)
	}
	if s, err := db.SuggestionFor(ctx, ids[0], 1000); err != nil || s.Offered() {
		t.Fatalf("allocated entry: %+v, %v; want no suggestion", s, err)
	}
	if got, err := db.SuggestProjects(ctx, nil, suggestWeek); err != nil || len(got) != 0 {
		t.Fatalf("nobody: %v, %v", got, err)
	}
}

func TestDescriptionWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                         "",
		"standup":                  "standup",
		"CHK-123 Fix checkout.":    "fix checkout",
		"fix   checkout (edited)":  "fix checkout edited",
		"JIRA-7: Überprüfung, API": "überprüfung api",
		"v2-migration":             "v migration",
		"2024 planning":            "planning",
	} {
		if got := storage.DescriptionWords(in); got != want {
			t.Errorf("DescriptionWords(%q) = %q; want %q", in, got, want)
		}
	}
}
