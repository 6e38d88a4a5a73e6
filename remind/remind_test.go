package remind

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

var thisWeek, _ = model.ParseWeek("2026-11-23")

// testClock is a settable clock shared by the engines of a test.
type testClock struct{ v atomic.Int64 }

func newClock(t time.Time) *testClock { c := &testClock{}; c.set(t); return c }
func (c *testClock) set(t time.Time)  { c.v.Store(t.UnixNano()) }
func (c *testClock) now() time.Time   { return time.Unix(0, c.v.Load()).UTC() }

func utc(s string) time.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestFridayAcrossTimeZones(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	people := []*person{
		{slackID: "UKIRI", tz: "Pacific/Kiritimati", active: true}, // due Fri 02:00Z
		{slackID: "UBERLIN", tz: "Europe/Berlin", active: true},    // due Fri 15:00Z
		{slackID: "UUTC", tz: "", active: true},                    // DEFAULT_TZ (UTC): 16:00Z
		{slackID: "UBAD", tz: "Not/AZone", active: true},           // DEFAULT_TZ too
		{slackID: "UNY", tz: "America/New_York", active: true},     // due Fri 21:00Z
		{slackID: "UHNL", tz: "Pacific/Honolulu", active: true},    // due Sat 02:00Z
	}
	addPeople(t, db, fake, people...)
	r := &renderer{}
	c := newClock(utc("2026-11-27T01:59:00Z"))
	e := newEngine(t, db, slackFor(fake), r.render, c.now, nil)
	steps := []struct {
		at   string
		sent []string
	}{
		{"2026-11-27T01:59:00Z", nil},
		{"2026-11-27T02:00:00Z", []string{"UKIRI"}},
		{"2026-11-27T14:59:00Z", []string{"UKIRI"}},
		{"2026-11-27T15:00:00Z", []string{"UKIRI", "UBERLIN"}},
		{"2026-11-27T16:00:00Z", []string{"UKIRI", "UBERLIN", "UUTC", "UBAD"}},
		{"2026-11-27T21:00:00Z", []string{"UKIRI", "UBERLIN", "UUTC", "UBAD", "UNY"}},
		{"2026-11-28T02:00:00Z", []string{"UKIRI", "UBERLIN", "UUTC", "UBAD", "UNY", "UHNL"}},
		{"2026-11-29T09:00:00Z", []string{"UKIRI", "UBERLIN", "UUTC", "UBAD", "UNY", "UHNL"}},
	}
	for _, s := range steps {
		c.set(utc(s.at))
		if _, err := e.RunDue(context.Background(), c.now()); err != nil {
			t.Fatalf("%s: %v", s.at, err)
		}
		want := map[string]bool{}
		for _, id := range s.sent {
			want[id] = true
		}
		for _, p := range people {
			n := len(fake.DMs(p.slackID))
			if (n == 1) != want[p.slackID] || n > 1 {
				t.Errorf("at %s %s has %d DMs, want reminded=%v", s.at, p.slackID, n, want[p.slackID])
			}
		}
	}
	// Kiritimati's Monday begins while Honolulu is still on Sunday: the
	// next week's reminder is not due for anyone yet.
	c.set(utc("2026-11-30T02:00:00Z"))
	if res, err := e.RunDue(context.Background(), c.now()); err != nil || res.Sent != 0 {
		t.Fatalf("Monday tick: %+v, %v", res, err)
	}
}

func TestDSTWeekends(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	berlin := &person{slackID: "UBER", tz: "Europe/Berlin", active: true}
	ny := &person{slackID: "UNYC", tz: "America/New_York", active: true}
	addPeople(t, db, fake, berlin, ny)
	r := &renderer{}
	c := newClock(time.Time{})
	e := newEngine(t, db, slackFor(fake), r.render, c.now, nil)
	for _, s := range []struct {
		at       string
		ber, nyc int
	}{
		// Week of 19 Oct: Berlin still on CEST (UTC+2) that Friday.
		{"2026-10-23T13:59:00Z", 0, 0},
		{"2026-10-23T14:00:00Z", 1, 0},
		{"2026-10-23T20:00:00Z", 1, 1}, // New York on EDT (UTC-4)
		// Week of 26 Oct: Berlin on CET (UTC+1), New York still EDT.
		{"2026-10-30T14:30:00Z", 1, 1},
		{"2026-10-30T15:00:00Z", 2, 1},
		{"2026-10-30T20:00:00Z", 2, 2},
		// Week of 2 Nov: New York on EST (UTC-5).
		{"2026-11-06T20:30:00Z", 3, 2},
		{"2026-11-06T21:00:00Z", 3, 3},
	} {
		c.set(utc(s.at))
		if _, err := e.RunDue(context.Background(), c.now()); err != nil {
			t.Fatal(err)
		}
		if b, n := len(fake.DMs("UBER")), len(fake.DMs("UNYC")); b != s.ber || n != s.nyc {
			t.Errorf("at %s: Berlin %d, New York %d DMs; want %d, %d", s.at, b, n, s.ber, s.nyc)
		}
	}
}

