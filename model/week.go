package model

import (
	"fmt"
	"strings"
	"time"
)

// Week is an ISO week (Monday to Sunday) identified by the date of its Monday.
type Week struct {
	// Start is the Monday, at midnight UTC, used only as a calendar date.
	Start time.Time
}

// WeekOf returns the week that contains the calendar date of t in t's location.
func WeekOf(t time.Time) Week {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	offset := (int(d.Weekday()) + 6) % 7 // Monday = 0
	return Week{Start: d.AddDate(0, 0, -offset)}
}

// ParseWeek parses a date "YYYY-MM-DD" and returns the week containing it.
func ParseWeek(s string) (Week, error) {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Week{}, fmt.Errorf("%q is not a date like 2026-11-23", s)
	}
	return WeekOf(d), nil
}

// End returns the Sunday of the week.
func (w Week) End() time.Time { return w.Start.AddDate(0, 0, 6) }

// Prev returns the week before.
func (w Week) Prev() Week { return Week{Start: w.Start.AddDate(0, 0, -7)} }

// Next returns the week after.
func (w Week) Next() Week { return Week{Start: w.Start.AddDate(0, 0, 7)} }

// Days returns the seven dates of the week, Monday first.
func (w Week) Days() []time.Time {
	out := make([]time.Time, 7)
	for i := range out {
		out[i] = w.Start.AddDate(0, 0, i)
	}
	return out
}

// String renders the week as its Monday's date.
func (w Week) String() string { return w.Start.Format(time.DateOnly) }

// Label renders the week for people, e.g. "23–29 Nov 2026".
func (w Week) Label() string {
	s, e := w.Start, w.End()
	switch {
	case s.Year() != e.Year():
		return s.Format("2 Jan 2006") + "–" + e.Format("2 Jan 2006")
	case s.Month() != e.Month():
		return s.Format("2 Jan") + "–" + e.Format("2 Jan 2006")
	default:
		return fmt.Sprintf("%d–%s", s.Day(), e.Format("2 Jan 2006"))
	}
}
