package sync

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/toggl"
)

// togglRefs collects the user and project ids an incremental run saw, to
// refresh users or projects only when one is new.
type togglRefs struct {
	userIDs    map[int64]struct{}
	projectIDs map[int64]struct{}
}

func (r *togglRefs) add(userID, projectID int64) {
	r.userIDs[userID] = struct{}{}
	if projectID != 0 {
		r.projectIDs[projectID] = struct{}{}
	}
}

func (r *togglRefs) users() []int64    { return keys(r.userIDs) }
func (r *togglRefs) projects() []int64 { return keys(r.projectIDs) }

func keys(m map[int64]struct{}) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// pageQueue is how many decoded pages may wait for the writer: enough to
// keep both sides busy, small enough that memory does not grow.
const pageQueue = 2

// stream pages through the window: one goroutine fetches pages while the
// caller's goroutine writes the previous ones in batches. It reports whether
// every page was read (the last page had no next-page headers).
func (e *Engine) stream(ctx context.Context, p plan, w *storage.EntrySyncWriter, res *Result) (bool, *togglRefs, error) {
	params := toggl.SearchParams{
		// One day of margin each side: Toggl's date filter may use another
		// offset than the entry's own, and deletions must not guess.
		StartDate: p.from.AddDate(0, 0, -1).Format(time.DateOnly),
		EndDate:   p.to.AddDate(0, 0, 1).Format(time.DateOnly),
		PageSize:  e.opts.PageSize,
		OrderBy:   "last_update",
		OrderDir:  "DESC",
	}
	expected := 0
	if p.watermark == nil {
		n, err := e.db.CountLiveEntries(ctx, p.from.AddDate(0, 0, -1), p.to.AddDate(0, 0, 1))
		if err != nil {
			return false, nil, err
		}
		expected = int(n)/e.opts.PageSize + 1
	}
	refs := &togglRefs{userIDs: map[int64]struct{}{}, projectIDs: map[int64]struct{}{}}
	pages := make(chan []toggl.ReportRow, pageQueue)
	g, gctx := errgroup.WithContext(ctx)
	var complete bool
	var pageCount int
	g.Go(func() error {
		defer close(pages)
		read := 0
		// Toggl may answer for a narrower date range than asked (X-Range-
		// Start / X-Range-End); the rest is searched afterwards, so that no
		// entry is silently missed. complete means every search ran to its
		// last page.
		queue := []toggl.SearchParams{params}
		searchesComplete := true
		for len(queue) > 0 {
			q := queue[0]
			queue = queue[1:]
			rest, done, err := e.searchAll(gctx, p, q, pages, &pageCount, &read, expected)
			if err != nil {
				return err
			}
			searchesComplete = searchesComplete && done
			queue = append(queue, rest...)
		}
		complete = searchesComplete
		return nil
	})
	g.Go(func() error {
		// Writes use ctx, not gctx: pages already fetched are written even
		// when fetching stops (quota), and a cancelled run stops both.
		batch := make([]storage.StagedEntry, 0, e.opts.BatchSize)
		flush := func() error {
			r, err := w.WriteBatch(ctx, batch)
			if err != nil {
				return err
			}
			res.Inserted += r.Inserted
			res.Updated += r.Updated
			res.Voided += r.Voided
			res.ChangedWeeks = append(res.ChangedWeeks, r.ChangedWeeks...)
			batch = batch[:0]
			return nil
		}
		for rows := range pages {
			for _, row := range rows {
				for _, te := range row.TimeEntries {
					res.Seen++
					if at, err := parseTogglTime(te.At); err == nil && at.After(res.Watermark) {
						res.Watermark = at
					}
					se, ok, err := stageEntry(row, te)
					if err != nil {
						return err
					}
					if !ok {
						res.Skipped++
						continue
					}
					if !p.refresh {
						refs.add(se.TogglUserID, se.ProjectID)
					}
					batch = append(batch, se)
					if len(batch) >= e.opts.BatchSize {
						if err := flush(); err != nil {
							return err
						}
					}
				}
			}
		}
		if len(batch) == 0 {
			return nil
		}
		return flush()
	})
	err := g.Wait()
	res.Pages = pageCount
	return complete && err == nil, refs, err
}

// searchAll pages through one search, sending each page's rows to pages. It
// returns the searches for the dates Toggl left out of its answer, and
// whether it read the last page (false when an incremental run stopped at
// its watermark).
func (e *Engine) searchAll(ctx context.Context, p plan, params toggl.SearchParams, pages chan<- []toggl.ReportRow,
	pageCount, read *int, expected int) ([]toggl.SearchParams, bool, error) {
	first := params
	var rangeStart, rangeEnd string
	for {
		page, err := e.api.SearchTimeEntries(ctx, params)
		if err != nil {
			return nil, false, fmt.Errorf("page %d: %w", *pageCount+1, err)
		}
		*pageCount++
		if page.RangeStart != "" && page.RangeEnd != "" {
			rangeStart, rangeEnd = page.RangeStart, page.RangeEnd
		}
		older := false
		for _, row := range page.Rows {
			*read += len(row.TimeEntries)
			if p.watermark != nil && !older {
				older = rowOlderThan(row, *p.watermark)
			}
		}
		select {
		case pages <- page.Rows:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		if e.opts.Progress != nil {
			e.opts.Progress(Progress{Mode: p.mode, Pages: *pageCount, Entries: *read,
				ExpectedPages: max(expected, *pageCount), QuotaRemaining: e.api.Stats().QuotaRemaining})
		}
		if older || !page.HasNext {
			rest := first.Uncovered(rangeStart, rangeEnd)
			if len(rest) > 0 {
				e.log.Info("toggl narrowed the search range; searching the rest",
					zap.String("asked_from", first.StartDate), zap.String("asked_to", first.EndDate),
					zap.String("used_from", rangeStart), zap.String("used_to", rangeEnd))
			}
			// older: last_update DESC, so the rest of this range is older still.
			return rest, !older, nil
		}
		params = params.Next(page)
	}
}

// rowOlderThan reports whether an entry of row was last updated before wm.
func rowOlderThan(row toggl.ReportRow, wm time.Time) bool {
	for _, te := range row.TimeEntries {
		if at, err := parseTogglTime(te.At); err == nil && at.Before(wm) {
			return true
		}
	}
	return false
}
