package sync

import (
	"testing"

	"github.com/tallyhq/tally/sandbox"
)

// TestNarrowedRangeIsCompleted: when Toggl answers for fewer days than
// asked (X-Range-Start / X-Range-End), the engine searches the rest; a full
// run then stores what an unnarrowed run stores and deletes nothing.
func TestNarrowedRangeIsCompleted(t *testing.T) {
	t.Parallel()
	calm := newFixture(t, fixtureOpts{})
	if _, err := calm.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for _, days := range []int{3, 7} {
		f := newFixture(t, fixtureOpts{fake: sandbox.TogglOptions{MaxRangeDays: days}})
		res, err := f.engine.RunFull(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := snapshot(t, f.db), snapshot(t, calm.db); got != want {
			t.Fatalf("MaxRangeDays %d: stored entries differ from an unnarrowed run (seen %d)", days, res.Seen)
		}
		// A second full run on the narrowed fake must not treat the entries
		// beyond the first days as deleted.
		again, err := f.engine.RunFull(ctx(t))
		if err != nil || again.Deleted != 0 || again.Inserted != 0 {
			t.Fatalf("MaxRangeDays %d: second run = %+v, %v", days, again, err)
		}
	}
}
