//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

const webhookSecret = "chaos-webhook-secret"

// world is one scenario's universe: the three fakes hosted in this test
// process, seeded with the same people, and a fresh database on the
// private cluster.
type world struct {
	t      *testing.T
	slack  *sandbox.Slack
	bamboo *sandbox.Bamboo
	toggl  *sandbox.Toggl
	people []sandbox.BambooPerson
	week   model.Week // the week the entries are in (the previous full week)
	dbName string
	dbURL  string
	db     *storage.DB
	redis  bool
	extra  map[string]string
}

// worldOpts sizes a world.
type worldOpts struct {
	people         int
	entriesPerWeek int
	weeks          int // 1: only w.week; 2: w.week and the one before
	redis          bool
	env            map[string]string // extra tally variables
	ackRetries     int               // Slack re-sends an unacked envelope this often
}

var dbSeq atomic.Int64

func newWorld(t *testing.T, o worldOpts) *world {
	t.Helper()
	if o.entriesPerWeek == 0 {
		o.entriesPerWeek = 10
	}
	if o.weeks == 0 {
		o.weeks = 1
	}
	w := &world{t: t, redis: o.redis, extra: o.env}
	var err error
	w.slack, err = sandbox.NewSlack(sandbox.SlackOptions{PingInterval: time.Second, AckRetries: o.ackRetries})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.slack.Close)
	w.bamboo, err = sandbox.NewBamboo(sandbox.BambooOptions{RateField: "customBillableRate"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.bamboo.Close)
	w.toggl, err = sandbox.NewToggl(sandbox.TogglOptions{MaxPageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.toggl.Close)

	// The previous week: over in every zone, so "which week is it" never
	// depends on when the suite runs.
	w.week = model.WeekOf(time.Now().UTC()).Prev()
	w.people = w.bamboo.Seed(sandbox.BambooOrgSpec{Employees: o.people, Seed: 7})
	var tp []sandbox.TogglUser
	for _, p := range w.people {
		off := zoneOffset(p.TZ)
		w.slack.AddUser(sandbox.SlackUser{ID: p.SlackID, Name: strings.ToLower(p.FirstName), RealName: p.FirstName + " " + p.LastName,
			Email: p.Email, TZ: p.TZ, TZOffset: off})
		tp = append(tp, sandbox.TogglUser{ID: p.TogglID, Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, Timezone: p.TZ, OffsetSecs: off})
	}
	w.slack.AddUser(sandbox.SlackUser{ID: "UHR0001", Name: "hana", RealName: "Hana HR", Email: "hana.hr@example.com", TZ: "UTC"})
	weeks := []model.Week{w.week}
	if o.weeks > 1 {
		weeks = []model.Week{w.week.Prev(), w.week}
	}
	w.toggl.Generate(sandbox.TogglGenSpec{People: tp, Weeks: weeks, EntriesPerWeek: o.entriesPerWeek, RunningFrac: 0.0001})
	w.dbName, w.dbURL, w.db = newDatabase(t)
	return w
}

func zoneOffset(tz string) int {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return 0
	}
	_, off := time.Now().In(loc).Zone()
	return off
}

