package app_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage/storagetest"
)

// seedWeek gives Slack user U1 (Ada) three entries this week and Slack
// user U2 (Bob) none; U3 is in Slack but not in the roster.
func seedWeek(t *testing.T, h *harness, now time.Time) {
	t.Helper()
	ada := storagetest.AddEmployee(t, h.db, storagetest.SeedEmployee{BambooID: "1", Email: "ada@example.com", First: "Ada", Last: "Lovelace", SlackUserID: "U1", SlackTZ: "Europe/Berlin", TogglUserID: 101})
	storagetest.AddEmployee(t, h.db, storagetest.SeedEmployee{BambooID: "2", Email: "bob@example.com", First: "Bob", Last: "Builder", SlackUserID: "U2", SlackTZ: "America/New_York", TogglUserID: 102})
	storagetest.AddRate(t, h.db, ada, "2020-01-01", 12000, "EUR")
	storagetest.AddProject(t, h.db, 7, "Apollo", "NASA")
	berlin := mustLoad(t, "Europe/Berlin")
	week := model.WeekOf(now.In(berlin))
	day := func(d, hour int) time.Time {
		s := week.Start.AddDate(0, 0, d)
		return time.Date(s.Year(), s.Month(), s.Day(), hour, 0, 0, 0, berlin)
	}
	storagetest.AddEntry(t, h.db, storagetest.SeedEntry{ID: 1001, TogglUserID: 101, EmployeeID: ada, ProjectID: 7, Description: "Guidance computer review", Billable: true, Start: day(0, 9), Seconds: 2 * 3600})
	storagetest.AddEntry(t, h.db, storagetest.SeedEntry{ID: 1002, TogglUserID: 101, EmployeeID: ada, ProjectID: 7, Description: "Pairing on the <kernel> & *drivers*", Billable: true, Start: day(1, 10), Seconds: 90 * 60})
	storagetest.AddEntry(t, h.db, storagetest.SeedEntry{ID: 1003, TogglUserID: 101, EmployeeID: ada, Description: "Untracked meeting", Start: day(1, 14), Seconds: 30 * 60})
	for _, u := range []struct{ id, email string }{{"U1", "ada@example.com"}, {"U2", "bob@example.com"}, {"U3", "eve@example.com"}} {
		h.slack.AddUser(sandboxUser(u.id, u.email))
	}
}

func ackText(t *testing.T, payload json.RawMessage) string {
	t.Helper()
	if len(payload) == 0 {
		t.Fatal("ack carried no payload")
	}
	// encoding/json escapes HTML characters; undo that so tests read what
	// Slack would render from.
	return strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(string(payload))
}

func TestTimesheetEndToEnd(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{redisURL: "shared"})
	seedWeek(t, h, time.Now())

	ack, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", "")
	if err != nil {
		t.Fatalf("slash command: %v", err)
	}
	body := ackText(t, ack.Payload)
	for _, want := range []string{"Guidance computer review", "Apollo", "ephemeral", "confirm_entry", "&lt;kernel&gt; &amp;", "no project"} {
		if !strings.Contains(body, want) {
			t.Errorf("timesheet ack lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<kernel>") {
		t.Errorf("description not escaped:\n%s", body)
	}
	if ack.Latency > 3*time.Second {
		t.Errorf("ack took %s", ack.Latency)
	}

	ack, err = h.slack.SlashCommand(h.ctx(), "U2", "/timesheet", "this week")
	if err != nil {
		t.Fatal(err)
	}
	if body := ackText(t, ack.Payload); !strings.Contains(strings.ToLower(body), "nothing logged") {
		t.Errorf("empty week not explained:\n%s", body)
	}

	ack, err = h.slack.SlashCommand(h.ctx(), "U3", "/timesheet", "")
	if err != nil {
		t.Fatal(err)
	}
	if body := ackText(t, ack.Payload); !strings.Contains(body, "can't find you") {
		t.Errorf("unknown user not explained:\n%s", body)
	}

	ack, err = h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", "next fortnight please")
	if err != nil {
		t.Fatal(err)
	}
	if body := ackText(t, ack.Payload); !strings.Contains(body, "don't understand") || !strings.Contains(body, "/timesheet last week") {
		t.Errorf("bad argument should get usage:\n%s", body)
	}
}

func TestAppHomeOpenPublishesView(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	seedWeek(t, h, time.Now())
	if _, err := h.slack.OpenHome(h.ctx(), "U1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "views.publish for U1", func() bool { return len(h.slack.HomeViews("U1")) > 0 })
	views := h.slack.HomeViews("U1")
	v := string(views[len(views)-1])
	if !strings.Contains(v, "Ada Lovelace") || !strings.Contains(v, "home") {
		t.Errorf("home view for U1 lacks the person or type:\n%s", v)
	}
	if n := len(h.slack.HomeViews("U2")); n != 0 {
		t.Errorf("U2 got %d views without opening home", n)
	}
}

func TestReconnectsAfterDisconnectAndDrop(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	seedWeek(t, h, time.Now())

	// Every connection tally keeps (SLACK_CONNECTIONS, 2 by default) is
	// told to reconnect, and each opens a fresh one.
	if err := h.slack.WaitForConnections(h.ctx(), 2); err != nil {
		t.Fatalf("tally's two connections: %v", err)
	}
	opened := len(h.slack.Calls("apps.connections.open"))
	told := h.slack.Disconnect("refresh_requested")
	if told < 2 {
		t.Fatalf("%d connections told to reconnect, want tally's 2", told)
	}
	eventually(t, "fresh connections after refresh_requested", func() bool {
		return len(h.slack.Calls("apps.connections.open")) >= opened+told && h.slack.Connections() >= told
	})
	if _, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", ""); err != nil {
		t.Fatalf("command after refresh_requested: %v", err)
	}

	opened = len(h.slack.Calls("apps.connections.open"))
	dropped := h.slack.DropConnections()
	eventually(t, "fresh connections after dropped sockets", func() bool {
		return len(h.slack.Calls("apps.connections.open")) >= opened+dropped && h.slack.Connections() >= dropped
	})
	if _, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", ""); err != nil {
		t.Fatalf("command after dropped socket: %v", err)
	}
}

