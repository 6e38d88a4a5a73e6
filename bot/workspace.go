package bot

import (
	"context"
	gosync "sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
)

// identity is the workspace and app this bot serves: the team_id auth.test
// returned for the bot token, and the app id the Socket Mode hello carried.
// Slack delivers an app's envelopes only to that app's connections, but an
// envelope naming another team or app is not ours to answer (a token
// shared between apps, an org-wide install tally was not built for), so
// the bot acks it, so Slack stops redelivering, and runs no handler.
type identity struct {
	mu     gosync.RWMutex
	teamID string
	appID  string
}

func (id *identity) setTeam(teamID string) {
	id.mu.Lock()
	defer id.mu.Unlock()
	id.teamID = teamID
}

// setApp records the app id from the first hello; a later hello naming
// another app is refused (ok false, with the id kept).
func (id *identity) setApp(appID string) (kept string, ok bool) {
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.appID == "" {
		id.appID = appID
	}
	return id.appID, id.appID == appID
}

func (id *identity) team() string {
	id.mu.RLock()
	defer id.mu.RUnlock()
	return id.teamID
}

// owns reports whether an envelope from teamID for appID is this bot's.
// An envelope that leaves out an id this bot knows is not its own.
func (id *identity) owns(teamID, appID string) bool {
	id.mu.RLock()
	defer id.mu.RUnlock()
	if id.teamID != "" && teamID != id.teamID {
		return false
	}
	if id.appID != "" && appID != id.appID {
		return false
	}
	return true
}

// origin returns the team and app an envelope names, and false when its
// payload is not one the bot handles (those are acked without a handler
// anyway).
func origin(evt socketmode.Event) (teamID, appID string, ok bool) {
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		return d.TeamID, d.APIAppID, true
	case slack.InteractionCallback:
		return d.Team.ID, d.APIAppID, true
	case slackevents.EventsAPIEvent:
		return d.TeamID, d.APIAppID, true
	}
	return "", "", false
}

// foreign acks and drops an envelope from another workspace or app,
// reporting true; it reports false for the bot's own envelopes.
func (b *Bot) foreign(ctx context.Context, evt socketmode.Event, env *envelope) bool {
	teamID, appID, ok := origin(evt)
	if !ok || b.self.owns(teamID, appID) {
		return false
	}
	b.m.foreign.WithLabelValues(env.typ).Inc()
	b.log.Warn("ignored an envelope from another workspace or app",
		zap.String("type", env.typ), zap.String("envelope_id", env.id),
		zap.String("team_id", capID(teamID)), zap.String("api_app_id", capID(appID)))
	b.ack(ctx, env, nil)
	return true
}

// capID bounds an id copied from a payload into a log line.
func capID(s string) string {
	const maxID = 32
	if len(s) > maxID {
		return s[:maxID] + "…"
	}
	return s
}
