package roster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/roster"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

// seedIdentities puts people into the Slack fake and toggl_users, skipping
// those for which skip returns true.
func seedIdentities(t testing.TB, db *storage.DB, sl *sandbox.Slack, people []sandbox.BambooPerson, skipSlack, skipToggl func(int) bool) {
	t.Helper()
	var ids []int64
	var emails []string
	for i, p := range people {
		if !skipSlack(i) {
			sl.AddUser(sandbox.SlackUser{ID: p.SlackID, Name: p.FirstName, RealName: p.FirstName + " " + p.LastName, Email: p.Email, TZ: p.TZ})
		}
		if !skipToggl(i) {
			ids = append(ids, p.TogglID)
			emails = append(emails, p.Email)
		}
	}
	if _, err := db.Exec(context.Background(), `INSERT INTO toggl_users (id, email) SELECT * FROM unnest($1::bigint[], $2::text[])`, ids, emails); err != nil {
		t.Fatal(err)
	}
}

// newSlack starts a Slack fake, closed at cleanup, and a client of it.
func newSlack(t testing.TB) (*sandbox.Slack, *slack.Client) {
	t.Helper()
	sl, err := sandbox.NewSlack(sandbox.SlackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sl.Close)
	return sl, slack.New(sl.BotToken(), slack.OptionAPIURL(sl.URL()))
}

func TestReconcileDriftAndIdentity(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	sl, api := newSlack(t)
	people := r.bamboo.Seed(sandbox.BambooOrgSpec{Employees: 30, Seed: 3})
	seedIdentities(t, r.db, sl, people, func(i int) bool { return i == 5 }, func(i int) bool { return i == 6 || i == 7 })
	// A Toggl user without an employee logged time before the roster knew them.
	if _, err := r.db.Exec(ctx, `INSERT INTO time_entries (id, toggl_user_id, billable, start_at, stop_at, local_date, duration_secs, toggl_updated_at, content_hash, unknown_user)
		VALUES (9, $1, true, '2026-03-02T09:00:00Z', '2026-03-02T10:00:00Z', '2026-03-02', 3600, now(), 'h', true)`, people[3].TogglID); err != nil {
		t.Fatal(err)
	}
	rec := r.reconciler(roster.ReconcilerOptions{Slack: api})
	rep, err := rec.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Employees != 30 || rep.Created != 30 || rep.RatesWritten != 30 || rep.SlackChanged != 29 || rep.TogglChanged != 28 {
		t.Fatalf("first run = %+v", rep)
	}
	e := employee(t, r.db, people[0].BambooID)
	if e.SlackUserID != people[0].SlackID || e.SlackTZ != people[0].TZ || e.TogglUserID != people[0].TogglID {
		t.Fatalf("identities = %+v", e.Employee)
	}
	if n := count(t, r.db, `SELECT count(*) FROM time_entries WHERE id = 9 AND employee_id IS NOT NULL`); n != 1 {
		t.Fatal("entries of a newly linked Toggl user were not attributed")
	}
	open := map[string]int{}
	for _, p := range rep.OpenProblems {
		open[p.Kind]++
	}
	if open["no_slack"] != 1 || open["no_toggl"] != 2 {
		t.Fatalf("open problems = %v", open)
	}

	// No drift: no audit rows at all.
	audits := count(t, r.db, `SELECT count(*) FROM audit_log`)
	rep, err = rec.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, r.db, `SELECT count(*) FROM audit_log`) - audits; n != 0 || rep.Created+rep.Updated+rep.RatesWritten+rep.SlackChanged+rep.TogglChanged != 0 {
		t.Fatalf("run without drift wrote %d audit rows: %+v", n, rep)
	}

	// Drift the webhooks missed: a title, a rate, a termination, a deletion,
	// and the missing Slack user now exists.
	_ = r.bamboo.UpdateEmployee(people[1].BambooID, func(e *sandbox.BambooEmployee) { e.JobTitle = "Principal Engineer" })
	_ = r.bamboo.SetRate(people[2].BambooID, r.clock.Now(), "199.00", "USD")
	_ = r.bamboo.Terminate(people[8].BambooID, r.clock.Now().AddDate(0, 0, -1))
	_ = r.bamboo.Delete(people[9].BambooID)
	sl.AddUser(sandbox.SlackUser{ID: people[5].SlackID, Email: people[5].Email, TZ: "Asia/Kolkata"})
	// The next night's run lists the Slack directory again.
	r.clock.Advance(24 * time.Hour)
	audits = count(t, r.db, `SELECT count(*) FROM audit_log`)
	rep, err = rec.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, r.db, `SELECT count(*) FROM audit_log`) - audits; n != 5 {
		t.Fatalf("drift wrote %d audit rows, want 5 (title, rate, termination, deletion, slack): %+v", n, rep)
	}
	if rep.Updated != 2 || rep.Deleted != 1 || rep.RatesWritten != 1 || rep.SlackChanged != 1 {
		t.Fatalf("drift run = %+v", rep)
	}
	if n := count(t, r.db, `SELECT count(*) FROM roster_problems WHERE kind = 'no_slack' AND resolved_at IS NOT NULL`); n != 1 {
		t.Fatal("no_slack problem not resolved once the Slack user exists")
	}
	if e := employee(t, r.db, people[9].BambooID); e.DeletedAt == nil {
		t.Fatal("deleted employee not marked")
	}
}

