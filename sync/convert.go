package sync

import (
	"fmt"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/toggl"
)

// parseTogglTime parses Toggl's RFC 3339 times, keeping their offset.
func parseTogglTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339, s)
}

// stageEntry turns one report entry into the row a sync writes. ok is false
// for running timers (negative seconds or no stop), which are never stored.
func stageEntry(row toggl.ReportRow, te toggl.ReportTimeEntry) (se storage.StagedEntry, ok bool, err error) {
	if te.Seconds < 0 || te.Stop == nil || *te.Stop == "" {
		return se, false, nil
	}
	start, err := parseTogglTime(te.Start)
	if err != nil {
		return se, false, fmt.Errorf("entry %d: bad start %q", te.ID, te.Start)
	}
	stop, err := parseTogglTime(*te.Stop)
	if err != nil {
		return se, false, fmt.Errorf("entry %d: bad stop %q", te.ID, *te.Stop)
	}
	atText := te.At
	if atText == "" {
		atText = te.AtTZ
	}
	at, err := parseTogglTime(atText)
	if err != nil {
		return se, false, fmt.Errorf("entry %d: bad at %q", te.ID, atText)
	}
	_, offset := start.Zone()
	var project, task int64
	if row.ProjectID != nil {
		project = *row.ProjectID
	}
	if row.TaskID != nil {
		task = *row.TaskID
	}
	return storage.StagedEntry{
		ID:           te.ID,
		TogglUserID:  row.UserID,
		ProjectID:    project,
		TaskID:       task,
		Description:  row.Description,
		Billable:     row.Billable,
		TagIDs:       row.TagIDs,
		Start:        start,
		Stop:         stop,
		TZOffsetSecs: int32(offset), //nolint:gosec // G115: an RFC 3339 offset is under 100 hours, far inside int32
		LocalDate:    time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC),
		Seconds:      te.Seconds,
		UpdatedAt:    at,
		ContentHash:  model.ContentHash(start, te.Seconds, project, task, row.Description, row.Billable),
	}, true, nil
}
