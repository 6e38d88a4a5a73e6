package remind

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
)

// At is a weekday and a local time of day, e.g. Friday 16:00.
type At struct {
	Weekday time.Weekday
	Hour    int
	Minute  int
}

// ParseAt builds an At from a weekday and "HH:MM".
func ParseAt(day time.Weekday, hhmm string) (At, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(hhmm), ":")
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return At{}, fmt.Errorf("time %q is not HH:MM", hhmm)
	}
	return At{Weekday: day, Hour: hour, Minute: minute}, nil
}

// String renders the At like "Friday 16:00".
func (a At) String() string { return fmt.Sprintf("%s %02d:%02d", a.Weekday, a.Hour, a.Minute) }

// in returns the instant of a in week w (ISO: Monday first) in loc. A local
// time that does not exist (a DST gap) moves forward as time.Date does; one
// that exists twice (a DST fold) is its first occurrence.
func (a At) in(w model.Week, loc *time.Location) time.Time {
	offset := (int(a.Weekday) + 6) % 7 // Monday = 0 … Sunday = 6
	d := w.Start.AddDate(0, 0, offset)
	t := time.Date(d.Year(), d.Month(), d.Day(), a.Hour, a.Minute, 0, 0, loc)
	// time.Date does not promise which of two equal wall times it picks.
	for _, back := range []time.Duration{time.Hour, 30 * time.Minute} {
		if e := t.Add(-back); e.Hour() == t.Hour() && e.Minute() == t.Minute() && e.Day() == t.Day() {
			return e
		}
	}
	return t
}

// zone resolves a person's Slack time zone through model.Location (the one
// parse path), falling back to the engine's default zone when it is empty
// or not an IANA name this system knows. A zone that does not load is
// counted and logged once per name, never silently ignored.
func (e *Engine) zone(tz string) *time.Location {
	loc, err := model.Location(tz, e.opts.DefaultTZ)
	if err != nil {
		e.metrics.badZones.Inc()
		if _, seen := e.badZones.LoadOrStore(tz, true); !seen {
			e.log.Warn("unknown Slack time zone; using the default zone", zap.String("tz", tz),
				zap.String("default", e.opts.DefaultTZ.String()), zap.Error(err))
		}
	}
	return loc
}

// localWeek is the week that contains now on the calendar of loc.
func localWeek(now time.Time, loc *time.Location) model.Week { return model.WeekOf(now.In(loc)) }

// dateOnly returns t's calendar date as midnight UTC.
func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// TimeOff is one approved absence from the time-off source: whole days
// from Start to End inclusive (dates; the time of day is ignored).
type TimeOff struct {
	EmployeeBambooID string
	Start, End       time.Time
}

// offAllWeek reports whether the person's absences cover every working day
// (Monday to Friday) of w.
func offAllWeek(offs []TimeOff, w model.Week) bool {
	if len(offs) == 0 {
		return false
	}
	for i := range 5 {
		day := w.Start.AddDate(0, 0, i)
		covered := false
		for _, o := range offs {
			if !day.Before(dateOnly(o.Start)) && !day.After(dateOnly(o.End)) {
				covered = true
				break
			}
		}
		if !covered {
			return false
		}
	}
	return true
}
