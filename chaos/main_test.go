//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/clock"
)

// suite is what every scenario shares: the tally binary built once, the
// private services and the directory the child processes log into.
var suite struct {
	bin      string // the tally binary
	dir      string // temporary directory: binary, logs
	pgURL    string // the private cluster's maintenance database URL (tally db)
	redisURL string
	services string // scripts/services, absolute
	pgBin    string
	pgData   string
}

// TestMain builds tally once, runs the scenarios and prints the table.
func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	need := map[string]*string{
		"CHAOS_DATABASE_URL": &suite.pgURL,
		"CHAOS_REDIS_URL":    &suite.redisURL,
		"CHAOS_SERVICES":     &suite.services,
		"TALLY_PG_BIN":       &suite.pgBin,
		"TALLY_PGDATA":       &suite.pgData,
	}
	var missing []string
	for k, p := range need {
		*p = os.Getenv(k)
		if *p == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "chaos: %s not set; run the suite with scripts/chaos (make chaos)\n", strings.Join(missing, ", "))
		return 2
	}
	dir, err := os.MkdirTemp("", "tally-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return 1
	}
	suite.dir = dir
	suite.bin = filepath.Join(dir, "tally")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", suite.bin, ".")
	_, self, _, _ := runtime.Caller(0)
	build.Dir = filepath.Dir(filepath.Dir(self)) // the module root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "chaos: go build: %v\n%s", err, out)
		return 1
	}
	fmt.Printf("chaos: tally built at %s; child logs under %s\n", suite.bin, dir)
	start := time.Now()
	code := m.Run()
	printReport(os.Stdout, time.Since(start))
	if path := os.Getenv("CHAOS_REPORT"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			printReport(f, time.Since(start))
			_ = f.Close()
		}
	}
	if code == 0 {
		_ = os.RemoveAll(dir)
	} else {
		fmt.Printf("chaos: logs kept under %s\n", dir)
	}
	return code
}

// asPG runs a PostgreSQL tool as the cluster owner (postgres when root,
// which PostgreSQL refuses to run as), like scripts/services does.
func asPG(ctx context.Context, name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.CommandContext(ctx, name, args...)
}

// stopPostgres stops the private cluster (fast shutdown: sessions are cut).
func stopPostgres(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := asPG(ctx, filepath.Join(suite.pgBin, "pg_ctl"), "-D", suite.pgData, "-m", "fast", "-w", "stop").CombinedOutput()
	if err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// startServices starts whatever of the private Postgres and Redis is down.
func startServices(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, suite.services, "start").CombinedOutput()
	if err != nil {
		t.Fatalf("services start: %v\n%s", err, out)
	}
}

// stopRedis shuts the private Redis down without saving.
func stopRedis(t *testing.T) {
	t.Helper()
	port := strings.TrimSuffix(strings.TrimPrefix(suite.redisURL, "redis://127.0.0.1:"), "/0")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// redis-cli exits non-zero when the server closes the connection on
	// shutdown; success is the port no longer answering.
	_ = exec.CommandContext(ctx, "redis-cli", "-p", port, "shutdown", "nosave").Run()
	waitFor(t, 20*time.Second, "redis to stop", func() bool {
		return exec.CommandContext(ctx, "redis-cli", "-p", port, "ping").Run() != nil
	})
}

// waitFor checks cond on every tick of a 50 ms ticker until it holds or d
// passes, and returns how long that took. The suite watches separate OS
// processes, Postgres and the fakes from outside, so their state is all
// there is to wait on; in-process tests wait on signals instead.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	if cond() {
		return time.Since(start)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		select {
		case <-tick.C:
			if cond() {
				return time.Since(start)
			}
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", d, what)
			return 0
		}
	}
}

// watch polls cond in the background, as waitFor does, and sends the
// instant it first holds; the channel is closed without a value when d
// passes first. Scenarios that check several outcomes in turn use it so
// each outcome's recovery time is its own, not that of the waits before it.
func watch(d time.Duration, cond func() bool) <-chan time.Time {
	out := make(chan time.Time, 1)
	go func() {
		defer close(out)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		deadline := time.NewTimer(d)
		defer deadline.Stop()
		for {
			if cond() {
				out <- time.Now()
				return
			}
			select {
			case <-tick.C:
			case <-deadline.C:
				return
			}
		}
	}()
	return out
}

// watched waits for a watch started earlier and returns the instant its
// condition held, failing the test when it never did.
func watched(t *testing.T, ch <-chan time.Time, what string) time.Time {
	t.Helper()
	at, ok := <-ch
	if !ok {
		t.Fatalf("timed out waiting for %s", what)
	}
	return at
}

// hold keeps a fault in place for d (the outage itself), ending early only
// when the test's context does.
func hold(t *testing.T, d time.Duration) {
	t.Helper()
	if err := clock.Sleep(t.Context(), d); err != nil {
		t.Fatalf("fault cut short: %v", err)
	}
}