func TestZoneChangesMidWeek(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	p := &person{slackID: "UMOVE", tz: "Europe/Berlin", active: true}
	addPeople(t, db, fake, p)
	r := &renderer{}
	c := newClock(utc("2026-11-25T12:00:00Z"))
	e := newEngine(t, db, slackFor(fake), r.render, c.now, nil)
	if _, err := e.RunDue(context.Background(), c.now()); err != nil {
		t.Fatal(err)
	}
	// Wednesday: the roster refresh learns they flew to New York.
	if _, err := db.Exec(context.Background(), `UPDATE employees SET slack_tz = 'America/New_York' WHERE id = $1`, p.id); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		at   string
		want int
	}{
		{"2026-11-27T15:00:00Z", 0}, // 16:00 in Berlin no longer counts
		{"2026-11-27T20:59:00Z", 0},
		{"2026-11-27T21:00:00Z", 1}, // 16:00 in New York
		{"2026-11-28T10:00:00Z", 1},
	} {
		c.set(utc(s.at))
		if _, err := e.RunDue(context.Background(), c.now()); err != nil {
			t.Fatal(err)
		}
		if n := len(fake.DMs("UMOVE")); n != s.want {
			t.Errorf("at %s: %d DMs, want %d", s.at, n, s.want)
		}
	}
	// Moving east after being reminded never reminds twice.
	if _, err := db.Exec(context.Background(), `UPDATE employees SET slack_tz = 'Asia/Tokyo' WHERE id = $1`, p.id); err != nil {
		t.Fatal(err)
	}
	c.set(utc("2026-11-29T10:00:00Z"))
	if _, err := e.RunDue(context.Background(), c.now()); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.DMs("UMOVE")); n != 1 {
		t.Errorf("after moving east: %d DMs, want 1", n)
	}
}

type whosOut []TimeOff

func (w whosOut) WhosOut(_ context.Context, start, end time.Time) ([]TimeOff, error) {
	var out []TimeOff
	for _, o := range w {
		if !o.End.Before(start) && !o.Start.After(end) {
			out = append(out, o)
		}
	}
	return out, nil
}

