package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestSlackChatMethods(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	api := testAPI(f)
	ctx := testCtx(t)

	auth, err := api.AuthTestContext(ctx)
	if err != nil || auth.UserID != "U0TALLYBOT" || auth.TeamID != "T0SANDBOX" {
		t.Fatalf("auth.test = %+v, %v", auth, err)
	}

	d, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U001"}})
	if err != nil {
		t.Fatalf("conversations.open: %v", err)
	}
	again, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U001"}})
	if err != nil || again.ID != d.ID || !already || !strings.HasPrefix(d.ID, "D") {
		t.Errorf("conversations.open twice = %s then %s (already_open %v), %v", d.ID, again.ID, already, err)
	}

	var last string
	for i := range 3 {
		ch, ts, err := api.PostMessageContext(ctx, d.ID, slack.MsgOptionText("hello "+string(rune('a'+i)), false))
		if err != nil || ch != d.ID {
			t.Fatalf("postMessage %d: %s %v", i, ch, err)
		}
		if last != "" && !slackTSLess(last, ts) {
			t.Errorf("ts %s not after %s", ts, last)
		}
		last = ts
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, d.ID, last, slack.MsgOptionText("edited", false)); err != nil {
		t.Fatalf("chat.update: %v", err)
	}
	msgs := f.DMs("U001")
	if len(msgs) != 3 || msgs[2].Text != "edited" || msgs[2].Updates != 1 || msgs[0].Text != "hello a" {
		t.Errorf("DMs = %+v", msgs)
	}
	if _, err := api.PostEphemeralContext(ctx, d.ID, "U001", slack.MsgOptionText("only you", false)); err != nil {
		t.Fatalf("postEphemeral: %v", err)
	}
	if eph := f.Ephemerals("U001"); len(eph) != 1 || eph[0].Text != "only you" {
		t.Errorf("ephemerals = %+v", eph)
	}

	longHeader := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", 151), false, false))
	tests := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"missing channel", "", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"unknown user", "U999", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"unopened DM", "D999", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"no text nor blocks", d.ID, nil, "no_text"},
		{"header over 150", d.ID, []slack.MsgOption{slack.MsgOptionBlocks(longHeader)}, "invalid_blocks"},
		{"text too long", d.ID, []slack.MsgOption{slack.MsgOptionText(strings.Repeat("x", 40001), false)}, "msg_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := api.PostMessageContext(ctx, tt.channel, tt.opts...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %s", err, tt.want)
			}
		})
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, d.ID, "1.000001", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update of a missing message = %v", err)
	}
	if got := f.CallCount("chat.postMessage"); got != 3+len(tests) {
		t.Errorf("chat.postMessage calls = %d, want %d", got, 3+len(tests))
	}
	if c := f.Calls("chat.update")[0]; c.Params["channel"] != d.ID || c.Params["ts"] != last || c.Params["token"] != "" {
		t.Errorf("recorded chat.update = %+v (token must not be recorded)", c)
	}
}