func TestNewHireGetsSlackByLookup(t *testing.T) {
	t.Parallel()
	sl, api := newSlack(t)
	r := newRig(t, rigOptions{slack: api})
	sl.AddUser(sandbox.SlackUser{ID: "U0NEWHIRE", Email: "mei.chen@example.com", TZ: "Asia/Singapore"})
	id := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Mei", LastName: "Chen", WorkEmail: "mei.chen@example.com"})
	_ = r.bamboo.SetRate(id, r.clock.Now(), "110", "USD")
	r.send(t, sandbox.BambooEventPayload("created", id, r.clock.Now()))
	r.drain(t)
	e := employee(t, r.db, id)
	if e.SlackUserID != "U0NEWHIRE" || e.SlackTZ != "Asia/Singapore" {
		t.Fatalf("new hire identity = %+v", e.Employee)
	}
	if sl.CallCount("users.lookupByEmail") != 1 || sl.CallCount("users.list") != 0 {
		t.Fatalf("slack calls: lookup=%d list=%d", sl.CallCount("users.lookupByEmail"), sl.CallCount("users.list"))
	}
	if n := count(t, r.db, `SELECT count(*) FROM roster_problems WHERE subject = $1 AND kind = 'no_toggl' AND resolved_at IS NULL`, id); n != 1 {
		t.Fatal("new hire without a Toggl user is not a roster problem")
	}
}

