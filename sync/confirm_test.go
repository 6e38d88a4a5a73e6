package sync

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
)

// firstStopped returns a stored, stopped, billable entry of the user in the
// current week.
func firstStopped(t *testing.T, f *fixture, userID int64) sandbox.TogglEntry {
	t.Helper()
	week := model.WeekOf(testNow)
	for _, e := range f.fake.Entries() {
		if e.UserID == userID && !e.Running() && e.Billable && !e.Start.Before(week.Start) {
			return e
		}
	}
	t.Fatal("no stopped billable entry")
	return sandbox.TogglEntry{}
}

func TestEditedAfterConfirmationLosesIt(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{users: 4, perWeek: 10})
	person := f.people[0]
	empID := addEmployee(t, f.db, person)
	if _, err := f.engine.RunIncremental(ctx(t)); err != nil {
		t.Fatal(err)
	}
	entry := firstStopped(t, f, person.ID)
	other := f.fake.Entries()[len(f.fake.Entries())-1]
	bg := context.Background()
	week := model.WeekOf(entry.Start)
	var oldHash string
	if err := f.db.QueryRow(bg, `SELECT content_hash FROM time_entries WHERE id = $1`, entry.ID).Scan(&oldHash); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO confirmations (entry_id, employee_id, content_hash, slack_user_id) VALUES ($1, $2, $3, 'U1')`, []any{entry.ID, empID, oldHash}},
		{`INSERT INTO toggl_outbox (entry_id, op, idempotency_key) VALUES ($1, 'tag_add', 'tag_add:' || $1::bigint)`, []any{entry.ID}},
		{`INSERT INTO week_approvals (employee_id, week_start, status, decided_by) VALUES ($1, $2, 'approved', 'UMGR')`, []any{empID, week.Start}},
	} {
		if _, err := f.db.Exec(bg, stmt.sql, stmt.args...); err != nil {
			t.Fatal(err)
		}
	}

	// A tag change (our own write-back) keeps the confirmation.
	f.clock.Advance(time.Minute)
	f.fake.EditEntry(entry.ID, func(e *sandbox.TogglEntry) { e.TagIDs = []int64{42} })
	res, err := f.engine.RunIncremental(ctx(t))
	if err != nil || res.Updated != 1 || res.Voided != 0 || len(res.ChangedWeeks) != 0 {
		t.Fatalf("tag-only change: %+v, %v", res, err)
	}

	// A content change voids it.
	f.clock.Advance(time.Minute)
	f.fake.EditEntry(entry.ID, func(e *sandbox.TogglEntry) { e.Description = "changed after confirming" })
	f.fake.EditEntry(other.ID, func(e *sandbox.TogglEntry) { e.Description += "!" })
	res, err = f.engine.RunIncremental(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Voided != 1 || len(res.ChangedWeeks) != 1 || res.ChangedWeeks[0].EmployeeID != empID ||
		!res.ChangedWeeks[0].WeekStart.Equal(week.Start) {
		t.Fatalf("result = %+v; want one voided confirmation and the approved week", res)
	}
	if n := count(t, f.db, `SELECT count(*) FROM confirmations WHERE entry_id = $1 AND voided_at IS NOT NULL AND void_reason <> ''`, entry.ID); n != 1 {
		t.Fatal("confirmation not voided")
	}
	if n := count(t, f.db, `SELECT count(*) FROM audit_log WHERE action = 'confirmation.void' AND entity_id = $1::bigint::text`, entry.ID); n != 1 {
		t.Fatal("no confirmation.void audit row")
	}
	if n := count(t, f.db, `SELECT count(*) FROM toggl_outbox WHERE entry_id = $1 AND op = 'tag_remove'
		AND status = 'pending' AND payload->>'tag' = 'confirmed' AND idempotency_key = 'tag_remove:' || $1::bigint || ':' || $2::text`, entry.ID, oldHash); n != 1 {
		t.Fatal("no tag_remove queued")
	}
	if n := count(t, f.db, `SELECT count(*) FROM toggl_outbox WHERE entry_id = $1 AND op = 'tag_add' AND status = 'superseded'`, entry.ID); n != 1 {
		t.Fatal("pending tag_add not superseded")
	}
	if n := count(t, f.db, `SELECT count(*) FROM week_approvals WHERE employee_id = $1 AND status = 'changed_after_approval'`, empID); n != 1 {
		t.Fatal("approved week not marked changed")
	}
	if n := count(t, f.db, `SELECT count(*) FROM audit_log WHERE action = 'week.changed_after_approval'`); n != 1 {
		t.Fatal("no week audit row")
	}
	// Syncing again changes nothing more.
	res, err = f.engine.RunIncremental(ctx(t))
	if err != nil || res.Voided != 0 || res.Updated != 0 {
		t.Fatalf("rerun = %+v, %v", res, err)
	}
}

func TestDeletedConfirmedEntryIsVoided(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{users: 3, perWeek: 10})
	person := f.people[1]
	empID := addEmployee(t, f.db, person)
	if _, err := f.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	entry := firstStopped(t, f, person.ID)
	_, err := f.db.Exec(context.Background(), `INSERT INTO confirmations (entry_id, employee_id, content_hash, slack_user_id)
		SELECT id, $2, content_hash, 'U1' FROM time_entries WHERE id = $1`, entry.ID, empID)
	if err != nil {
		t.Fatal(err)
	}
	f.fake.DeleteEntry(entry.ID)
	res, err := f.engine.RunFull(ctx(t))
	if err != nil || res.Deleted != 1 || res.Voided != 1 {
		t.Fatalf("run = %+v, %v", res, err)
	}
	if n := count(t, f.db, `SELECT count(*) FROM toggl_outbox WHERE entry_id = $1 AND op = 'tag_remove'`, entry.ID); n != 1 {
		t.Fatal("no tag_remove queued for the deleted entry")
	}
}

func TestUnknownUserKeptThenLinked(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{users: 3, perWeek: 5})
	if _, err := f.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	u := f.people[2]
	if n := count(t, f.db, `SELECT count(*) FROM time_entries WHERE toggl_user_id = $1 AND NOT unknown_user`, u.ID); n != 0 {
		t.Fatal("entries of a user outside the roster should be flagged unknown")
	}
	// HR adds the person (matched by email), the next sync attributes the entries.
	_, err := f.db.Exec(context.Background(), `INSERT INTO employees (bamboo_id, email) VALUES ('b9', $1)`, u.Email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, f.db, `SELECT count(*) FROM time_entries WHERE toggl_user_id = $1 AND (unknown_user OR employee_id IS NULL)`, u.ID); n != 0 {
		t.Fatalf("%d entries still unattributed", n)
	}
}

func TestBackdatedRateReprices(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{users: 2, perWeek: 10})
	person := f.people[0]
	empID := addEmployee(t, f.db, person)
	if _, err := f.engine.RunFull(ctx(t)); err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	week := model.WeekOf(testNow)
	if _, err := f.db.Exec(bg, `INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency)
		VALUES ($1, '2025-01-01', 10000, 'EUR')`, empID); err != nil {
		t.Fatal(err)
	}
	type priced struct {
		secs, rate, amount int64
		billable           bool
		day                time.Time
	}
	load := func() map[int64]priced {
		rows, err := f.db.Query(bg, `SELECT id, duration_secs, rate_minor, amount_minor, billable, local_date
			FROM priced_entries WHERE employee_id = $1`, empID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64]priced{}
		for rows.Next() {
			var id int64
			var p priced
			if err := rows.Scan(&id, &p.secs, &p.rate, &p.amount, &p.billable, &p.day); err != nil {
				t.Fatal(err)
			}
			out[id] = p
		}
		return out
	}
	check := func(got map[int64]priced, rateOn func(time.Time) int64) {
		t.Helper()
		if len(got) == 0 {
			t.Fatal("no priced entries")
		}
		for id, p := range got {
			want := int64(0)
			if p.billable {
				want = model.PriceMinor(p.secs, rateOn(p.day))
			}
			if p.rate != rateOn(p.day) || p.amount != want {
				t.Fatalf("entry %d on %s: rate %d amount %d; want %d %d", id, p.day.Format(time.DateOnly), p.rate, p.amount, rateOn(p.day), want)
			}
		}
	}
	check(load(), func(time.Time) int64 { return 10000 })

	// A raise arrives late, effective from Wednesday of the current week:
	// entries from then on are repriced with no re-sync.
	wed := week.Start.AddDate(0, 0, 2)
	if _, err := f.db.Exec(bg, `INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency)
		VALUES ($1, $2, 12345, 'EUR')`, empID, wed); err != nil {
		t.Fatal(err)
	}
	check(load(), func(d time.Time) int64 {
		if d.Before(wed) {
			return 10000
		}
		return 12345
	})
}
