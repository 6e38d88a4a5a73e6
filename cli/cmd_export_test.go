package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

func TestExportCommandFlagErrors(t *testing.T) {
	t.Parallel()
	lookup := lookupMap(map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export"}, "--from and --to are required"},
		{[]string{"export", "--from", "2026-11-01"}, "--from and --to are required"},
		{[]string{"export", "--from", "yesterday", "--to", "2026-11-30"}, `--from "yesterday" is not a date`},
		{[]string{"export", "--from", "2026-11-01", "--to", "2026-13-01"}, `--to "2026-13-01" is not a date`},
		{[]string{"export", "--from", "2026-11-30", "--to", "2026-11-01"}, "is before --from"},
		{[]string{"export", "--from", "2026-11-01", "--to", "2026-11-30", "--group-by", "team"}, "--group-by"},
		{[]string{"export", "--from", "2026-11-01", "--to", "2026-11-30", "--bogus"}, "flag provided but not defined"},
		{[]string{"export", "--from", "2026-11-01", "--to", "2026-11-30", "extra"}, `unexpected argument "extra"`},
	} {
		var stdout, stderr bytes.Buffer
		err := Run(context.Background(), tc.args, lookup, &stdout, &stderr)
		if code := ExitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v wrote to stdout: %q", tc.args, stdout.String())
		}
	}
	// Without DATABASE_URL the configuration is what is wrong.
	var stderr bytes.Buffer
	err := Run(context.Background(), []string{"export", "--from", "2026-11-01", "--to", "2026-11-30"}, lookupMap(nil), &bytes.Buffer{}, &stderr)
	if code := ExitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), "DATABASE_URL") {
		t.Errorf("no database: exit %d, %q", code, stderr.String())
	}
}

func TestExportCommandWritesFile(t *testing.T) {
	t.Parallel()
	url := storagetest.NewURL(t, true)
	ctx := context.Background()
	db, err := storage.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, sql := range []string{
		`INSERT INTO employees (id, bamboo_id, email, display_name, toggl_user_id) VALUES (1, 'a', 'ann@example.com', 'Ann', 11)`,
		`INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency) VALUES (1, '2026-01-01', 9000, 'USD')`,
		`INSERT INTO toggl_projects (id, name, client_name) VALUES (1, 'Apollo', 'Acme')`,
		`INSERT INTO time_entries (id, toggl_user_id, employee_id, project_id, billable, start_at, stop_at, local_date, duration_secs, toggl_updated_at, content_hash)
		 VALUES (7, 11, 1, 1, true, '2026-11-03 09:00Z', '2026-11-03 11:00Z', '2026-11-03', 7200, now(), 'h7'),
		        (8, 11, 1, 1, true, '2026-11-04 09:00Z', '2026-11-04 10:00Z', '2026-11-04', 3600, now(), 'h8')`,
		`INSERT INTO confirmations (entry_id, employee_id, content_hash, slack_user_id) VALUES (7, 1, 'h7', 'U1')`,
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "november.csv")
	var stdout, stderr bytes.Buffer
	err = Run(ctx, []string{"export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", path},
		lookupMap(map[string]string{"DATABASE_URL": url, "LOG_LEVEL": "error"}), &stdout, &stderr)
	if code := ExitCode(err, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(path) //nolint:gosec // G304: path is in the test's own t.TempDir()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d records, %v\n%s", len(recs), err, b)
	}
	// The columns themselves are package export's (tested there); the
	// command must write them all, header first.
	checkColumns(t, recs, 1, map[string]string{"client": "Acme", "project": "Apollo", "person": "Ann",
		"email": "ann@example.com", "date": "2026-11-03", "hours": "2.00", "currency": "USD", "amount": "180.00",
		"confirmed": "true", "toggl_entry_id": "7"})
	if !strings.Contains(stdout.String(), "confirmed billable: 180.00 USD; all billable: 270.00 USD") {
		t.Fatalf("summary %q", stdout.String())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}

	// Grouped to stdout: the CSV on stdout, the summary on stderr.
	stdout.Reset()
	stderr.Reset()
	err = Run(ctx, []string{"export", "--from", "2026-11-01", "--to", "2026-11-30", "--group-by", "person"},
		lookupMap(map[string]string{"DATABASE_URL": url, "LOG_LEVEL": "error"}), &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "exported 1 rows") {
		t.Fatalf("summary on stderr: %q", stderr.String())
	}
	recs, err = csv.NewReader(strings.NewReader(stdout.String())).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("grouped CSV on stdout: %d records, %v\n%s", len(recs), err, stdout.String())
	}
	checkColumns(t, recs, 1, map[string]string{"person": "Ann", "email": "ann@example.com", "currency": "USD",
		"entries": "2", "hours": "3.00", "confirmed_hours": "2.00", "amount": "270.00", "confirmed_amount": "180.00"})
}

// checkColumns checks cells of row recs[i] by the header's column names.
func checkColumns(t *testing.T, recs [][]string, i int, want map[string]string) {
	t.Helper()
	col := map[string]int{}
	for j, name := range recs[0] {
		col[name] = j
	}
	for name, v := range want {
		j, ok := col[name]
		if !ok {
			t.Errorf("no column %q in %v", name, recs[0])
			continue
		}
		if got := recs[i][j]; got != v {
			t.Errorf("row %d column %s = %q, want %q (%v)", i, name, got, v, recs[i])
		}
	}
}
