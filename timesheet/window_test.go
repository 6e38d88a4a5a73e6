package timesheet

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
)

func TestWindows(t *testing.T) {
	t.Parallel()
	// Wednesday 25 Nov 2026: the current week starts on 23 Nov.
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	wk := func(s string) model.Week {
		w, err := model.ParseWeek(s)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	cases := []struct {
		week       string
		view, act  bool
		whyRefused string
	}{
		{"2026-11-23", true, true, ""},
		{"2026-11-30", true, true, ""}, // Monday already in Kiritimati
		{"2026-12-07", true, false, "too far in the future"},
		{"2027-11-22", true, false, "too far in the future"},
		{"2027-11-29", false, false, "too far in the future"},
		{"2021-11-29", true, true, ""}, // five years back, 260 weeks
		{"2021-11-22", false, false, "too long ago"},
		{"0001-01-01", false, false, "too long ago"},
		{"9999-12-27", false, false, "too far in the future"},
	}
	for _, tc := range cases {
		w := wk(tc.week)
		if got := ViewWindow(now).Contains(w); got != tc.view {
			t.Errorf("%s: in view window %v, want %v", tc.week, got, tc.view)
		}
		err := ActWindow(now).Check(w)
		if (err == nil) != tc.act {
			t.Errorf("%s: act check %v, want allowed=%v", tc.week, err, tc.act)
		}
		if err != nil {
			if model.ErrorCodeOf(err) != model.EInvalid || !strings.Contains(model.ErrorMessage(err), tc.whyRefused) {
				t.Errorf("%s: refused with %q (%s), want %q", tc.week, model.ErrorMessage(err), model.ErrorCodeOf(err), tc.whyRefused)
			}
		}
	}
}