// users.list is paged with a limit Slack recommends (no more than 200),
// following the cursor to the end, even when asked for bigger pages.
func TestReconcilePagesSlackUsersWithinLimit(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	sl, api := newSlack(t)
	people := r.bamboo.Seed(sandbox.BambooOrgSpec{Employees: 450, Seed: 5})
	seedIdentities(t, r.db, sl, people, func(int) bool { return false }, func(int) bool { return false })
	rep, err := r.reconciler(roster.ReconcilerOptions{Slack: api, SlackPageSize: 1000}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.SlackUsers < 450 || rep.SlackChanged != 450 {
		t.Fatalf("listed %d Slack users, matched %d; want all 450", rep.SlackUsers, rep.SlackChanged)
	}
	calls := sl.Calls("users.list")
	if len(calls) != 3 {
		t.Fatalf("users.list calls = %d, want 3 pages of 200", len(calls))
	}
	for i, c := range calls {
		if c.Params["limit"] != "200" {
			t.Errorf("page %d limit = %q, want 200", i, c.Params["limit"])
		}
		if (i > 0) != (c.Params["cursor"] != "") {
			t.Errorf("page %d cursor = %q", i, c.Params["cursor"])
		}
	}
}

// The whole Slack directory is listed at most once per SlackDirectoryEvery
// (it is 50 users.list calls for 10,000 people under Tier 2): a run sooner
// than that looks up only the people it created or changed who have no
// Slack identity, and a run after it lists again, catching a changed time
// zone. Too many to look up are listed, not looked up one by one.
func TestSlackDirectoryListedOncePerInterval(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	sl, api := newSlack(t)
	people := r.bamboo.Seed(sandbox.BambooOrgSpec{Employees: 20, Seed: 4})
	seedIdentities(t, r.db, sl, people, func(i int) bool { return i < 2 }, func(int) bool { return false })
	rec := r.reconciler(roster.ReconcilerOptions{Slack: api, SlackDirectoryEvery: 20 * time.Hour})
	run := func(what string) roster.ReconcileReport {
		t.Helper()
		rep, err := rec.Run(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return rep
	}
	calls := func() (list, lookup int) { return sl.CallCount("users.list"), sl.CallCount("users.lookupByEmail") }

	rep := run("first run")
	if list, lookup := calls(); list != 1 || lookup != 0 || rep.SlackUsers != 18 || rep.SlackChanged != 18 {
		t.Fatalf("first run: %d lists, %d lookups, %s", list, lookup, slackBrief(rep))
	}
	// An hour later a hire the webhooks missed has a Slack account, one of
	// the two the listing did not find has joined Slack, and someone moved:
	// only the hire is looked up; the others wait for the next listing.
	r.clock.Advance(time.Hour)
	hire := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Mei", LastName: "Chen", WorkEmail: "mei.chen@example.com"})
	sl.AddUser(sandbox.SlackUser{ID: "U0MEI", Email: "mei.chen@example.com", TZ: "Asia/Singapore"})
	sl.AddUser(sandbox.SlackUser{ID: people[0].SlackID, Email: people[0].Email, TZ: "Asia/Tokyo"})
	sl.SetUserTZ(people[5].SlackID, "America/Denver")
	rep = run("an hour later")
	if list, lookup := calls(); list != 1 || lookup != 1 || rep.SlackLookups != 1 || rep.SlackChanged != 1 {
		t.Fatalf("an hour later: %d lists, %d lookups, %s", list, lookup, slackBrief(rep))
	}
	if e := employee(t, r.db, hire); e.SlackUserID != "U0MEI" || e.SlackTZ != "Asia/Singapore" {
		t.Fatalf("looked-up identity = %+v", e.Employee)
	}
	if e := employee(t, r.db, people[0].BambooID); e.SlackUserID != "" {
		t.Fatalf("someone the listing did not find was looked up: %+v", e.Employee)
	}
	// Nothing changed: no Slack call at all.
	rep = run("nothing changed")
	if list, lookup := calls(); list != 1 || lookup != 1 || rep.SlackCalls != 0 {
		t.Fatalf("nothing changed: %d lists, %d lookups, %s", list, lookup, slackBrief(rep))
	}
	// A day after the listing, the directory is listed again.
	r.clock.Advance(20 * time.Hour)
	rep = run("a day later")
	if list, _ := calls(); list != 2 || rep.SlackChanged != 2 {
		t.Fatalf("a day later: %d lists, %s", list, slackBrief(rep))
	}
	if e := employee(t, r.db, people[5].BambooID); e.SlackTZ != "America/Denver" {
		t.Fatalf("time zone after the listing = %q", e.SlackTZ)
	}
	if e := employee(t, r.db, people[0].BambooID); e.SlackUserID != people[0].SlackID {
		t.Fatalf("joined Slack, listed, still not linked: %+v", e.Employee)
	}
	// More people without an identity than are worth looking up: listed.
	for i := range roster.MaxSlackLookups + 1 {
		r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "New", LastName: fmt.Sprint(i), WorkEmail: fmt.Sprintf("new%d@example.com", i)})
	}
	r.clock.Advance(time.Hour)
	rep = run("many new")
	if list, lookup := calls(); list != 3 || lookup != 1 || rep.SlackLookups != 0 {
		t.Fatalf("many new: %d lists, %d lookups, %s", list, lookup, slackBrief(rep))
	}
}

// slackBrief is what a report says of Slack.
func slackBrief(rep roster.ReconcileReport) string {
	return fmt.Sprintf("listed %d, looked up %d, %d calls, %d changed", rep.SlackUsers, rep.SlackLookups, rep.SlackCalls, rep.SlackChanged)
}
