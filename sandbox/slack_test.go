package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTestSlack starts a fake with a few users and closes it at cleanup.
func newTestSlack(t testing.TB, opts SlackOptions) *Slack {
	t.Helper()
	f, err := NewSlack(opts)
	if err != nil {
		t.Fatalf("NewSlack: %v", err)
	}
	t.Cleanup(f.Close)
	f.AddUser(SlackUser{ID: "U001", Name: "ada", RealName: "Ada Lovelace", Email: "ada@example.com", TZ: "Europe/London", TZOffset: 0})
	f.AddUser(SlackUser{ID: "U002", Name: "grace", RealName: "Grace Hopper", Email: "grace@example.com", TZ: "America/New_York", TZOffset: -18000})
	return f
}

func testAPI(f *Slack) *slack.Client {
	return slack.New(f.BotToken(), slack.OptionAppLevelToken(f.AppToken()), slack.OptionAPIURL(f.URL()))
}

// startSocketClient runs the real slack-go Socket Mode client against the
// fake; handle sees every event. Without a handler every request is acked
// with no payload.
func startSocketClient(t testing.TB, f *Slack, handle func(*socketmode.Client, socketmode.Event)) (*socketmode.Client, <-chan error) {
	t.Helper()
	sm := socketmode.New(testAPI(f))
	if handle == nil {
		handle = func(c *socketmode.Client, e socketmode.Event) {
			if e.Request != nil && e.Request.EnvelopeID != "" {
				_ = c.Ack(*e.Request)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		runErr <- sm.RunContext(ctx)
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-sm.Events:
				handle(sm, e)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return sm, runErr
}

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSlackHelloAndSlashCommand(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	hello := make(chan socketmode.Event, 4)
	cmds := make(chan slack.SlashCommand, 4)
	startSocketClient(t, f, func(c *socketmode.Client, e socketmode.Event) {
		switch e.Type {
		case socketmode.EventTypeHello:
			hello <- e
		case socketmode.EventTypeSlashCommand:
			cmds <- e.Data.(slack.SlashCommand)
			_ = c.Ack(*e.Request, map[string]any{"text": "working on it", "response_type": "ephemeral"})
		}
	})
	ctx := testCtx(t)
	select {
	case e := <-hello:
		if e.Request.NumConnections != 1 || e.Request.ConnectionInfo.AppID != "A0SANDBOX" {
			t.Errorf("hello = %+v", e.Request)
		}
	case <-ctx.Done():
		t.Fatal("no hello")
	}

	ack, err := f.SlashCommand(ctx, "U001", "/tally", "week 2026-W02")
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	if ack.Text() != "working on it" || ack.EnvelopeID == "" || ack.Latency <= 0 {
		t.Errorf("ack = %+v text %q", ack, ack.Text())
	}
	cmd := <-cmds
	if cmd.Command != "/tally" || cmd.Text != "week 2026-W02" || cmd.UserID != "U001" || cmd.UserName != "ada" ||
		cmd.TeamID != "T0SANDBOX" || cmd.APIAppID != "A0SANDBOX" || cmd.ChannelID != f.DMChannel("U001") ||
		cmd.TriggerID == "" || !strings.HasPrefix(cmd.ResponseURL, "http://127.0.0.1:") {
		t.Errorf("slash command = %+v", cmd)
	}

	// A delayed answer through the response_url is recorded and shown ephemerally.
	api := testAPI(f)
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("week confirmed", false)); err != nil {
		t.Fatalf("post to response_url: %v", err)
	}
	posts := f.ResponseURLPosts("U001")
	if len(posts) != 1 || posts[0].Text != "week confirmed" || posts[0].ResponseType != "ephemeral" || posts[0].Error != "" {
		t.Errorf("response posts = %+v", posts)
	}
	// Slack shows the ack payload, then the delayed answer, to the user only.
	if eph := f.Ephemerals("U001"); len(eph) != 2 || eph[0].Text != "working on it" || eph[1].Text != "week confirmed" {
		t.Errorf("ephemerals = %+v", eph)
	}
	if got := len(f.AckLatencies()); got != 1 {
		t.Errorf("AckLatencies has %d entries, want 1", got)
	}
}

func TestSlackResponseURLUsedAtMostFiveTimes(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	cmds := make(chan slack.SlashCommand, 1)
	startSocketClient(t, f, func(c *socketmode.Client, e socketmode.Event) {
		if e.Type == socketmode.EventTypeSlashCommand {
			cmds <- e.Data.(slack.SlashCommand)
			_ = c.Ack(*e.Request)
		}
	})
	ctx := testCtx(t)
	if _, err := f.SlashCommand(ctx, "U002", "/tally", ""); err != nil {
		t.Fatal(err)
	}
	cmd := <-cmds
	api := testAPI(f)
	for i := range 6 {
		_, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeInChannel),
			slack.MsgOptionText("n", false))
		if i < 5 && err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		if i == 5 && err == nil {
			t.Fatal("sixth post accepted")
		}
	}
	if got := len(f.DMs("U002")); got != 5 {
		t.Errorf("in_channel answers in DM = %d, want 5", got)
	}
}

