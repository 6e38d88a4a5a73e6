package bot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/sandbox"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// commandFunc, interactionFunc and homeFunc adapt functions to the bot's
// handler interfaces.
type commandFunc func(context.Context, slack.SlashCommand) (*bot.Message, error)

func (f commandFunc) HandleCommand(ctx context.Context, cmd slack.SlashCommand) (*bot.Message, error) {
	return f(ctx, cmd)
}

type interactionFunc func(context.Context, slack.InteractionCallback) (any, func(context.Context), error)

func (f interactionFunc) HandleInteraction(ctx context.Context, cb slack.InteractionCallback) (any, func(context.Context), error) {
	return f(ctx, cb)
}

type homeFunc func(context.Context, string) error

func (f homeFunc) PublishHome(ctx context.Context, userID string) error { return f(ctx, userID) }

// calls counts handler invocations by name; read it after harness.stop.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[name]++
}

func (c *calls) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

// harness is a Bot connected to the sandbox's Slack fake.
type harness struct {
	fake *sandbox.Slack
	bot  *bot.Bot
	reg  *prometheus.Registry
	logs *observer.ObservedLogs
	ctx  context.Context // bounds one test's waits
	stop func()          // ends Run and waits for it; safe to call twice
	// cancel ends Run's context without waiting for Run to return.
	cancel context.CancelFunc
	hook   *logHook
}

// logHook closes a channel when a log line with a given message is written,
// so tests wait on the bot's own signals instead of polling.
type logHook struct {
	mu      sync.Mutex
	waiters map[string]chan struct{}
}

// wait returns a channel closed once msg is logged (or was logged before).
func (l *logHook) wait(msg string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.chanLocked(msg)
}

func (l *logHook) chanLocked(msg string) chan struct{} {
	if l.waiters == nil {
		l.waiters = map[string]chan struct{}{}
	}
	ch, ok := l.waiters[msg]
	if !ok {
		ch = make(chan struct{})
		l.waiters[msg] = ch
	}
	return ch
}

func (l *logHook) hook(e zapcore.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chanLocked(e.Message)
	select {
	case <-ch:
	default:
		close(ch)
	}
	return nil
}

// harnessOptions tune newHarness.
type harnessOptions struct {
	fake sandbox.SlackOptions
	// skipCheckAuth leaves learning the workspace to Run.
	skipCheckAuth bool
}

// newHarness starts a fake with users U001 and U002 and a bot with opts
// (API, Logger and Registerer are filled in), and waits for the socket.
func newHarness(t *testing.T, opts bot.Options, ho harnessOptions) *harness {
	t.Helper()
	fake, err := sandbox.NewSlack(ho.fake)
	if err != nil {
		t.Fatalf("NewSlack: %v", err)
	}
	t.Cleanup(fake.Close)
	fake.AddUser(sandbox.SlackUser{ID: "U001", Name: "ada", RealName: "Ada Lovelace", Email: "ada@example.com", TZ: "Europe/London"})
	fake.AddUser(sandbox.SlackUser{ID: "U002", Name: "grace", RealName: "Grace Hopper", Email: "grace@example.com", TZ: "America/New_York"})

	core, logs := observer.New(zapcore.DebugLevel)
	reg := prometheus.NewRegistry()
	opts.API = slack.New(fake.BotToken(), slack.OptionAppLevelToken(fake.AppToken()), slack.OptionAPIURL(fake.URL()))
	hook := &logHook{}
	opts.Logger = zap.New(core, zap.Hooks(hook.hook))
	opts.Registerer = reg
	b := bot.New(opts)

	ctx, cancelTest := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancelTest)
	if !ho.skipCheckAuth {
		if _, err := b.CheckAuth(ctx); err != nil {
			t.Fatalf("CheckAuth: %v", err)
		}
	}
	runCtx, cancelRun := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancelRun()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	if err := fake.WaitForConnections(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v", err)
	}
	return &harness{fake: fake, bot: b, reg: reg, logs: logs, ctx: ctx, stop: stop, cancel: cancelRun, hook: hook}
}

// metric returns the value of a counter, or the sample count of a
// histogram, with label type=typ ("" for an unlabelled series).
func (h *harness) metric(t *testing.T, name, typ string) float64 {
	t.Helper()
	families, err := h.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			label := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "type" {
					label = l.GetValue()
				}
			}
			if label != typ {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

// acks returns how many acks the bot sent, by envelope type; read it after stop.
func (h *harness) acks(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, typ := range []string{"slash_commands", "interactive", "events_api", "unparsed"} {
		if n := int(h.metric(t, "tally_slack_ack_latency_seconds", typ)); n > 0 {
			out[typ] = n
		}
	}
	return out
}

// blockActionPayload is a block_actions payload from team and app, as
// Slack sends a click on a button in the bot's DM.
func blockActionPayload(team, app string) map[string]any {
	return map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": "U001", "username": "ada", "team_id": team},
		"api_app_id": app,
		"team":       map[string]any{"id": team, "domain": "somewhere"},
		"trigger_id": "1.2.abc",
		"container":  map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "D001"},
		"channel":    map[string]any{"id": "D001", "name": "directmessage"},
		"actions": []any{map[string]any{
			"action_id": "confirm_week", "block_id": "week", "type": "button", "value": "2026-W02",
			"action_ts": "1700000001.000200",
		}},
	}
}

// slashPayload is a slash_commands payload from team and app.
func slashPayload(team, app, responseURL string) map[string]any {
	return map[string]any{
		"team_id": team, "api_app_id": app, "channel_id": "D001", "user_id": "U001", "user_name": "ada",
		"command": "/timesheet", "text": "", "response_url": responseURL, "trigger_id": "1.2.abc",
	}
}

// homeOpenedPayload is an events_api app_home_opened payload from team and app.
func homeOpenedPayload(team, app string) map[string]any {
	return map[string]any{
		"team_id": team, "api_app_id": app, "type": "event_callback", "event_id": "Ev001", "event_time": 1700000000,
		"event": map[string]any{"type": "app_home_opened", "user": "U001", "channel": "D001", "tab": "home",
			"event_ts": "1700000000.000100"},
	}
}
