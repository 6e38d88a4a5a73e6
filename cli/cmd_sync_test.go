package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

func TestSyncCommand(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{MaxPageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	week := model.WeekOf(time.Now().UTC())
	fake.Generate(sandbox.TogglGenSpec{Users: 5, EntriesPerWeek: 10, Weeks: []model.Week{week.Prev(), week}})
	vars := map[string]string{
		"TOGGL_API_URL": fake.URL(), "TOGGL_API_TOKEN": fake.Token(), "TOGGL_WORKSPACE_ID": fmt.Sprint(fake.WorkspaceID()),
		"TOGGL_REQUESTS_PER_SECOND": "1000", "TOGGL_PAGE_SIZE": "20", "DATABASE_URL": storagetest.NewURL(t, true),
		"LOG_FORMAT": "console",
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	sync := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := Run(c, append([]string{"sync"}, args...), lookup, &out, &errOut)
		return out.String(), errOut.String(), err
	}

	out, logs, err := sync("--full")
	if err != nil || !strings.Contains(out, "(full ") || !strings.Contains(out, ": ok") {
		t.Fatalf("sync --full: %v\n%s\n%s", err, out, logs)
	}
	if !strings.Contains(logs, "sync progress") {
		t.Fatalf("no progress log lines off a terminal:\n%s", logs)
	}
	if out, _, err = sync(); err != nil || !strings.Contains(out, "(incremental ") {
		t.Fatalf("sync: %v\n%s", err, out)
	}
	from := week.Prev().Start.Format(time.DateOnly)
	if out, _, err = sync("--from", from, "--to", week.End().Format(time.DateOnly), "--full"); err != nil || !strings.Contains(out, "(range ") {
		t.Fatalf("sync range: %v\n%s", err, out)
	}
	out, _, err = sync("--status")
	if err != nil || strings.Count(out, " ok ") != 3 || !strings.Contains(out, "outbox: 0 pending, 0 parked") {
		t.Fatalf("sync --status: %v\n%s", err, out)
	}

	// A failed run exits non-zero and is listed.
	fake.Inject(sandbox.TogglFault{Path: "search", Status: 402, NoQuotaHeaders: true})
	out, _, err = sync("--full")
	if err == nil || ExitCode(err, &bytes.Buffer{}) != 1 || !strings.Contains(out, ": failed") {
		t.Fatalf("failing sync: %v\n%s", err, out)
	}
	if out, _, _ = sync("--status"); !strings.Contains(out, "failed") || strings.Contains(out, fake.Token()) {
		t.Fatalf("status after failure:\n%s", out)
	}

	for _, args := range [][]string{{"--from", from}, {"--from", "yesterday", "--to", from}, {"--from", from, "--to", "2000-01-01"}} {
		var ue usageError
		if _, _, err := sync(args...); !errors.As(err, &ue) {
			t.Fatalf("%v: err = %v; want a usage error", args, err)
		}
	}
}

func TestSyncProgressBar(t *testing.T) {
	t.Parallel()
	var errOut bytes.Buffer
	progress, finish := syncProgress(&env{terminal: true, stderr: &errOut})
	for p := 1; p <= 5; p++ {
		progress(app.SyncProgress{Mode: "full", Pages: p, Entries: 50 * p, ExpectedPages: min(4, p), QuotaRemaining: 600 - int64(p)})
	}
	finish()
	s := errOut.String()
	for _, want := range []string{"toggl full", "250 entries", "quota left 595", "5/5"} {
		if !strings.Contains(s, want) {
			t.Fatalf("progress output lacks %q:\n%q", want, s)
		}
	}
}
