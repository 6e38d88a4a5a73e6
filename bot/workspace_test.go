package bot_test

import (
	"context"
	"errors"
	"testing"

	"github.com/slack-go/slack"
	"go.uber.org/zap/zapcore"

	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/sandbox"
)

// Envelopes naming another workspace or app are acked (so Slack stops
// redelivering them), logged and counted, and never reach a handler.
func TestForeignEnvelopesAreAckedAndIgnored(t *testing.T) {
	const ownApp = "A0SANDBOX"
	tests := []struct {
		name          string
		skipCheckAuth bool
		send          func(h *harness) (*sandbox.Ack, error)
		typ           string
		foreign       bool
		team, app     string // the ids the warning must name
	}{{
		name: "slash command from another team",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "slash_commands", slashPayload("T0OTHER", ownApp, ""), true)
		},
		typ: "slash_commands", foreign: true, team: "T0OTHER", app: ownApp,
	}, {
		name: "slash command for another app",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "slash_commands", slashPayload(h.fake.TeamID(), "A0OTHER", ""), true)
		},
		typ: "slash_commands", foreign: true, team: "T0SANDBOX", app: "A0OTHER",
	}, {
		name: "slash command naming no team",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "slash_commands", slashPayload("", ownApp, ""), true)
		},
		typ: "slash_commands", foreign: true, app: ownApp,
	}, {
		name: "block action from another team",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "interactive", blockActionPayload("T0OTHER", ownApp), false)
		},
		typ: "interactive", foreign: true, team: "T0OTHER", app: ownApp,
	}, {
		name: "app_home_opened from another team",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "events_api", homeOpenedPayload("T0OTHER", ownApp), false)
		},
		typ: "events_api", foreign: true, team: "T0OTHER", app: ownApp,
	}, {
		name: "another team, workspace learnt by Run itself",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "slash_commands", slashPayload("T0OTHER", ownApp, ""), true)
		},
		skipCheckAuth: true,
		typ:           "slash_commands", foreign: true, team: "T0OTHER", app: ownApp,
	}, {
		name: "own slash command",
		send: func(h *harness) (*sandbox.Ack, error) { return h.fake.SlashCommand(h.ctx, "U001", "/timesheet", "") },
		typ:  "slash_commands",
	}, {
		name: "own block action",
		send: func(h *harness) (*sandbox.Ack, error) {
			return h.fake.SendEnvelope(h.ctx, "interactive", blockActionPayload(h.fake.TeamID(), ownApp), false)
		},
		typ: "interactive",
	}, {
		name: "own app_home_opened",
		send: func(h *harness) (*sandbox.Ack, error) { return h.fake.OpenHome(h.ctx, "U001") },
		typ:  "events_api",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c calls
			h := newHarness(t, bot.Options{
				Commands: commandFunc(func(context.Context, slack.SlashCommand) (*bot.Message, error) {
					c.add("handler")
					return bot.Ephemeral("Your week."), nil
				}),
				Interactions: interactionFunc(func(context.Context, slack.InteractionCallback) (any, func(context.Context), error) {
					c.add("handler")
					return nil, nil, nil
				}),
				Home: homeFunc(func(context.Context, string) error {
					c.add("handler")
					return nil
				}),
			}, harnessOptions{skipCheckAuth: tt.skipCheckAuth})
			ack, err := tt.send(h)
			if err != nil {
				t.Fatalf("envelope not acked: %v", err)
			}
			h.stop()
			if got := h.acks(t); len(got) != 1 || got[tt.typ] != 1 {
				t.Errorf("acks sent = %v, want exactly one %s", got, tt.typ)
			}
			if n := h.fake.CallCount("auth.test"); n != 1 {
				t.Errorf("auth.test called %d times, want once", n)
			}
			ran, counted := c.get("handler"), h.metric(t, "tally_slack_foreign_envelopes_total", tt.typ)
			warnings := h.logs.FilterMessage("ignored an envelope from another workspace or app").FilterLevelExact(zapcore.WarnLevel).All()
			if !tt.foreign {
				if ran != 1 || counted != 0 || len(warnings) != 0 {
					t.Errorf("own envelope: handler ran %d times, counted foreign %v, %d warnings; want 1, 0, 0", ran, counted, len(warnings))
				}
				return
			}
			if ran != 0 {
				t.Errorf("a handler ran %d times for a foreign envelope", ran)
			}
			if ack.Payload != nil {
				t.Errorf("foreign envelope answered with %s, want a plain ack", ack.Payload)
			}
			if counted != 1 {
				t.Errorf("foreign envelopes counted %v, want 1", counted)
			}
			if len(warnings) != 1 {
				t.Fatalf("%d warnings, want 1", len(warnings))
			}
			fields := warnings[0].ContextMap()
			if fields["team_id"] != tt.team || fields["api_app_id"] != tt.app || fields["type"] != tt.typ {
				t.Errorf("warning fields = %v, want team_id %q api_app_id %q type %q", fields, tt.team, tt.app, tt.typ)
			}
		})
	}
}

// CheckAuth fails fast on a refused token, naming ErrInvalidAuth.
func TestCheckAuthRefusedToken(t *testing.T) {
	fake, err := sandbox.NewSlack(sandbox.SlackOptions{})
	if err != nil {
		t.Fatalf("NewSlack: %v", err)
	}
	defer fake.Close()
	api := slack.New("xoxb-wrong", slack.OptionAppLevelToken(fake.AppToken()), slack.OptionAPIURL(fake.URL()))
	b := bot.New(bot.Options{API: api})
	if _, err := b.CheckAuth(context.Background()); !errors.Is(err, bot.ErrInvalidAuth) {
		t.Fatalf("CheckAuth with a wrong token = %v, want ErrInvalidAuth", err)
	}
	if err := b.Run(context.Background()); !errors.Is(err, bot.ErrInvalidAuth) {
		t.Fatalf("Run with a wrong token = %v, want ErrInvalidAuth before connecting", err)
	}
	if n := fake.CallCount("apps.connections.open"); n != 0 {
		t.Errorf("apps.connections.open called %d times with a refused bot token", n)
	}
}