func TestSlackAppHomeOpened(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	homes := make(chan *slackevents.AppHomeOpenedEvent, 4)
	outer := make(chan slackevents.EventsAPIEvent, 4)
	startSocketClient(t, f, func(c *socketmode.Client, e socketmode.Event) {
		if e.Type == socketmode.EventTypeEventsAPI {
			ev := e.Data.(slackevents.EventsAPIEvent)
			outer <- ev
			if h, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
				homes <- h
			}
			_ = c.Ack(*e.Request)
		}
	})
	ctx := testCtx(t)
	ack, err := f.OpenHome(ctx, "U001")
	if err != nil {
		t.Fatalf("OpenHome: %v", err)
	}
	if ack.Payload != nil {
		t.Errorf("events_api ack payload = %s, want none", ack.Payload)
	}
	ev := <-outer
	if ev.Type != slackevents.CallbackEvent || ev.TeamID != "T0SANDBOX" || ev.APIAppID != "A0SANDBOX" {
		t.Errorf("outer event = %+v", ev)
	}
	h := <-homes
	if h.User != "U001" || h.Tab != "home" || h.Channel != f.DMChannel("U001") || h.View != nil {
		t.Errorf("app_home_opened = %+v", h)
	}

	api := testAPI(f)
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*This week*: 32h", false, false), nil, nil),
	}}}
	resp, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U001", View: view})
	if err != nil {
		t.Fatalf("PublishView: %v", err)
	}
	if resp.View.ID == "" || resp.View.Type != slack.VTHomeTab || resp.View.Hash == "" || len(resp.View.Blocks.BlockSet) != 1 {
		t.Errorf("publish response view = %+v", resp.View)
	}
	if _, err := f.OpenHome(ctx, "U001"); err != nil {
		t.Fatal(err)
	}
	<-outer
	h = <-homes
	if h.View == nil || h.View.ID != resp.View.ID {
		t.Errorf("second app_home_opened view = %+v, want id %s", h.View, resp.View.ID)
	}
	if hv := f.HomeViews("U001"); len(hv) != 1 || !strings.Contains(string(hv[0]), "32h") {
		t.Errorf("home views = %s", hv)
	}
	// A stale hash is refused like Slack does.
	if _, err := api.PublishView("U001", view, "stale"); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("stale hash publish err = %v, want hash_conflict", err)
	}
}

