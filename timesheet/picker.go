package timesheet

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	gosync "sync"
	"sync/atomic"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/storage"
)

// PickerStore is what the project search reads (*storage.DB).
type PickerStore interface {
	ProjectCatalog(ctx context.Context) (storage.ProjectCatalog, error)
	PickerEntries(ctx context.Context, keys []storage.PickerKey) ([]storage.PickerEntry, error)
	PickerLeadersFor(ctx context.Context, keys []storage.LeaderKey, recent int, active storage.ActiveCatalog) ([]storage.PickerLeaders, error)
}

// Picker answers the project picker's searches from an in-memory copy of
// the active projects, matched on name and client, case- and
// accent-insensitive. Each search asks Postgres one indexed question (is
// this the person's open entry, and which catalog version is current;
// searches arriving together share one statement) and reloads the copy
// when the catalog moved, so an archived project is never offered once the
// archive is stored. An empty search also reads the entry's suggestion and
// the person's recent projects; empty searches arriving together share
// those statements too.
type Picker struct {
	store  PickerStore
	checks *entryChecks
	leads  *batcher[storage.LeaderKey, storage.PickerLeaders]

	mu    gosync.RWMutex
	index *projectIndex
	// loading serialises reloads: a burst of searches after a sync reloads
	// the catalog once.
	loading gosync.Mutex
	// warming is set once a search found no catalog held and started
	// loading one alongside its entry check (warm).
	warming atomic.Bool
}

// NewPicker builds a Picker on store.
func NewPicker(store PickerStore) *Picker {
	p := &Picker{store: store, checks: &entryChecks{read: store.PickerEntries, what: "picker entry"}}
	p.leads = &batcher[storage.LeaderKey, storage.PickerLeaders]{what: "picker leaders",
		read: func(ctx context.Context, keys []storage.LeaderKey) ([]storage.PickerLeaders, error) {
			// The newest copy held says which projects are active: a
			// search drops whatever its own (maybe older) copy lacks.
			return store.PickerLeadersFor(ctx, keys, recentInSearch, p.held())
		}}
	return p
}

// noProjects is the catalog of a picker that holds none yet.
var noProjects = newProjectIndex(storage.ProjectCatalog{})

// held returns the newest catalog copy held.
func (p *Picker) held() *projectIndex {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.index == nil {
		return noProjects
	}
	return p.index
}

// PickerAnswer is what a search found for one entry's picker.
type PickerAnswer struct {
	// Open is false when the entry is not an unallocated live entry of the
	// person searching: tally drew no picker for it, so nothing is offered.
	Open bool
	// Suggested is the suggested project (query empty only).
	Suggested *blocks.PickerProject
	// Why says in a few words why Suggested is suggested.
	Why string
	// Recent are the person's recently used projects (query empty only),
	// the suggested one left out.
	Recent []blocks.PickerProject
	// Matches are the active projects whose name or client contains every
	// word of the query, by client and name, Suggested and Recent left out.
	Matches []blocks.PickerProject
}

// Options is the answer's ack payload (blocks.PickerOptionsJSON) for
// entryID's picker.
func (a PickerAnswer) Options(entryID int64) json.RawMessage {
	return blocks.PickerOptionsJSON(blocks.PickerOptionsInput{EntryID: entryID, Suggested: a.Suggested, Why: a.Why,
		Recent: a.Recent, Matches: a.Matches})
}

// recentInSearch is how many recent projects lead an empty search.
const recentInSearch = 10

// MaxSearchOptions is how many projects one search offers at most, in
// all: a quarter of what Slack allows (blocks.MaxOptions). That is more
// than a menu shows without scrolling; someone looking for a project
// beyond it types more of its name or client, as with any search box.
// Every option is paid for on every keystroke (about 90 bytes of JSON
// built, sent and read before Slack shows anything): with 200 people
// typing at once, the size of the answers was the largest cost left
// (BenchmarkPickerSuggest).
const MaxSearchOptions = 25

// Search finds the projects to offer in entryID's picker for query, typed
// by slackUserID. At most MaxSearchOptions projects are returned in all.
func (p *Picker) Search(ctx context.Context, slackUserID string, entryID int64, query string) (PickerAnswer, error) {
	p.warm(ctx)
	pe, err := p.checks.get(ctx, storage.PickerKey{SlackUserID: slackUserID, EntryID: entryID})
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
	words := strings.Fields(searchFold(query))
	if len(words) == 0 {
		if err := p.leaders(ctx, &ans, idx, pe, entryID); err != nil {
			return PickerAnswer{}, err
		}
	}
	// The leaders come first and once: the matches leave them out, so the
	// list still fills up to the cap.
	led := make(map[int64]bool, len(ans.Recent)+1)
	if ans.Suggested != nil {
		led[ans.Suggested.ID] = true
	}
	for _, r := range ans.Recent {
		led[r.ID] = true
	}
	room := MaxSearchOptions - len(led)
	ans.Matches = make([]blocks.PickerProject, 0, room)
	for _, m := range idx.search(words, room+len(led)) {
		if !led[m.ID] && len(ans.Matches) < room {
			ans.Matches = append(ans.Matches, m)
		}
	}
	return ans, nil
}

// leaders fills what an empty search shows first: the suggestion and the
// person's recent projects, as the catalog knows them.
func (p *Picker) leaders(ctx context.Context, ans *PickerAnswer, idx *projectIndex, pe storage.PickerEntry, entryID int64) error {
	l, err := p.leads.get(ctx, storage.LeaderKey{EmployeeID: pe.EmployeeID, EntryID: entryID, Day: pe.Day})
	if err != nil {
		return unavailable(err)
	}
	s := l.Suggestion
	if pr, ok := idx.project(s.ProjectID); ok && s.Offered() {
		ans.Suggested, ans.Why = &pr, s.Why()
	}
	for _, id := range l.Recent {
		if pr, ok := idx.project(id); ok && (ans.Suggested == nil || id != ans.Suggested.ID) {
			ans.Recent = append(ans.Recent, pr)
		}
	}
	return nil
}

// warm starts loading the catalog, alongside the first search's entry
// check, when none is held yet: the first burst of searches then waits
// for the slower of the two statements, not for both in turn. The
// catalog loaded may predate the entry check; current reloads it when the
// check names a newer version, so nothing archived is offered.
func (p *Picker) warm(ctx context.Context) {
	p.mu.RLock()
	held := p.index != nil
	p.mu.RUnlock()
	if held || !p.warming.CompareAndSwap(false, true) {
		return
	}
	go func() {
		// A failed load is retried by the search that needs the catalog.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkTimeout)
		defer cancel()
		_, _ = p.current(wctx, 0)
	}()
}

// Load reads the project catalog now, so the first searches after a
// start do not wait for it (tally run calls it as it starts). A failed
// load is retried by the first search that needs the catalog.
func (p *Picker) Load(ctx context.Context) error {
	_, err := p.current(ctx, 0)
	return err
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
