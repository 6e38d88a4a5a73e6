package commands

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
	"github.com/tallyhq/tally/timesheet"
)

// e2e is the Slack side of tally against the sandbox's Socket Mode fake:
// the bot, this package's handler, the week read model, the picker search
// and review on a fresh Postgres.
type e2e struct {
	t     testing.TB
	ctx   context.Context
	db    *storage.DB
	slack *sandbox.Slack
	week  model.Week
	ada   int64
	bob   int64
}

// e2eNow is the fixture's "now": a Wednesday.
var e2eNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Projects of the fixture.
const (
	projSuggested = 900 // "Checkout revamp" (Acme Payments), billable
	projCreme     = 901 // "Crème brûlée" (Société Générale), beyond any 30-option cap
	projArchived  = 902 // "Old checkout" (Société Générale), archived
	projInternal  = 903 // "Internal" (no client), not billable
)

func newE2E(t testing.TB, fillers int) *e2e {
	t.Helper()
	db := storagetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f := &e2e{t: t, ctx: ctx, db: db, week: model.WeekOf(e2eNow)}
	f.ada = storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "1", Email: "ada@example.com",
		First: "Ada", Last: "Lovelace", SlackUserID: "UADA", TogglUserID: 100})
	f.bob = storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "2", Email: "bob@example.com",
		First: "Bob", Last: "Builder", SlackUserID: "UBOB", TogglUserID: 200})
	// Fillers sort before Société by client: "Agency 0001 (Acme …)".
	storagetest.CopyRows(t, db, "toggl_projects", []string{"id", "name", "client_name", "billable"}, fillers,
		func(i int) []any {
			return []any{int64(10000 + i), fmt.Sprintf("Agency %04d", i), fmt.Sprintf("Acme %04d", i), i%2 == 0}
		})
	storagetest.AddProject(t, db, projSuggested, "Checkout revamp", "Acme Payments")
	storagetest.AddProject(t, db, projCreme, "Crème brûlée", "Société Générale")
	storagetest.AddProject(t, db, projArchived, "Old checkout", "Société Générale")
	storagetest.AddProject(t, db, projInternal, "Internal", "")
	f.exec(`UPDATE toggl_projects SET active = false WHERE id = $1`, projArchived)
	f.exec(`UPDATE toggl_projects SET billable = false WHERE id = $1`, projInternal)

	fake, err := sandbox.NewSlack(sandbox.SlackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	fake.AddUser(sandbox.SlackUser{ID: "UADA", Name: "ada"})
	fake.AddUser(sandbox.SlackUser{ID: "UBOB", Name: "bob"})
	f.slack = fake

	api := slack.New(fake.BotToken(), slack.OptionAppLevelToken(fake.AppToken()), slack.OptionAPIURL(fake.URL()))
	// tally run loads the project catalog as it starts (app.Run).
	picker := timesheet.NewPicker(db)
	if err := picker.Load(ctx); err != nil {
		t.Fatal(err)
	}
	h := New(Options{
		Weeks:     timesheet.New(timesheet.Options{Store: db}),
		Confirmer: review.New(db, review.Options{}),
		Picker:    picker,
		API:       api,
		Now:       func() time.Time { return e2eNow },
	})
	// Two Socket Mode connections, as tally run keeps by default
	// (SLACK_CONNECTIONS).
	const conns = 2
	b := bot.New(bot.Options{API: api, Commands: h, Interactions: h, Suggestions: h, Connections: conns})
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("bot: %v", err)
		}
	})
	if err := fake.WaitForConnections(ctx, conns); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *e2e) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *e2e) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// entry adds an entry of employee on day (0 = Monday) of the week offset
// weeks from the fixture's, at hour, lasting an hour.
func (f *e2e) entry(id, employee, toggl int64, weeks, day, hour int, project int64, desc string) {
	f.t.Helper()
	start := f.week.Start.AddDate(0, 0, 7*weeks+day).Add(time.Duration(hour) * time.Hour)
	storagetest.AddEntry(f.t, f.db, storagetest.SeedEntry{ID: id, TogglUserID: toggl, EmployeeID: employee,
		ProjectID: project, Description: desc, Start: start, Seconds: 3600})
}

// timesheet runs /timesheet as user and returns the ephemeral week message.
func (f *e2e) timesheet(user string) sandbox.SlackMessage {
	f.t.Helper()
	if _, err := f.slack.SlashCommand(f.ctx, user, "/timesheet", ""); err != nil {
		f.t.Fatal(err)
	}
	ms := f.slack.Ephemerals(user)
	if len(ms) == 0 {
		f.t.Fatal("no /timesheet answer")
	}
	return ms[len(ms)-1]
}

// suggest types query in entryID's picker on message m.
func (f *e2e) suggest(user string, m sandbox.SlackMessage, entryID int64, query string) ([]sandbox.SlackOption, error) {
	return f.slack.Suggest(f.ctx, user, sandbox.SuggestSpec{ActionID: blocks.ActionAssignProject,
		BlockID: blocks.EntryBlockID(entryID), Query: query, ChannelID: m.Channel, MessageTS: m.TS})
}

// click sends a block action on message m.
func (f *e2e) click(user string, m sandbox.SlackMessage, spec sandbox.BlockActionSpec) {
	f.t.Helper()
	spec.ChannelID, spec.MessageTS = m.Channel, m.TS
	if _, err := f.slack.BlockAction(f.ctx, user, spec); err != nil {
		f.t.Fatal(err)
	}
}

// project returns the stored project (0: none) and billable flag of an entry.
func (f *e2e) project(entryID int64) (int64, bool) {
	f.t.Helper()
	var p *int64
	var billable bool
	if err := f.db.QueryRow(context.Background(), `SELECT project_id, billable FROM time_entries WHERE id = $1`, entryID).Scan(&p, &billable); err != nil {
		f.t.Fatal(err)
	}
	if p == nil {
		return 0, billable
	}
	return *p, billable
}
