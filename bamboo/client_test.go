package bamboo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/sandbox"
)

func TestClientHonoursRateLimitsAndAuth(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewBamboo(sandbox.BambooOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	id := fake.AddEmployee(sandbox.BambooEmployee{FirstName: "Radia", LastName: "Perlman", WorkEmail: "radia.perlman@example.com"})
	c, err := bamboo.NewClient(fake.URL(), fake.APIKey(), bamboo.ClientOptions{InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	fake.FailNext(1, 429, "0")
	fake.FailNext(1, 503, "")
	fake.FailNext(1, 502, "")
	rec, err := c.Employee(ctx, id, []string{"firstName", "workEmail", "notAField"})
	if err != nil {
		t.Fatalf("after 429, 503 and 502: %v", err)
	}
	if rec.Get("firstName") != "Radia" || rec.Get("workEmail") != "radia.perlman@example.com" {
		t.Fatalf("record = %v", rec)
	}
	if _, ok := rec["notAField"]; ok {
		t.Fatal("unknown field returned")
	}
	if got := fake.Requests("employee"); got != 4 {
		t.Fatalf("requests = %d, want 4", got)
	}
	if _, err := c.Employee(ctx, "999999", nil); !errors.Is(err, bamboo.ErrNotFound) {
		t.Fatalf("unknown employee: %v", err)
	}
	bad, _ := bamboo.NewClient(fake.URL(), "wrong-key", bamboo.ClientOptions{})
	before := fake.Requests("")
	if _, err := bad.Directory(ctx); err == nil || fake.Requests("")-before != 1 {
		t.Fatalf("bad key: err=%v, requests=%d (a 401 must not be retried)", err, fake.Requests("")-before)
	}

	start := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	fake.AddTimeOff(id, "Radia Perlman", start.AddDate(0, 0, 4), start.AddDate(0, 0, 4))
	fake.AddTimeOff("", "Founders Day", start.AddDate(0, 0, 1), start.AddDate(0, 0, 1))
	fake.AddTimeOff(id, "Radia Perlman", start.AddDate(0, 1, 0), start.AddDate(0, 1, 2))
	out, err := c.WhosOut(ctx, start, start.AddDate(0, 0, 6))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].EmployeeID != id || out[0].Type != "timeOff" || !out[0].Start.Equal(start.AddDate(0, 0, 4)) || out[1].Type != "holiday" {
		t.Fatalf("whos out = %+v", out)
	}

	dir, err := c.Directory(ctx)
	if err != nil || len(dir) != 1 {
		t.Fatalf("directory = %v %v", dir, err)
	}
	changed, err := c.ChangedSince(ctx, start.AddDate(-1, 0, 0))
	if err != nil || len(changed) != 1 || changed[0].ID != id {
		t.Fatalf("changed = %+v %v", changed, err)
	}
}
