package timesheet

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/storage"
)

// searchFold folds like fold, on ASCII (its fast path) and beyond.
func TestSearchFoldIsFold(t *testing.T) {
	for _, s := range []string{"", "Agency 0042", "ACME Payments", "K-9 units", "tab\tand  spaces",
		"Crème Brûlée", "SOCIÉTÉ GÉNÉRALE", "Malmø", "Łódź", "Straße", "ǅemal", "ÆON", "İstanbul"} {
		if got, want := searchFold(s), fold(s); got != want {
			t.Errorf("searchFold(%q) = %q, fold = %q", s, got, want)
		}
	}
}

func testCatalog() storage.ProjectCatalog {
	cat := storage.ProjectCatalog{Version: 7, Projects: []storage.ProjectOption{
		{ID: 1, Name: "Crème brûlée", ClientName: "Société Générale"},
		{ID: 2, Name: "Checkout revamp", ClientName: "Acme Payments", Billable: true},
		{ID: 3, Name: "Internal"},
		{ID: 4, Name: "Agency", ClientName: "Acme"},
		{ID: 5, Name: "agency", ClientName: "acme"},
	}}
	for i := 0; i < 40; i++ {
		cat.Projects = append(cat.Projects, storage.ProjectOption{ID: int64(100 + i),
			Name: fmt.Sprintf("Agency %04d", i), ClientName: fmt.Sprintf("Acme %04d", i%7)})
	}
	return cat
}

// naiveSearch is what search must answer: every project, by folded client,
// name and id, whose folded "name client" holds every word.
func naiveSearch(idx *projectIndex, words []string, limit int) []blocks.PickerProject {
	out := []blocks.PickerProject{}
	for _, p := range idx.projects {
		if len(out) < limit && containsAll(searchFold(p.Name)+" "+searchFold(p.ClientName), words) {
			out = append(out, blocks.NewPickerProject(pickerProject(p)))
		}
	}
	return out
}

