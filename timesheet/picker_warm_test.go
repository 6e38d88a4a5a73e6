package timesheet

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally/storage"
)

// warmStore is a PickerStore whose entry check answers only once the
// catalog load has started: a picker that loads the catalog after the
// check, not alongside it, never gets its answer.
type warmStore struct {
	catalogStarted chan struct{}
	version        int64
	loads          int
}

func (s *warmStore) ProjectCatalog(context.Context) (storage.ProjectCatalog, error) {
	s.loads++
	close(s.catalogStarted)
	cat := testCatalog()
	cat.Version = s.version
	return cat, nil
}

func (s *warmStore) PickerEntries(ctx context.Context, keys []storage.PickerKey) ([]storage.PickerEntry, error) {
	select {
	case <-s.catalogStarted:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	out := make([]storage.PickerEntry, len(keys))
	for i := range keys {
		out[i] = storage.PickerEntry{CatalogVersion: s.version, EmployeeID: 1, Open: true}
	}
	return out, nil
}

func (s *warmStore) PickerLeadersFor(_ context.Context, keys []storage.LeaderKey, _ int, _ storage.ActiveCatalog) ([]storage.PickerLeaders, error) {
	return make([]storage.PickerLeaders, len(keys)), nil
}

// The first search, with no catalog held, loads it alongside its entry
// check; the catalog is loaded once.
func TestPickerLoadsCatalogAlongsideFirstCheck(t *testing.T) {
	s := &warmStore{catalogStarted: make(chan struct{}), version: 7}
	p := NewPicker(s)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ans, err := p.Search(ctx, "U1", 1, "societe")
	if err != nil {
		t.Fatalf("first search: %v", err)
	}
	if !ans.Open || len(ans.Matches) != 1 || ans.Matches[0].ID != 1 {
		t.Fatalf("first search found %+v", ans)
	}
	if s.loads != 1 {
		t.Errorf("catalog loaded %d times, want once", s.loads)
	}
}

// Load (called as tally run starts) reads the catalog, so the first
// searches find it held and do not read it again.
func TestPickerLoadAtStart(t *testing.T) {
	s := &warmStore{catalogStarted: make(chan struct{}), version: 7}
	p := NewPicker(s)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if s.loads != 1 {
		t.Fatalf("Load read the catalog %d times, want once", s.loads)
	}
	for i := 0; i < 3; i++ {
		if ans, err := p.Search(ctx, "U1", 1, "societe"); err != nil || len(ans.Matches) != 1 {
			t.Fatalf("search %d: %+v %v", i, ans, err)
		}
	}
	if s.loads != 1 {
		t.Errorf("catalog read %d times after Load, want once", s.loads)
	}
}
