package bot_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/sandbox"
)

// Every envelope Slack can send is acked exactly once, with the payload
// its handler chose, and runs the right handler (or none).
func TestEveryEnvelopeIsAckedOnce(t *testing.T) {
	tests := []struct {
		name string
		send func(h *harness) (*sandbox.Ack, error)
		// ackType is the envelope type the ack is counted under.
		ackType string
		// handler is the handler that must have run once ("" for none).
		handler string
		check   func(t *testing.T, ack *sandbox.Ack)
	}{{
		name:    "events_api app_home_opened",
		send:    func(h *harness) (*sandbox.Ack, error) { return h.fake.OpenHome(h.ctx, "U001") },
		ackType: "events_api", handler: "home:U001",
		check: func(t *testing.T, ack *sandbox.Ack) {
			if ack.Payload != nil {
				t.Errorf("event ack payload = %s, want none", ack.Payload)
			}
		},
	}, {
		name:    "slash_commands",
		send:    func(h *harness) (*sandbox.Ack, error) { return h.fake.SlashCommand(h.ctx, "U001", "/timesheet", "") },
		ackType: "slash_commands", handler: "command:/timesheet",
		check: func(t *testing.T, ack *sandbox.Ack) {
			if ack.Text() != "Your week." {
				t.Errorf("slash ack text = %q, want the handler's answer", ack.Text())
			}
		},
	}, {
		name: "interactive block_actions",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "interactive", blockActionPayload(h.fake.TeamID(), "A0SANDBOX"), false)
		},
		ackType: "interactive", handler: "interaction:block_actions",
		check: func(t *testing.T, ack *sandbox.Ack) {
			if ack.Payload != nil {
				t.Errorf("block action ack payload = %s, want none", ack.Payload)
			}
		},
	}, {
		name: "interactive view_submission",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.ViewSubmission(h.ctx, "U001", "V0REJECT", "reject_week", "2026-W02",
				map[string]map[string]string{"reason": {"reason_input": ""}})
		},
		ackType: "interactive", handler: "interaction:view_submission",
		check: func(t *testing.T, ack *sandbox.Ack) {
			if ack.ResponseAction() != "errors" || ack.Errors()["reason"] != "Say why." {
				t.Errorf("view submission ack = %s, want the handler's errors", ack.Payload)
			}
		},
	}, {
		name: "unknown envelope type",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "workflow_step_execute", map[string]any{"team_id": h.fake.TeamID()}, false)
		},
		ackType: "unparsed",
	}, {
		name: "malformed slash command",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "slash_commands", json.RawMessage(`"not an object"`), true)
		},
		ackType: "unparsed",
	}, {
		name: "malformed events_api",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "events_api", json.RawMessage(`{"type":"event_callback","event":"x"}`), false)
		},
		ackType: "unparsed",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c calls
			h := newHarness(t, bot.Options{
				Commands: commandFunc(func(_ context.Context, cmd slack.SlashCommand) (*bot.Message, error) {
					c.add("command:" + cmd.Command)
					return bot.Ephemeral("Your week."), nil
				}),
				Interactions: interactionFunc(func(_ context.Context, cb slack.InteractionCallback) (any, func(context.Context), error) {
					c.add("interaction:" + string(cb.Type))
					if cb.Type == slack.InteractionTypeViewSubmission {
						return map[string]any{"response_action": "errors", "errors": map[string]string{"reason": "Say why."}}, nil, nil
					}
					return nil, nil, nil
				}),
				Home: homeFunc(func(_ context.Context, userID string) error {
					c.add("home:" + userID)
					return nil
				}),
			}, harnessOptions{})

			ack, err := tt.send(h)
			if err != nil {
				t.Fatalf("envelope not acked: %v", err)
			}
			if tt.check != nil {
				tt.check(t, ack)
			}
			h.stop()
			if got := h.acks(t); len(got) != 1 || got[tt.ackType] != 1 {
				t.Errorf("acks sent = %v, want exactly one %s", got, tt.ackType)
			}
			if n := h.fake.StrayAcks(); n != 0 {
				t.Errorf("fake saw %d stray (duplicate or unknown) acks", n)
			}
			for _, name := range []string{"home:U001", "command:/timesheet", "interaction:block_actions", "interaction:view_submission"} {
				want := 0
				if name == tt.handler {
					want = 1
				}
				if got := c.get(name); got != want {
					t.Errorf("handler %s ran %d times, want %d", name, got, want)
				}
			}
		})
	}
}

// A follow-up returned by an interaction runs after the ack; one that
// panics does not ack the envelope a second time.
func TestInteractionFollowUpRunsAfterAck(t *testing.T) {
	ran := make(chan struct{})
	h := newHarness(t, bot.Options{
		Interactions: interactionFunc(func(context.Context, slack.InteractionCallback) (any, func(context.Context), error) {
			return nil, func(context.Context) {
				close(ran)
				panic("redraw failed")
			}, nil
		}),
	}, harnessOptions{})
	if _, err := h.fake.SendEnvelope(h.ctx, "interactive", blockActionPayload(h.fake.TeamID(), "A0SANDBOX"), false); err != nil {
		t.Fatalf("block action not acked: %v", err)
	}
	select {
	case <-ran:
	case <-h.ctx.Done():
		t.Fatal("follow-up never ran")
	}
	h.stop()
	if got := h.acks(t); got["interactive"] != 1 {
		t.Errorf("acks = %v, want one interactive ack despite the follow-up's panic", got)
	}
	if got := h.metric(t, "tally_slack_handler_errors_total", "interactive"); got != 1 {
		t.Errorf("handler errors = %v, want 1 for the panic", got)
	}
}
