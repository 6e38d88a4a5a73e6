package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// togglSearchBody is the Reports API v3 detailed search body.
type togglSearchBody struct {
	StartDate       string  `json:"start_date"`
	EndDate         string  `json:"end_date"`
	UserIDs         []int64 `json:"user_ids"`
	ProjectIDs      []int64 `json:"project_ids"`
	ClientIDs       []int64 `json:"client_ids"`
	TagIDs          []int64 `json:"tag_ids"`
	Billable        *bool   `json:"billable"`
	Description     *string `json:"description"`
	PageSize        int     `json:"page_size"`
	FirstRowNumber  int64   `json:"first_row_number"`
	FirstID         int64   `json:"first_id"`
	FirstTimestamp  int64   `json:"first_timestamp"`
	OrderBy         string  `json:"order_by"`
	OrderDir        string  `json:"order_dir"`
	Grouped         bool    `json:"grouped"`
	EnrichResponse  bool    `json:"enrich_response"`
	Rounding        *int    `json:"rounding"`
	RoundingMinutes *int    `json:"rounding_minutes"`
}

// togglRoundingMinutes are the rounding_minutes values Reports v3 accepts.
var togglRoundingMinutes = map[int]bool{0: true, 1: true, 5: true, 6: true, 10: true, 12: true, 15: true, 30: true, 60: true, 240: true}

// togglRounding is how a search rounds durations: by minutes (0: exact)
// in mode -1 down, 0 nearest, 1 up.
type togglRounding struct{ minutes, mode int }

// round applies r to a duration in seconds.
func (r togglRounding) round(secs int64) int64 {
	if r.minutes <= 0 || secs <= 0 {
		return secs
	}
	step := int64(r.minutes) * 60
	down := secs / step * step
	switch {
	case down == secs:
		return secs
	case r.mode < 0:
		return down
	case r.mode > 0:
		return down + step
	case secs-down >= step/2:
		return down + step
	}
	return down
}

type togglRowJSON struct {
	UserID                int64               `json:"user_id"`
	Username              string              `json:"username"`
	ProjectID             *int64              `json:"project_id"`
	TaskID                *int64              `json:"task_id"`
	Billable              bool                `json:"billable"`
	Description           string              `json:"description"`
	TagIDs                []int64             `json:"tag_ids"`
	BillableAmountInCents *int64              `json:"billable_amount_in_cents"`
	HourlyRateInCents     *int64              `json:"hourly_rate_in_cents"`
	Currency              string              `json:"currency"`
	RowNumber             int64               `json:"row_number"`
	TimeEntries           []togglRowEntryJSON `json:"time_entries"`
}

type togglRowEntryJSON struct {
	ID      int64   `json:"id"`
	Seconds int64   `json:"seconds"`
	Start   string  `json:"start"`
	Stop    *string `json:"stop"`
	At      string  `json:"at"`
	AtTZ    string  `json:"at_tz"`
}

// togglSorted caches a query's ordered entry indexes until the data changes,
// so paging through 400,000 entries does not sort them once per page.
type togglSorted struct {
	version int64
	idx     []int32
}

// togglRateCents is the workspace hourly rate the fake reports on billable rows.
const togglRateCents = 10000

func (t *Toggl) serveSearch(w http.ResponseWriter, r *http.Request) {
	var b togglSearchBody
	raw := map[string]json.RawMessage{}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&raw); err != nil {
		togglError(w, http.StatusBadRequest, "invalid JSON body")
		return
	}
	if len(raw) == 0 {
		togglError(w, http.StatusBadRequest, "At least one parameter must be set")
		return
	}
	rb, _ := json.Marshal(raw)
	if err := json.Unmarshal(rb, &b); err != nil {
		togglError(w, http.StatusBadRequest, "invalid parameter: "+err.Error())
		return
	}
	fromDay, toDay := int64(-1<<40), int64(1<<40)
	if b.StartDate != "" {
		d, err := time.Parse(time.DateOnly, b.StartDate)
		if err != nil {
			togglError(w, http.StatusBadRequest, "invalid start_date")
			return
		}
		fromDay = d.Unix() / 86400
	}
	if b.EndDate != "" {
		d, err := time.Parse(time.DateOnly, b.EndDate)
		if err != nil {
			togglError(w, http.StatusBadRequest, "invalid end_date")
			return
		}
		toDay = d.Unix() / 86400
	}
	if fromDay > toDay {
		togglError(w, http.StatusBadRequest, "start_date must not be after end_date")
		return
	}
	// Without rounding_minutes in the request Toggl rounds by the token
	// owner's preferences; only an explicit rounding_minutes: 0 is exact
	// under every reading of the "rounding" field.
	t.mu.Lock()
	rounding := togglRounding{minutes: t.opts.OwnerRoundingMinutes, mode: t.opts.OwnerRounding}
	narrowTo := toDay
	narrowed := false
	if n := t.opts.MaxRangeDays; n > 0 && b.StartDate != "" && b.EndDate != "" && toDay-fromDay+1 > int64(n) {
		narrowTo, narrowed = fromDay+int64(n)-1, true
	}
	t.mu.Unlock()
	if b.RoundingMinutes != nil {
		if !togglRoundingMinutes[*b.RoundingMinutes] {
			togglError(w, http.StatusBadRequest, "invalid rounding_minutes")
			return
		}
		rounding.minutes = *b.RoundingMinutes
	}
	if b.Rounding != nil {
		rounding.mode = *b.Rounding
	}
	toDay = narrowTo
	switch b.OrderBy {
	case "", "date", "user", "duration", "description", "last_update":
	default:
		togglError(w, http.StatusBadRequest, "invalid order_by")
		return
	}
	dir := strings.ToUpper(b.OrderDir)
	if dir != "" && dir != "ASC" && dir != "DESC" {
		togglError(w, http.StatusBadRequest, "invalid order_dir")
		return
	}
	size := b.PageSize
	if size <= 0 {
		size = 50
	}
	size = min(size, t.opts.MaxPageSize)

	t.mu.Lock()
	order := t.sortedLocked(b, fromDay, toDay, dir)
	first := int64(0)
	switch {
	case b.FirstRowNumber > 0:
		first = b.FirstRowNumber - 1
	case b.FirstID > 0:
		first = int64(len(order))
		for i, ei := range order {
			if t.entries[ei].id == b.FirstID {
				first = int64(i)
				break
			}
		}
	}
	first = min(first, int64(len(order)))
	end := min(first+int64(size), int64(len(order)))
	rows := make([]togglRowJSON, 0, end-first)
	for i := first; i < end; i++ {
		rows = append(rows, t.rowLocked(order[i], i+1, rounding))
	}
	more := end < int64(len(order))
	if more {
		w.Header().Set("X-Next-Row-Number", strconv.FormatInt(end+1, 10))
		w.Header().Set("X-Next-ID", strconv.FormatInt(t.entries[order[end]].id, 10))
	}
	if (more || narrowed) && b.StartDate != "" && b.EndDate != "" {
		// The date range this answer covers; narrower than asked when
		// MaxRangeDays cut it, so the caller must search the rest.
		w.Header().Set("X-Range-Start", time.Unix(fromDay*86400, 0).UTC().Format(time.DateOnly))
		w.Header().Set("X-Range-End", time.Unix(toDay*86400, 0).UTC().Format(time.DateOnly))
	}
	t.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(rows)
}

