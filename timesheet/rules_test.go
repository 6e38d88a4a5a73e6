package timesheet

import (
	"testing"
	"time"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
)

// entry builds an entry of seconds, allocated to a project when project is
// not 0, with a status.
func entry(id, project, seconds int64, status model.EntryStatus) model.Entry {
	return model.Entry{ID: id, ProjectID: project, Seconds: seconds, Status: status,
		Start: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
}

func TestNeedsReminder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		entries    []model.Entry
		wantNeeds  bool
		wantReason string
	}{
		{"nothing logged", nil, true, ""},
		{"unconfirmed", []model.Entry{entry(1, 5, 3600, model.StatusConfirmed), entry(2, 5, 600, model.StatusUnconfirmed)}, true, ""},
		{"changed after confirming", []model.Entry{entry(1, 5, 3600, model.StatusChanged)}, true, ""},
		{"confirmed but unallocated", []model.Entry{entry(1, 0, 3600, model.StatusConfirmed)}, true, ""},
		{"all done", []model.Entry{entry(1, 5, 3600, model.StatusConfirmed), entry(2, 6, 60, model.StatusConfirmed)}, false, ReasonWeekDone},
		{"deleted open entry ignored", []model.Entry{entry(1, 5, 3600, model.StatusConfirmed), {ID: 2, Seconds: 60, Deleted: true}}, false, ReasonWeekDone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			needs, reason := NeedsReminder(blocks.Summarize(tc.entries))
			if needs != tc.wantNeeds || reason != tc.wantReason {
				t.Fatalf("NeedsReminder = %v %q, want %v %q", needs, reason, tc.wantNeeds, tc.wantReason)
			}
		})
	}
}

func TestDigestItem(t *testing.T) {
	t.Parallel()
	active := model.Employee{ID: 7, FirstName: "Ada", LastName: "Lovelace", Active: true}
	inactive := active
	inactive.Active = false
	cases := []struct {
		name    string
		report  model.Employee
		entries []model.Entry
		want    bool
		item    blocks.DigestItem
	}{
		{"inactive report skipped", inactive, []model.Entry{entry(1, 0, 3600, model.StatusUnconfirmed)}, false, blocks.DigestItem{}},
		{"fully confirmed week skipped", active, []model.Entry{entry(1, 5, 3600, model.StatusConfirmed)}, false, blocks.DigestItem{}},
		{"nothing logged listed", active, nil, true, blocks.DigestItem{EmployeeID: 7, Name: "Ada Lovelace"}},
		{"open time listed", active, []model.Entry{
			entry(1, 5, 3600, model.StatusConfirmed),
			entry(2, 0, 1800, model.StatusUnconfirmed),
			entry(3, 5, 600, model.StatusChanged),
		}, true, blocks.DigestItem{EmployeeID: 7, Name: "Ada Lovelace", Seconds: 6000,
			UnconfirmedSeconds: 2400, UnallocatedSeconds: 1800, ChangedSeconds: 600}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			item, ok := DigestItem(tc.report, tc.entries)
			if ok != tc.want || item != tc.item {
				t.Fatalf("DigestItem = %+v %v, want %+v %v", item, ok, tc.item, tc.want)
			}
		})
	}
}

func TestReminderText(t *testing.T) {
	t.Parallel()
	week := model.WeekOf(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	cases := []struct {
		entries int
		needs   bool
		want    string
	}{
		{0, true, "Nothing logged for " + week.Label()},
		{3, true, "Please confirm your hours for " + week.Label()},
		{3, false, "Your week " + week.Label() + " is confirmed"},
	}
	for _, tc := range cases {
		if got := reminderText(week, tc.entries, tc.needs); got != tc.want {
			t.Errorf("reminderText(%d, %v) = %q, want %q", tc.entries, tc.needs, got, tc.want)
		}
	}
}
