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
	// Billable is the priced billable amount per currency.
	Billable model.Amounts
	// Unpriced counts billable entries with no rate in force on their
	// date (UnpricedSeconds their time, UnpricedReason why most of it):
	// they are not in Billable and are shown as unpriced, never as zero.
	Unpriced        int
	UnpricedSeconds int64
	UnpricedReason  model.UnpricedReason
	// Outside counts entries logged outside the person's employment
	// (OutsideSeconds their time, OutsideIssue how most of it).
	Outside        int
	OutsideSeconds int64
	OutsideIssue   model.EmploymentIssue
}

// Summarize adds up entries, skipping deleted ones.
func Summarize(entries []model.Entry) Summary {
	s := Summary{Billable: model.Amounts{}}
	unpricedBy := map[model.UnpricedReason]int64{}
	outsideBy := map[model.EmploymentIssue]int64{}
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
		if why := e.UnpricedWhy(); why != model.Priced {
			s.Unpriced++
			s.UnpricedSeconds += e.Seconds
			unpricedBy[why] += e.Seconds
		} else {
			s.Billable.Add(e.Amount)
		}
		if e.Outside != model.EmploymentOK {
			s.Outside++
			s.OutsideSeconds += e.Seconds
			outsideBy[e.Outside] += e.Seconds
		}
	}
	s.UnpricedReason = largest(unpricedBy)
	s.OutsideIssue = largest(outsideBy)
	return s
}

// largest returns the key with the most seconds (the smallest key on a
// tie, so output never depends on map order).
func largest[K ~string](m map[K]int64) K {
	var best K
	var most int64 = -1
	for k, v := range m {
		if v > most || (v == most && k < best) {
			best, most = k, v
		}
	}
	return best
}

// Add adds another summary to s (team and organisation totals); the
// reasons stay s's unless s had none.
func (s *Summary) Add(o Summary) {
	s.Entries += o.Entries
	s.Seconds += o.Seconds
	s.ConfirmedSeconds += o.ConfirmedSeconds
	s.UnallocatedSeconds += o.UnallocatedSeconds
	s.ChangedSeconds += o.ChangedSeconds
	s.Unconfirmed += o.Unconfirmed
	s.UnconfirmedSeconds += o.UnconfirmedSeconds
	s.Unallocated += o.Unallocated
	s.Confirmable += o.Confirmable
	s.ConfirmableSeconds += o.ConfirmableSeconds
	if s.Billable == nil {
		s.Billable = model.Amounts{}
	}
	for c, v := range o.Billable {
		s.Billable[c] += v
	}
	s.Unpriced += o.Unpriced
	s.UnpricedSeconds += o.UnpricedSeconds
	if s.UnpricedReason == model.Priced {
		s.UnpricedReason = o.UnpricedReason
	}
	s.Outside += o.Outside
	s.OutsideSeconds += o.OutsideSeconds
	if s.OutsideIssue == model.EmploymentOK {
		s.OutsideIssue = o.OutsideIssue
	}
}

// Money renders the summary's billable amount and its unpriced time, e.g.
// "billable *1,200.00 EUR* · ⚠️ *2:00 unpriced* (no billable rate in
// BambooHR)"; unpriced time is never shown as an amount of zero.
func (s Summary) Money() string {
	return billableText(s.Billable, s.UnpricedSeconds, s.UnpricedReason)
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
	parts = append(parts, s.Money())
	if s.OutsideSeconds > 0 {
		parts = append(parts, outsideText(s.OutsideSeconds, s.OutsideIssue))
	}
	return strings.Join(parts, " · ")
}

// amounts renders a multi-currency sum; nil or empty renders as "0".
func amounts(a model.Amounts) string {
	if a == nil {
		return "0"
	}
	return a.String()
}
