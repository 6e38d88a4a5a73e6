package sandbox

import (
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
)

func TestTogglTrueProject(t *testing.T) {
	t.Parallel()
	week := model.WeekOf(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	f := togglTestFake(t, TogglOptions{Now: func() time.Time { return week.End() }})
	f.Generate(TogglGenSpec{Users: 40, Weeks: []model.Week{week.Prev(), week}})
	entries := f.Entries()
	if len(entries) < 40*2*39 {
		t.Fatalf("%d entries; want 40 per person and week", len(entries))
	}
	unallocated, blocks, pairs := 0, 0, 0
	byDesc := map[string]map[int64]int{}
	for i, e := range entries {
		truth, ok := f.TrueProject(e.ID)
		if !ok || truth == 0 {
			t.Fatalf("entry %d: no truth", e.ID)
		}
		if e.ProjectID != 0 && e.ProjectID != truth {
			t.Fatalf("entry %d allocated to %d but truly %d", e.ID, e.ProjectID, truth)
		}
		if e.ProjectID == 0 {
			unallocated++
		}
		if i > 0 && entries[i-1].UserID == e.UserID && entries[i-1].Start.YearDay() == e.Start.YearDay() {
			pairs++
			if prev, _ := f.TrueProject(entries[i-1].ID); prev == truth {
				blocks++
			}
		}
		if byDesc[e.Description] == nil {
			byDesc[e.Description] = map[int64]int{}
		}
		byDesc[e.Description][truth]++
	}
	if frac := float64(unallocated) / float64(len(entries)); frac < 0.25 || frac > 0.42 {
		t.Fatalf("unallocated fraction %.2f; want about a third", frac)
	}
	if share := float64(blocks) / float64(pairs); share < 0.5 {
		t.Fatalf("only %.2f of neighbours share the project; people work in blocks", share)
	}
	// A topic's description lives on one or two projects; "standup" on many.
	if n := len(byDesc["fix checkout"]); n == 0 || n > 2 {
		t.Fatalf(`"fix checkout" on %d projects`, n)
	}
	if n := len(byDesc["standup"]); n < 5 {
		t.Fatalf(`"standup" on only %d projects`, n)
	}
	if _, ok := f.TrueProject(1); ok {
		t.Fatal("truth for an entry the generator never made")
	}
}
