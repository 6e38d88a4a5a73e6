package remind

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

// gatedSlack holds chat.update calls until the test releases them and says
// when one has started.
type gatedSlack struct {
	Slack
	entered chan struct{}
	release chan struct{}
}

func (g *gatedSlack) UpdateMessageContext(ctx context.Context, ch, ts string, opts ...slack.MsgOption) (string, string, string, error) {
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return "", "", "", ctx.Err()
	}
	return g.Slack.UpdateMessageContext(ctx, ch, ts, opts...)
}

// TestRequestUpdateCoalescesOffThePath: asking for a Friday DM redraw never
// calls Slack itself (a slash command's ack must not wait for chat.update,
// a Tier 3 method); requests for a DM already queued make one redraw; a
// request during a redraw makes one more, so the last change is drawn.
func TestRequestUpdateCoalescesOffThePath(t *testing.T) {
	db := storagetest.New(t)
	fake := newFake(t, sandbox.SlackOptions{})
	dev := &person{bamboo: "dev", slackID: "UDEV", tz: "Europe/Berlin", active: true}
	other := &person{bamboo: "other", slackID: "UOTHER", tz: "Europe/Berlin", active: true}
	addPeople(t, db, fake, dev, other)
	gate := &gatedSlack{Slack: slackFor(fake), entered: make(chan struct{}, 8), release: make(chan struct{}, 8)}
	r := &renderer{}
	c := newClock(utc("2026-11-27T17:00:00Z"))
	e := newEngine(t, db, gate, r.render, c.now, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if res, err := e.RunDue(ctx, c.now()); err != nil || res.Sent != 2 {
		t.Fatalf("reminders: %+v %v", res, err)
	}

	for range 5 {
		e.RequestUpdate(dev.id, thisWeek)
	}
	e.RequestUpdate(other.id, thisWeek)
	if n := fake.CallCount("chat.update"); n != 0 {
		t.Fatalf("RequestUpdate called chat.update %d times itself", n)
	}

	done := make(chan struct{})
	go func() { defer close(done); e.RunUpdates(ctx) }()
	<-gate.entered                    // dev's redraw has started
	e.RequestUpdate(dev.id, thisWeek) // a change while dev's DM is drawn
	gate.release <- struct{}{}
	for range 2 { // other's redraw, then dev's again
		<-gate.entered
		gate.release <- struct{}{}
	}
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := e.AwaitUpdates(wctx); err != nil {
		t.Fatalf("updates not drained: %v", err)
	}
	if m := fake.DMs("UDEV"); len(m) != 1 || m[0].Updates != 2 {
		t.Errorf("dev's DM: %d messages, updates %+v; want 1 message updated twice (5 requests coalesced, 1 during the redraw)", len(m), m)
	}
	if m := fake.DMs("UOTHER"); len(m) != 1 || m[0].Updates != 1 {
		t.Errorf("other's DM: %+v; want updated once", m)
	}
	if n := fake.CallCount("chat.update"); n != 3 {
		t.Errorf("chat.update called %d times, want 3 redraws", n)
	}
	cancel()
	<-done
}

// TestPauseIsPerMethod: Slack limits each method on its own, so a 429 on
// chat.update must not hold back chat.postMessage.
func TestPauseIsPerMethod(t *testing.T) {
	p := newPacer(60000)
	p.pause("chat.update", time.Hour)
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(stopped, "chat.update", false); err == nil {
		t.Error("chat.update did not wait out its Retry-After")
	}
	bounded, bcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer bcancel()
	if err := p.wait(bounded, "chat.postMessage", false); err != nil {
		t.Errorf("chat.postMessage held back by chat.update's 429: %v", err)
	}
}
