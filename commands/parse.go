package commands

import (
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/timesheet"
)

// weekArg is what a /timesheet or /confirm-all argument asks for.
type weekArg struct {
	help bool
	week model.Week
}

// parseWeekArg reads "", "this week", "last week", "help" and, when
// allowDate is set, a date "YYYY-MM-DD" (any day of the wanted week) within
// timesheet.ViewWindow. now
// must already be in the caller's time zone: "this week" is the caller's
// week, not the server's.
func parseWeekArg(text string, now time.Time, allowDate bool) (weekArg, error) {
	t := strings.ToLower(strings.Join(strings.Fields(text), " "))
	switch t {
	case "", "this week", "this", "current", "now":
		return weekArg{week: model.WeekOf(now)}, nil
	case "last week", "last", "previous", "prev":
		return weekArg{week: model.WeekOf(now).Prev()}, nil
	case "help", "-h", "--help", "?":
		return weekArg{help: true}, nil
	}
	if allowDate {
		w, err := model.ParseWeek(t)
		if err == nil {
			if err := timesheet.ViewWindow(now).Check(w); err != nil {
				return weekArg{}, err
			}
			return weekArg{week: w}, nil
		}
	}
	return weekArg{}, model.Errorf(model.EInvalid, "I don't understand %q.", blocks.Clip(text))
}

// userNow returns now in the person's Slack time zone, or in the default
// zone when theirs is unknown or invalid (logged: Slack sent a zone this
// server cannot load).
func (h *Handler) userNow(emp model.Employee) time.Time {
	loc, err := model.Location(emp.SlackTZ, h.defaultTZ)
	if err != nil {
		h.log.Warn("invalid slack time zone, using the default", zap.Int64("employee", emp.ID), zap.Error(err))
	}
	return h.now().In(loc)
}