func TestSlackUserDirectory(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	api := testAPI(f)
	ctx := testCtx(t)
	f.AddUser(SlackUser{ID: "U003", Name: "gone", Email: "gone@example.com", Deleted: true})
	f.AddUser(SlackUser{ID: "U004", Name: "bot", IsBot: true})
	f.AddUser(SlackUser{ID: "U005", Name: "lin", Email: "Lin@Example.com", TZ: "Asia/Tokyo", TZOffset: 32400})

	u, err := api.GetUserInfoContext(ctx, "U002")
	if err != nil || u.TZ != "America/New_York" || u.TZOffset != -18000 || u.Profile.Email != "grace@example.com" || u.RealName != "Grace Hopper" {
		t.Errorf("users.info = %+v, %v", u, err)
	}
	if u, _ := api.GetUserInfoContext(ctx, "U003"); u == nil || !u.Deleted {
		t.Errorf("deleted user = %+v", u)
	}
	if u, _ := api.GetUserInfoContext(ctx, "U004"); u == nil || !u.IsBot {
		t.Errorf("bot user = %+v", u)
	}
	if _, err := api.GetUserInfoContext(ctx, "U999"); err == nil || err.Error() != "user_not_found" {
		t.Errorf("unknown user err = %v", err)
	}
	if !f.SetUserTZ("U002", "Europe/Berlin") {
		t.Fatal("SetUserTZ refused")
	}
	if u, _ := api.GetUserInfoContext(ctx, "U002"); u.TZ != "Europe/Berlin" || (u.TZOffset != 3600 && u.TZOffset != 7200) {
		t.Errorf("after SetUserTZ: %s %d", u.TZ, u.TZOffset)
	}

	if u, err := api.GetUserByEmailContext(ctx, "lin@example.com"); err != nil || u.ID != "U005" {
		t.Errorf("lookupByEmail = %+v, %v", u, err)
	}
	if _, err := api.GetUserByEmailContext(ctx, "nobody@example.com"); err == nil || err.Error() != "users_not_found" {
		t.Errorf("lookupByEmail unknown = %v", err)
	}

	// Paging: 5 users, 2 per page → 3 pages, every user once.
	p := api.GetUsersPaginated(slack.GetUsersOptionLimit(2))
	var ids []string
	pages := 0
	for {
		var err error
		p, err = p.Next(ctx)
		if p.Done(err) {
			break
		}
		if err != nil {
			t.Fatalf("users.list page: %v", err)
		}
		pages++
		for _, u := range p.Users {
			ids = append(ids, u.ID)
		}
	}
	if pages != 3 || strings.Join(ids, ",") != "U001,U002,U003,U004,U005" {
		t.Errorf("paged %d pages: %v", pages, ids)
	}
	all, err := api.GetUsersContext(ctx)
	if err != nil || len(all) != 5 {
		t.Errorf("users.list default = %d users, %v", len(all), err)
	}
	if c := f.Calls("users.list"); c[0].Params["limit"] != "2" || c[1].Params["cursor"] == "" {
		t.Errorf("recorded users.list params = %+v", c[:2])
	}
}

func TestSlackViewsAndFiles(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	api := testAPI(f)
	ctx := testCtx(t)

	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Your week", false, false)),
	}}}
	for range 2 {
		if _, err := api.PublishView("U001", home, ""); err != nil {
			t.Fatalf("views.publish: %v", err)
		}
	}
	if hv := f.HomeViews("U001"); len(hv) != 2 || !strings.Contains(string(hv[1]), "Your week") {
		t.Errorf("home views = %s", hv)
	}
	if c := f.Calls("views.publish"); len(c) != 2 || c[0].Params["user_id"] != "U001" || !json.Valid([]byte(c[0].Params["view"])) {
		t.Errorf("recorded views.publish = %+v", c)
	}
	tooMany := slack.HomeTabViewRequest{Type: slack.VTHomeTab}
	for range 101 {
		tooMany.Blocks.BlockSet = append(tooMany.Blocks.BlockSet, slack.NewDividerBlock())
	}
	if _, err := api.PublishView("U001", tooMany, ""); err == nil || err.Error() != "invalid_arguments" {
		t.Errorf("101-block home = %v, want invalid_arguments", err)
	}

	modal := slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "Edit", false, false)}
	if _, err := api.OpenViewContext(ctx, "bogus", modal); err == nil || err.Error() != "invalid_trigger_id" {
		t.Errorf("views.open with a bogus trigger = %v", err)
	}

	sum, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: "export.csv", FileSize: 11, Content: "a,b\n1,2\n3,4", Title: "Export", Channel: "C0BILLING",
	})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	files := f.Files()
	if len(files) != 1 || files[0].ID != sum.ID || string(files[0].Content) != "a,b\n1,2\n3,4" || files[0].Title != "Export" ||
		files[0].Channel != "C0BILLING" || !files[0].Completed {
		t.Errorf("files = %+v", files)
	}
}

