package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/model"
)

// An answer goes in the ack while it fits; from 20 KB on it goes through
// the response_url, because Slack drops such acks.
func TestSlashAnswerInAckOrResponseURL(t *testing.T) {
	tests := []struct {
		name    string
		textLen int
		viaURL  bool
	}{
		{"short answer in the ack", 100, false},
		{"just under the limit in the ack", 18 * 1024, false},
		{"20 KB through response_url", 20 * 1024, true},
		{"30 KB through response_url", 30 * 1024, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Repeat("x", tt.textLen)
			h := newHarness(t, bot.Options{
				Commands: commandFunc(func(context.Context, slack.SlashCommand) (*bot.Message, error) {
					return bot.Ephemeral(text), nil
				}),
			}, harnessOptions{})
			ack, err := h.fake.SlashCommand(h.ctx, "U001", "/timesheet", "")
			if err != nil {
				t.Fatalf("slash command not acked: %v", err)
			}
			h.stop()
			posts := h.fake.ResponseURLPosts("U001")
			if tt.viaURL {
				if ack.Payload != nil {
					t.Errorf("ack carried %d bytes, want an empty ack", len(ack.Payload))
				}
				if len(posts) != 1 || posts[0].Text != text || posts[0].Error != "" || posts[0].ResponseType != "ephemeral" {
					t.Errorf("response_url posts = %d, want one accepted ephemeral post with the answer", len(posts))
				}
			} else {
				if ack.Text() != text {
					t.Errorf("ack text has %d bytes, want the %d-byte answer", len(ack.Text()), len(text))
				}
				if len(posts) != 0 {
					t.Errorf("response_url posts = %d, want none", len(posts))
				}
			}
			if n := h.fake.DroppedAcks(); n != 0 {
				t.Errorf("fake dropped %d oversized acks", n)
			}
		})
	}
}

// An envelope that does not accept a response payload gets an empty ack,
// and the answer goes through response_url.
func TestSlashWithoutResponsePayloadAnswersThroughResponseURL(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	h := newHarness(t, bot.Options{
		Commands: commandFunc(func(context.Context, slack.SlashCommand) (*bot.Message, error) {
			return bot.Ephemeral("Your week."), nil
		}),
	}, harnessOptions{})
	ack, err := h.fake.SendEnvelope(h.ctx, "slash_commands", slashPayload(h.fake.TeamID(), "A0SANDBOX", srv.URL), false)
	if err != nil {
		t.Fatalf("slash command not acked: %v", err)
	}
	h.stop()
	if ack.Payload != nil {
		t.Errorf("ack payload = %s, want none", ack.Payload)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"text":"Your week."`) {
		t.Errorf("response_url bodies = %q, want one with the answer", bodies)
	}
}

// A handler's error, panic or overrun becomes a sentence for the user,
// acked once and within the ack budget; internals never reach Slack.
func TestSlashHandlerFailureBecomesEphemeralSentence(t *testing.T) {
	const generic = "Something went wrong on our side. Please try again in a minute."
	tests := []struct {
		name   string
		handle func(ctx context.Context, release <-chan struct{}) (*bot.Message, error)
		want   string
	}{{
		name: "user-facing error",
		handle: func(context.Context, <-chan struct{}) (*bot.Message, error) {
			return nil, model.Errorf(model.EForbidden, "Only managers can approve weeks.")
		},
		want: "Only managers can approve weeks.",
	}, {
		name: "internal error",
		handle: func(context.Context, <-chan struct{}) (*bot.Message, error) {
			return nil, errors.New("dial tcp 10.0.0.7:5432: password authentication failed for secret")
		},
		want: generic,
	}, {
		name: "unavailable",
		handle: func(context.Context, <-chan struct{}) (*bot.Message, error) {
			return nil, &model.Error{Code: model.EUnavailable, Message: "db down"}
		},
		want: bot.Unavailable,
	}, {
		name: "panic",
		handle: func(context.Context, <-chan struct{}) (*bot.Message, error) {
			panic("index out of range")
		},
		want: generic,
	}, {
		name: "overrun ignoring its context",
		handle: func(_ context.Context, release <-chan struct{}) (*bot.Message, error) {
			<-release
			return bot.Ephemeral("too late"), nil
		},
		want: bot.Unavailable,
	}}
	const budget = 300 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			h := newHarness(t, bot.Options{
				AckBudget: budget,
				Commands: commandFunc(func(ctx context.Context, _ slack.SlashCommand) (*bot.Message, error) {
					return tt.handle(ctx, release)
				}),
			}, harnessOptions{})
			ack, err := h.fake.SlashCommand(h.ctx, "U001", "/timesheet", "")
			close(release)
			if err != nil {
				t.Fatalf("slash command not acked within Slack's 3 s: %v", err)
			}
			var msg struct {
				Text         string `json:"text"`
				ResponseType string `json:"response_type"`
			}
			if err := json.Unmarshal(ack.Payload, &msg); err != nil {
				t.Fatalf("ack payload %s: %v", ack.Payload, err)
			}
			if msg.Text != tt.want || msg.ResponseType != "ephemeral" {
				t.Errorf("ack = %s, want the ephemeral sentence %q", ack.Payload, tt.want)
			}
			h.stop()
			if got := h.acks(t); len(got) != 1 || got["slash_commands"] != 1 {
				t.Errorf("acks sent = %v, want exactly one", got)
			}
			if got := h.metric(t, "tally_slack_handler_errors_total", "slash_commands"); got != 1 {
				t.Errorf("handler errors = %v, want 1", got)
			}
		})
	}
}
