package sandbox

import (
	"runtime"
	"sync"
	"weak"
)

// The generator's ground truth: for every entry Generate made, the project
// the time really belongs to, whether or not the person allocated it. It is
// for benchmarks, tests and the demo, which measure suggestions against it;
// tally itself never sees it (it only reads Postgres).
//
// The truth is kept beside the fake, keyed weakly by it, and dropped when
// the fake is garbage collected.
var togglTruths struct {
	mu sync.Mutex
	m  map[weak.Pointer[Toggl]]*togglTruth
}

// togglTruth holds the true projects of runs of consecutive entry ids.
type togglTruth struct {
	mu   sync.Mutex
	runs []togglTruthRun
}

// togglTruthRun is the true project of entry ids first, first+1, ….
type togglTruthRun struct {
	first    int64
	projects []int64
}

// truthOf returns the fake's truth, creating it on first use.
func (t *Toggl) truthOf() *togglTruth {
	key := weak.Make(t)
	togglTruths.mu.Lock()
	defer togglTruths.mu.Unlock()
	if togglTruths.m == nil {
		togglTruths.m = make(map[weak.Pointer[Toggl]]*togglTruth)
	}
	tr, ok := togglTruths.m[key]
	if !ok {
		tr = &togglTruth{}
		togglTruths.m[key] = tr
		runtime.AddCleanup(t, func(k weak.Pointer[Toggl]) {
			togglTruths.mu.Lock()
			delete(togglTruths.m, k)
			togglTruths.mu.Unlock()
		}, key)
	}
	return tr
}

// record notes that entry id really belongs to project (0: none).
func (tr *togglTruth) record(id, project int64) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if n := len(tr.runs); n > 0 {
		r := &tr.runs[n-1]
		if id == r.first+int64(len(r.projects)) {
			r.projects = append(r.projects, project)
			return
		}
	}
	tr.runs = append(tr.runs, togglTruthRun{first: id, projects: []int64{project}})
}

// TrueProject returns the project the generator decided entry id really
// belongs to, allocated or not, and whether Generate made that entry. Later
// edits (EditEntry, EditRandom) do not change it.
func (t *Toggl) TrueProject(entryID int64) (int64, bool) {
	tr := t.truthOf()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for i := len(tr.runs) - 1; i >= 0; i-- {
		r := tr.runs[i]
		if k := entryID - r.first; k >= 0 && k < int64(len(r.projects)) {
			return r.projects[k], true
		}
	}
	return 0, false
}