func TestSlackUnknownMethodAndRawForms(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	post := func(method string, body url.Values, header http.Header) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, f.URL()+method, strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s answered %q", method, raw)
		}
		return out
	}
	if out := post("chat.flyToTheMoon", url.Values{"token": {f.BotToken()}}, nil); out["ok"] != false || out["error"] != "unknown_method" {
		t.Errorf("unknown method = %v", out)
	}
	if out := post("auth.test", nil, nil); out["error"] != "not_authed" {
		t.Errorf("no token = %v", out)
	}
	if out := post("auth.test", nil, http.Header{"Authorization": {"Bearer " + f.BotToken()}}); out["ok"] != true {
		t.Errorf("bearer token = %v", out)
	}
	if out := post("chat.postMessage", url.Values{"token": {f.AppToken()}, "channel": {"C1"}, "text": {"x"}}, nil); out["error"] != "not_allowed_token_type" {
		t.Errorf("app token on chat.postMessage = %v", out)
	}
	if out := post("apps.connections.open", nil, http.Header{"Authorization": {"Bearer " + f.BotToken()}}); out["error"] != "not_allowed_token_type" {
		t.Errorf("bot token on apps.connections.open = %v", out)
	}
	// The app-level token authenticates apps.connections.open only in the
	// Authorization header.
	if out := post("apps.connections.open", url.Values{"token": {f.AppToken()}}, nil); out["error"] != "not_authed" {
		t.Errorf("app token in the body of apps.connections.open = %v", out)
	}
	if out := post("apps.connections.open", nil, http.Header{"Authorization": {"Bearer " + f.AppToken()}}); out["ok"] != true {
		t.Errorf("app token in the header of apps.connections.open = %v", out)
	}
}

func TestSlackRateLimitsAndAuth(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	api := testAPI(f)
	ctx := testCtx(t)

	f.FailNext("chat.postMessage", 1, 7*time.Second)
	_, _, err := api.PostMessageContext(ctx, "C0GENERAL", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Fatalf("injected 429 = %v, want RateLimitedError{7s}", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C0GENERAL", slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("after the injected 429: %v", err)
	}
	if c := f.Calls("chat.postMessage"); c[0].Error != "ratelimited" || c[1].Error != "" {
		t.Errorf("recorded errors = %q, %q", c[0].Error, c[1].Error)
	}

	// One message per 1000 s per channel: the second post to a channel waits,
	// another channel does not.
	f.SetPostMessageLimits(0.001, 1, 0)
	if _, _, err := api.PostMessageContext(ctx, "C0A", slack.MsgOptionText("1", false)); err != nil {
		t.Fatal(err)
	}
	_, _, err = api.PostMessageContext(ctx, "C0A", slack.MsgOptionText("2", false))
	if !errors.As(err, &rl) || rl.RetryAfter < 900*time.Second {
		t.Errorf("second post in C0A = %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C0B", slack.MsgOptionText("1", false)); err != nil {
		t.Errorf("first post in C0B: %v", err)
	}
	f.SetPostMessageLimits(0, 0, 2)
	for i := range 3 {
		_, _, err := api.PostMessageContext(ctx, "C0C", slack.MsgOptionText("n", false))
		if i < 2 && err != nil {
			t.Errorf("workspace post %d: %v", i, err)
		}
		if i == 2 && !errors.As(err, &rl) {
			t.Errorf("third post in a 2/min workspace = %v", err)
		}
	}
	if got := len(f.Messages("C0A")); got != 1 {
		t.Errorf("C0A holds %d messages, a refused post must not be stored", got)
	}

	f.FailNextError("users.info", 1, "internal_error")
	if _, err := api.GetUserInfoContext(ctx, "U001"); err == nil || err.Error() != "internal_error" {
		t.Errorf("injected error = %v", err)
	}

	wrong := slack.New("xoxb-wrong", slack.OptionAPIURL(f.URL()))
	if _, err := wrong.AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong bot token = %v", err)
	}
	if _, _, err := wrong.PostMessageContext(ctx, "C0A", slack.MsgOptionText("x", false)); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong bot token on postMessage = %v", err)
	}
}
