package remind

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

// crashSlack simulates a process that dies around one Slack call: it fails
// the call before sending it (before) or after Slack took it (after).
type crashSlack struct {
	Slack
	method string
	after  bool
	cancel context.CancelFunc // set: the crash stops the process (its context)
	mu     sync.Mutex
	armed  bool
}

var errCrash = fmt.Errorf("simulated crash")

func (c *crashSlack) trip(method string) (crash bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.armed && c.method == method {
		c.armed = false
		return true
	}

	return false
}

func (c *crashSlack) die() {
	if c.cancel != nil {
		c.cancel()
	}
}

func (c *crashSlack) OpenConversationContext(ctx context.Context, p *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error) {
	if c.trip("conversations.open") {
		if c.after {
			_, _, _, _ = c.Slack.OpenConversationContext(ctx, p)
		}
		c.die()
		return nil, false, false, errCrash
	}
	return c.Slack.OpenConversationContext(ctx, p)
}

func (c *crashSlack) PostMessageContext(ctx context.Context, ch string, opts ...slack.MsgOption) (string, string, error) {
	if c.trip("chat.postMessage") {
		if c.after {
			_, _, _ = c.Slack.PostMessageContext(ctx, ch, opts...)
		}
		c.die()
		return "", "", errCrash
	}
	return c.Slack.PostMessageContext(ctx, ch, opts...)
}

// person is a test employee.
type person struct {
	id       int64
	bamboo   string
	slackID  string
	tz       string
	active   bool
	termDate string
}

func addPeople(t testing.TB, db *storage.DB, fake *sandbox.Slack, people ...*person) {
	t.Helper()
	ctx := context.Background()
	for i, p := range people {
		if p.bamboo == "" {
			p.bamboo = fmt.Sprintf("b%d", i+1)
		}
		var slackID any
		if p.slackID != "" {
			slackID = p.slackID
		}
		var term any
		if p.termDate != "" {
			term = p.termDate
		}
		err := db.QueryRow(ctx, `INSERT INTO employees (bamboo_id, email, display_name, slack_user_id, slack_tz, active, termination_date)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			p.bamboo, p.bamboo+"@example.com", "Person "+p.bamboo, slackID, p.tz, p.active, term).Scan(&p.id)
		if err != nil {
			t.Fatal(err)
		}
		if fake != nil && p.slackID != "" {
			fake.AddUser(sandbox.SlackUser{ID: p.slackID, Name: p.bamboo, RealName: "Person " + p.bamboo,
				Email: p.bamboo + "@example.com", TZ: p.tz})
		}
	}
}

// renderer is a Render func whose answers the test controls.
type renderer struct {
	mu    sync.Mutex
	done  map[int64]bool // week fully confirmed: no reminder needed
	calls int
}

func (r *renderer) render(_ context.Context, id int64, w model.Week) ([]slack.Block, string, bool, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.done[id] {
		return nil, "", false, "week confirmed and allocated", nil
	}
	text := fmt.Sprintf("Your week %s", w.Label())
	return []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)},
		text, true, "", nil
}

func newFake(t testing.TB, opts sandbox.SlackOptions) *sandbox.Slack {
	t.Helper()
	fake, err := sandbox.NewSlack(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	return fake
}

// slackFor is slack-go pointed at the sandbox, as the engine uses it in
// production: no client-side retries.
func slackFor(fake *sandbox.Slack) *slack.Client {
	return slack.New(fake.BotToken(), slack.OptionAPIURL(fake.URL()))
}

func newEngine(t testing.TB, db *storage.DB, s Slack, r RenderFunc, now func() time.Time, mod func(*Options)) *Engine {
	t.Helper()
	o := Options{DB: db, Slack: s, Render: r, RenderDigest: r, Instance: "engine-1", Now: now,
		MessagesPerMin: 60000, Registerer: prometheus.NewRegistry()}
	if mod != nil {
		mod(&o)
	}
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// ledger returns the ledger rows of kind by employee.
func ledger(t testing.TB, db *storage.DB, kind string, week model.Week) map[int64]storage.Reminder {
	t.Helper()
	rows, err := storage.RemindersFor(context.Background(), db, kind, []time.Time{week.Start})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]storage.Reminder{}
	for _, r := range rows {
		out[r.EmployeeID] = r
	}
	return out
}
