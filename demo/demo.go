// Package demo is `tally demo`: it seeds the built-in sandbox (Slack,
// Toggl and BambooHR fakes) with a generated organisation, runs a real
// tally against it through package app's exported surface and walks
// through one week of the product, printing what each person sees and a
// final report.
package demo

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	gosync "sync"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

// Options are `tally demo`'s settings.
type Options struct {
	People   int    // developers in the seeded organisation (10–20000)
	Seed     uint64 // seed of the generated organisation and week
	Serve    bool   // keep the sandbox running and serve the read-only preview
	Addr     string // address of the preview page
	Database string // database (re)created for the demo on DatabaseURL's server
	// DatabaseURL names the Postgres server; the demo never touches the
	// database it names (see CheckDatabase).
	DatabaseURL string
	RedisURL    string      // optional
	Out         io.Writer   // the walk-through and report
	Log         *zap.Logger // tally's own log lines
}

// CheckDatabase says why name cannot be the demo's database on the server
// of databaseURL: not a plain identifier, or the database databaseURL
// itself names (the demo drops and recreates it).
func CheckDatabase(databaseURL, name string) error {
	if !storage.ValidDatabaseName(name) {
		return fmt.Errorf("--database %q must be lower-case letters, digits and _", name)
	}
	current, err := storage.DatabaseName(databaseURL)
	if err != nil {
		return err
	}
	if current == name {
		return fmt.Errorf("refusing to recreate %q, the database DATABASE_URL names; pick another --database", name)
	}
	return nil
}

// demoClock is the simulated time the demo moves through its week: it
// starts where Set puts it and runs on at real speed from there.
type demoClock struct {
	mu    gosync.Mutex
	at    time.Time
	setAt time.Time
}

// Now is the simulated time.
func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at.Add(time.Since(c.setAt))
}

// Set moves the simulated time to t.
func (c *demoClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.setAt = t, time.Now()
}

// demo is one run of `tally demo`: the sandbox, the seeded organisation and
// the real tally wired against them.
type demo struct {
	opts   Options
	out    io.Writer
	clock  *demoClock
	week   model.Week // the demo's week: next week, so simulated time runs ahead of real time
	slack  *sandbox.Slack
	bamboo *sandbox.Bamboo
	toggl  *sandbox.Toggl
	people []sandbox.BambooPerson
	app    *app.App
	stop   context.CancelFunc
	done   chan error
	dbURL  string

	stages []demoStage
	facts  demoFacts
}

// demoStage is one step of the walk-through and how long it took.
type demoStage struct {
	name string
	took time.Duration
}

// demoFacts are what the final report says.
type demoFacts struct {
	unallocatedBefore float64
	remindersSent     int
	remindersSkipped  int
	digestsSent       int
	confirmedBy       int // developers who confirmed their week
	projectsPicked    int // picks of the first option offered, by the crowd
	usedAssignAll     int // people who clicked Assign all suggestions
	ignored           int
	approved          int
	rejected          int
	unallocatedHours  float64 // hours without a project after the sync
	exportPath        string
	exportRows        int64
	billable          map[string]model.Amounts // client → confirmed amounts
	togglWrites       int
	approvedIDs       []int64 // employees whose week the manager approved
	approver          string  // that manager's Slack user id
	drift             string  // the approved week a backdated raise changed
	totals            storage.Totals
	exportAll         model.Amounts
	exportConfirmed   model.Amounts
	unpriced          []storage.UnpricedPerson
	outside           []storage.EmploymentProblem
}

// demoHRAdmin is the HR admin's Slack user: HR tracks no time, so they are
// in Slack but not among the developers.
const demoHRAdmin = "U0HRADMIN1"

// Run runs the walk-through and prints its report; with Serve it then
// keeps the sandbox and tally running and serves the preview until ctx
// ends.
func Run(ctx context.Context, o Options) error {
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	d := &demo{opts: o, out: o.Out, clock: &demoClock{}}
	// The demo lives in next week: its simulated clock must never run behind
	// the database's (queues compare their due times with now()).
	d.week = model.WeekOf(time.Now().UTC()).Next()
	// The simulated week starts on its Friday morning, before anyone is due.
	d.clock.Set(d.week.Start.AddDate(0, 0, 4).Add(6 * time.Hour))

	d.printf("tally demo — %d developers, week %s, everything against the built-in sandbox\n\n", o.People, d.week.Label())
	if err := d.setup(ctx); err != nil {
		return err
	}
	defer d.shutdown()

	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"roster: BambooHR reconciliation and webhooks", d.stageRoster},
		{"Toggl sync", d.stageSync},
		{"Friday reminders across time zones", d.stageReminders},
		{"developers confirm, assign projects, ignore", d.stageDevelopers},
		{"Toggl write-back", d.stageWriteback},
		{"Monday manager digest", d.stageDigest},
		{"manager approves and rejects; HR looks", d.stageApprovals},
		{"a backdated raise reaches an approved week", d.stageDrift},
		{"billing export", d.stageExport},
	}
	for i, s := range steps {
		d.printf("━━ %d. %s\n", i+1, s.name)
		start := time.Now()
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("demo stage %q: %w", s.name, err)
		}
		d.stages = append(d.stages, demoStage{s.name, time.Since(start)})
		d.printf("\n")
	}
	d.report()
	if o.Serve {
		return d.serve(ctx)
	}
	return nil
}

func (d *demo) printf(format string, args ...any) { fmt.Fprintf(d.out, format, args...) }

// indent prints text indented, for rendered Slack surfaces.
func (d *demo) indent(text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		d.printf("    │ %s\n", l)
	}
}

