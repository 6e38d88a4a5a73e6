package sandbox

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestSlackMissingScope: a method whose scope the app was not granted is
// refused with missing_scope, as Slack does; the default grant is the
// manifest's.
func TestSlackMissingScope(t *testing.T) {
	cases := []struct {
		name   string
		scopes []string
		call   func(*slack.Client) error
		want   string
	}{
		{"manifest grants users:read.email", nil, func(a *slack.Client) error {
			_, err := a.GetUserByEmailContext(testCtx(t), "ada@example.com")
			return err
		}, ""},
		{"users:read.email not granted", []string{"chat:write", "users:read"}, func(a *slack.Client) error {
			_, err := a.GetUserByEmailContext(testCtx(t), "ada@example.com")
			return err
		}, "missing_scope"},
		{"chat:write not granted", []string{"users:read"}, func(a *slack.Client) error {
			_, _, err := a.PostMessageContext(testCtx(t), "U001", slack.MsgOptionText("hi", false))
			return err
		}, "missing_scope"},
		{"im:write not granted", []string{"chat:write"}, func(a *slack.Client) error {
			_, _, _, err := a.OpenConversationContext(testCtx(t), &slack.OpenConversationParameters{Users: []string{"U001"}})
			return err
		}, "missing_scope"},
		{"views need no scope", []string{"chat:write"}, func(a *slack.Client) error {
			_, err := a.PublishViewContext(testCtx(t), slack.PublishViewContextRequest{UserID: "U001",
				View: slack.HomeTabViewRequest{Type: slack.VTHomeTab}})
			return err
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newTestSlack(t, SlackOptions{Scopes: tc.scopes})
			err := tc.call(testAPI(f))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("err = %q; want %q", got, tc.want)
			}
		})
	}
}

// TestSlackRateTiers: each method answers 429 with Retry-After once its
// tier's calls a minute are spent, and the bucket refills on the fake's
// clock.
func TestSlackRateTiers(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newTestSlack(t, SlackOptions{Now: clock})
	call := func(method string, form url.Values) (int, string) {
		form.Set("token", f.BotToken())
		res, err := http.PostForm(f.URL()+method, form)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res.StatusCode, res.Header.Get("Retry-After")
	}
	cases := []struct {
		method string
		limit  int
		form   url.Values
	}{
		{"users.list", 20, url.Values{"limit": {"200"}}},
		{"users.lookupByEmail", 50, url.Values{"email": {"ada@example.com"}}},
		{"conversations.open", 50, url.Values{"users": {"U001"}}},
		{"users.info", 100, url.Values{"user": {"U001"}}},
		{"views.publish", 100, url.Values{"user_id": {"U001"}, "view": {`{"type":"home","blocks":[]}`}}},
	}
	for _, tc := range cases {
		for i := range tc.limit {
			if status, _ := call(tc.method, tc.form); status != http.StatusOK {
				t.Fatalf("%s call %d: HTTP %d", tc.method, i+1, status)
			}
		}
		status, retry := call(tc.method, tc.form)
		if secs, _ := strconv.Atoi(retry); status != http.StatusTooManyRequests || secs < 1 {
			t.Fatalf("%s call %d: HTTP %d, Retry-After %q; want 429 with Retry-After", tc.method, tc.limit+1, status, retry)
		}
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if status, _ := call("users.list", url.Values{}); status != http.StatusOK {
		t.Fatalf("users.list a minute later: HTTP %d", status)
	}

	f.SetRateTiers(false)
	for range 30 {
		if status, _ := call("users.list", url.Values{}); status != http.StatusOK {
			t.Fatalf("tiers off: HTTP %d", status)
		}
	}
	f.SetRateTiers(true)
	f.SetMethodLimit("auth.test", 2)
	for i := range 3 {
		status, _ := call("auth.test", url.Values{})
		if want := map[bool]int{true: http.StatusOK, false: http.StatusTooManyRequests}[i < 2]; status != want {
			t.Fatalf("auth.test call %d with a limit of 2: HTTP %d", i+1, status)
		}
	}
}

// TestSlackUsersListPagesAt200: a limit above Slack's recommended 200 gets
// at most 200 members and a cursor; following it reads everyone.
func TestSlackUsersListPagesAt200(t *testing.T) {
	f := newTestSlack(t, SlackOptions{})
	for i := range 450 {
		id := "W" + time.Duration(i).String()
		f.AddUser(SlackUser{ID: id, Name: id, RealName: id, Email: id + "@example.com", TZ: "UTC"})
	}
	users, err := testAPI(f).GetUsersContext(testCtx(t), slack.GetUsersOptionLimit(1000))
	if err != nil || len(users) != 452 {
		t.Fatalf("users = %d, %v; want 452", len(users), err)
	}
	calls := f.Calls("users.list")
	if len(calls) != 3 {
		t.Fatalf("users.list calls = %d; want 3 pages of at most 200", len(calls))
	}
}
