package review_test

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/storage"
)

func TestConfirmEntryOnceWithAuditAndOutbox(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, hash := f.entry("dev1", 0, 1, 3600)

	res, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", id, hash)
	if err != nil {
		t.Fatal(err)
	}
	if res.AlreadyConfirmed || res.Week != week || res.EmployeeID != f.ids["dev1"] {
		t.Fatalf("result %+v", res)
	}
	if c, a, o := f.rows(id, "entry.confirm"); c != 1 || a != 1 || o != 1 {
		t.Fatalf("confirmations %d, audit %d, outbox %d; want 1 each", c, a, o)
	}
	var key, op, tag string
	var cid int64
	f.must(f.db.QueryRow(f.ctx, `SELECT id FROM confirmations WHERE entry_id = $1`, id).Scan(&cid))
	f.must(f.db.QueryRow(f.ctx, `SELECT idempotency_key, op, payload->>'tag' FROM toggl_outbox WHERE entry_id = $1`, id).Scan(&key, &op, &tag))
	if key != storage.TagAddKey(id, cid) || op != "tag_add" || tag != "confirmed" || hash == "" {
		t.Fatalf("outbox row %q %q %q", key, op, tag)
	}

	// A double click or a Slack retry: success, nothing new.
	res, err = f.svc.ConfirmEntry(f.ctx, "UDEV1", id, hash)
	if err != nil || !res.AlreadyConfirmed {
		t.Fatalf("second click: %+v, %v", res, err)
	}
	if c, a, o := f.rows(id, "entry.confirm"); c != 1 || a != 1 || o != 1 {
		t.Fatalf("after retry: confirmations %d, audit %d, outbox %d; want 1 each", c, a, o)
	}
	entries, err := f.db.WeekEntries(f.ctx, f.ids["dev1"], week)
	if err != nil || len(entries) != 1 || entries[0].Status != model.StatusConfirmed {
		t.Fatalf("week entries %+v, %v", entries, err)
	}
}

func TestConfirmEntryConcurrentClicksMakeOneConfirmation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, hash := f.entry("dev1", 1, 1, 1800)
	const clicks = 16
	var wg sync.WaitGroup
	errs := make(chan error, clicks)
	fresh := make(chan bool, clicks)
	for range clicks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", id, hash)
			errs <- err
			fresh <- !res.AlreadyConfirmed
		}()
	}
	wg.Wait()
	close(errs)
	close(fresh)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for f := range fresh {
		if f {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d clicks reported a new confirmation; want 1", n)
	}
	if c, a, o := f.rows(id, "entry.confirm"); c != 1 || a != 1 || o != 1 {
		t.Fatalf("confirmations %d, audit %d, outbox %d; want 1 each", c, a, o)
	}
}