func TestSkips(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	away := &person{bamboo: "away", slackID: "UAWAY", tz: "UTC", active: true}
	partly := &person{bamboo: "partly", slackID: "UPART", tz: "UTC", active: true}
	gone := &person{bamboo: "gone", slackID: "UGONE", tz: "UTC", active: true, termDate: "2026-11-26"}
	lastDay := &person{bamboo: "lastday", slackID: "ULAST", tz: "UTC", active: true, termDate: "2026-11-27"}
	inactive := &person{bamboo: "inactive", slackID: "UINACT", tz: "UTC", active: false}
	noSlack := &person{bamboo: "noslack", tz: "UTC", active: true}
	done := &person{bamboo: "done", slackID: "UDONE", tz: "UTC", active: true}
	addPeople(t, db, fake, away, partly, gone, lastDay, inactive, noSlack, done)
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	offs := whosOut{
		{EmployeeBambooID: "away", Start: d("2026-11-20"), End: d("2026-11-27")},
		{EmployeeBambooID: "partly", Start: d("2026-11-23"), End: d("2026-11-25")},
	}
	r := &renderer{done: map[int64]bool{done.id: true}}
	c := newClock(utc("2026-11-27T16:00:00Z"))
	e := newEngine(t, db, slackFor(fake), r.render, c.now, func(o *Options) { o.TimeOff = offs })

	plan, err := e.Plan(context.Background(), Request{})
	if err != nil {
		t.Fatal(err)
	}
	why := map[int64]PlanItem{}
	for _, it := range plan {
		why[it.EmployeeID] = it
	}
	for _, c := range []struct {
		p      *person
		action Action
		reason string
	}{
		{away, ActionSkip, "on approved time off all week"},
		{partly, ActionSend, ""},
		{gone, ActionSkip, "terminated on 2026-11-26"},
		{lastDay, ActionSend, ""},
		{noSlack, ActionSkip, "no Slack user linked"},
		{done, ActionSkip, "week confirmed and allocated"},
	} {
		if got := why[c.p.id]; got.Action != c.action || got.Reason != c.reason {
			t.Errorf("%s: plan %s %q, want %s %q", c.p.bamboo, got.Action, got.Reason, c.action, c.reason)
		}
	}
	if _, ok := why[inactive.id]; ok {
		t.Error("inactive person planned")
	}
	if len(fake.Calls("chat.postMessage")) != 0 {
		t.Fatal("the plan sent messages")
	}

	res, err := e.RunDue(context.Background(), c.now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 2 || res.Skipped != 2 {
		t.Errorf("result %+v, want 2 sent, 2 skipped", res)
	}
	for _, p := range []*person{away, gone, inactive, done} {
		if n := len(fake.DMs(p.slackID)); n != 0 {
			t.Errorf("%s got %d DMs", p.bamboo, n)
		}
	}
	for _, p := range []*person{partly, lastDay} {
		if n := len(fake.DMs(p.slackID)); n != 1 {
			t.Errorf("%s got %d DMs, want 1", p.bamboo, n)
		}
	}
	l := ledger(t, db, "weekly", thisWeek)
	if l[away.id].Status != "skipped" || l[away.id].Reason != "on approved time off all week" {
		t.Errorf("time off ledger row: %+v", l[away.id])
	}
	if l[done.id].Status != "skipped" {
		t.Errorf("confirmed week ledger row: %+v", l[done.id])
	}
	if _, ok := l[gone.id]; ok {
		t.Error("terminated person has a ledger row")
	}
	// Decided once: a later tick renders nobody again.
	calls := r.calls
	if _, err := e.RunDue(context.Background(), c.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r.calls != calls {
		t.Errorf("a later tick rendered %d more weeks", r.calls-calls)
	}
}

func TestCrashAtEveryStep(t *testing.T) {
	steps := []struct {
		name   string
		method string
		after  bool
	}{
		// A first DM goes to the user id (no conversations.open): the
		// crash points are around the post; the recovery opens the DM to
		// look for an earlier post before posting again.
		{"before chat.postMessage", "chat.postMessage", false},
		{"after chat.postMessage", "chat.postMessage", true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			db := storagetest.New(t)
			fake := newFake(t, sandbox.SlackOptions{})
			p := &person{slackID: "UCRASH", tz: "UTC", active: true}
			addPeople(t, db, fake, p)
			r := &renderer{}
			c := newClock(utc("2026-11-27T16:00:00Z"))
			ctx, cancel := context.WithCancel(context.Background())
			crash := &crashSlack{Slack: slackFor(fake), method: s.method, after: s.after, armed: true, cancel: cancel}
			first := newEngine(t, db, crash, r.render, c.now, func(o *Options) { o.Instance = "first" })
			// The crash: the call fails and the process stops right there.
			res, _ := first.RunDue(ctx, c.now())
			cancel()
			if res.Sent != 0 {
				t.Fatalf("first run sent %d", res.Sent)
			}
			if st := ledger(t, db, "weekly", thisWeek)[p.id].Status; st != "claimed" {
				t.Fatalf("after the crash the row is %q, want claimed", st)
			}
			// A tick before the claim lease (15 s) runs out leaves it alone.
			second := newEngine(t, db, slackFor(fake), r.render, c.now, func(o *Options) { o.Instance = "second" })
			c.set(c.now().Add(10 * time.Second))
			if res, err := second.Recover(context.Background(), c.now()); err != nil || res.Recovered != 0 {
				t.Fatalf("early tick: %+v %v", res, err)
			}
			// The recovery tick after the lease completes it.
			c.set(c.now().Add(10 * time.Second))
			res, err := second.Recover(context.Background(), c.now())
			if err != nil {
				t.Fatal(err)
			}
			if res.Recovered != 1 || res.Sent != 1 {
				t.Errorf("recovery result %+v", res)
			}
			if n := len(fake.DMs("UCRASH")); n != 1 {
				t.Fatalf("%d DMs after recovery, want exactly 1", n)
			}
			row := ledger(t, db, "weekly", thisWeek)[p.id]
			if row.Status != "sent" || row.MessageTS != fake.DMs("UCRASH")[0].TS || row.Attempts != 2 {
				t.Errorf("ledger row %+v", row)
			}
			// And nothing more happens later.
			c.set(c.now().Add(time.Hour))
			if _, err := second.RunDue(context.Background(), c.now()); err != nil {
				t.Fatal(err)
			}
			if n := len(fake.DMs("UCRASH")); n != 1 {
				t.Fatalf("%d DMs in the end", n)
			}
		})
	}
}

func TestThreeEnginesOneDMPerPerson(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{ChannelPostRate: 1, WorkspacePostsPerMinute: 6000})
	var people []*person
	for i := range 60 {
		people = append(people, &person{slackID: fmt.Sprintf("U%04d", i), tz: []string{"UTC", "Europe/Berlin", "Asia/Tokyo"}[i%3], active: true})
	}
	addPeople(t, db, fake, people...)
	r := &renderer{}
	c := newClock(utc("2026-11-27T17:00:00Z"))
	var wg sync.WaitGroup
	results := make([]Result, 3)
	for i := range 3 {
		e := newEngine(t, db, slackFor(fake), r.render, c.now, func(o *Options) { o.Instance = fmt.Sprintf("replica-%d", i) })
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.RunDue(context.Background(), c.now())
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	total := 0
	for _, res := range results {
		total += res.Sent
	}
	if total != len(people) {
		t.Errorf("engines sent %d in all, want %d (%+v)", total, len(people), results)
	}
	for _, p := range people {
		if n := len(fake.DMs(p.slackID)); n != 1 {
			t.Errorf("%s got %d DMs", p.slackID, n)
		}
	}
}

func Test429StormAndTransientErrors(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	var people []*person
	for i := range 20 {
		people = append(people, &person{slackID: fmt.Sprintf("U%04d", i), tz: "UTC", active: true})
	}
	addPeople(t, db, fake, people...)
	fake.FailNext("chat.postMessage", 30, time.Second)
	fake.FailNext("conversations.open", 5, time.Second)
	r := &renderer{}
	c := newClock(utc("2026-11-27T17:00:00Z"))
	e := newEngine(t, db, slackFor(fake), r.render, c.now, nil)
	res, err := e.RunDue(context.Background(), c.now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 20 {
		t.Errorf("sent %d, want 20 (%+v)", res.Sent, res)
	}
	for _, p := range people {
		if n := len(fake.DMs(p.slackID)); n != 1 {
			t.Errorf("%s got %d DMs", p.slackID, n)
		}
	}
	if got := testutil.ToFloat64(e.metrics.rateLimited.WithLabelValues("chat.postMessage")); got != 30 {
		t.Errorf("rate-limited metric = %v, want 30", got)
	}

	// Transient errors after Slack took the message: the retry finds it.
	more := &person{slackID: "UFLAKY", tz: "UTC", active: true, bamboo: "flaky"}
	addPeople(t, db, fake, more)
	flaky := &crashSlack{Slack: slackFor(fake), method: "chat.postMessage", after: true, armed: true}
	e2 := newEngine(t, db, flaky, r.render, c.now, nil)
	res, err = e2.RunDue(context.Background(), c.now())
	if err != nil || res.Sent != 1 {
		t.Fatalf("flaky run: %+v %v", res, err)
	}
	if n := len(fake.DMs("UFLAKY")); n != 1 {
		t.Errorf("flaky person got %d DMs", n)
	}
}

func TestPermanentFailureRecordsRosterProblem(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	p := &person{slackID: "UDEAD", tz: "UTC", active: true, bamboo: "dead"}
	ok := &person{slackID: "UOK", tz: "UTC", active: true, bamboo: "ok"}
	addPeople(t, db, fake, p)
	// A first DM is posted to the user id; Slack refuses a user it
	// cannot DM with channel_not_found.
	fake.FailNextError("chat.postMessage", 1, "channel_not_found")
	r := &renderer{}
	c := newClock(utc("2026-11-27T17:00:00Z"))
	e := newEngine(t, db, slackFor(fake), r.render, c.now, nil)
	res, err := e.RunDue(context.Background(), c.now())
	if err != nil || res.Failed != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	row := ledger(t, db, "weekly", thisWeek)[p.id]
	if row.Status != "failed" || row.Error == "" {
		t.Errorf("ledger row %+v", row)
	}
	var detail string
	if err := db.QueryRow(context.Background(), `SELECT detail FROM roster_problems WHERE kind = 'dm_failed' AND subject = 'dead'`).Scan(&detail); err != nil {
		t.Fatalf("roster problem: %v", err)
	}
	// The failure does not stop the others.
	addPeople(t, db, fake, ok)
	if res, err := e.RunDue(context.Background(), c.now()); err != nil || res.Sent != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	// A refused token stops the run with ErrFatal.
	fake.SetAuthError("invalid_auth")
	addPeople(t, db, fake, &person{slackID: "ULATE", tz: "UTC", active: true, bamboo: "late"})
	if _, err := e.RunDue(context.Background(), c.now()); !errors.Is(err, ErrFatal) {
		t.Fatalf("invalid_auth: err = %v, want ErrFatal", err)
	}
}

func TestUpdateNudgeAndDigest(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	boss := &person{bamboo: "boss", slackID: "UBOSS", tz: "Europe/Berlin", active: true}
	dev := &person{bamboo: "dev", slackID: "UDEV", tz: "Europe/Berlin", active: true}
	stranger := &person{bamboo: "stranger", slackID: "USTRANGER", tz: "UTC", active: true}
	addPeople(t, db, fake, boss, dev, stranger)
	if _, err := db.Exec(context.Background(), `UPDATE employees SET supervisor_bamboo_id = 'boss' WHERE bamboo_id = 'dev'`); err != nil {
		t.Fatal(err)
	}
	r := &renderer{}
	c := newClock(utc("2026-11-27T17:00:00Z"))
	e := newEngine(t, db, slackFor(fake), r.render, c.now, nil)
	ctx := context.Background()
	if _, err := e.RunDue(ctx, c.now()); err != nil {
		t.Fatal(err)
	}
	if err := e.UpdateSentMessage(ctx, dev.id, thisWeek); err != nil {
		t.Fatal(err)
	}
	if m := fake.DMs("UDEV"); len(m) != 1 || m[0].Updates != 1 {
		t.Errorf("DM after update: %+v", m)
	}
	if err := e.UpdateSentMessage(ctx, dev.id, thisWeek.Prev()); err != nil {
		t.Errorf("update without a DM: %v", err)
	}

	// Nudges: managers only, once a day.
	if err := e.Nudge(ctx, "USTRANGER", dev.id, thisWeek); model.ErrorCodeOf(err) != model.EForbidden {
		t.Errorf("stranger nudge: %v", err)
	}
	if err := e.Nudge(ctx, "UBOSS", dev.id, thisWeek); err != nil {
		t.Fatalf("nudge: %v", err)
	}
	err := e.Nudge(ctx, "UBOSS", dev.id, thisWeek)
	if model.ErrorCodeOf(err) != model.EConflict {
		t.Errorf("second nudge: %v", err)
	}
	if n := len(fake.DMs("UDEV")); n != 2 {
		t.Errorf("dev has %d DMs, want the reminder and one nudge", n)
	}
	c.set(c.now().Add(24 * time.Hour))
	if err := e.Nudge(ctx, "UBOSS", dev.id, thisWeek); err != nil {
		t.Errorf("next day's nudge: %v", err)
	}

	// Monday 09:00 Berlin: the digest of last week goes to the boss only.
	c.set(utc("2026-11-30T07:59:00Z"))
	if res, err := e.DigestDue(ctx, c.now()); err != nil || res.Sent != 0 {
		t.Fatalf("early digest: %+v %v", res, err)
	}
	c.set(utc("2026-11-30T08:00:00Z"))
	if res, err := e.DigestDue(ctx, c.now()); err != nil || res.Sent != 1 {
		t.Fatalf("digest: %+v %v", res, err)
	}
	if n := len(fake.DMs("UBOSS")); n != 2 {
		t.Errorf("boss has %d DMs, want their own reminder and the digest", n)
	}
	if row := ledger(t, db, "digest", thisWeek)[boss.id]; row.Status != "sent" {
		t.Errorf("digest ledger row for the reported week: %+v", row)
	}
	if res, err := e.DigestDue(ctx, c.now().Add(time.Hour)); err != nil || res.Sent != 0 {
		t.Fatalf("second digest tick: %+v %v", res, err)
	}
}