func TestMalformedAndUnknownEnvelopesAreAcked(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	seedWeek(t, h, time.Now())
	if _, err := h.slack.SendEnvelope(h.ctx(), "brand_new_type", map[string]any{"x": 1}, false); err != nil {
		t.Fatalf("unknown envelope type not acked: %v", err)
	}
	if _, err := h.slack.SendEnvelope(h.ctx(), "slash_commands", "not an object", true); err != nil {
		t.Fatalf("malformed slash command not acked: %v", err)
	}
	if _, err := h.slack.SendEnvelope(h.ctx(), "events_api", map[string]any{"type": "event_callback", "event": map[string]any{"type": "reaction_added"}}, false); err != nil {
		t.Fatalf("unknown event not acked: %v", err)
	}
	if err := h.slack.SendRaw(h.ctx(), []byte(`{{{ not json`)); err != nil {
		t.Fatalf("raw garbage: %v", err)
	}
	// Still alive and answering.
	if _, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", ""); err != nil {
		t.Fatalf("bot did not survive malformed input: %v", err)
	}
}

func TestRedisStoppedMidTestStillAnswers(t *testing.T) {
	t.Parallel()
	r := startPrivateRedis(t)
	h := startHarness(t, harnessOpts{redisURL: r.url()})
	seedWeek(t, h, time.Now())
	if _, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", ""); err != nil {
		t.Fatal(err)
	}
	if code, body := h.readyz(); code != 200 || !strings.Contains(body, `"redis":{"state":"ok"`) {
		t.Fatalf("readyz with redis up: %d %s", code, body)
	}
	r.stop()
	ack, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", "")
	if err != nil {
		t.Fatalf("no answer with redis down: %v", err)
	}
	if !strings.Contains(string(ack.Payload), "Guidance computer review") {
		t.Fatalf("answer with redis down lacks the week:\n%s", ack.Payload)
	}
	code, body := h.readyz()
	if code != 200 || !strings.Contains(body, `"status":"degraded"`) {
		t.Fatalf("readyz with redis down: %d %s", code, body)
	}
}

func TestPostgresLostWhileRunning(t *testing.T) {
	t.Parallel()
	proxy := startTCPProxy(t, storagetest.BaseURL(t))
	dbURL := proxy.databaseURL(t)
	h := startHarness(t, harnessOpts{databaseURL: dbURL})
	seedWeek(t, h, time.Now())
	if code, _ := h.readyz(); code != 200 {
		t.Fatalf("readyz before the outage: %d", code)
	}
	proxy.freeze()
	start := time.Now()
	ack, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", "")
	if err != nil {
		t.Fatalf("no ack during the outage: %v", err)
	}
	if !strings.Contains(string(ack.Payload), "try again") {
		t.Fatalf("outage answer should say try again:\n%s", ack.Payload)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("outage answer took %s (> 3s)", d)
	}
	if code, body := h.readyz(); code != 503 || !strings.Contains(body, `"postgres":{"state":"down"`) {
		t.Fatalf("readyz during the outage: %d %s", code, body)
	}
	proxy.thaw()
	eventually(t, "readyz to recover", func() bool { code, _ := h.readyz(); return code == 200 })
}
