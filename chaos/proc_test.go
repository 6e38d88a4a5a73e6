//go:build chaos

package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// proc is one tally child process, its output in a log file.
type proc struct {
	t       *testing.T
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
	admin   string // http://127.0.0.1:PORT for `tally run`
	webhook string // the webhook listener URL for `tally run`
}

var logSeq atomic.Int64

// startProc starts the tally binary with args and exactly env (plus PATH,
// HOME and TMPDIR). Its output goes to a log file named after it; the path
// is printed when the test fails. It is killed at cleanup if still running.
func startProc(t *testing.T, name string, env map[string]string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(suite.dir, fmt.Sprintf("%03d-%s-%s.log", logSeq.Add(1), sanitize(t.Name()), name))
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(suite.bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{t: t, name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("log of %s: %s", name, logPath)
		}
	})
	return p
}

func sanitize(s string) string {
	return strings.NewReplacer("/", "_", " ", "_").Replace(s)
}

// kill sends SIGKILL and waits for the process to be gone (idempotent).
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.t.Errorf("%s survived SIGKILL for 10s", p.name)
	}
}

// running reports whether the process has not exited.
func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// wait waits up to d for the process to exit and returns its error.
func (p *proc) wait(d time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		p.kill()
		return fmt.Errorf("%s still running after %s (killed); log %s", p.name, d, p.logPath)
	}
}

// output returns the log file's content.
func (p *proc) output() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// runCLI runs a tally subcommand to completion within d and fails the test
// when it exits non-zero.
func runCLI(t *testing.T, d time.Duration, name string, env map[string]string, args ...string) string {
	t.Helper()
	p := startProc(t, name, env, args...)
	if err := p.wait(d); err != nil {
		t.Fatalf("tally %s: %v\n%s", strings.Join(args, " "), err, tail(p.output(), 3000))
	}
	return p.output()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// readyz is /readyz's answer.
type readyz struct {
	Code   int
	Status string `json:"status"`
}

var httpClient = &http.Client{Timeout: 3 * time.Second}

// getReadyz fetches /readyz of a `tally run` process; ok is false when it
// does not answer.
func (p *proc) getReadyz() (readyz, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.admin+"/readyz", nil)
	resp, err := httpClient.Do(req)
	if err != nil {
		return readyz{}, false
	}
	defer resp.Body.Close()
	var r readyz
	_ = json.NewDecoder(resp.Body).Decode(&r)
	r.Code = resp.StatusCode
	return r, true
}
