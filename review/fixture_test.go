package review_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// week is the week every fixture entry lives in: Monday 2026-11-23.
var week = model.Week{Start: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}

// fixture is a small organisation in a fresh database:
//
//	ceo (UCEO) ─┬─ mgr (UMGR) ─┬─ dev1 (UDEV1)
//	            │              └─ dev2 (UDEV2)
//	            └─ mgr2 (UMGR2) ── dev3 (UDEV3)
//
// HR admin UHR is not in the roster. Projects 1 (Apollo/Acme) and 2
// (Borealis/Bolt) are active and billable, 3 is archived, 4 (Internal/Us) is
// active and not billable. Every employee has a 100.00 EUR
// rate.
type fixture struct {
	t   *testing.T
	ctx context.Context
	db  *storage.DB
	svc *review.Service
	ids map[string]int64 // bamboo id → employee id
	seq int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: storagetest.New(t), ids: map[string]int64{}, seq: 1000}
	for _, p := range []struct{ bamboo, super, slack, name string }{
		{"ceo", "", "UCEO", "Cleo Ceo"},
		{"mgr", "ceo", "UMGR", "Mona Manager"},
		{"mgr2", "ceo", "UMGR2", "Max Manager"},
		{"dev1", "mgr", "UDEV1", "Dana Dev"},
		{"dev2", "mgr", "UDEV2", "Dirk Dev"},
		{"dev3", "mgr2", "UDEV3", "Dora Dev"},
	} {
		var id int64
		f.must(f.db.QueryRow(f.ctx, `INSERT INTO employees (bamboo_id, email, display_name, supervisor_bamboo_id, slack_user_id, toggl_user_id)
			VALUES ($1, $1 || '@example.com', $2, $3, $4, $5) RETURNING id`,
			p.bamboo, p.name, p.super, p.slack, 500+len(f.ids)).Scan(&id))
		f.ids[p.bamboo] = id
		f.exec(`INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency) VALUES ($1, '2020-01-01', 10000, 'EUR')`, id)
	}
	f.exec(`INSERT INTO toggl_projects (id, name, client_name, active, billable) VALUES
		(1, 'Apollo', 'Acme', true, true), (2, 'Borealis', 'Bolt', true, true), (3, 'Old', 'Gone', false, true),
		(4, 'Internal', 'Us', true, false)`)
	f.svc = review.New(f.db, review.Options{
		ConfirmedTag: "confirmed",
		IsHRAdmin:    func(id string) bool { return id == "UHR" },
	})
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	f.must(f.db.QueryRow(f.ctx, sql, args...).Scan(&n))
	return n
}

// entry inserts a live entry of the person on day (0 = Monday of week) with
// project (0 = none), lasting seconds, billable, and returns its id and hash.
func (f *fixture) entry(person string, day int, project int64, seconds int64) (int64, string) {
	f.t.Helper()
	f.seq++
	id := f.seq
	start := week.Start.AddDate(0, 0, day).Add(9 * time.Hour)
	hash := model.ContentHash(start, seconds, project, 0, "work", true)
	var proj any
	if project != 0 {
		proj = project
	}
	f.exec(`INSERT INTO time_entries (id, toggl_user_id, employee_id, project_id, description, billable,
			start_at, stop_at, local_date, duration_secs, toggl_updated_at, content_hash)
		SELECT $1, e.toggl_user_id, e.id, $3, 'work', true, $4, $5, $6, $7, now(), $8
		FROM employees e WHERE e.id = $2`,
		id, f.ids[person], proj, start, start.Add(time.Duration(seconds)*time.Second), start.Truncate(24*time.Hour), seconds, hash)
	return id, hash
}

// confirmWeek confirms every allocated entry of a person's week directly.
func (f *fixture) confirmWeek(person string) {
	f.t.Helper()
	if _, err := f.svc.ConfirmAll(f.ctx, "U"+upper(person), week); err != nil {
		f.t.Fatal(err)
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// rows counts confirmations, audit rows of action and outbox rows of entry.
func (f *fixture) rows(entryID int64, action string) (confirmations, audits, outbox int) {
	f.t.Helper()
	confirmations = f.count(`SELECT count(*) FROM confirmations WHERE entry_id = $1`, entryID)
	audits = f.count(`SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2`, action, strconv.FormatInt(entryID, 10))
	outbox = f.count(`SELECT count(*) FROM toggl_outbox WHERE entry_id = $1`, entryID)
	return
}
