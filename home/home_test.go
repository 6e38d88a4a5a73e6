package home

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
	"github.com/tallyhq/tally/timesheet"
)

// fakeViews records the views published through it, by user.
type fakeViews struct {
	mu    sync.Mutex
	views map[string]slack.HomeTabViewRequest
}

func (f *fakeViews) PublishViewContext(_ context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.views[req.UserID] = req.View
	return &slack.ViewResponse{}, nil
}

// published returns the last view published for user.
func (f *fakeViews) published(t *testing.T, user string) slack.HomeTabViewRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.views[user]
	if !ok {
		t.Fatalf("nothing published for %s", user)
	}
	return v
}

// homeFixture is a small organisation: Grace manages Ada and Bob; UHR is an
// HR admin who is not in the roster.
type homeFixture struct {
	db    *storage.DB
	pub   *Publisher
	views *fakeViews
	logs  *observer.ObservedLogs
	ids   map[string]int64
	week  string // the current week in UTC
	adaWk string // Ada's current week (Honolulu is a day behind)
	ctx   context.Context
}

// now is Monday 30 Nov 2026, 05:00 UTC: still Sunday 29 Nov in Honolulu.
var now = time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)

func newHomeFixture(t *testing.T) *homeFixture {
	t.Helper()
	db := storagetest.New(t)
	f := &homeFixture{db: db, views: &fakeViews{views: map[string]slack.HomeTabViewRequest{}}, ids: map[string]int64{},
		week: "2026-11-30", adaWk: "2026-11-23", ctx: context.Background()}
	add := func(key string, e storagetest.SeedEmployee) { f.ids[key] = storagetest.AddEmployee(t, db, e) }
	add("grace", storagetest.SeedEmployee{BambooID: "2", Email: "grace@example.com", First: "Grace", Last: "Hopper",
		SlackUserID: "UMGR", SlackTZ: "Europe/Berlin", TogglUserID: 102})
	add("ada", storagetest.SeedEmployee{BambooID: "1", Email: "ada@example.com", First: "Ada", Last: "Lovelace",
		SlackUserID: "UADA", SlackTZ: "Pacific/Honolulu", TogglUserID: 100, SupervisorID: "2"})
	add("bob", storagetest.SeedEmployee{BambooID: "3", Email: "bob@example.com", First: "Bob", Last: "Builder",
		SlackUserID: "UBOB", SlackTZ: "Not/AZone", TogglUserID: 101, SupervisorID: "2"})
	storagetest.AddProject(t, db, 5, "Apollo", "NASA")
	// Ada logged 1:00 on Apollo and 0:30 without a project in the week of
	// 23 Nov; Bob 2:00 on Apollo in the week of 30 Nov.
	hnl, _ := time.LoadLocation("Pacific/Honolulu")
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 1, TogglUserID: 100, EmployeeID: f.ids["ada"], ProjectID: 5,
		Description: "launch review", Billable: true, Start: time.Date(2026, 11, 26, 9, 0, 0, 0, hnl), Seconds: 3600})
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 2, TogglUserID: 100, EmployeeID: f.ids["ada"],
		Description: "untracked call", Start: time.Date(2026, 11, 27, 9, 0, 0, 0, hnl), Seconds: 1800})
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 3, TogglUserID: 101, EmployeeID: f.ids["bob"], ProjectID: 5,
		Description: "telemetry", Billable: true, Start: time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC), Seconds: 7200})

	core, logs := observer.New(zap.WarnLevel)
	f.logs = logs
	isHR := func(id string) bool { return id == "UHR" }
	weeks := timesheet.New(timesheet.Options{Store: db, IsHRAdmin: isHR})
	f.pub = New(Options{
		API:       f.views,
		Weeks:     weeks,
		Employees: weeks,
		Data:      db,
		Team:      review.New(db, review.Options{IsHRAdmin: isHR}),
		IsHRAdmin: isHR,
		Logger:    zap.New(core),
		Now:       func() time.Time { return now },
		DefaultTZ: time.UTC,
	})
	return f
}

