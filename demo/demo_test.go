package demo_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tallyhq/tally/demo"
	"github.com/tallyhq/tally/storage/storagetest"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine;
// written is signalled (without blocking) after every write.
type syncBuffer struct {
	mu      gosync.Mutex
	b       bytes.Buffer
	written chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{written: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	select {
	case s.written <- struct{}{}:
	default:
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemoServesPreview runs `tally demo --serve` on a small organisation,
// checks the walk-through and its report, then opens the preview page in
// headless Chromium and checks that a week message and a manager home
// render.
func TestDemoServesPreview(t *testing.T) {
	t.Parallel()
	out := newSyncBuffer()
	core, logs := observer.New(zapcore.WarnLevel)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- demo.Run(ctx, demo.Options{People: 24, Seed: 1, Serve: true, Addr: "127.0.0.1:0", Database: "tally_demo_test",
			DatabaseURL: storagetest.BaseURL(t), Out: out, Log: zap.New(core)})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("demo did not stop")
		}
	}()
	re := regexp.MustCompile(`preview: (http://127\.0\.0\.1:\d+)/`)
	// The demo prints the preview's address when its walk-through is done:
	// wait for that line, woken by each write of the demo's output.
	var base string
	limit := time.After(180 * time.Second)
	for base == "" {
		select {
		case err := <-done:
			done <- nil // for the deferred stop, which waits for the end
			t.Fatalf("demo ended early: %v\n%s", err, out.String())
		case <-limit:
			t.Fatalf("timed out waiting for the demo to finish its walk-through:\n%s", out.String())
		case <-out.written:
			if m := re.FindStringSubmatch(out.String()); m != nil {
				base = m[1]
			}
		}
	}
	text := out.String()
	for _, want := range []string{"report for week", "unallocated hours", "confirmed hours", "Friday DMs sent", "approved", "invoiceable", "Toggl", "stages:"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	checkReport(t, text)
	for _, e := range logs.FilterMessage("slash command failed").All() {
		t.Errorf("a slash command failed during the demo: %v", e.ContextMap())
	}
	index := httpGet(t, base+"/")
	mgr := regexp.MustCompile(`<a href="/u/([A-Z0-9]+)">[^<]+</a></td><td>manager`).FindStringSubmatch(index)
	dev := regexp.MustCompile(`<a href="/u/([A-Z0-9]+)">[^<]+</a></td><td>developer`).FindStringSubmatch(index)
	if mgr == nil || dev == nil {
		t.Fatalf("preview index lacks a manager or a developer:\n%s", index)
	}
	if resp, err := http.Post(base+"/", "text/plain", nil); err == nil {
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST to the read-only preview: %d", resp.StatusCode)
		}
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (scripts/services browser installs it)")
		}
		t.Skip("chromium not installed: run scripts/services browser")
	}
	devDOM := renderInChromium(t, chromium, base+"/u/"+dev[1])
	for _, want := range []string{"Week ", "Confirm", "Direct messages"} {
		if !strings.Contains(devDOM, want) {
			t.Errorf("developer page as Chromium renders it lacks %q", want)
		}
	}
	mgrDOM := renderInChromium(t, chromium, base+"/u/"+mgr[1])
	for _, want := range []string{"App Home", "Team ·", "Hours by day"} {
		if !strings.Contains(mgrDOM, want) {
			t.Errorf("manager page as Chromium renders it lacks %q", want)
		}
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url) //nolint:gosec // G107: the URL of the preview server this test started
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(b)
}

// renderInChromium loads url in headless Chromium and returns the DOM it
// rendered.
func renderInChromium(t *testing.T, chromium, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", //nolint:gosec // G204: the test runs the Chromium it found on PATH
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+t.TempDir(),
		"--dump-dom", url)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

// checkReport checks the money and allocation lines of the demo's report:
// no unpriced billable time (the demo seeds none), the report equal to the
// export to the cent, a backdated raise shown on an approved week,
// suggestions accepted and less unallocated time than after the sync.
func checkReport(t *testing.T, text string) {
	t.Helper()
	if !regexp.MustCompile(`unpriced billable\s+0\.00 h`).MatchString(text) {
		t.Errorf("report does not show 0 unpriced billable hours:\n%s", text)
	}
	if !regexp.MustCompile(`report = export\s+billable .+ = .+ · confirmed .+ = .+ · equal to the cent`).MatchString(text) {
		t.Error("report lacks the report = export line")
	}
	if !regexp.MustCompile(`changed after approval\s+\S+ \S+: approved .+, now .+ \(\+`).MatchString(text) {
		t.Error("report does not show the approved week a backdated raise changed")
	}
	m := regexp.MustCompile(`allocated from Slack\s+(\d+) suggestions accepted`).FindStringSubmatch(text)
	if m == nil || m[1] == "0" {
		t.Errorf("report shows no accepted suggestions: %v", m)
	}
	u := regexp.MustCompile(`unallocated hours\s+([\d.]+) h \([\d.]+%\) after the sync → ([\d.]+) h`).FindStringSubmatch(text)
	if u == nil {
		t.Fatal("report lacks the unallocated hours line")
	}
	before, err1 := strconv.ParseFloat(u[1], 64)
	after, err2 := strconv.ParseFloat(u[2], 64)
	if err1 != nil || err2 != nil || !(after < before) {
		t.Errorf("unallocated hours %s → %s: want fewer after", u[1], u[2])
	}
}