// The index finds what a scan of every project finds, in the same order
// (client, name, id), within the limit, accents and case folded.
func TestProjectIndexSearch(t *testing.T) {
	idx := newProjectIndex(testCatalog())
	order := []int64{}
	for _, p := range idx.projects {
		order = append(order, p.ID)
	}
	if want := []int64{3, 4, 5}; !reflect.DeepEqual(order[:3], want) {
		t.Fatalf("index order starts %v, want %v (no client first, then acme, ties by id)", order[:3], want)
	}
	for _, tc := range []struct {
		query string
		limit int
		want  []int64 // nil: compare with naiveSearch only
	}{
		{"societe", 50, []int64{1}},
		{"BRULEE soc", 50, []int64{1}},
		{"crème", 50, []int64{1}},
		{"générale brûlée", 50, []int64{1}},
		{"payments revamp", 50, []int64{2}},
		{"internal", 50, []int64{3}},
		{"zzz", 50, []int64{}},
		{"acme", 3, []int64{4, 5, 100}},
		{"agency 0003", 50, []int64{103, 110, 117, 124, 131, 138}}, // client Acme 0003
		{"0038 acme", 50, []int64{138}},
		{"e", 50, nil},
		{"acme 0002 agency", 50, nil},
		{"y a", 10, nil},
		{"", 4, nil},
		{"agency", 0, []int64{}},
	} {
		words := strings.Fields(searchFold(tc.query))
		got := idx.search(words, tc.limit)
		if want := naiveSearch(idx, words, tc.limit); len(got)+len(want) > 0 && !reflect.DeepEqual(got, want) {
			t.Errorf("%q limit %d: %v, a scan finds %v", tc.query, tc.limit, got, want)
		}
		if tc.want != nil {
			ids := []int64{}
			for _, p := range got {
				ids = append(ids, p.ID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("%q limit %d: %v, want %v", tc.query, tc.limit, ids, tc.want)
			}
		}
	}
	if p, ok := idx.ActiveProject(2); !ok || !p.Billable || p.Name != "Checkout revamp" {
		t.Errorf("ActiveProject(2) = %+v %v", p, ok)
	}
	if _, ok := idx.ActiveProject(99); ok {
		t.Error("a project outside the catalog is active")
	}
}

// checkCall is one statement the entry checks ran: the keys it read.
type checkCall struct {
	keys    []storage.PickerKey
	release chan struct{}
}

// blockingReads is a read function whose statements wait to be released.
type blockingReads struct {
	calls chan checkCall
	err   error
}

func (r *blockingReads) read(_ context.Context, keys []storage.PickerKey) ([]storage.PickerEntry, error) {
	c := checkCall{keys: keys, release: make(chan struct{})}
	r.calls <- c
	<-c.release
	if r.err != nil {
		return nil, r.err
	}
	out := make([]storage.PickerEntry, len(keys))
	for i, k := range keys {
		out[i] = storage.PickerEntry{CatalogVersion: 3, EmployeeID: k.EntryID * 10, Open: true}
	}
	return out, nil
}

// Searches arriving while a check runs share the next statement, which
// starts only after they arrived; each gets its own answer.
func TestEntryChecksShareStatements(t *testing.T) {
	r := &blockingReads{calls: make(chan checkCall)}
	queued := make(chan struct{}, 4)
	c := &entryChecks{read: r.read, what: "picker entry", queued: func() { queued <- struct{}{} }}
	ctx := context.Background()
	type result struct {
		pe  storage.PickerEntry
		err error
	}
	results := make([]chan result, 4)
	start := func(i int) {
		results[i] = make(chan result, 1)
		go func() {
			pe, err := c.get(ctx, storage.PickerKey{SlackUserID: fmt.Sprintf("U%d", i), EntryID: int64(i)})
			results[i] <- result{pe, err}
		}()
	}
	start(0)
	first := <-r.calls
	if len(first.keys) != 1 || first.keys[0].EntryID != 0 {
		t.Fatalf("first statement read %+v", first.keys)
	}
	// Three more arrive while the first statement runs.
	for i := 1; i <= 3; i++ {
		start(i)
		<-queued
	}
	close(first.release)
	if res := <-results[0]; res.err != nil || res.pe.EmployeeID != 0 || !res.pe.Open {
		t.Fatalf("first check: %+v", res)
	}
	second := <-r.calls
	if len(second.keys) != 3 {
		t.Fatalf("second statement read %d keys, want the 3 that waited: %+v", len(second.keys), second.keys)
	}
	close(second.release)
	for i := 1; i <= 3; i++ {
		if res := <-results[i]; res.err != nil || res.pe.EmployeeID != int64(i)*10 {
			t.Errorf("check %d: %+v", i, res)
		}
	}
}

// A failed statement fails the checks it served; a search that gives up
// waiting does not hold the others back.
func TestEntryChecksErrorsAndDeadlines(t *testing.T) {
	boom := errors.New("boom")
	r := &blockingReads{calls: make(chan checkCall), err: boom}
	queued := make(chan struct{}, 1)
	c := &entryChecks{read: r.read, what: "picker entry", queued: func() { queued <- struct{}{} }}
	gaveUp, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var errGaveUp, errFailed error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, errGaveUp = c.get(gaveUp, storage.PickerKey{SlackUserID: "U1", EntryID: 1})
	}()
	call := <-r.calls
	cancel()
	wg.Wait()
	if !errors.Is(errGaveUp, context.Canceled) {
		t.Errorf("search that gave up: %v", errGaveUp)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, errFailed = c.get(context.Background(), storage.PickerKey{SlackUserID: "U2", EntryID: 2})
	}()
	<-queued
	close(call.release)
	next := <-r.calls
	close(next.release)
	wg.Wait()
	if !errors.Is(errFailed, boom) {
		t.Errorf("check served by a failed statement: %v", errFailed)
	}
}