func TestConfirmEntryRefusesSomeoneElsesEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, hash := f.entry("dev1", 0, 1, 3600)
	for _, tc := range []struct {
		name  string
		actor string
		entry int64
	}{
		{"tampered value of a colleague's entry", "UDEV2", id},
		{"manager clicking a report's entry", "UMGR", id},
		{"unknown slack user", "UNOBODY", id},
		{"entry id that does not exist", "UDEV1", 999999},
	} {
		_, err := f.svc.ConfirmEntry(f.ctx, tc.actor, tc.entry, hash)
		if model.ErrorCodeOf(err) != model.EForbidden {
			t.Fatalf("%s: got %v, want forbidden", tc.name, err)
		}
		if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'confirm.denied' AND actor = $1 AND entity_id = $2`,
			tc.actor, strconv.FormatInt(tc.entry, 10)); n != 1 {
			t.Fatalf("%s: %d confirm.denied rows, want 1", tc.name, n)
		}
	}
	if c, a, o := f.rows(id, "entry.confirm"); c != 0 || a != 0 || o != 0 {
		t.Fatalf("denied clicks changed something: %d %d %d", c, a, o)
	}
}

func TestConfirmEntryStaleButton(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	edited, oldHash := f.entry("dev1", 0, 1, 3600)
	newHash := model.ContentHash(week.Start.Add(9*time.Hour), 5400, 1, 0, "work", true)
	f.exec(`UPDATE time_entries SET duration_secs = 5400, content_hash = $2 WHERE id = $1`, edited, newHash)
	deleted, delHash := f.entry("dev1", 1, 1, 3600)
	f.exec(`UPDATE time_entries SET deleted_at = now() WHERE id = $1`, deleted)

	for _, tc := range []struct {
		entry  int64
		hash   string
		change review.StaleChange
	}{{edited, oldHash, review.StaleEdited}, {deleted, delHash, review.StaleDeleted}} {
		_, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", tc.entry, tc.hash)
		var stale *review.StaleError
		if !errors.As(err, &stale) || stale.Change != tc.change || stale.Week != week {
			t.Fatalf("entry %d: got %v, want stale %s", tc.entry, err, tc.change)
		}
		if model.ErrorCodeOf(err) != model.EConflict || !strings.Contains(model.ErrorMessage(err), string(tc.change)) {
			t.Fatalf("user message %q", model.ErrorMessage(err))
		}
		if c, _, o := f.rows(tc.entry, "entry.confirm"); c != 0 || o != 0 {
			t.Fatalf("stale click wrote %d confirmations, %d outbox rows", c, o)
		}
	}
	// The fresh button works.
	if _, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", edited, newHash); err != nil {
		t.Fatal(err)
	}
}

func TestConfirmEntryNeedsAProject(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, hash := f.entry("dev1", 0, 0, 3600)
	_, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", id, hash)
	if model.ErrorCodeOf(err) != model.EInvalid || !strings.Contains(model.ErrorMessage(err), "project") {
		t.Fatalf("got %v", err)
	}
	if c, _, _ := f.rows(id, "entry.confirm"); c != 0 {
		t.Fatal("unallocated entry confirmed")
	}
}

func TestConfirmEntryReplacesConfirmationOfOldContent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, hash := f.entry("dev1", 0, 1, 3600)
	if _, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", id, hash); err != nil {
		t.Fatal(err)
	}
	// Toggl edit landed but the old confirmation was not voided yet.
	newHash := model.ContentHash(week.Start.Add(9*time.Hour), 3600, 1, 0, "work, edited", true)
	f.exec(`UPDATE time_entries SET description = 'work, edited', content_hash = $2 WHERE id = $1`, id, newHash)
	entries, err := f.db.WeekEntries(f.ctx, f.ids["dev1"], week)
	if err != nil || entries[0].Status != model.StatusChanged {
		t.Fatalf("status %v, %v; want changed", entries, err)
	}
	res, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", id, newHash)
	if err != nil || res.AlreadyConfirmed {
		t.Fatalf("%+v %v", res, err)
	}
	if n := f.count(`SELECT count(*) FROM confirmations WHERE entry_id = $1 AND voided_at IS NULL AND content_hash = $2`, id, newHash); n != 1 {
		t.Fatalf("%d live confirmations of the new content", n)
	}
}

func TestConfirmAllIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, ah := f.entry("dev1", 0, 1, 3600)
	f.entry("dev1", 1, 2, 1800)
	f.entry("dev1", 2, 1, 900)
	u, _ := f.entry("dev1", 3, 0, 7200) // unallocated
	d, _ := f.entry("dev1", 4, 1, 600)  // deleted
	f.exec(`UPDATE time_entries SET deleted_at = now() WHERE id = $1`, d)
	other, _ := f.entry("dev2", 0, 1, 3600) // someone else's
	if _, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", a, ah); err != nil {
		t.Fatal(err)
	}

	res, err := f.svc.ConfirmAll(f.ctx, "UDEV1", week)
	if err != nil {
		t.Fatal(err)
	}
	if res.Confirmed != 2 || res.ConfirmedSeconds != 2700 || res.AlreadyConfirmed != 1 ||
		res.Unallocated != 1 || res.UnallocatedSeconds != 7200 {
		t.Fatalf("first run %+v", res)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'entry.confirm' AND actor = 'UDEV1'`); n != 3 {
		t.Fatalf("%d audit rows, want 3", n)
	}
	if n := f.count(`SELECT count(*) FROM toggl_outbox WHERE op = 'tag_add'`); n != 3 {
		t.Fatalf("%d outbox rows, want 3", n)
	}
	for _, id := range []int64{u, d, other} {
		if c, _, _ := f.rows(id, "entry.confirm"); c != 0 {
			t.Fatalf("entry %d should not be confirmed", id)
		}
	}

	// Again, twice at once: nothing more.
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.svc.ConfirmAll(f.ctx, "UDEV1", week)
			if err != nil || r.Confirmed != 0 || r.AlreadyConfirmed != 3 || r.Unallocated != 1 {
				t.Errorf("repeat %+v %v", r, err)
			}
		}()
	}
	wg.Wait()
	if n := f.count(`SELECT count(*) FROM confirmations`); n != 3 {
		t.Fatalf("%d confirmations, want 3", n)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'entry.confirm'`); n != 3 {
		t.Fatalf("%d audit rows, want 3", n)
	}

	if _, err := f.svc.ConfirmAll(f.ctx, "UNOBODY", week); model.ErrorCodeOf(err) != model.ENotFound {
		t.Fatalf("unlinked user: %v", err)
	}
}

func TestConfirmAllConcurrentFirstRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for d := range 5 {
		f.entry("dev1", d, 1, 3600)
	}
	var wg sync.WaitGroup
	total := make(chan int, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.svc.ConfirmAll(f.ctx, "UDEV1", week)
			if err != nil {
				t.Error(err)
			}
			total <- r.Confirmed
		}()
	}
	wg.Wait()
	close(total)
	sum := 0
	for n := range total {
		sum += n
	}
	if sum != 5 {
		t.Fatalf("runs confirmed %d entries in all, want 5", sum)
	}
	if c, a, o := f.count(`SELECT count(*) FROM confirmations`), f.count(`SELECT count(*) FROM audit_log WHERE action = 'entry.confirm'`),
		f.count(`SELECT count(*) FROM toggl_outbox`); c != 5 || a != 5 || o != 5 {
		t.Fatalf("confirmations %d, audit %d, outbox %d; want 5 each", c, a, o)
	}
}

func TestAssignProjectThenConfirm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, oldHash := f.entry("dev1", 2, 0, 3600)

	as, err := f.svc.AssignProject(f.ctx, "UDEV1", id, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := model.ContentHash(week.Start.AddDate(0, 0, 2).Add(9*time.Hour), 3600, 2, 0, "work", true)
	if !as.Changed || as.ContentHash != want || as.Project.Name != "Borealis" || as.Project.ClientName != "Bolt" {
		t.Fatalf("assignment %+v, want hash %s", as, want)
	}
	var stored string
	var project int64
	f.must(f.db.QueryRow(f.ctx, `SELECT content_hash, project_id FROM time_entries WHERE id = $1`, id).Scan(&stored, &project))
	if stored != want || project != 2 {
		t.Fatalf("stored %s/%d", stored, project)
	}
	var payload string
	f.must(f.db.QueryRow(f.ctx, `SELECT payload::text FROM toggl_outbox WHERE entry_id = $1 AND op = 'set_project'`, id).Scan(&payload))
	if payload != `{"billable": true, "project_id": 2}` {
		t.Fatalf("payload %s", payload)
	}
	// A retried pick: nothing new.
	again, err := f.svc.AssignProject(f.ctx, "UDEV1", id, 2)
	if err != nil || again.Changed || again.ContentHash != want {
		t.Fatalf("retry %+v %v", again, err)
	}
	if n := f.count(`SELECT count(*) FROM toggl_outbox WHERE entry_id = $1`, id); n != 1 {
		t.Fatalf("%d outbox rows after retry", n)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'entry.set_project'`); n != 1 {
		t.Fatalf("%d audit rows after retry", n)
	}

	// The old button is stale; the new one confirms.
	var stale *review.StaleError
	if _, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", id, oldHash); !errors.As(err, &stale) {
		t.Fatalf("old hash: %v", err)
	}
	if _, err := f.svc.ConfirmEntry(f.ctx, "UDEV1", id, as.ContentHash); err != nil {
		t.Fatal(err)
	}
	// Confirmed: its project is what was vouched for.
	if _, err := f.svc.AssignProject(f.ctx, "UDEV1", id, 1); model.ErrorCodeOf(err) != model.EConflict {
		t.Fatalf("reassign confirmed entry: %v", err)
	}
}

func TestAssignProjectRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, _ := f.entry("dev1", 0, 0, 3600)
	if _, err := f.svc.AssignProject(f.ctx, "UDEV2", id, 1); model.ErrorCodeOf(err) != model.EForbidden {
		t.Fatalf("someone else's entry: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'project.denied' AND actor = 'UDEV2'`); n != 1 {
		t.Fatalf("%d project.denied rows", n)
	}
	for _, p := range []int64{3, 42} {
		if _, err := f.svc.AssignProject(f.ctx, "UDEV1", id, p); model.ErrorCodeOf(err) != model.EInvalid {
			t.Fatalf("project %d: %v", p, err)
		}
	}
	if n := f.count(`SELECT count(*) FROM time_entries WHERE id = $1 AND project_id IS NULL`, id); n != 1 {
		t.Fatal("refused pick changed the entry")
	}
	// A, then B: the entry has a project now, so B is refused and the one
	// write to Toggl stays; A again is a retry and writes nothing.
	if _, err := f.svc.AssignProject(f.ctx, "UDEV1", id, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AssignProject(f.ctx, "UDEV1", id, 2); model.ErrorCodeOf(err) != model.EConflict {
		t.Fatalf("second project on an allocated entry: %v", err)
	}
	if a, err := f.svc.AssignProject(f.ctx, "UDEV1", id, 1); err != nil || a.Changed {
		t.Fatalf("retry: %+v %v", a, err)
	}
	if n := f.count(`SELECT count(*) FROM toggl_outbox WHERE entry_id = $1 AND status = 'pending' AND payload->>'project_id' = '1'`, id); n != 1 {
		t.Fatalf("%d pending project writes, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM toggl_outbox WHERE entry_id = $1`, id); n != 1 {
		t.Fatalf("%d project writes, want 1", n)
	}
}
