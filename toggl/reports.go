package toggl

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// SearchParams is the body of a Reports v3 detailed search. Zero fields are
// left out.
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
	RangeStart    string
	RangeEnd      string
}

// Next returns p advanced to the page after page.
func (p SearchParams) Next(page Page) SearchParams {
	p.FirstRowNumber = page.NextRowNumber
	p.FirstID = page.NextID
	return p
}

// SearchTimeEntries runs one page of
// POST reports/api/v3/workspace/{wid}/search/time_entries.
func (c *Client) SearchTimeEntries(ctx context.Context, p SearchParams) (Page, error) {
	path := fmt.Sprintf("reports/api/v3/workspace/%d/search/time_entries", c.wid)
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
