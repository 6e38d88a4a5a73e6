package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	gosync "sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/cache"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// harness is one tally wired exactly as `tally run` wires it, against the
// sandbox's Slack fake, a fresh database and (optionally) Redis.
type harness struct {
	t      testing.TB
	slack  *sandbox.Slack
	bamboo *sandbox.Bamboo
	toggl  *sandbox.Toggl
	db     *storage.DB // a second pool on the same database, for seeding and assertions
	app    *app.App
	env    map[string]string
	done   chan error
	// scheduler is whether tally runs its scheduled jobs.
	scheduler bool
	stop      context.CancelFunc
}

type harnessOpts struct {
	databaseURL string // default: a fresh empty database (tally migrates it)
	redisURL    string // "" for none; "shared" for the test Redis
	env         map[string]string
	fakes       bool // also start the BambooHR and Toggl fakes and point tally at them
	scheduler   bool // run the scheduler (off by default: tests drive jobs themselves)
}

// baseEnv is a valid configuration pointing at the sandbox.
func baseEnv(t testing.TB, s *sandbox.Slack, dbURL string) map[string]string {
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

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func newSlackFake(t testing.TB) *sandbox.Slack {
	t.Helper()
	s, err := sandbox.NewSlack(sandbox.SlackOptions{PingInterval: time.Second})
	if err != nil {
		t.Fatalf("slack fake: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// startHarness builds and runs tally; it returns once the Socket Mode
// connection is up.
func startHarness(t testing.TB, o harnessOpts) *harness {
	t.Helper()
	s := newSlackFake(t)
	dbURL := o.databaseURL
	if dbURL == "" {
		dbURL = storagetest.NewURL(t, false)
	}
	env := baseEnv(t, s, dbURL)
	switch o.redisURL {
	case "":
	case "shared":
		env["REDIS_URL"] = storagetest.RedisURL(t)
	default:
		env["REDIS_URL"] = o.redisURL
	}
	h := &harness{t: t, slack: s, env: env, done: make(chan error, 1), scheduler: o.scheduler}
	if o.fakes {
		b, err := sandbox.NewBamboo(sandbox.BambooOptions{RateField: "customBillableRate"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		tg, err := sandbox.NewToggl(sandbox.TogglOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tg.Close)
		h.bamboo, h.toggl = b, tg
		env["BAMBOO_API_URL"] = b.URL()
		env["BAMBOO_API_KEY"] = b.APIKey()
		env["TOGGL_API_URL"] = tg.URL()
		env["TOGGL_API_TOKEN"] = tg.Token()
		env["TOGGL_WORKSPACE_ID"] = itoa(int(tg.WorkspaceID()))
		env["TOGGL_REQUESTS_PER_SECOND"] = "50"
	}
	for k, v := range o.env {
		env[k] = v
	}
	h.start()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, dbURL, 4)
	if err != nil {
		t.Fatalf("open harness db: %v", err)
	}
	t.Cleanup(db.Close)
	h.db = db
	return h
}

func (h *harness) start() {
	t := h.t
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	cache.RouteRedisLogs(zap.NewNop())
	ctx, cancel := context.WithCancel(context.Background())
	var opts []app.Option
	if !h.scheduler {
		opts = append(opts, app.WithoutScheduler())
	}
	a, err := app.NewFromEnv(ctx, lookupMap(h.env), log, opts...)
	if err != nil {
		cancel()
		t.Fatalf("app.New: %v", err)
	}
	h.app, h.stop = a, cancel
	done := make(chan error, 1)
	h.done = done
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { _ = h.shutdown() }) // a test that cares about the exit calls shutdown itself; a second call returns nil
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := h.slack.WaitForConnections(wctx, 1); err != nil {
		t.Fatalf("tally never connected to the slack fake: %v", err)
	}
}

// shutdown stops tally and waits for it (idempotent).
func (h *harness) shutdown() error {
	if h.stop == nil {
		return nil
	}
	h.stop()
	h.stop = nil
	select {
	case err := <-h.done:
		return err
	case <-time.After(30 * time.Second):
		h.t.Error("tally did not shut down within 30s")
		return nil
	}
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// readyz fetches /readyz and returns its status code and body.
func (h *harness) readyz() (int, string) {
	resp, err := http.Get(h.app.AdminURL() + "/readyz")
	if err != nil {
		h.t.Fatalf("readyz: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually waits up to 15 s for cond, a check of what the Slack fake
// recorded (or of a row tally writes after answering Slack).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventuallyFor(t, 15*time.Second, what, cond)
}

// eventuallyFor waits up to d for cond. tally answers Slack asynchronously
// after its ack and the Slack fake has no notification for recorded Web
// API calls (only for socket connections: WaitForConnections), so cond is
// re-checked on a ticker; jobs the test drives itself (sync, reconcile,
// write-back, reminders, the inbox via App.DrainInbox) are waited on
// directly instead.
func eventuallyFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// mustLoad is time.LoadLocation for a zone a test names.
func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

// privateRedis starts a redis-server the test can stop, on a free port.
type privateRedis struct {
	cmd  *exec.Cmd
	port int
	once gosync.Once
}

func startPrivateRedis(t testing.TB) *privateRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not installed (scripts/services installs it): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no", //nolint:gosec // G204: the redis-server found on PATH, arguments built here
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &privateRedis{cmd: cmd, port: port}
	t.Cleanup(r.stop)
	eventually(t, "private redis to listen", func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	})
	return r
}

func (r *privateRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *privateRedis) stop() {
	r.once.Do(func() {
		_ = r.cmd.Process.Signal(os.Kill)
		_, _ = r.cmd.Process.Wait()
	})
}