func TestSlackBlockActionAndModal(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	api := testAPI(f)
	ctx := testCtx(t)
	ch, ts, err := api.PostMessageContext(ctx, "U001", slack.MsgOptionText("Confirm your week", false),
		slack.MsgOptionBlocks(
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "32h last week", false, false), nil, nil),
			slack.NewActionBlock("week_actions",
				slack.NewButtonBlockElement("confirm", "2026-W02", slack.NewTextBlockObject(slack.PlainTextType, "Confirm", false, false)),
				slack.NewButtonBlockElement("dispute", "2026-W02", slack.NewTextBlockObject(slack.PlainTextType, "Dispute", false, false)),
			)))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	if ch != f.DMChannel("U001") {
		t.Errorf("posted to %s, want the DM %s", ch, f.DMChannel("U001"))
	}

	callbacks := make(chan slack.InteractionCallback, 4)
	startSocketClient(t, f, func(c *socketmode.Client, e socketmode.Event) {
		if e.Type != socketmode.EventTypeInteractive {
			return
		}
		cb := e.Data.(slack.InteractionCallback)
		switch cb.Type {
		case slack.InteractionTypeBlockActions:
			// Open a modal with the trigger while the trigger is fresh.
			_, err := c.OpenViewContext(context.Background(), cb.TriggerID, slack.ModalViewRequest{
				Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "Dispute", false, false),
				Submit: slack.NewTextBlockObject(slack.PlainTextType, "Send", false, false), CallbackID: "dispute",
				PrivateMetadata: "2026-W02",
				Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("reason",
					slack.NewTextBlockObject(slack.PlainTextType, "Reason", false, false), nil,
					slack.NewPlainTextInputBlockElement(nil, "reason_input"))}},
			})
			if err != nil {
				t.Errorf("OpenView: %v", err)
			}
			_ = c.Ack(*e.Request)
		case slack.InteractionTypeViewSubmission:
			reason := cb.View.State.Values["reason"]["reason_input"].Value
			if reason == "" {
				_ = c.Ack(*e.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"reason": "Please give a reason"}))
			} else {
				_ = c.Ack(*e.Request)
			}
		}
		callbacks <- cb
	})

	if _, err := f.BlockAction(ctx, "U001", BlockActionSpec{ActionID: "dispute", ChannelID: ch, MessageTS: ts}); err != nil {
		t.Fatalf("BlockAction: %v", err)
	}
	cb := <-callbacks
	if len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("block actions = %+v", cb.ActionCallback)
	}
	a := cb.ActionCallback.BlockActions[0]
	if a.ActionID != "dispute" || a.BlockID != "week_actions" || a.Value != "2026-W02" || a.Type != "button" || a.ActionTs == "" {
		t.Errorf("action = %+v", a)
	}
	if cb.User.ID != "U001" || cb.Team.ID != "T0SANDBOX" || cb.Container.Type != "message" || cb.Container.MessageTs != ts ||
		cb.Container.ChannelID != ch || cb.Message.Timestamp != ts || cb.Channel.ID != ch || cb.ResponseURL == "" {
		t.Errorf("callback = %+v", cb)
	}
	views := f.OpenedViews()
	if len(views) != 1 || views[0].UserID != "U001" {
		t.Fatalf("opened views = %+v", views)
	}

	// A submission the app rejects keeps the modal; a valid one closes it.
	ack, err := f.ViewSubmission(ctx, "U001", views[0].ID, "", "", map[string]map[string]string{"reason": {"reason_input": ""}})
	if err != nil {
		t.Fatalf("ViewSubmission: %v", err)
	}
	sub := <-callbacks
	if sub.View.CallbackID != "dispute" || sub.View.PrivateMetadata != "2026-W02" || sub.View.ID != views[0].ID {
		t.Errorf("submission view = %+v", sub.View)
	}
	if ack.ResponseAction() != "errors" || ack.Errors()["reason"] != "Please give a reason" {
		t.Errorf("ack payload = %s", ack.Payload)
	}
	if f.OpenedViews()[0].Closed {
		t.Error("modal closed after an errors answer")
	}
	if _, err := f.ViewSubmission(ctx, "U001", views[0].ID, "", "", map[string]map[string]string{"reason": {"reason_input": "I was off on Friday"}}); err != nil {
		t.Fatal(err)
	}
	<-callbacks
	if !f.OpenedViews()[0].Closed {
		t.Error("modal still open after a clean submission")
	}

	// replace_original through the action's response_url updates the message.
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(cb.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("Disputed", false)); err != nil {
		t.Fatalf("replace_original: %v", err)
	}
	msgs := f.DMs("U001")
	if len(msgs) != 1 || msgs[0].Text != "Disputed" || msgs[0].Updates != 1 {
		t.Errorf("DM after replace_original = %+v", msgs)
	}

	// Clicking an element that is not on the surface is refused.
	if _, err := f.BlockAction(ctx, "U001", BlockActionSpec{ActionID: "nope", ChannelID: ch, MessageTS: ts}); err == nil {
		t.Error("BlockAction on a missing element succeeded")
	}
}

