package storage_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// The catalog version moves with every change to the projects, in the same
// transaction, and the catalog holds active projects only.
func TestProjectCatalogVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	storagetest.AddProject(t, db, 1, "Apollo", "NASA")
	storagetest.AddProject(t, db, 2, "Gemini", "NASA")
	before, err := db.ProjectCatalog(ctx)
	if err != nil || len(before.Projects) != 2 {
		t.Fatalf("catalog %+v %v", before, err)
	}
	if _, err := db.Exec(ctx, `UPDATE toggl_projects SET active = false WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	after, err := db.ProjectCatalog(ctx)
	if err != nil || after.Version <= before.Version || len(after.Projects) != 1 || after.Projects[0].ID != 1 {
		t.Fatalf("after archiving: %+v (before v%d) %v", after, before.Version, err)
	}
	pe, err := pickerEntry(ctx, db, "UNOBODY", 1)
	if err != nil || pe.CatalogVersion != after.Version || pe.Open || pe.EmployeeID != 0 {
		t.Fatalf("picker entry of nobody: %+v %v", pe, err)
	}
	// The sync's upsert of projects as they already are changes nothing,
	// and the version stays (every replica would reload the catalog after
	// every sync); a real change moves it, as a removal does.
	version := func() int64 {
		t.Helper()
		cat, err := db.ProjectCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return cat.Version
	}
	same := []storage.TogglProject{{ID: 1, Name: "Apollo", ClientName: "NASA", Active: true, Billable: true},
		{ID: 2, Name: "Gemini", ClientName: "NASA", Active: false, Billable: true}}
	if _, err := storage.UpsertTogglProjects(ctx, db, same); err != nil {
		t.Fatal(err)
	}
	v := version()
	for range 2 {
		if n, err := storage.UpsertTogglProjects(ctx, db, same); err != nil || n != 0 {
			t.Fatalf("upsert of unchanged projects wrote %d rows (%v)", n, err)
		}
	}
	if _, err := db.Exec(ctx, `DELETE FROM toggl_projects WHERE id = 99`); err != nil {
		t.Fatal(err)
	}
	if got := version(); got != v {
		t.Fatalf("statements that changed nothing moved the version %d → %d", v, got)
	}
	same[1].Active = true
	if _, err := storage.UpsertTogglProjects(ctx, db, same); err != nil {
		t.Fatal(err)
	}
	if got := version(); got <= v {
		t.Fatalf("unarchiving a project left the version at %d", got)
	}
	v = version()
	if _, err := db.Exec(ctx, `DELETE FROM toggl_projects WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	if got := version(); got <= v {
		t.Fatalf("deleting a project left the version at %d", got)
	}
}

// An entry is open to its owner's picker only while it is live and
// unallocated.
func TestPickerEntry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	storagetest.AddProject(t, db, 5, "Apollo", "NASA")
	ada := storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "1", Email: "ada@example.com", First: "Ada", Last: "L", SlackUserID: "UADA", TogglUserID: 1})
	storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "2", Email: "bob@example.com", First: "Bob", Last: "B", SlackUserID: "UBOB", TogglUserID: 2})
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 10, TogglUserID: 1, EmployeeID: ada, Start: start, Seconds: 60})
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 11, TogglUserID: 1, EmployeeID: ada, ProjectID: 5, Start: start, Seconds: 60})
	for _, tc := range []struct {
		user  string
		entry int64
		open  bool
	}{{"UADA", 10, true}, {"UADA", 11, false}, {"UBOB", 10, false}, {"UADA", 99, false}} {
		pe, err := pickerEntry(ctx, db, tc.user, tc.entry)
		if err != nil || pe.Open != tc.open {
			t.Errorf("%s entry %d: %+v %v, want open %v", tc.user, tc.entry, pe, err, tc.open)
		}
	}
}

// The digest covers offered suggestions only, in any map order.
func TestSuggestionDigest(t *testing.T) {
	a := map[int64]storage.Suggestion{1: {ProjectID: 5}, 2: {ProjectID: 6}, 3: {}}
	b := map[int64]storage.Suggestion{2: {ProjectID: 6}, 1: {ProjectID: 5}}
	if storage.SuggestionDigest(a) != storage.SuggestionDigest(b) || storage.SuggestionDigest(a) == "" {
		t.Error("digest depends on order or on entries without a suggestion")
	}
	b[1] = storage.Suggestion{ProjectID: 7}
	if storage.SuggestionDigest(a) == storage.SuggestionDigest(b) {
		t.Error("digest ignores the project")
	}
	if storage.SuggestionDigest(map[int64]storage.Suggestion{3: {}}) != "" {
		t.Error("digest of nothing offered")
	}
}