// sortedLocked returns the indexes of the entries matching b, in its order.
func (t *Toggl) sortedLocked(b togglSearchBody, fromDay, toDay int64, dir string) []int32 {
	key := fmt.Sprint(fromDay, toDay, b.UserIDs, b.ProjectIDs, b.Billable, b.OrderBy, dir)
	if s, ok := t.sorted[key]; ok && s.version == t.version {
		return s.idx
	}
	if len(t.sorted) > 16 {
		clear(t.sorted)
	}
	var users, projects map[int64]bool
	if len(b.UserIDs) > 0 {
		users = make(map[int64]bool)
		for _, id := range b.UserIDs {
			users[id] = true
		}
	}
	if len(b.ProjectIDs) > 0 {
		projects = make(map[int64]bool)
		for _, id := range b.ProjectIDs {
			projects[id] = true
		}
	}
	idx := make([]int32, 0, len(t.entries))
	for i := range t.entries {
		e := &t.entries[i]
		if e.deleted {
			continue
		}
		u := &t.users[e.user]
		day := togglFloorDiv(e.start+int64(u.OffsetSecs), 86400)
		if day < fromDay || day > toDay {
			continue
		}
		if users != nil && !users[u.ID] || projects != nil && !projects[e.project] {
			continue
		}
		if b.Billable != nil && e.billable != *b.Billable {
			continue
		}
		idx = append(idx, int32(i))
	}
	desc := dir == "DESC"
	slices.SortFunc(idx, func(x, y int32) int {
		a, c := &t.entries[x], &t.entries[y]
		var r int
		switch b.OrderBy {
		case "last_update":
			r = cmp.Compare(a.at, c.at)
		case "user":
			r = cmp.Compare(t.users[a.user].ID, t.users[c.user].ID)
		case "duration":
			r = cmp.Compare(a.seconds, c.seconds)
		case "description":
			r = strings.Compare(a.desc, c.desc)
		default:
			r = cmp.Compare(a.start, c.start)
		}
		if r == 0 {
			r = cmp.Compare(a.id, c.id)
		}
		if desc {
			r = -r
		}
		return r
	})
	t.sorted[key] = togglSorted{version: t.version, idx: idx}
	return idx
}

func togglFloorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// rowLocked renders entry i as a report row with the given row number, its
// duration rounded by r.
func (t *Toggl) rowLocked(i int32, rowNumber int64, r togglRounding) togglRowJSON {
	e := &t.entries[i]
	u := &t.users[e.user]
	zone := togglZone(u.OffsetSecs)
	start := time.Unix(e.start, 0).In(zone)
	te := togglRowEntryJSON{ID: e.id, Seconds: r.round(int64(e.seconds)), Start: start.Format(time.RFC3339),
		At: time.Unix(e.at, 0).UTC().Format(time.RFC3339), AtTZ: time.Unix(e.at, 0).In(zone).Format(time.RFC3339)}
	if e.seconds >= 0 {
		stop := start.Add(time.Duration(e.seconds) * time.Second).Format(time.RFC3339)
		te.Stop = &stop
	} else {
		// Running: Toggl reports -start as the duration of a running timer.
		te.Seconds = -e.start
	}
	row := togglRowJSON{UserID: u.ID, Username: u.Fullname(), Billable: e.billable, Description: e.desc,
		TagIDs: e.tags, Currency: "USD", RowNumber: rowNumber, TimeEntries: []togglRowEntryJSON{te}}
	if row.TagIDs == nil {
		row.TagIDs = []int64{}
	}
	if e.project != 0 {
		p := e.project
		row.ProjectID = &p
	}
	if e.task != 0 {
		tk := e.task
		row.TaskID = &tk
	}
	if e.billable && e.seconds > 0 {
		rate := int64(togglRateCents)
		amount := te.Seconds * rate / 3600
		row.HourlyRateInCents, row.BillableAmountInCents = &rate, &amount
	}
	return row
}
