package blocks

import (
	"fmt"
	"strings"

	"github.com/tallyhq/tally/model"
)

// Summary is the arithmetic of a set of entries that every surface shows.
type Summary struct {
	Entries            int
	Seconds            int64
	ConfirmedSeconds   int64
	UnallocatedSeconds int64
	ChangedSeconds     int64 // changed since confirmed
	Unconfirmed        int   // entries not (or no longer) confirmed
	UnconfirmedSeconds int64
	Unallocated        int
	// Confirmable counts the unconfirmed entries that have a project: what
	// Confirm all confirms (time without a project needs one first).
	Confirmable        int
	ConfirmableSeconds int64
	Billable           model.Amounts
}

// Summarize adds up entries, skipping deleted ones.
func Summarize(entries []model.Entry) Summary {
	s := Summary{Billable: model.Amounts{}}
	for _, e := range entries {
		if e.Deleted {
			continue
		}
		s.Entries++
		s.Seconds += e.Seconds
		if e.Status == model.StatusConfirmed {
			s.ConfirmedSeconds += e.Seconds
		} else {
			s.Unconfirmed++
			s.UnconfirmedSeconds += e.Seconds
			if e.Allocated() {
				s.Confirmable++
				s.ConfirmableSeconds += e.Seconds
			}
		}
		if e.Status == model.StatusChanged {
			s.ChangedSeconds += e.Seconds
		}
		if !e.Allocated() {
			s.Unallocated++
			s.UnallocatedSeconds += e.Seconds
		}
		s.Billable.Add(e.Amount)
	}
	return s
}

// Line renders the summary as one mrkdwn line, e.g. "*38:30* logged ·
// *30:00* confirmed (78%) · *4:15* unallocated · billable *1,200.00 EUR*".
func (s Summary) Line() string {
	parts := []string{
		fmt.Sprintf("*%s* logged", Duration(s.Seconds)),
		fmt.Sprintf("*%s* confirmed (%s)", Duration(s.ConfirmedSeconds), percent(s.ConfirmedSeconds, s.Seconds)),
	}
	if s.UnallocatedSeconds > 0 {
		parts = append(parts, fmt.Sprintf(":warning: *%s* unallocated", Duration(s.UnallocatedSeconds)))
	} else {
		parts = append(parts, "*0:00* unallocated")
	}
	if s.ChangedSeconds > 0 {
		parts = append(parts, fmt.Sprintf("*%s* changed since confirmed", Duration(s.ChangedSeconds)))
	}
	parts = append(parts, "billable *"+amounts(s.Billable)+"*")
	return strings.Join(parts, " · ")
}

// amounts renders a multi-currency sum; nil or empty renders as "0".
func amounts(a model.Amounts) string {
	if a == nil {
		return "0"
	}
	return a.String()
}
