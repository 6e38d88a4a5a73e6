package sandbox

import (
	"sort"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// DefaultSlackScopes are the bot scopes tally's app manifest grants (the
// manifest printed by `tally manifest`; bot.ManifestScopes returns the same
// list). The fake refuses methods whose scope is not among the granted ones.
var DefaultSlackScopes = []string{
	"chat:write", "commands", "im:write", "im:history", "users:read", "users:read.email", "files:write",
}

// slackMethodScopes lists, per Web API method, the bot scopes of which one
// is required (https://api.slack.com/methods/<method>, "Required scopes";
// conversations.* accept the scope of the conversation type, tally only uses
// DMs). Methods absent here need no scope (auth.test, views.*) or an
// app-level token (apps.connections.open: connections:write).
var slackMethodScopes = map[string][]string{
	"chat.postMessage":             {"chat:write"},
	"chat.update":                  {"chat:write"},
	"chat.delete":                  {"chat:write"},
	"chat.postEphemeral":           {"chat:write"},
	"conversations.open":           {"im:write", "mpim:write", "channels:manage", "groups:write"},
	"conversations.history":        {"im:history", "mpim:history", "channels:history", "groups:history"},
	"users.info":                   {"users:read"},
	"users.list":                   {"users:read"},
	"users.lookupByEmail":          {"users:read.email"},
	"files.getUploadURLExternal":   {"files:write"},
	"files.completeUploadExternal": {"files:write"},
}

// slackMethodTiers is each method's rate-limit tier
// (https://api.slack.com/apis/rate-limits and each method's page). Tier 1
// allows 1+ calls a minute, Tier 2 20+, Tier 3 50+, Tier 4 100+.
// chat.postMessage is "special" (about 1 a second per channel) and limited
// by SetPostMessageLimits instead.
var slackMethodTiers = map[string]int{
	"apps.connections.open":        1,
	"users.list":                   2,
	"chat.update":                  3,
	"chat.delete":                  3,
	"conversations.open":           3,
	"conversations.history":        3,
	"users.lookupByEmail":          3,
	"auth.test":                    4,
	"chat.postEphemeral":           4,
	"users.info":                   4,
	"views.publish":                4,
	"views.open":                   4,
	"views.update":                 4,
	"files.getUploadURLExternal":   4,
	"files.completeUploadExternal": 4,
}

// slackTierPerMinute is the calls a minute each tier allows.
var slackTierPerMinute = map[int]int{1: 1, 2: 20, 3: 50, 4: 100}

// slackTier1Burst is how many Tier 1 calls may come at once: Slack
// tolerates "a small amount of burst behavior" on Tier 1, and an app may
// hold up to 10 Socket Mode connections, each opened with
// apps.connections.open.
const slackTier1Burst = 10

// slackTiers enforces the per-method limits on the fake's clock (Now), so
// a simulated clock that jumps ahead refills the buckets. Guarded by Slack.mu.
type slackTiers struct {
	off      bool
	perMin   map[string]int // overrides of the tier's calls a minute
	limiters map[string]*rate.Limiter
}

func (t *slackTiers) init(off bool) {
	t.off = off
	t.perMin = make(map[string]int)
	t.limiters = make(map[string]*rate.Limiter)
}

// takeLocked spends one call of method at now, or reports how long the
// caller must wait (always at least a second, as Retry-After counts
// seconds).
func (t *slackTiers) takeLocked(method string, now time.Time) (time.Duration, bool) {
	if t.off {
		return 0, false
	}
	lim, ok := t.limiters[method]
	if !ok {
		n, set := t.perMin[method]
		if !set {
			tier, known := slackMethodTiers[method]
			if !known {
				return 0, false
			}
			n = slackTierPerMinute[tier]
		}
		if n <= 0 {
			return 0, false
		}
		burst := n
		if n == 1 {
			burst = slackTier1Burst
		}
		lim = rate.NewLimiter(rate.Limit(float64(n)/60), burst)
		t.limiters[method] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return max(d, time.Second), true
	}
	return 0, false
}

// SetRateTiers turns the per-method tier limits on or off (load tests and
// benchmarks that exceed Slack's tiers on purpose turn them off; so does
// SlackOptions.NoRateTiers).
func (s *Slack) SetRateTiers(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tiers.off = !on
}

// SetMethodLimit overrides method's tier with perMinute calls a minute (a
// burst of as many); 0 or less lifts the method's limit.
func (s *Slack) SetMethodLimit(method string, perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tiers.perMin[method] = perMinute
	delete(s.tiers.limiters, method)
}

// scopeLocked refuses method when none of its scopes was granted, the way
// Slack does: missing_scope with the needed and provided scopes.
func (s *Slack) scopeLocked(method string) (slackResult, bool) {
	need, ok := slackMethodScopes[method]
	if !ok {
		return slackResult{}, true
	}
	for _, n := range need {
		if s.scopes[n] {
			return slackResult{}, true
		}
	}
	provided := make([]string, 0, len(s.scopes))
	for sc := range s.scopes {
		provided = append(provided, sc)
	}
	sort.Strings(provided)
	return slackResult{err: "missing_scope", fields: map[string]any{
		"needed": need[0], "provided": strings.Join(provided, ","),
	}}, false
}
