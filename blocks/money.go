package blocks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tallyhq/tally/model"
)

// Drift is how a week differs from what a manager approved: now minus
// approved, in seconds and per currency (storage's Drift).
type Drift struct {
	Seconds int64
	Amounts model.Amounts
}

// Zero reports whether nothing differs.
func (d Drift) Zero() bool {
	if d.Seconds != 0 {
		return false
	}
	for _, v := range d.Amounts {
		if v != 0 {
			return false
		}
	}
	return true
}

// Text renders the difference with signs, e.g. "+1:30 h · +150.00 EUR ·
// -20.00 USD"; amounts whose difference is zero are left out, and a week
// whose entries changed without moving its figures says so.
func (d Drift) Text() string {
	if d.Zero() {
		return "same hours and amounts, entries changed"
	}
	parts := []string{signed(d.Seconds, Duration(abs(d.Seconds))) + " h"}
	codes := make([]string, 0, len(d.Amounts))
	for c, v := range d.Amounts {
		if v != 0 {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	for _, c := range codes {
		v := d.Amounts[c]
		parts = append(parts, signed(v, model.Money{Minor: abs(v), Currency: c}.String()))
	}
	return strings.Join(parts, " · ")
}

func signed(v int64, s string) string {
	switch {
	case v > 0:
		return "+" + s
	case v < 0:
		return "-" + s
	}
	return "±" + s
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// billableText is the money of a set of entries in mrkdwn: the priced
// amount per currency and, apart, the unpriced billable time with why —
// never an amount of zero standing for time that has no rate.
func billableText(a model.Amounts, unpricedSecs int64, why model.UnpricedReason) string {
	priced := len(a) > 0
	var parts []string
	if priced || unpricedSecs == 0 {
		parts = append(parts, "billable *"+amounts(a)+"*")
	}
	if unpricedSecs > 0 {
		u := fmt.Sprintf(":warning: *%s unpriced*", Duration(unpricedSecs))
		if t := why.Text(); t != "" {
			u += " (" + t + ")"
		}
		if !priced {
			u = "billable " + u
		}
		parts = append(parts, u)
	}
	return strings.Join(parts, " · ")
}

// outsideText marks time logged outside a person's employment.
func outsideText(secs int64, issue model.EmploymentIssue) string {
	t := fmt.Sprintf(":warning: *%s outside employment*", Duration(secs))
	if w := issue.Text(); w != "" {
		t += " (" + w + ")"
	}
	return t
}