// blockText is everything a block shows, as JSON, for "does it say" checks.
func blockText(t *testing.T, b slack.Block) string {
	t.Helper()
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// block returns the block with the given id, failing when there is none.
func block(t *testing.T, v slack.HomeTabViewRequest, id string) string {
	t.Helper()
	for _, b := range v.Blocks.BlockSet {
		if b.ID() == id {
			return blockText(t, b)
		}
	}
	t.Fatalf("no block %q in the view", id)
	return ""
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestHomeRoleRouting(t *testing.T) {
	t.Parallel()
	f := newHomeFixture(t)
	cases := []struct {
		user    string
		who     string
		blockID string
		says    string
	}{
		{"UADA", "developer", "home_header", "Your time · Ada Lovelace"},
		{"UMGR", "manager", "home_header", "Team · "},
		{"UHR", "HR admin", "home_header", "Organisation · "},
		{"UNOBODY", "unknown user", "unknown_user", "I can't find you in the roster"},
	}
	for _, tc := range cases {
		if err := f.pub.PublishHome(f.ctx, tc.user); err != nil {
			t.Fatalf("%s: %v", tc.who, err)
		}
		v := f.views.published(t, tc.user)
		if v.Type != slack.VTHomeTab {
			t.Errorf("%s: view type %q", tc.who, v.Type)
		}
		mustContain(t, tc.who+" home", block(t, v, tc.blockID), tc.says)
	}
}

func TestDeveloperHome(t *testing.T) {
	t.Parallel()
	f := newHomeFixture(t)
	if err := f.pub.PublishHome(f.ctx, "UADA"); err != nil {
		t.Fatal(err)
	}
	v := f.views.published(t, "UADA")
	// It is still Sunday in Honolulu: Ada's "this week" is the week of
	// 23 Nov, where her time is, not the server's week of 30 Nov.
	if st := ParseState(v.PrivateMetadata); st.Week != f.adaWk {
		t.Fatalf("shown week %q, want %q", st.Week, f.adaWk)
	}
	mustContain(t, "week cards", block(t, v, "home_weeks"), "This week", "1:30 logged", "0:30 unallocated", "Last week", "0:00 logged")
	all := ""
	for _, b := range v.Blocks.BlockSet {
		all += blockText(t, b)
	}
	// The shown week lists the entries and offers a project for the one
	// without.
	mustContain(t, "week view", all, "launch review", "untracked call", "Apollo")

	// Navigating to the previous week keeps the cards on the current one.
	prev, err := time.Parse(time.DateOnly, "2026-11-16")
	if err != nil {
		t.Fatal(err)
	}
	st := State{Week: prev.Format(time.DateOnly)}
	if err := f.pub.Publish(f.ctx, "UADA", st); err != nil {
		t.Fatal(err)
	}
	v = f.views.published(t, "UADA")
	if got := ParseState(v.PrivateMetadata).Week; got != "2026-11-16" {
		t.Fatalf("shown week %q after navigation", got)
	}
	mustContain(t, "week cards after navigation", block(t, v, "home_weeks"), "1:30 logged")
}

func TestManagerHomeTeamTable(t *testing.T) {
	t.Parallel()
	f := newHomeFixture(t)
	// Grace looks at the week of 23 Nov, where Ada's time is.
	if err := f.pub.Publish(f.ctx, "UMGR", State{Week: f.adaWk}); err != nil {
		t.Fatal(err)
	}
	v := f.views.published(t, "UMGR")
	mustContain(t, "header", block(t, v, "home_header"), "direct reports")
	mustContain(t, "Ada's row", block(t, v, "member_"+strconv.FormatInt(f.ids["ada"], 10)),
		"Ada Lovelace", "1:30", "0:30 unallocated")
	mustContain(t, "Bob's row", block(t, v, "member_"+strconv.FormatInt(f.ids["bob"], 10)),
		"Bob Builder", "0:00")
	st := ParseState(v.PrivateMetadata)
	if st.Week != f.adaWk || st.Scope != blocks.ScopeDirect {
		t.Fatalf("state %+v", st)
	}
}

func TestHRHomeOverview(t *testing.T) {
	t.Parallel()
	f := newHomeFixture(t)
	if err := f.pub.PublishHome(f.ctx, "UHR"); err != nil {
		t.Fatal(err)
	}
	v := f.views.published(t, "UHR")
	// The HR home is in the default zone (UTC): the week of 30 Nov, where
	// only Bob logged time.
	if got := ParseState(v.PrivateMetadata).Week; got != f.week {
		t.Fatalf("shown week %q, want %q", got, f.week)
	}
	mustContain(t, "org totals", block(t, v, "org_totals"),
		"3 active", "1 logged time", "0 without Slack or Toggl", "2:00 logged")
	block(t, v, "sync_runs")
	block(t, v, "roster_problems")
}

func TestInvalidSlackZoneFallsBackAndIsLogged(t *testing.T) {
	t.Parallel()
	f := newHomeFixture(t)
	if err := f.pub.PublishHome(f.ctx, "UBOB"); err != nil {
		t.Fatal(err)
	}
	// Bob's zone cannot be loaded: his week is the default zone's.
	if got := ParseState(f.views.published(t, "UBOB").PrivateMetadata).Week; got != f.week {
		t.Fatalf("shown week %q, want %q", got, f.week)
	}
	warned := f.logs.FilterMessage("invalid slack time zone, using the default").All()
	if len(warned) != 1 {
		t.Fatalf("%d warnings about the zone, want 1", len(warned))
	}
}
