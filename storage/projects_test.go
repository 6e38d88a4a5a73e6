package storage_test

import (
	"context"
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
	pe, err := db.PickerEntry(ctx, "UNOBODY", 1)
	if err != nil || pe.CatalogVersion != after.Version || pe.Open || pe.EmployeeID != 0 {
		t.Fatalf("picker entry of nobody: %+v %v", pe, err)
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
		pe, err := db.PickerEntry(ctx, tc.user, tc.entry)
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