func TestSlackReconnects(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	var mu sync.Mutex
	connected := 0
	startSocketClient(t, f, func(c *socketmode.Client, e socketmode.Event) {
		if e.Type == socketmode.EventTypeConnected {
			mu.Lock()
			connected++
			mu.Unlock()
		}
		if e.Request != nil && e.Request.EnvelopeID != "" {
			_ = c.Ack(*e.Request)
		}
	})
	ctx := testCtx(t)
	if err := f.WaitForConnections(ctx, 1); err != nil {
		t.Fatal(err)
	}

	if n := f.Disconnect("refresh_requested"); n != 1 {
		t.Fatalf("Disconnect told %d sockets", n)
	}
	if err := f.WaitForConnections(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.SlashCommand(ctx, "U001", "/tally", "after refresh"); err != nil {
		t.Fatalf("slash command after refresh: %v", err)
	}

	if n := f.DropConnections(); n < 1 {
		t.Fatalf("DropConnections dropped %d", n)
	}
	if err := f.WaitForConnections(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.OpenHome(ctx, "U002"); err != nil {
		t.Fatalf("event after drop: %v", err)
	}
	if got := f.CallCount("apps.connections.open"); got < 3 {
		t.Errorf("apps.connections.open called %d times, want a fresh URL per connection (>= 3)", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if connected < 3 {
		t.Errorf("client connected %d times, want >= 3", connected)
	}
}

func TestSlackSpreadsEnvelopesOverConnections(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	const clients, sends = 3, 30
	var mu sync.Mutex
	perClient := make([]int, clients)
	seen := map[string]int{}
	for i := range clients {
		startSocketClient(t, f, func(c *socketmode.Client, e socketmode.Event) {
			if e.Type == socketmode.EventTypeSlashCommand {
				mu.Lock()
				perClient[i]++
				seen[e.Request.EnvelopeID]++
				mu.Unlock()
				_ = c.Ack(*e.Request)
			}
		})
	}
	ctx := testCtx(t)
	if err := f.WaitForConnections(ctx, clients); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, sends)
	for range sends {
		wg.Go(func() {
			if _, err := f.SlashCommand(ctx, "U001", "/tally", ""); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("SlashCommand: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != sends {
		t.Errorf("%d distinct envelopes delivered, want %d", len(seen), sends)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("envelope %s delivered %d times", id, n)
		}
	}
	for i, n := range perClient {
		if n != sends/clients {
			t.Errorf("client %d got %d envelopes, want %d (round robin)", i, n, sends/clients)
		}
	}
}

func TestSlackAckTimeoutAndRetry(t *testing.T) {
	f := newTestSlack(t, SlackOptions{AckTimeout: time.Second, AckRetries: 1})
	startSocketClient(t, f, func(c *socketmode.Client, e socketmode.Event) {
		// Ignore first attempts, ack retries.
		if e.Type == socketmode.EventTypeSlashCommand && e.Request.RetryAttempt > 0 {
			if e.Request.RetryReason != "timeout" {
				t.Errorf("retry_reason = %q", e.Request.RetryReason)
			}
			_ = c.Ack(*e.Request)
		}
	})
	ctx := testCtx(t)
	ack, err := f.SlashCommand(ctx, "U001", "/tally", "")
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	if ack.Attempt != 1 {
		t.Errorf("acked attempt %d, want 1", ack.Attempt)
	}

	g := newTestSlack(t, SlackOptions{AckTimeout: 100 * time.Millisecond})
	startSocketClient(t, g, func(*socketmode.Client, socketmode.Event) {})
	if _, err := g.SlashCommand(ctx, "U001", "/tally", ""); !errors.Is(err, ErrSlackAckTimeout) {
		t.Errorf("unacked SlashCommand err = %v, want ErrSlackAckTimeout", err)
	}
}

func TestSlackMalformedAndUnknownEnvelopes(t *testing.T) {
	f := newTestSlack(t, SlackOptions{AckTimeout: 200 * time.Millisecond})
	bad := make(chan socketmode.Event, 4)
	startSocketClient(t, f, func(c *socketmode.Client, e socketmode.Event) {
		switch e.Type {
		case socketmode.EventTypeErrorBadMessage, socketmode.EventTypeIncomingError:
			bad <- e
		case socketmode.EventTypeSlashCommand:
			_ = c.Ack(*e.Request)
		}
	})
	ctx := testCtx(t)
	// A truncated frame is skipped silently by slack-go; a payload of the
	// wrong shape surfaces as a bad-message event.
	if err := f.SendRaw(ctx, []byte(`{"type":"events_api","envelope_id":"x","payload":{"type":"event_callback","event":`)); err != nil {
		t.Fatal(err)
	}
	if err := f.SendRaw(ctx, []byte(`{"type":"slash_commands","envelope_id":"y","payload":[1,2]}`)); err != nil {
		t.Fatal(err)
	}
	if e := <-bad; e.Type != socketmode.EventTypeErrorBadMessage {
		t.Errorf("bad frame event = %s", e.Type)
	}
	if _, err := f.SendEnvelope(ctx, "brand_new_type", map[string]any{"x": 1}, false); !errors.Is(err, ErrSlackAckTimeout) {
		t.Errorf("unknown envelope type err = %v, want ErrSlackAckTimeout (slack-go cannot ack it)", err)
	}
	<-bad
	if _, err := f.SlashCommand(ctx, "U001", "/tally", ""); err != nil {
		t.Errorf("socket unusable after bad frames: %v", err)
	}
}

// TestSlackRawSocketProtocol speaks the protocol by hand: hello shape, ping
// frames, single-use URLs and the 20 KB ack limit.
func TestSlackRawSocketProtocol(t *testing.T) {
	f := newTestSlack(t, SlackOptions{PingInterval: 20 * time.Millisecond, AckTimeout: 300 * time.Millisecond})
	ctx := testCtx(t)
	api := testAPI(f)
	_, wsURL, err := api.StartSocketModeContext(ctx)
	if err != nil {
		t.Fatalf("apps.connections.open: %v", err)
	}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer func() { _ = conn.Close() }()
	if _, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, nil); err == nil {
		t.Error("socket URL accepted twice")
	}
	pinged := make(chan struct{}, 1)
	conn.SetPingHandler(func(string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return nil
	})
	var hello map[string]any
	if err := conn.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	if hello["type"] != "hello" || hello["num_connections"] != float64(1) || hello["debug_info"] == nil {
		t.Errorf("hello = %v", hello)
	}

	type result struct {
		ack *Ack
		err error
	}
	done := make(chan result, 1)
	go func() {
		a, err := f.SlashCommand(ctx, "U001", "/tally", "")
		done <- result{a, err}
	}()
	var env map[string]any
	if err := conn.ReadJSON(&env); err != nil {
		t.Fatal(err)
	}
	if env["type"] != "slash_commands" || env["accepts_response_payload"] != true || env["retry_attempt"] != float64(0) {
		t.Errorf("envelope = %v", env)
	}
	big := map[string]any{"envelope_id": env["envelope_id"], "payload": map[string]any{"text": strings.Repeat("x", 21*1024)}}
	if err := conn.WriteJSON(big); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if !errors.Is(r.err, ErrSlackAckTimeout) || f.DroppedAcks() != 1 {
		t.Errorf("oversized ack: err %v, dropped %d", r.err, f.DroppedAcks())
	}
	go func() {
		a, err := f.OpenHome(ctx, "U001")
		done <- result{a, err}
	}()
	if err := conn.ReadJSON(&env); err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]any{"envelope_id": env["envelope_id"]}); err != nil {
		t.Fatal(err)
	}
	// Pings sent while we waited were handled by the reads above.
	select {
	case <-pinged:
	default:
		t.Error("no ping frame")
	}
	if r := <-done; r.err != nil || r.ack.Payload != nil {
		t.Errorf("small ack: %+v %v", r.ack, r.err)
	}
}

func TestSlackSocketAuthFailures(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	ctx := testCtx(t)

	wrong := slack.New(f.BotToken(), slack.OptionAppLevelToken("xapp-1-wrong"), slack.OptionAPIURL(f.URL()))
	if err := socketmode.New(wrong).RunContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("run with a wrong app token = %v, want invalid_auth", err)
	}
	f.SetAuthError("token_revoked")
	if err := socketmode.New(testAPI(f)).RunContext(ctx); err == nil || err.Error() != "token_revoked" {
		t.Errorf("run after revocation = %v, want token_revoked", err)
	}
	if _, err := testAPI(f).AuthTestContext(ctx); err == nil || err.Error() != "token_revoked" {
		t.Errorf("auth.test after revocation = %v", err)
	}
}

// BenchmarkSlackSlashCommandRoundTrip measures envelope-to-ack latency
// through the real slack-go client.
func BenchmarkSlackSlashCommandRoundTrip(b *testing.B) {
	f := newTestSlack(b, SlackOptions{})
	startSocketClient(b, f, nil)
	ctx := testCtx(b)
	if err := f.WaitForConnections(ctx, 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.SlashCommand(ctx, "U001", "/tally", "status"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	lat := f.AckLatencies()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-ack-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-ack-µs")
}

func TestSlackConnectionLimitAndDisconnectGrace(t *testing.T) {
	// Eleven apps.connections.open in a row exceed Tier 1; this test is
	// about the connection limit, so the tiers are off.
	f := newTestSlack(t, SlackOptions{DisconnectGrace: 50 * time.Millisecond, NoRateTiers: true})
	ctx := testCtx(t)
	api := testAPI(f)
	var conns []*websocket.Conn
	for range 10 {
		_, u, err := api.StartSocketModeContext(ctx)
		if err != nil {
			t.Fatalf("apps.connections.open: %v", err)
		}
		c, _, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		conns = append(conns, c)
	}
	if err := f.WaitForConnections(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.StartSocketModeContext(ctx); err == nil || err.Error() != "too_many_websockets" {
		t.Errorf("11th connection = %v, want too_many_websockets", err)
	}

	// A client that ignores the disconnect message is cut off after the grace.
	f.Disconnect("warning")
	for _, c := range conns {
		var msg map[string]any
		for msg["type"] != "disconnect" {
			if err := c.ReadJSON(&msg); err != nil {
				t.Fatalf("read before disconnect: %v", err)
			}
		}
		if msg["reason"] != "warning" {
			t.Errorf("disconnect = %v", msg)
		}
		if _, _, err := c.ReadMessage(); err == nil {
			t.Error("socket still open after the grace")
		}
	}
}

// A block_suggestion from a message names the container and channel but
// carries no message (Slack's SDKs model the payload without one); from a
// view it carries the view. The answer is read within Slack's limits.
func TestSlackBlockSuggestionPayload(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	api := testAPI(f)
	ctx := testCtx(t)
	picker := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, nil, "pick")
	ch, ts, err := api.PostMessageContext(ctx, "U001", slack.MsgOptionText("Pick a project", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("entry_1", picker)))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	payloads := make(chan map[string]json.RawMessage, 2)
	startSocketClient(t, f, func(c *socketmode.Client, e socketmode.Event) {
		if e.Type != socketmode.EventTypeInteractive {
			return
		}
		var p map[string]json.RawMessage
		if err := json.Unmarshal(e.Request.Payload, &p); err != nil {
			t.Errorf("payload: %v", err)
		}
		payloads <- p
		_ = c.Ack(*e.Request, map[string]any{"options": []any{map[string]any{
			"text": map[string]any{"type": "plain_text", "text": "Checkout revamp"}, "value": "1:42"}}})
	})
	opts, err := f.Suggest(ctx, "U001", SuggestSpec{ActionID: "pick", Query: "chec", ChannelID: ch, MessageTS: ts})
	if err != nil {
		t.Fatalf("Suggest: %v", err)
	}
	if len(opts) != 1 || opts[0].Text != "Checkout revamp" || opts[0].Value != "1:42" {
		t.Errorf("options read = %+v", opts)
	}
	p := <-payloads
	for _, key := range []string{"type", "user", "team", "api_app_id", "token", "container", "channel", "action_id", "block_id", "value"} {
		if _, ok := p[key]; !ok {
			t.Errorf("block_suggestion without %q: %s", key, keys(p))
		}
	}
	if _, ok := p["message"]; ok {
		t.Errorf("block_suggestion from a message carries the message: %s", keys(p))
	}
	if string(p["type"]) != `"block_suggestion"` || string(p["value"]) != `"chec"` || string(p["block_id"]) != `"entry_1"` {
		t.Errorf("payload = type %s value %s block_id %s", p["type"], p["value"], p["block_id"])
	}
}

func keys(m map[string]json.RawMessage) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
