package toggl

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SearchParams is the body of a Reports v3 detailed search. Zero fields are
// left out, except the two rounding fields: Toggl rounds durations by the
// token owner's preferences unless the request says otherwise
// (engineering.toggl.com/docs/reports/detailed_reports), so every search
// sends rounding 0 and rounding_minutes 0 and gets exact seconds.
type SearchParams struct {
	StartDate      string  `json:"start_date,omitempty"` // YYYY-MM-DD
	EndDate        string  `json:"end_date,omitempty"`
	UserIDs        []int64 `json:"user_ids,omitempty"`
	ProjectIDs     []int64 `json:"project_ids,omitempty"`
	PageSize       int     `json:"page_size,omitempty"`
	FirstRowNumber int64   `json:"first_row_number,omitempty"`
	FirstID        int64   `json:"first_id,omitempty"`
	OrderBy        string  `json:"order_by,omitempty"`  // date, user, duration, description, last_update
	OrderDir       string  `json:"order_dir,omitempty"` // ASC or DESC
	// Rounding and RoundingMinutes stay zero: no rounding, whatever the
	// token owner prefers. Both are sent so that either reading of
	// "rounding" (a mode or an on/off flag) asks for exact durations.
	Rounding        int `json:"rounding"`
	RoundingMinutes int `json:"rounding_minutes"`
}

// ReportRow is one row of a detailed report. Entry ids, times and the
// last-update time live in TimeEntries, which is a list.
type ReportRow struct {
	UserID                int64             `json:"user_id"`
	Username              string            `json:"username"`
	ProjectID             *int64            `json:"project_id"`
	TaskID                *int64            `json:"task_id"`
	Billable              bool              `json:"billable"`
	Description           string            `json:"description"`
	TagIDs                []int64           `json:"tag_ids"`
	BillableAmountInCents *int64            `json:"billable_amount_in_cents"`
	HourlyRateInCents     *int64            `json:"hourly_rate_in_cents"`
	Currency              string            `json:"currency"`
	RowNumber             int64             `json:"row_number"`
	TimeEntries           []ReportTimeEntry `json:"time_entries"`
}

// ReportTimeEntry is one entry inside a report row. Start and Stop carry the
// user's offset; Stop is null and Seconds negative while a timer runs.
type ReportTimeEntry struct {
	ID      int64   `json:"id"`
	Seconds int64   `json:"seconds"`
	Start   string  `json:"start"`
	Stop    *string `json:"stop"`
	At      string  `json:"at"`
	AtTZ    string  `json:"at_tz"`
}

// Page is one page of a detailed search and the cursor to the next.
type Page struct {
	Rows []ReportRow
	// HasNext is true when Toggl sent X-Next-Row-Number or X-Next-ID.
	HasNext       bool
	NextRowNumber int64
	NextID        int64
	// RangeStart and RangeEnd are X-Range-Start / X-Range-End as sent: the
	// date range Toggl actually searched, which may be narrower than asked.
	RangeStart string
	RangeEnd   string
}

// Next returns p advanced to the page after page.
func (p SearchParams) Next(page Page) SearchParams {
	p.FirstRowNumber = page.NextRowNumber
	p.FirstID = page.NextID
	return p
}

// Uncovered returns the searches for the parts of p's date range that
// Toggl left out when it answered for [rangeStart, rangeEnd] (the
// X-Range-Start / X-Range-End of its pages), starting from the first page.
// It returns nil when the range was not narrowed, when p has no closed
// range, or when the headers are not dates (YYYY-MM-DD or RFC 3339).
func (p SearchParams) Uncovered(rangeStart, rangeEnd string) []SearchParams {
	from, ok1 := parseDay(p.StartDate)
	to, ok2 := parseDay(p.EndDate)
	usedFrom, ok3 := parseDay(rangeStart)
	usedTo, ok4 := parseDay(rangeEnd)
	if !ok1 || !ok2 || !ok3 || !ok4 || usedTo.Before(usedFrom) {
		return nil
	}
	fresh := p
	fresh.FirstRowNumber, fresh.FirstID = 0, 0
	var out []SearchParams
	if usedFrom.After(from) {
		q := fresh
		q.EndDate = usedFrom.AddDate(0, 0, -1).Format(time.DateOnly)
		out = append(out, q)
	}
	if usedTo.Before(to) {
		q := fresh
		q.StartDate = usedTo.AddDate(0, 0, 1).Format(time.DateOnly)
		out = append(out, q)
	}
	return out
}

// parseDay reads a date as Toggl writes it in requests or range headers.
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
	}
	return time.Time{}, false
}

// SearchTimeEntries runs one page of
// POST reports/api/v3/workspace/{wid}/search/time_entries, always asking for
// exact durations.
func (c *Client) SearchTimeEntries(ctx context.Context, p SearchParams) (Page, error) {
	path := fmt.Sprintf("reports/api/v3/workspace/%d/search/time_entries", c.wid)
	p.Rounding, p.RoundingMinutes = 0, 0
	res, err := c.do(ctx, "POST", path, p)
	if err != nil {
		return Page{}, fmt.Errorf("search time entries: %w", err)
	}
	var rows []ReportRow
	if err := json.Unmarshal(res.body, &rows); err != nil {
		return Page{}, fmt.Errorf("decode time entries page: %w", err)
	}
	page := Page{Rows: rows, RangeStart: res.header.Get("X-Range-Start"), RangeEnd: res.header.Get("X-Range-End")}
	if v := strings.TrimSpace(res.header.Get("X-Next-Row-Number")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return Page{}, fmt.Errorf("bad X-Next-Row-Number %q", v)
		}
		page.NextRowNumber, page.HasNext = n, true
	}
	if v := strings.TrimSpace(res.header.Get("X-Next-ID")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return Page{}, fmt.Errorf("bad X-Next-ID %q", v)
		}
		page.NextID, page.HasNext = n, true
	}
	return page, nil
}
