package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

func TestRemindCommand(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewSlack(sandbox.SlackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	fake.AddUser(sandbox.SlackUser{ID: "UREM1", Name: "ada", Email: "ada@example.com", TZ: "Europe/Berlin"})
	fake.AddUser(sandbox.SlackUser{ID: "UREM2", Name: "bob", Email: "bob@example.com", TZ: "UTC"})
	dbURL := storagetest.NewURL(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := storage.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `INSERT INTO employees (bamboo_id, email, display_name, slack_user_id, slack_tz, active)
		VALUES ('1', 'ada@example.com', 'Ada', 'UREM1', 'Europe/Berlin', true),
		       ('2', 'bob@example.com', 'Bob', 'UREM2', 'UTC', true),
		       ('3', 'cy@example.com', 'Cy', NULL, '', true)`); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"SLACK_APP_TOKEN": fake.AppToken(), "SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_API_URL": fake.URL(),
		"DATABASE_URL": dbURL, "LOG_FORMAT": "console", "TALLY_INSTANCE_ID": "remind-test",
	}
	remindCmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := Run(ctx, append([]string{"remind"}, args...), lookupMap(vars), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	out, err := remindCmd("--week", "2026-11-25", "--dry-run")
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	for _, want := range []string{"ada@example.com", "Europe/Berlin", "Fri 27 Nov 16:00", "no Slack user linked", "2 would be reminded, 1 skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if n := fake.CallCount("chat.postMessage"); n != 0 {
		t.Fatalf("dry run posted %d messages", n)
	}

	if out, err = remindCmd("--week", "2026-11-25", "--only", "ada@example.com"); err != nil || !strings.Contains(out, "1 sent") {
		t.Fatalf("remind --only: %v\n%s", err, out)
	}
	if out, err = remindCmd("--week", "2026-11-25"); err != nil || !strings.Contains(out, "1 sent") {
		t.Fatalf("remind: %v\n%s", err, out)
	}
	if !strings.Contains(out, "reminders: 1/1 handled") {
		t.Errorf("no progress lines off a terminal:\n%s", out)
	}
	if out, err = remindCmd("--week", "2026-11-25"); err != nil || !strings.Contains(out, "0 sent") {
		t.Fatalf("second remind: %v\n%s", err, out)
	}
	if a, b := len(fake.DMs("UREM1")), len(fake.DMs("UREM2")); a != 1 || b != 1 {
		t.Errorf("DMs: ada %d, bob %d; want one each", a, b)
	}
	if !strings.Contains(fake.DMs("UREM1")[0].Text, "Nothing logged") {
		t.Errorf("DM text %q", fake.DMs("UREM1")[0].Text)
	}
	if _, err := remindCmd("--week", "someday"); err == nil {
		t.Error("a bad --week was accepted")
	}
}
