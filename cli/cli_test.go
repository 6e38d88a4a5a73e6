package cli

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// slackEnv is a valid `tally run` configuration against a Slack fake.
func slackEnv(t *testing.T, s *sandbox.Slack, dbURL string) map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN":       s.AppToken(),
		"SLACK_BOT_TOKEN":       s.BotToken(),
		"SLACK_API_URL":         s.URL(),
		"TOGGL_API_TOKEN":       "sandbox-toggl-token",
		"TOGGL_WORKSPACE_ID":    "1",
		"TOGGL_API_URL":         "http://127.0.0.1:1/",
		"BAMBOO_COMPANY_DOMAIN": "sandbox",
		"BAMBOO_API_KEY":        "sandbox-bamboo-key",
		"BAMBOO_API_URL":        "http://127.0.0.1:1/api/v1/",
		"BAMBOO_RATE_FIELD":     "customBillableRate",
		"BAMBOO_WEBHOOK_SECRET": "sandbox-webhook-secret",
		"DATABASE_URL":          dbURL,
		"ADMIN_ADDR":            "127.0.0.1:0",
		"LISTEN_ADDR":           "127.0.0.1:0",
		"LOG_LEVEL":             "debug",
		"TALLY_INSTANCE_ID":     "test-" + t.Name(),
		"HR_ADMIN_SLACK_IDS":    "UHR0001",
	}
}

func newSlackFake(t *testing.T) *sandbox.Slack {
	t.Helper()
	s, err := sandbox.NewSlack(sandbox.SlackOptions{PingInterval: time.Second})
	if err != nil {
		t.Fatalf("slack fake: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestRunExitsOnInvalidAuth(t *testing.T) {
	t.Parallel()
	s := newSlackFake(t)
	s.SetAuthError("invalid_auth")
	env := slackEnv(t, s, storagetest.NewURL(t, true))
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := Run(ctx, []string{"run"}, lookupMap(env), &stdout, &stderr)
	if err == nil {
		t.Fatal("run succeeded with invalid auth")
	}
	code := ExitCode(err, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "invalid_auth") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if strings.Contains(stderr.String(), s.BotToken()) || strings.Contains(stderr.String(), s.AppToken()) {
		t.Fatalf("token leaked: %s", stderr.String())
	}
}

func TestRunExitsWhenPostgresUnreachable(t *testing.T) {
	t.Parallel()
	s := newSlackFake(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	env := slackEnv(t, s, "postgres://tally:hunter2@127.0.0.1:"+strconv.Itoa(port)+"/tally?sslmode=disable")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = Run(ctx, []string{"run"}, lookupMap(env), &stdout, &stderr)
	code := ExitCode(err, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "connect to postgres") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "hunter2") {
		t.Fatalf("password leaked: %s", stderr.String())
	}
}

func TestBadConfigExitsTwoWithOneLinePerProblem(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SLACK_APP_TOKEN": "xoxb-wrong", "LOG_FORMAT": "xml"}
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"run"}, lookupMap(env), &stdout, &stderr)
	if code := ExitCode(err, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) < 5 {
		t.Fatalf("want one line per problem, got:\n%s", stderr.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "config: ") {
			t.Errorf("line %q is not a config problem", l)
		}
	}
}

func TestHelpListsEveryVariable(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"help"}, lookupMap(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"SLACK_APP_TOKEN", "DATABASE_URL", "REDIS_URL", "REMINDER_TIME", "CONFIRMED_TAG", "LOG_FORMAT", "manifest", "migrate"} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("help lacks %s", v)
		}
	}
	out.Reset()
	if err := Run(context.Background(), []string{"bogus"}, lookupMap(nil), &out, &out); ExitCode(err, &out) != 2 {
		t.Errorf("unknown command should exit 2")
	}
}

func TestManifestDeclaresSocketModeAndCommands(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"manifest"}, lookupMap(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"socket_mode_enabled: true", "/timesheet", "/confirm-all", "app_home_opened", "home_tab_enabled: true", "users:read.email", "chat:write"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("manifest lacks %q", want)
		}
	}
}

func TestMigrateCommandTwice(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": storagetest.NewURL(t, false)}
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"migrate"}, lookupMap(env), &out, &out); err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if !strings.Contains(out.String(), "applied") {
		t.Fatalf("first migrate output: %s", out.String())
	}
	out.Reset()
	if err := Run(context.Background(), []string{"migrate"}, lookupMap(env), &out, &out); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if !strings.Contains(out.String(), "up to date") {
		t.Fatalf("second migrate output: %s", out.String())
	}
}
