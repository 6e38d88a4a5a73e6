package timesheet

import (
	"context"
	"fmt"
	"sort"
	"strings"
	gosync "sync"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/storage"
)

// PickerStore is what the project search reads (*storage.DB).
type PickerStore interface {
	ProjectCatalog(ctx context.Context) (storage.ProjectCatalog, error)
	PickerEntry(ctx context.Context, slackUserID string, entryID int64) (storage.PickerEntry, error)
	RecentProjects(ctx context.Context, employeeID int64, limit int) ([]storage.ProjectOption, error)
	SuggestionFor(ctx context.Context, employeeID, entryID int64) (storage.Suggestion, error)
}

// Picker answers the project picker's searches from an in-memory copy of
// the active projects, matched on name and client, case- and
// accent-insensitive. Each search asks Postgres one indexed question (is
// this the person's open entry, and which catalog version is current) and
// reloads the copy when the catalog moved, so an archived project is never
// offered once the archive is stored.
type Picker struct {
	store PickerStore

	mu    gosync.RWMutex
	index *projectIndex
	// loading serialises reloads: a burst of searches after a sync reloads
	// the catalog once.
	loading gosync.Mutex
}

// NewPicker builds a Picker on store.
func NewPicker(store PickerStore) *Picker {
	return &Picker{store: store}
}

// PickerAnswer is what a search found for one entry's picker.
type PickerAnswer struct {
	// Open is false when the entry is not an unallocated live entry of the
	// person searching: tally drew no picker for it, so nothing is offered.
	Open bool
	// Suggested is the suggested project (query empty, or matching it).
	Suggested *blocks.Suggestion
	// Recent are the person's recently used projects (query empty only).
	Recent []blocks.Project
	// Matches are the active projects whose name or client contains every
	// word of the query, by client and name.
	Matches []blocks.Project
}

// recentInSearch is how many recent projects lead an empty search.
const recentInSearch = 10

// Search finds the projects to offer in entryID's picker for query, typed
// by slackUserID. At most blocks.MaxOptions projects are returned in all.
func (p *Picker) Search(ctx context.Context, slackUserID string, entryID int64, query string) (PickerAnswer, error) {
	pe, err := p.store.PickerEntry(ctx, slackUserID, entryID)
	if err != nil {
		return PickerAnswer{}, unavailable(err)
	}
	if !pe.Open {
		return PickerAnswer{}, nil
	}
	idx, err := p.current(ctx, pe.CatalogVersion)
	if err != nil {
		return PickerAnswer{}, unavailable(err)
	}
	ans := PickerAnswer{Open: true}
	words := strings.Fields(fold(query))
	if len(words) == 0 {
		if err := p.leaders(ctx, &ans, idx, pe.EmployeeID, entryID); err != nil {
			return PickerAnswer{}, err
		}
	}
	room := blocks.MaxOptions - len(ans.Recent)
	if ans.Suggested != nil {
		room--
	}
	ans.Matches = idx.search(words, room)
	return ans, nil
}

// leaders fills what an empty search shows first: the suggestion and the
// person's recent projects, as the catalog knows them.
func (p *Picker) leaders(ctx context.Context, ans *PickerAnswer, idx *projectIndex, employeeID, entryID int64) error {
	s, err := p.store.SuggestionFor(ctx, employeeID, entryID)
	if err != nil {
		return unavailable(err)
	}
	if pr, ok := idx.byID[s.ProjectID]; ok && s.Offered() {
		ans.Suggested = &blocks.Suggestion{Project: pr, Why: s.Why()}
	}
	recent, err := p.store.RecentProjects(ctx, employeeID, recentInSearch)
	if err != nil {
		return unavailable(err)
	}
	for _, r := range recent {
		if pr, ok := idx.byID[r.ID]; ok {
			ans.Recent = append(ans.Recent, pr)
		}
	}
	return nil
}

// current returns the index of catalog version v, reloading it when the
// copy held is older.
func (p *Picker) current(ctx context.Context, v int64) (*projectIndex, error) {
	p.mu.RLock()
	idx := p.index
	p.mu.RUnlock()
	if idx != nil && idx.version >= v {
		return idx, nil
	}
	p.loading.Lock()
	defer p.loading.Unlock()
	p.mu.RLock()
	idx = p.index
	p.mu.RUnlock()
	if idx != nil && idx.version >= v {
		return idx, nil
	}
	cat, err := p.store.ProjectCatalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("load project catalog: %w", err)
	}
	idx = newProjectIndex(cat)
	p.mu.Lock()
	p.index = idx
	p.mu.Unlock()
	return idx, nil
}

// projectIndex is one catalog version, folded for search and sorted by
// client and name.
type projectIndex struct {
	version  int64
	projects []indexedProject
	byID     map[int64]blocks.Project
}

type indexedProject struct {
	project blocks.Project
	key     string // fold(name + " " + client)
	client  string // fold(client), for the order
	name    string // fold(name), for the order
}

func newProjectIndex(cat storage.ProjectCatalog) *projectIndex {
	idx := &projectIndex{version: cat.Version, byID: make(map[int64]blocks.Project, len(cat.Projects))}
	idx.projects = make([]indexedProject, 0, len(cat.Projects))
	for _, p := range cat.Projects {
		bp := blocks.Project{ID: p.ID, Name: p.Name, Client: p.ClientName}
		idx.byID[p.ID] = bp
		name, client := fold(p.Name), fold(p.ClientName)
		idx.projects = append(idx.projects, indexedProject{project: bp, key: name + " " + client, client: client, name: name})
	}
	sort.Slice(idx.projects, func(i, j int) bool {
		a, b := idx.projects[i], idx.projects[j]
		if a.client != b.client {
			return a.client < b.client
		}
		if a.name != b.name {
			return a.name < b.name
		}
		return a.project.ID < b.project.ID
	})
	return idx
}

// search returns up to limit projects whose key contains every word.
func (idx *projectIndex) search(words []string, limit int) []blocks.Project {
	var out []blocks.Project
	for _, ip := range idx.projects {
		if len(out) >= limit {
			break
		}
		if containsAll(ip.key, words) {
			out = append(out, ip.project)
		}
	}
	return out
}

func containsAll(key string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(key, w) {
			return false
		}
	}
	return true
}
