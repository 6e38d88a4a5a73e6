package sync

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/toggl"
)

// unallocatedStopped returns n stopped entries without a project of the
// user in the week of testNow.
func unallocatedStopped(t *testing.T, fake *sandbox.Toggl, userID int64, n int) []sandbox.TogglEntry {
	t.Helper()
	week := model.WeekOf(testNow)
	var out []sandbox.TogglEntry
	for _, e := range fake.Entries() {
		if e.UserID == userID && e.ProjectID == 0 && !e.Running() && !e.Start.Before(week.Start) && len(out) < n {
			out = append(out, e)
		}
	}
	if len(out) < n {
		t.Fatalf("%d unallocated stopped entries; want %d", len(out), n)
	}
	return out
}

// catchUp moves the clock to the database's now(), from which outbox rows
// are due.
func (f *wbFixture) catchUp() {
	if d := time.Since(f.clock.Now()); d > 0 {
		f.clock.Advance(d + time.Millisecond)
	}
}

// TestAllocationWritesBillableToToggl: a developer picks a project for
// unallocated time in Slack; the entry takes the project's billable
// default in Postgres at once, the write-back sends project and flag to
// Toggl in the same PATCH, and the next sync finds Toggl and Postgres in
// agreement (same flag, same content hash, so nothing is voided later).
func TestAllocationWritesBillableToToggl(t *testing.T) {
	t.Parallel()
	f := newWBFixture(t, "confirmed", 3)
	person := f.people[0]
	empID := addEmployee(t, f.db, person)
	if _, err := f.db.Exec(context.Background(), `UPDATE employees SET slack_user_id = 'UDEV' WHERE id = $1`, empID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name          string
		togglBillable bool  // the unallocated entry's flag in Toggl before the pick
		project       int64 // sandbox projects: 2001, 2002 billable; 2004 not
		want          bool
	}{
		{"non-billable time to a billable project", false, 2001, true},
		{"billable time to a non-billable project", true, 2004, false},
		{"billable time to a billable project", true, 2002, true},
	}
	entries := unallocatedStopped(t, f.fake, person.ID, len(cases))
	for i, c := range cases {
		f.fake.EditEntry(entries[i].ID, func(e *sandbox.TogglEntry) { e.Billable = c.togglBillable })
	}
	week := model.WeekOf(testNow)
	resync := func() {
		t.Helper()
		if _, err := f.engine.RunRange(ctx(t), week.Prev().Start, week.End(), false); err != nil {
			t.Fatal(err)
		}
	}
	resync()

	svc := review.New(f.db, review.Options{ConfirmedTag: "confirmed"})
	hashes := make([]string, len(cases))
	for i, c := range cases {
		a, err := svc.AssignProject(ctx(t), "UDEV", entries[i].ID, c.project)
		if err != nil || !a.Changed || a.Billable != c.want {
			t.Fatalf("%s: assign = %+v, %v; want billable %v", c.name, a, err, c.want)
		}
		hashes[i] = a.ContentHash
		if got := storedBillable(t, f.db, entries[i].ID); got != c.want {
			t.Fatalf("%s: Postgres billable right after the pick = %v; want %v", c.name, got, c.want)
		}
	}
	f.catchUp()
	if n, err := f.wb.RunOnce(ctx(t)); n != len(cases) || err != nil {
		t.Fatalf("write-back = %d, %v; want %d", n, err, len(cases))
	}
	for i, c := range cases {
		e, _ := f.fake.Entry(entries[i].ID)
		if e.ProjectID != c.project || e.Billable != c.want {
			t.Errorf("%s: Toggl has project %d billable %v; want %d %v", c.name, e.ProjectID, e.Billable, c.project, c.want)
		}
		if w, ok := patchOf(f.fake, entries[i].ID); !ok || w.ProjectID != c.project || w.Billable == nil || *w.Billable != c.want {
			t.Errorf("%s: no single PATCH set project %d and billable %v: %+v", c.name, c.project, c.want, w)
		}
	}

	// The next sync reads back what was written: Postgres keeps the flag
	// and the hash review computed, so a confirmation would stand.
	resync()
	for i, c := range cases {
		var project int64
		var billable bool
		var hash string
		if err := f.db.QueryRow(context.Background(), `SELECT project_id, billable, content_hash FROM time_entries WHERE id = $1`,
			entries[i].ID).Scan(&project, &billable, &hash); err != nil {
			t.Fatal(err)
		}
		if project != c.project || billable != c.want || hash != hashes[i] {
			t.Errorf("%s: after the sync Postgres has project %d billable %v hash %s; want %d %v %s",
				c.name, project, billable, hash, c.project, c.want, hashes[i])
		}
	}
}