// maintenance runs one statement (CREATE or DROP DATABASE) on the chaos
// cluster's maintenance database, through storage like everything else.
func maintenance(ctx context.Context, stmt string) error {
	db, err := storage.Open(ctx, suite.pgURL, 1)
	if err != nil {
		return fmt.Errorf("connect to the chaos cluster: %w", err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// newDatabase creates an empty database on the private cluster (tally
// migrates it) and a handle on it for assertions; it is dropped at cleanup
// unless the test failed.
func newDatabase(t *testing.T) (string, string, *storage.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("chaos_%d_%d", time.Now().Unix(), dbSeq.Add(1))
	if err := maintenance(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(suite.pgURL)
	u.Path = "/" + name
	db, err := storage.Open(ctx, u.String(), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if t.Failed() {
			t.Logf("database kept: %s", u.String())
			return
		}
		dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer dcancel()
		_ = maintenance(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return name, u.String(), db
}

// env is a tally configuration pointing at this world; instance names the
// replica.
func (w *world) env(instance string) map[string]string {
	e := map[string]string{
		"SLACK_APP_TOKEN":           w.slack.AppToken(),
		"SLACK_BOT_TOKEN":           w.slack.BotToken(),
		"SLACK_API_URL":             w.slack.URL(),
		"TOGGL_API_TOKEN":           w.toggl.Token(),
		"TOGGL_WORKSPACE_ID":        strconv.FormatInt(w.toggl.WorkspaceID(), 10),
		"TOGGL_API_URL":             w.toggl.URL(),
		"TOGGL_REQUESTS_PER_SECOND": "40",
		"TOGGL_PAGE_SIZE":           "50",
		"SYNC_FULL_WEEKS":           "3",
		"BAMBOO_COMPANY_DOMAIN":     "sandbox",
		"BAMBOO_API_KEY":            w.bamboo.APIKey(),
		"BAMBOO_API_URL":            w.bamboo.URL(),
		"BAMBOO_RATE_FIELD":         w.bamboo.RateField(),
		"BAMBOO_WEBHOOK_SECRET":     webhookSecret,
		"DATABASE_URL":              w.dbURL,
		"HR_ADMIN_SLACK_IDS":        "UHR0001",
		"SLACK_MESSAGES_PER_MINUTE": "6000",
		"LOG_LEVEL":                 "debug",
		"LOG_FORMAT":                "json",
		"TALLY_INSTANCE_ID":         instance,
		// Nightly jobs stay out of the way unless a scenario asks.
		"SYNC_INCREMENTAL_EVERY": "24h",
		"SYNC_FULL_CRON":         "30 2 * * *",
		"ROSTER_CRON":            "0 2 * * *",
	}
	if w.redis {
		e["REDIS_URL"] = suite.redisURL
	}
	for k, v := range w.extra {
		e[k] = v
	}
	return e
}

// prepare migrates the database and loads the organisation the way an
// operator would: roster from BambooHR, a full Toggl sync, roster again to
// join the Toggl identities.
func (w *world) prepare() {
	w.t.Helper()
	env := w.env("chaos-prep")
	runCLI(w.t, 2*time.Minute, "migrate", env, "migrate")
	runCLI(w.t, 2*time.Minute, "roster", env, "roster")
	runCLI(w.t, 5*time.Minute, "sync-full", env, "sync", "--full")
	runCLI(w.t, 2*time.Minute, "roster2", env, "roster")
	if n := w.count(`SELECT count(*) FROM employees WHERE slack_user_id IS NOT NULL`); n != len(w.people) {
		w.t.Fatalf("prepare: %d of %d employees with a Slack identity", n, len(w.people))
	}
	if n := w.count(`SELECT count(*) FROM time_entries WHERE employee_id IS NULL AND deleted_at IS NULL`); n != 0 {
		w.t.Fatalf("prepare: %d synced entries not linked to an employee", n)
	}
}

// tally is a running `tally run` replica.
type tally struct {
	*proc
	instance   string
	adminPort  int
	listenPort int
}

// startTally starts `tally run` as instance on fixed free ports and waits
// until it answers /readyz and its Socket Mode connection is up (wantConns
// live connections on the Slack fake).
func (w *world) startTally(instance string, wantConns int) *tally {
	w.t.Helper()
	tl := &tally{instance: instance, adminPort: freePort(w.t), listenPort: freePort(w.t)}
	return w.restartTally(tl, wantConns)
}

// restartTally starts a new process for tl's instance on the same ports.
func (w *world) restartTally(tl *tally, wantConns int) *tally {
	w.t.Helper()
	env := w.env(tl.instance)
	env["ADMIN_ADDR"] = fmt.Sprintf("127.0.0.1:%d", tl.adminPort)
	env["LISTEN_ADDR"] = fmt.Sprintf("127.0.0.1:%d", tl.listenPort)
	p := startProc(w.t, "run-"+tl.instance, env, "run")
	p.admin = fmt.Sprintf("http://127.0.0.1:%d", tl.adminPort)
	p.webhook = fmt.Sprintf("http://127.0.0.1:%d/webhooks/bamboohr", tl.listenPort)
	tl.proc = p
	waitFor(w.t, 60*time.Second, "tally run "+tl.instance+" ready", func() bool {
		if !p.running() {
			w.t.Fatalf("tally run %s exited: %v\n%s", tl.instance, p.err, tail(p.output(), 3000))
		}
		_, ok := p.getReadyz()
		return ok && w.slack.Connections() >= wantConns
	})
	return tl
}

// count runs a count query on the world's database.
func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int
	if err := w.db.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// tryCount is count that reports errors (while Postgres may be down).
func (w *world) tryCount(sql string, args ...any) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var n int
	err := w.db.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}