// PickerEntries answers many pickers in one statement, in the order asked,
// at one catalog version; an entry is open only to its owner while it is
// live and unallocated, and its day comes with it.
func TestPickerEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	storagetest.AddProject(t, db, 5, "Apollo", "NASA")
	ada := storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "1", Email: "ada@example.com", First: "Ada", Last: "L", SlackUserID: "UADA", TogglUserID: 1})
	bob := storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "2", Email: "bob@example.com", First: "Bob", Last: "B", SlackUserID: "UBOB", TogglUserID: 2})
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 10, TogglUserID: 1, EmployeeID: ada, Start: start, Seconds: 60})
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 11, TogglUserID: 1, EmployeeID: ada, ProjectID: 5, Start: start, Seconds: 60})
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 12, TogglUserID: 1, EmployeeID: ada, Start: start, Seconds: 60})
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 20, TogglUserID: 2, EmployeeID: bob, Start: start.AddDate(0, 0, 1), Seconds: 60})
	if _, err := db.Exec(ctx, `UPDATE time_entries SET deleted_at = now() WHERE id = 12`); err != nil {
		t.Fatal(err)
	}
	keys := []storage.PickerKey{{"UBOB", 20}, {"UADA", 10}, {"UADA", 11}, {"UADA", 12}, {"UBOB", 10},
		{"UNOBODY", 10}, {"UADA", 99}, {"UADA", 10}}
	want := []struct {
		employee int64
		open     bool
		day      time.Time
	}{{bob, true, start.AddDate(0, 0, 1).Truncate(24 * time.Hour)}, {ada, true, start.Truncate(24 * time.Hour)},
		{ada, false, time.Time{}}, {ada, false, time.Time{}}, {bob, false, time.Time{}}, {0, false, time.Time{}},
		{ada, false, time.Time{}}, {ada, true, start.Truncate(24 * time.Hour)}}
	got, err := db.PickerEntries(ctx, keys)
	if err != nil || len(got) != len(keys) {
		t.Fatalf("picker entries: %+v %v", got, err)
	}
	cat, err := db.ProjectCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, pe := range got {
		w := want[i]
		if pe.EmployeeID != w.employee || pe.Open != w.open || !pe.Day.Equal(w.day) || pe.CatalogVersion != cat.Version {
			t.Errorf("%+v: %+v, want employee %d open %v day %s version %d", keys[i], pe, w.employee, w.open, w.day, cat.Version)
		}
	}
	if got, err := db.PickerEntries(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no keys: %+v %v", got, err)
	}
}

// activeSet is a catalog copy as the picker holds it.
type activeSet map[int64]storage.ProjectOption

func (a activeSet) ActiveProject(id int64) (storage.ProjectOption, bool) {
	p, ok := a[id]
	return p, ok
}