// setup recreates the demo database, starts the fakes, seeds them with the
// same people and starts tally against them.
func (d *demo) setup(ctx context.Context) error {
	var err error
	d.dbURL, err = storage.RecreateDatabase(ctx, d.opts.DatabaseURL, d.opts.Database)
	if err != nil {
		return err
	}
	if d.slack, err = sandbox.NewSlack(sandbox.SlackOptions{Now: d.clock.Now}); err != nil {
		return err
	}
	if d.bamboo, err = sandbox.NewBamboo(sandbox.BambooOptions{RateField: "customBillableRate", Now: d.clock.Now}); err != nil {
		return err
	}
	if d.toggl, err = sandbox.NewToggl(sandbox.TogglOptions{MaxPageSize: 200, HourlyQuota: 600, BucketPerSec: 25, BucketBurst: 5, Now: d.clock.Now, Seed: d.opts.Seed}); err != nil {
		return err
	}

	d.people = d.bamboo.Seed(sandbox.BambooOrgSpec{Employees: d.opts.People, Seed: d.opts.Seed})
	var togglPeople []sandbox.TogglUser
	// Toggl teams follow the BambooHR supervisors, so the history the
	// generator writes (and the team rule of the suggestions) follows real
	// teams.
	teams := map[int64]string{}
	for _, p := range d.people {
		teams[p.TogglID] = p.SupervisorID
		off := zoneOffset(p.TZ, d.clock.Now())
		d.slack.AddUser(sandbox.SlackUser{ID: p.SlackID, Name: strings.ToLower(p.FirstName), RealName: p.FirstName + " " + p.LastName,
			Email: p.Email, TZ: p.TZ, TZOffset: off})
		togglPeople = append(togglPeople, sandbox.TogglUser{ID: p.TogglID, Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, Timezone: p.TZ, OffsetSecs: off})
	}
	d.slack.AddUser(sandbox.SlackUser{ID: demoHRAdmin, Name: "hana", RealName: "Hana (HR)", Email: "hana.hr@example.com", TZ: "Europe/Berlin", TZOffset: 3600})
	d.toggl.Generate(sandbox.TogglGenSpec{People: togglPeople, Weeks: []model.Week{d.week.Prev(), d.week}, Teams: teams})

	env := map[string]string{
		"SLACK_APP_TOKEN":           d.slack.AppToken(),
		"SLACK_BOT_TOKEN":           d.slack.BotToken(),
		"SLACK_API_URL":             d.slack.URL(),
		"TOGGL_API_TOKEN":           d.toggl.Token(),
		"TOGGL_WORKSPACE_ID":        fmt.Sprint(d.toggl.WorkspaceID()),
		"TOGGL_API_URL":             d.toggl.URL(),
		"TOGGL_REQUESTS_PER_SECOND": "20",
		"TOGGL_PAGE_SIZE":           "200",
		"BAMBOO_COMPANY_DOMAIN":     "sandbox",
		"BAMBOO_API_KEY":            d.bamboo.APIKey(),
		"BAMBOO_API_URL":            d.bamboo.URL(),
		"BAMBOO_RATE_FIELD":         d.bamboo.RateField(),
		// The sandbox keeps contractors' rates in their own field, as many
		// BambooHR accounts do: without it every contractor is unpriced.
		"BAMBOO_CONTRACTOR_RATE_FIELD": d.bamboo.ContractorRateField(),
		"TALLY_DEV_INSECURE_WEBHOOK":   "1",
		"DATABASE_URL":                 d.dbURL,
		"LISTEN_ADDR":                  "127.0.0.1:0",
		"ADMIN_ADDR":                   "127.0.0.1:0",
		"HR_ADMIN_SLACK_IDS":           demoHRAdmin,
		"SLACK_MESSAGES_PER_MINUTE":    "6000",
		"TALLY_INSTANCE_ID":            "demo",
	}
	if d.opts.RedisURL != "" {
		env["REDIS_URL"] = d.opts.RedisURL
	}
	// The demo drives the scheduled jobs itself at simulated times.
	a, err := app.NewFromEnv(ctx, lookupFromMap(env), d.opts.Log, app.WithoutScheduler(), app.WithClock(d.clock.Now))
	if err != nil {
		return err
	}
	d.app = a
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.stop, d.done = cancel, make(chan error, 1)
	go func() { d.done <- a.Run(rctx) }()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := d.slack.WaitForConnections(wctx, 1); err != nil {
		return fmt.Errorf("tally did not connect to the Slack sandbox: %w", err)
	}
	d.printf("sandbox: Slack %s · Toggl %s · BambooHR %s\ndatabase: %s (recreated)\n\n", d.slack.URL(), d.toggl.URL(), d.bamboo.URL(), d.opts.Database)
	return nil
}

func (d *demo) shutdown() {
	if d.stop != nil {
		d.stop()
		if err := <-d.done; err != nil {
			d.printf("warning: tally stopped with an error: %v\n", err)
		}
	}
	if d.slack != nil {
		d.slack.Close()
	}
	if d.bamboo != nil {
		d.bamboo.Close()
	}
	if d.toggl != nil {
		d.toggl.Close()
	}
}

func lookupFromMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// zoneOffset is the UTC offset of an IANA zone at t, in seconds; 0 (UTC)
// for a zone that cannot be loaded (the sandbox's people all have valid
// ones).
func zoneOffset(tz string, t time.Time) int {
	loc, err := model.Location(tz, time.UTC)
	if err != nil {
		return 0
	}
	_, off := t.In(loc).Zone()
	return off
}

// share returns part/whole as a percentage.
func share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return math.Round(1000*part/whole) / 10
}
