package timesheet

import (
	"time"

	"github.com/tallyhq/tally/model"
)

// How far from now a week named by a value that came back from Slack (a
// button, an option, private_metadata, a /timesheet date) may lie. Every
// such value is one tally drew, so anything outside is forged or garbage
// and refused before it reaches storage.
const (
	// WeeksBack is five years: further back than the nightly full sync
	// (SYNC_FULL_WEEKS) or any billing question reaches, and the earliest
	// week the home tab's "◀" walks to.
	WeeksBack = 5 * 52
	// WeeksAhead bounds the weeks a person may look at: /timesheet with a
	// date up to a year ahead (Toggl takes planned entries).
	WeeksAhead = 52
	// ActWeeksAhead bounds the weeks anyone may act on (confirm, approve,
	// reject, nudge): the current week, plus one so that a person whose
	// zone is ahead of the server's is never refused their own Monday.
	ActWeeksAhead = 1
)

// Window is the range of weeks a value from Slack may name, both ends
// included.
type Window struct {
	Earliest, Latest model.Week
}

// ViewWindow is the range of weeks a person may look at or export at now.
func ViewWindow(now time.Time) Window { return window(now, WeeksAhead) }

// ActWindow is the range of weeks a person may change at now: confirm,
// approve, reject or nudge.
func ActWindow(now time.Time) Window { return window(now, ActWeeksAhead) }

func window(now time.Time, ahead int) Window {
	// The server's UTC week: the ±1 week margins cover every time zone.
	current := model.WeekOf(now.UTC())
	return Window{
		Earliest: model.Week{Start: current.Start.AddDate(0, 0, -7*WeeksBack)},
		Latest:   model.Week{Start: current.Start.AddDate(0, 0, 7*ahead)},
	}
}

// Contains reports whether week lies in the window.
func (w Window) Contains(week model.Week) bool {
	return !week.Start.Before(w.Earliest.Start) && !week.Start.After(w.Latest.Start)
}

// Check returns nil for a week in the window and otherwise the sentence the
// person who sent it reads (model.EInvalid).
func (w Window) Check(week model.Week) error {
	if w.Contains(week) {
		return nil
	}
	if week.Start.After(w.Latest.Start) {
		return model.Errorf(model.EInvalid, "The week of %s is too far in the future; tally only goes up to the week of %s.",
			week.String(), w.Latest.String())
	}
	return model.Errorf(model.EInvalid, "The week of %s is too long ago; tally goes back to the week of %s.",
		week.String(), w.Earliest.String())
}
