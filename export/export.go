// Package export writes tally's billing export: every live time entry of a
// date range, priced at the rate in force on its date, as RFC 4180 CSV — or
// totals per client, project or person and currency. Rows stream from
// Postgres to the writer one at a time, so a month of a 10,000-person
// organisation needs no more memory than a day of one person.
package export

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// GroupBy selects grouped totals instead of one row per entry.
type GroupBy string

// The groupings; GroupNone writes one row per entry.
const (
	GroupNone    GroupBy = ""
	GroupClient  GroupBy = GroupBy(storage.ExportByClient)
	GroupProject GroupBy = GroupBy(storage.ExportByProject)
	GroupPerson  GroupBy = GroupBy(storage.ExportByPerson)
)

// ParseGroupBy parses the --group-by value: client, project, person or "".
func ParseGroupBy(s string) (GroupBy, error) {
	switch g := GroupBy(strings.ToLower(strings.TrimSpace(s))); g {
	case GroupNone, GroupClient, GroupProject, GroupPerson:
		return g, nil
	}
	return "", fmt.Errorf("group by %q: use client, project or person", s)
}

// Options says what to export.
type Options struct {
	From, To     time.Time // entries' local dates, both included
	ApprovedOnly bool      // only weeks that stand approved
	GroupBy      GroupBy
	// EmployeeIDs limits the export to these people (a manager's subtree);
	// nil exports everyone.
	EmployeeIDs []int64
}

// Validate reports what is wrong with the options, if anything.
func (o Options) Validate() error {
	if o.From.IsZero() || o.To.IsZero() {
		return errors.New("both --from and --to dates are required")
	}
	if o.To.Before(o.From) {
		return fmt.Errorf("--to %s is before --from %s", o.To.Format(time.DateOnly), o.From.Format(time.DateOnly))
	}
	if _, err := ParseGroupBy(string(o.GroupBy)); err != nil {
		return err
	}
	return nil
}

// Source is where the export reads from; *storage.DB is one.
type Source interface {
	ExportEntries(ctx context.Context, f storage.ExportFilter, fn func(storage.ExportRow) error) error
	ExportGroups(ctx context.Context, f storage.ExportFilter, by storage.ExportGroupBy, fn func(storage.ExportGroup) error) error
}

// Summary is what an export contained. For the same filter its figures
// equal storage.DB.OrgTotals.
type Summary struct {
	Rows             int64 // CSV data rows written (entries, or groups)
	Entries          int64
	Seconds          int64
	BillableSeconds  int64
	ConfirmedSeconds int64
	// Confirmed is the billable amount of confirmed entries per currency:
	// what can be invoiced. All includes unconfirmed entries too.
	Confirmed model.Amounts
	All       model.Amounts
	// Unpriced counts billable entries without a rate in force on their
	// date (UnpricedSeconds their time): they carry no amount and need a
	// rate in BambooHR.
	Unpriced        int64
	UnpricedSeconds int64
	// Changed counts entries flagged changed after approval.
	Changed int64
}

// EntryHeader is the header of the per-entry CSV. seconds, billable, rate
// and amount recompute every row: amount = seconds × rate / 3600 rounded
// half away from zero to the currency's minor unit (docs/money.md).
var EntryHeader = []string{"client", "project", "person", "email", "date", "seconds", "hours", "billable",
	"rate", "currency", "amount", "unpriced", "confirmed", "approved", "changed_after_approval", "employment",
	"toggl_entry_id"}

// GroupHeader returns the header of a grouped CSV.
func GroupHeader(by GroupBy) []string {
	var keys []string
	switch by {
	case GroupClient:
		keys = []string{"client"}
	case GroupProject:
		keys = []string{"client", "project"}
	case GroupPerson:
		keys = []string{"person", "email"}
	}
	return append(keys, "currency", "entries", "seconds", "hours", "billable_seconds", "confirmed_seconds",
		"confirmed_hours", "amount", "confirmed_amount", "unpriced_entries", "unpriced_seconds", "changed_entries")
}

// Write streams the export to w as CSV (RFC 4180: CRLF line ends, UTF-8, one
// header row) and returns its summary. Seconds are exact; hours have two
// decimals, for people; amounts and rates are decimals in their currency's
// minor-unit exponent without thousands separators; billable entries without
// a rate have empty rate, currency and amount and name why in the unpriced
// column. Grouped amounts are sums of the entries' amounts; grouped hours
// are rounded once, from the summed seconds. With ApprovedOnly the rows are
// the approved records, flagged in changed_after_approval when the week
// changed since.
func Write(ctx context.Context, src Source, w io.Writer, opts Options) (Summary, error) {
	if err := opts.Validate(); err != nil {
		return Summary{}, err
	}
	sum := Summary{Confirmed: model.Amounts{}, All: model.Amounts{}}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	filter := storage.ExportFilter{From: opts.From, To: opts.To, ApprovedOnly: opts.ApprovedOnly, EmployeeIDs: opts.EmployeeIDs}
	var err error
	if opts.GroupBy == GroupNone {
		err = writeEntries(ctx, src, cw, filter, &sum)
	} else {
		err = writeGroups(ctx, src, cw, filter, opts.GroupBy, &sum)
	}
	if err != nil {
		return sum, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return sum, fmt.Errorf("write csv: %w", err)
	}
	return sum, nil
}