// An empty search's leaders: the suggestion is exactly SuggestionFor's,
// read without the whole catalog, and the recent projects are the active
// ones the person used, newest first.
func TestPickerLeaders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var entries []suggestEntry
	for _, part := range [][]suggestEntry{
		uses(0, 3, pA, "fix checkout"), uses(0, 3, pArchived, "old stuff"), uses(1, 3, pB, "deploy api"),
		{{person: 0, day: -20, hour: 9, project: pB, desc: "long ago"}},
		{{person: 0, day: -5, hour: 14, project: pA, desc: "review"}, {person: 0, day: -6, hour: 14, project: pB, desc: "review"}},
		{{person: 0, day: 0, hour: 9, desc: "fix checkout"}}, // same description
		{{person: 0, day: 1, hour: 9, project: pB, desc: "x"}, {person: 0, day: 1, hour: 10, desc: "standup"},
			{person: 0, day: 1, hour: 11, project: pB, desc: "y"}}, // neighbours
		{{person: 0, day: 2, hour: 9, project: pArchived, desc: "x"}, {person: 0, day: 2, hour: 10, desc: "standup"},
			{person: 0, day: 2, hour: 11, project: pArchived, desc: "y"}}, // archived neighbours
		{{person: 0, day: 3, hour: 10, desc: "Deploy API"}},                                                   // team
		{{person: 0, day: 4, hour: 9, project: pA, desc: "x"}, {person: 0, day: 4, hour: 10, desc: "review"}}, // lone neighbour
		{{person: 0, day: 5, hour: 10, desc: "old stuff"}},                                                    // archived majority
	} {
		entries = append(entries, part...)
	}
	db, ids := suggestWorld(t, entries)
	cat, err := db.ProjectCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	active := activeSet{}
	for _, p := range cat.Projects {
		active[p.ID] = p
	}
	reasons := map[storage.SuggestReason]bool{}
	var keys []storage.LeaderKey
	var each []storage.PickerLeaders
	for i, e := range entries {
		if e.person != 0 || e.project != 0 || e.day < 0 {
			continue
		}
		id := int64(1000 + i)
		day := suggestWeek.Start.AddDate(0, 0, e.day)
		want, err := db.SuggestionFor(ctx, ids[0], id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pickerLeaders(ctx, db, ids[0], id, day, 10, active)
		if err != nil {
			t.Fatal(err)
		}
		keys, each = append(keys, storage.LeaderKey{EmployeeID: ids[0], EntryID: id, Day: day}), append(each, got)
		if got.Suggestion != want {
			t.Errorf("entry %d (%q): %+v, SuggestionFor says %+v", id, e.desc, got.Suggestion, want)
		}
		reasons[want.Reason] = true
		if !reflect.DeepEqual(got.Recent, []int64{pA, pB}) {
			t.Errorf("entry %d: recent %v, want [%d %d] (archived left out, newest first)", id, got.Recent, pA, pB)
		}
	}
	for _, r := range []storage.SuggestReason{storage.SuggestSameDescription, storage.SuggestNeighbours,
		storage.SuggestTeam, storage.SuggestNeighbour, storage.SuggestNone} {
		if !reasons[r] {
			t.Errorf("no case suggested by %q: %v", r, reasons)
		}
	}
	// Asked together, with another person's entries among them and a week
	// earlier, every search gets what it gets alone.
	for i, e := range entries {
		if e.person == 1 && e.project == 0 {
			keys = append(keys, storage.LeaderKey{EmployeeID: ids[1], EntryID: int64(1000 + i), Day: suggestWeek.Start.AddDate(0, 0, e.day)})
		}
	}
	keys = append(keys, storage.LeaderKey{EmployeeID: ids[0], EntryID: 1000, Day: suggestWeek.Start.AddDate(0, 0, -7)},
		storage.LeaderKey{EmployeeID: ids[1], EntryID: keys[0].EntryID, Day: keys[0].Day}) // not theirs
	for _, k := range keys[len(each):] {
		l, err := pickerLeaders(ctx, db, k.EmployeeID, k.EntryID, k.Day, 10, active)
		if err != nil {
			t.Fatal(err)
		}
		each = append(each, l)
	}
	together, err := db.PickerLeadersFor(ctx, keys, 10, active)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(together, each) {
		t.Errorf("asked together:\n%+v\nasked one by one:\n%+v", together, each)
	}
	// An entry that is not the person's open one gets no suggestion.
	if l, err := pickerLeaders(ctx, db, ids[1], 1000+int64(len(entries))-1, suggestWeek.Start, 10, active); err != nil || l.Suggestion.Offered() {
		t.Errorf("someone else's entry: %+v %v", l, err)
	}
	if l, err := pickerLeaders(ctx, db, ids[0], 1000, suggestWeek.Start, 1, active); err != nil || len(l.Recent) != 1 {
		t.Errorf("recent limit 1: %+v %v", l, err)
	}
}

// pickerEntry is PickerEntries of one key.
func pickerEntry(ctx context.Context, db *storage.DB, slackUserID string, entryID int64) (storage.PickerEntry, error) {
	out, err := db.PickerEntries(ctx, []storage.PickerKey{{SlackUserID: slackUserID, EntryID: entryID}})
	if err != nil {
		return storage.PickerEntry{}, err
	}
	return out[0], nil
}

// pickerLeaders is PickerLeadersFor of one key.
func pickerLeaders(ctx context.Context, db *storage.DB, employeeID, entryID int64, day time.Time, recent int, active storage.ActiveCatalog) (storage.PickerLeaders, error) {
	out, err := db.PickerLeadersFor(ctx, []storage.LeaderKey{{EmployeeID: employeeID, EntryID: entryID, Day: day}}, recent, active)
	if err != nil {
		return storage.PickerLeaders{}, err
	}
	return out[0], nil
}