func storedBillable(t *testing.T, db *storage.DB, entryID int64) bool {
	t.Helper()
	var b bool
	if err := db.QueryRow(context.Background(), `SELECT billable FROM time_entries WHERE id = $1`, entryID).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// patchOf returns the successful bulk PATCH that wrote an entry.
func patchOf(fake *sandbox.Toggl, entryID int64) (sandbox.TogglWrite, bool) {
	for _, w := range fake.Writes() {
		if w.Method != "PATCH" || w.Status != http.StatusOK {
			continue
		}
		for _, id := range w.EntryIDs {
			if id == entryID {
				return w, true
			}
		}
	}
	return sandbox.TogglWrite{}, false
}

// TestWritebackBatchesProjectChangesPerProjectAndBillable: project changes
// go out in bulk PATCHes of at most 100 ids, one group per (project,
// billable flag); rows queued before the flag was written back send only
// the project and leave Toggl's flag alone.
func TestWritebackBatchesProjectChangesPerProjectAndBillable(t *testing.T) {
	t.Parallel()
	f := newWBFixture(t, "confirmed", 2)
	wb, err := NewWriteback(f.db, f.client, WritebackOptions{ConfirmedTag: "confirmed", Now: f.clock.Now, BatchSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	groups := []struct {
		n        int
		project  int64
		billable *bool
		patches  int
	}{
		{120, 2001, &yes, 2},
		{80, 2001, &no, 1},
		{30, 2001, nil, 1}, // old rows
		{30, 2002, &yes, 1},
	}
	ids := f.stopped(260)
	type want struct {
		project  int64
		billable *bool
		before   bool
	}
	wants := map[int64]want{}
	next, patches := 0, 0
	for _, g := range groups {
		for _, id := range ids[next : next+g.n] {
			e, _ := f.fake.Entry(id)
			wants[id] = want{g.project, g.billable, e.Billable}
			f.enqueue(t, storage.OutboxSetProject, id, storage.OutboxPayload{ProjectID: g.project, Billable: g.billable})
		}
		next += g.n
		patches += g.patches
	}
	if n, err := wb.RunOnce(ctx(t)); n != len(ids) || err != nil {
		t.Fatalf("RunOnce = %d, %v; want %d", n, err, len(ids))
	}
	for id, w := range wants {
		e, _ := f.fake.Entry(id)
		wantBillable := w.before
		if w.billable != nil {
			wantBillable = *w.billable
		}
		if e.ProjectID != w.project || e.Billable != wantBillable {
			t.Fatalf("entry %d: project %d billable %v; want %d %v", id, e.ProjectID, e.Billable, w.project, wantBillable)
		}
	}
	var got, puts int
	for _, w := range f.fake.Writes() {
		if w.Method != "PATCH" {
			puts++
			continue
		}
		got++
		if len(w.EntryIDs) > toggl.MaxBulkIDs {
			t.Fatalf("bulk patch of %d ids", len(w.EntryIDs))
		}
		// One PATCH, one group: every id wanted this project and flag.
		for _, id := range w.EntryIDs {
			x := wants[id]
			if x.project != w.ProjectID || (x.billable == nil) != (w.Billable == nil) ||
				(x.billable != nil && *x.billable != *w.Billable) {
				t.Fatalf("PATCH %s mixes entry %d (project %d billable %v)", w.Body, id, x.project, x.billable)
			}
		}
		if w.Billable == nil && strings.Contains(w.Body, "/billable") {
			t.Fatalf("old row sent a billable flag: %s", w.Body)
		}
	}
	if got != patches || puts != 0 {
		t.Fatalf("%d PATCH and %d other requests; want %d and 0", got, puts, patches)
	}
}

// TestTogglFakeRefusesMalformedPatch: the sandbox is as strict as Toggl's
// bulk PATCH (RFC 6902 operations on time-entry fields): an unknown
// operation, an unknown path or a value of the wrong type refuses the whole
// request and changes nothing, so a write-back that sends a field the
// wrong way fails its tests instead of passing silently.
func TestTogglFakeRefusesMalformedPatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{users: 2, perWeek: 10})
	id := f.fake.Entries()[0].ID
	before, _ := f.fake.Entry(id)
	cases := []struct {
		name string
		ops  []toggl.PatchOp
	}{
		{"unknown operation", []toggl.PatchOp{{Op: "set", Path: "/billable", Value: true}}},
		{"unknown path", []toggl.PatchOp{{Op: "replace", Path: "/is_billable", Value: true}}},
		{"billable as a string", []toggl.PatchOp{{Op: "replace", Path: "/billable", Value: "true"}}},
		{"billable without a value", []toggl.PatchOp{{Op: "replace", Path: "/billable"}}},
		{"billable removed", []toggl.PatchOp{{Op: "remove", Path: "/billable"}}},
		{"project id as a string", []toggl.PatchOp{{Op: "replace", Path: "/project_id", Value: "2001"}}},
		{"a good op with a bad one", []toggl.PatchOp{{Op: "replace", Path: "/project_id", Value: 2001},
			{Op: "replace", Path: "/billable", Value: 1}}},
	}
	for _, c := range cases {
		_, err := f.client.PatchTimeEntries(ctx(t), []int64{id}, c.ops)
		if err == nil || !toggl.Permanent(err) {
			t.Errorf("%s: err = %v; want a permanent 400", c.name, err)
		}
	}
	if after, _ := f.fake.Entry(id); after.ProjectID != before.ProjectID || after.Billable != before.Billable || !after.At.Equal(before.At) {
		t.Fatalf("a refused PATCH changed the entry: %+v → %+v", before, after)
	}

	// A well-formed PATCH and a PUT both write the flag.
	ops := []toggl.PatchOp{{Op: "replace", Path: "/project_id", Value: 2004}, {Op: "replace", Path: "/billable", Value: !before.Billable}}
	if res, err := f.client.PatchTimeEntries(ctx(t), []int64{id}, ops); err != nil || len(res.Success) != 1 {
		t.Fatalf("PATCH = %+v, %v", res, err)
	}
	if e, _ := f.fake.Entry(id); e.ProjectID != 2004 || e.Billable == before.Billable {
		t.Fatalf("PATCH left project %d billable %v", e.ProjectID, e.Billable)
	}
	if status := put(t, f.fake, id, fmt.Sprintf(`{"project_id": 2001, "billable": %v}`, before.Billable)); status != http.StatusOK {
		t.Fatalf("PUT status = %d", status)
	}
	if e, _ := f.fake.Entry(id); e.ProjectID != 2001 || e.Billable != before.Billable {
		t.Fatalf("PUT left project %d billable %v", e.ProjectID, e.Billable)
	}
}

// put sends a raw PUT of one entry to the fake and returns the status.
func put(t *testing.T, fake *sandbox.Toggl, id int64, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPut,
		fmt.Sprintf("%sapi/v9/workspaces/%d/time_entries/%d", fake.URL(), fake.WorkspaceID(), id), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(fake.Token(), "api_token")
	req.Header.Set("Content-Type", "application/json")
	req.Close = true // no idle connection left behind for goleak
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