func writeEntries(ctx context.Context, src Source, cw *csv.Writer, f storage.ExportFilter, sum *Summary) error {
	if err := cw.Write(EntryHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	rec := make([]string, len(EntryHeader))
	return src.ExportEntries(ctx, f, func(r storage.ExportRow) error {
		rec[0], rec[1], rec[2], rec[3] = cell(r.Client), cell(r.Project), cell(r.Person), cell(r.Email)
		rec[4] = r.Date.Format(time.DateOnly)
		rec[5], rec[6], rec[7] = strconv.FormatInt(r.Seconds, 10), Hours(r.Seconds), strconv.FormatBool(r.Billable)
		rec[8], rec[9], rec[10] = "", "", ""
		if r.Priced {
			rec[8], rec[9], rec[10] = Decimal(r.RateMinor, r.Currency), r.Currency, Decimal(r.AmountMinor, r.Currency)
			sum.All[r.Currency] += r.AmountMinor
			if r.Confirmed {
				sum.Confirmed[r.Currency] += r.AmountMinor
			}
		}
		rec[11] = string(r.Unpriced)
		if r.Unpriced != storage.Priced {
			sum.Unpriced++
			sum.UnpricedSeconds += r.Seconds
		}
		rec[12], rec[13], rec[14] = strconv.FormatBool(r.Confirmed), strconv.FormatBool(r.Approved), strconv.FormatBool(r.Changed)
		rec[15], rec[16] = string(r.Employment), strconv.FormatInt(r.EntryID, 10)
		sum.Rows++
		sum.Entries++
		sum.Seconds += r.Seconds
		if r.Billable {
			sum.BillableSeconds += r.Seconds
		}
		if r.Confirmed {
			sum.ConfirmedSeconds += r.Seconds
		}
		if r.Changed {
			sum.Changed++
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		return nil
	})
}

func writeGroups(ctx context.Context, src Source, cw *csv.Writer, f storage.ExportFilter, by GroupBy, sum *Summary) error {
	if err := cw.Write(GroupHeader(by)); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return src.ExportGroups(ctx, f, storage.ExportGroupBy(by), func(g storage.ExportGroup) error {
		var rec []string
		switch by {
		case GroupClient:
			rec = []string{cell(g.Client)}
		case GroupProject:
			rec = []string{cell(g.Client), cell(g.Project)}
		case GroupPerson:
			rec = []string{cell(g.Person), cell(g.Email)}
		}
		amount, confirmed := "", ""
		if g.Currency != "" {
			amount, confirmed = Decimal(g.AmountMinor, g.Currency), Decimal(g.ConfirmedAmountMinor, g.Currency)
			sum.All[g.Currency] += g.AmountMinor
			sum.Confirmed[g.Currency] += g.ConfirmedAmountMinor
		}
		rec = append(rec, g.Currency, strconv.FormatInt(g.Entries, 10), strconv.FormatInt(g.Seconds, 10), Hours(g.Seconds),
			strconv.FormatInt(g.BillableSeconds, 10), strconv.FormatInt(g.ConfirmedSeconds, 10), Hours(g.ConfirmedSeconds),
			amount, confirmed, strconv.FormatInt(g.Unpriced, 10), strconv.FormatInt(g.UnpricedSeconds, 10),
			strconv.FormatInt(g.Changed, 10))
		sum.Rows++
		sum.Entries += g.Entries
		sum.Seconds += g.Seconds
		sum.BillableSeconds += g.BillableSeconds
		sum.ConfirmedSeconds += g.ConfirmedSeconds
		sum.Unpriced += g.Unpriced
		sum.UnpricedSeconds += g.UnpricedSeconds
		sum.Changed += g.Changed
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		return nil
	})
}

// Hours formats seconds as hours with two decimals, rounded half up:
// 5400 → "1.50", 100 → "0.03".
func Hours(seconds int64) string {
	neg := seconds < 0
	if neg {
		seconds = -seconds
	}
	hundredths := (seconds*100 + 1800) / 3600
	s := fmt.Sprintf("%d.%02d", hundredths/100, hundredths%100)
	if neg && hundredths != 0 {
		s = "-" + s
	}
	return s
}

// Decimal formats minor units in the currency's exponent without thousands
// separators: 123456 EUR → "1234.56", 1500 JPY → "1500".
func Decimal(minor int64, currency string) string {
	return strings.ReplaceAll(model.FormatMinor(minor, currency), ",", "")
}

// cell defuses a text value a spreadsheet would run as a formula (one
// starting with = + - @ or a control character) by prefixing a quote; every
// other value is written as it is.
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
