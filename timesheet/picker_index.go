package timesheet

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/storage"
)

// projectIndex is one catalog version, folded for search and sorted by
// client and name.
type projectIndex struct {
	version  int64
	projects []storage.ProjectOption // by folded client, name, then id
	// offered holds projects[i] as the picker offers it, its option text
	// encoded the first time it is offered (offer), then reused for this
	// catalog version; a reload does not encode thousands of projects.
	offered []atomic.Pointer[blocks.PickerProject]
	// keys holds every project's search key, fold(name + " " + client),
	// in the order of projects, each followed by a newline: one string a
	// search scans at memory speed. A query word never holds whitespace,
	// so it never matches across two keys.
	keys string
	ends []int // ends[i] is the offset of the newline after projects[i]'s key
	byID map[int64]int
	// grams maps each three-byte sequence of the keys to the projects
	// whose key holds it, in index order: a word of three bytes or more
	// is looked for only in the keys that hold all of its sequences,
	// instead of scanning every key (a word whose first letter is common,
	// "crème" among thousands of "Acme" clients, cost 0.1 ms a search).
	grams map[uint32][]int32
}

// gram packs the three bytes of s at i.
func gram(s string, i int) uint32 {
	return uint32(s[i])<<16 | uint32(s[i+1])<<8 | uint32(s[i+2])
}

func newProjectIndex(cat storage.ProjectCatalog) *projectIndex {
	type folded struct {
		p            storage.ProjectOption
		name, client string
	}
	fs := make([]folded, len(cat.Projects))
	size := 0
	for i, p := range cat.Projects {
		fs[i] = folded{p: p, name: searchFold(p.Name), client: searchFold(p.ClientName)}
		size += len(fs[i].name) + len(fs[i].client) + 2
	}
	slices.SortFunc(fs, func(a, b folded) int {
		if c := strings.Compare(a.client, b.client); c != 0 {
			return c
		}
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return cmp.Compare(a.p.ID, b.p.ID)
	})
	idx := &projectIndex{version: cat.Version, projects: make([]storage.ProjectOption, len(fs)),
		offered: make([]atomic.Pointer[blocks.PickerProject], len(fs)), ends: make([]int, len(fs)), byID: make(map[int64]int, len(fs)),
		grams: map[uint32][]int32{}}
	var keys strings.Builder
	keys.Grow(size)
	for i, f := range fs {
		idx.projects[i] = f.p
		idx.byID[f.p.ID] = i
		keys.WriteString(f.name)
		keys.WriteByte(' ')
		keys.WriteString(f.client)
		idx.ends[i] = keys.Len()
		keys.WriteByte('\n')
	}
	idx.keys = keys.String()
	for i := range idx.projects {
		k := idx.key(i)
		for j := 0; j+3 <= len(k); j++ {
			g := gram(k, j)
			// A project is listed once per sequence: its own appends
			// come one after the other.
			if list := idx.grams[g]; len(list) == 0 || list[len(list)-1] != int32(i) {
				idx.grams[g] = append(list, int32(i))
			}
		}
	}
	return idx
}

// candidates returns, in index order, the projects whose key holds every
// three-byte sequence of word (len(word) >= 3): those whose key may hold
// word. It is the shortest of the sequences' lists; the caller checks.
func (idx *projectIndex) candidates(word string) []int32 {
	var best []int32
	for j := 0; j+3 <= len(word); j++ {
		list, ok := idx.grams[gram(word, j)]
		if !ok {
			return nil
		}
		if best == nil || len(list) < len(best) {
			best = list
		}
	}
	return best
}

// ActiveProject implements storage.ActiveCatalog: the projects of this
// catalog version are the active ones.
func (idx *projectIndex) ActiveProject(id int64) (storage.ProjectOption, bool) {
	i, ok := idx.byID[id]
	if !ok {
		return storage.ProjectOption{}, false
	}
	return idx.projects[i], true
}

// project returns the project id as the picker offers it.
func (idx *projectIndex) project(id int64) (blocks.PickerProject, bool) {
	i, ok := idx.byID[id]
	if !ok {
		return blocks.PickerProject{}, false
	}
	return idx.offer(i), true
}

// offer returns projects[i] as the picker offers it, encoding its option
// text on first use. Searches racing on a project may both encode it; they
// store the same thing.
func (idx *projectIndex) offer(i int) blocks.PickerProject {
	if p := idx.offered[i].Load(); p != nil {
		return *p
	}
	p := blocks.NewPickerProject(pickerProject(idx.projects[i]))
	idx.offered[i].Store(&p)
	return p
}

func pickerProject(p storage.ProjectOption) blocks.Project {
	return blocks.Project{ID: p.ID, Name: p.Name, Client: p.ClientName}
}

// key returns projects[i]'s search key.
func (idx *projectIndex) key(i int) string {
	start := 0
	if i > 0 {
		start = idx.ends[i-1] + 1
	}
	return idx.keys[start:idx.ends[i]]
}

// search returns, in index order, up to limit projects whose key contains
// every word (folded, without whitespace). It looks for the longest word
// among its candidates (or, shorter than three bytes, scans the keys for
// it) and checks the others on the keys it is found in.
func (idx *projectIndex) search(words []string, limit int) []blocks.PickerProject {
	if limit <= 0 {
		return nil
	}
	out := make([]blocks.PickerProject, 0, min(limit, len(idx.projects)))
	if len(words) == 0 {
		for i := range min(limit, len(idx.projects)) {
			out = append(out, idx.offer(i))
		}
		return out
	}
	lead := 0
	for i, w := range words {
		if len(w) > len(words[lead]) {
			lead = i
		}
	}
	if len(words[lead]) >= 3 {
		for _, i := range idx.candidates(words[lead]) {
			if containsAll(idx.key(int(i)), words) {
				out = append(out, idx.offer(int(i)))
				if len(out) == limit {
					break
				}
			}
		}
		return out
	}
	for from := 0; len(out) < limit && from < len(idx.keys); {
		at := strings.Index(idx.keys[from:], words[lead])
		if at < 0 {
			break
		}
		// The project whose key holds the hit: the first ending after it.
		i := sort.SearchInts(idx.ends, from+at+1)
		if containsAll(idx.key(i), words) {
			out = append(out, idx.offer(i))
		}
		from = idx.ends[i] + 1
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
