package remind

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// stuckSlack holds chat.postMessage until release is closed, after saying
// on posting that a post has begun: a Slack call slower than the lease.
type stuckSlack struct {
	Slack
	posting chan struct{}
	release chan struct{}
}

func (s *stuckSlack) PostMessageContext(ctx context.Context, ch string, opts ...slack.MsgOption) (string, string, error) {
	s.posting <- struct{}{}
	select {
	case <-s.release:
	case <-ctx.Done():
		return "", "", ctx.Err()
	}
	return s.Slack.PostMessageContext(ctx, ch, opts...)
}

// waitSignal receives from ch or fails the test after a generous deadline.
func waitSignal[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no signal: %s", what)
		panic("unreachable")
	}
}

func TestHeartbeatKeepsASlowDeliverysClaim(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	p := &person{slackID: "USLOW", tz: "UTC", active: true}
	addPeople(t, db, fake, p)
	r := &renderer{}
	c := newClock(utc("2026-11-27T16:00:00Z"))
	stuck := &stuckSlack{Slack: slackFor(fake), posting: make(chan struct{}, 1), release: make(chan struct{})}
	renewed := make(chan int, 100)
	first := newEngine(t, db, stuck, r.render, c.now, func(o *Options) {
		o.Instance, o.HeartbeatEvery = "first", 5*time.Millisecond
		o.OnRenew = func(n int) { renewed <- n }
	})
	done := make(chan Result, 1)
	go func() {
		res, err := first.RunDue(context.Background(), c.now())
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	waitSignal(t, stuck.posting, "the post to begin")

	// A minute passes in the middle of the post: four claim leases.
	c.set(c.now().Add(time.Minute))
	for len(renewed) > 0 {
		<-renewed
	}
	// The second beat from here certainly read the new time.
	for range 2 {
		if n := waitSignal(t, renewed, "a heartbeat"); n != 1 {
			t.Fatalf("a heartbeat renewed %d claims, want 1", n)
		}
	}
	row := ledger(t, db, storage.ReminderWeekly, thisWeek)[p.id]
	if row.Status != "claimed" || !row.ClaimedAt.Equal(c.now()) {
		t.Fatalf("row under a live engine: %+v", row)
	}
	second := newEngine(t, db, slackFor(fake), r.render, c.now, func(o *Options) { o.Instance = "second" })
	if res, err := second.Recover(context.Background(), c.now()); err != nil || res.Recovered != 0 {
		t.Fatalf("another engine took over a live claim: %+v %v", res, err)
	}
	close(stuck.release)
	if res := waitSignal(t, done, "the run to end"); res.Sent != 1 {
		t.Fatalf("first run: %+v", res)
	}
	if n := len(fake.DMs("USLOW")); n != 1 {
		t.Fatalf("%d DMs, want 1", n)
	}
	// Handled rows leave the heartbeat: once finished, nothing is renewed.
	if row := ledger(t, db, storage.ReminderWeekly, thisWeek)[p.id]; row.Status != "sent" || row.Attempts != 1 {
		t.Errorf("row after the post: %+v", row)
	}
}

func TestLeaverCannotNudge(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	boss := &person{bamboo: "boss", slackID: "UBOSS", tz: "UTC", active: true}
	dev := &person{bamboo: "dev", slackID: "UDEV", tz: "UTC", active: true}
	addPeople(t, db, fake, boss, dev)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `UPDATE employees SET supervisor_bamboo_id = 'boss' WHERE bamboo_id = 'dev'`); err != nil {
		t.Fatal(err)
	}
	c := newClock(utc("2026-11-27T17:00:00Z"))
	e := newEngine(t, db, slackFor(fake), (&renderer{}).render, c.now, func(o *Options) { o.HRAdmins = []string{"UHR"} })
	cases := []struct {
		name   string
		change string // applied to the boss first
		actor  string
		want   model.ErrorCode
	}{
		{"a manager who left", `UPDATE employees SET active = false WHERE bamboo_id = 'boss'`, "UBOSS", model.EForbidden},
		{"a manager deleted from the roster", `UPDATE employees SET active = true, deleted_at = now() WHERE bamboo_id = 'boss'`, "UBOSS", model.EForbidden},
		{"HR admins whoever they are", "", "UHR", ""},
	}
	for _, tc := range cases {
		if tc.change != "" {
			if _, err := db.Exec(ctx, tc.change); err != nil {
				t.Fatal(err)
			}
		}
		err := e.Nudge(ctx, tc.actor, dev.id, thisWeek)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: nudge refused: %v", tc.name, err)
		case tc.want != "" && model.ErrorCodeOf(err) != tc.want:
			t.Errorf("%s: nudge gave %v, want %q", tc.name, err, tc.want)
		}
	}
	if n := len(fake.DMs("UDEV")); n != 1 {
		t.Errorf("dev has %d DMs, want only the HR admin's nudge", n)
	}
}
