package sandbox

import (
	"time"

	"golang.org/x/time/rate"
)

// slackLimits holds the injected failures and chat.postMessage limiters;
// guarded by Slack.mu. The limiters run on real time.
type slackLimits struct {
	rateFailures  map[string]*slackRateFailure
	errorFailures map[string]*slackErrorFailure
	authErr       string

	channelRate  rate.Limit
	channelBurst int
	channels     map[string]*rate.Limiter
	workspace    *rate.Limiter
}

type slackRateFailure struct {
	n          int
	retryAfter time.Duration
}

type slackErrorFailure struct {
	n   int
	err string
}

func (l *slackLimits) init(o SlackOptions) {
	l.rateFailures = make(map[string]*slackRateFailure)
	l.errorFailures = make(map[string]*slackErrorFailure)
	l.setPostLimits(o.ChannelPostRate, o.ChannelPostBurst, o.WorkspacePostsPerMinute)
}

func (l *slackLimits) setPostLimits(perChannel rate.Limit, burst, perMinute int) {
	l.channelRate = perChannel
	l.channelBurst = max(burst, 1)
	l.channels = make(map[string]*rate.Limiter)
	l.workspace = nil
	if perMinute > 0 {
		l.workspace = rate.NewLimiter(rate.Limit(float64(perMinute)/60), perMinute)
	}
}

// FailNext makes the next n calls of method answer HTTP 429 with
// Retry-After: retryAfter rounded up to whole seconds (0 stays 0, which
// slack-go accepts), as Slack does when a method's tier is exhausted.
func (s *Slack) FailNext(method string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits.rateFailures[method] = &slackRateFailure{n: n, retryAfter: retryAfter}
}

// FailNextError makes the next n calls of method answer
// {"ok":false,"error":slackErr}, e.g. "internal_error" or "channel_not_found".
func (s *Slack) FailNextError(method string, n int, slackErr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits.errorFailures[method] = &slackErrorFailure{n: n, err: slackErr}
}

// SetAuthError makes every Web API call, apps.connections.open and auth.test
// included, fail with err (e.g. "invalid_auth", "token_revoked",
// "account_inactive"); "" restores normal service. slack-go's socket client
// stops with an error on these.
func (s *Slack) SetAuthError(err string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits.authErr = err
}

// SetPostMessageLimits changes the chat.postMessage limits: perChannel
// messages per second with burst per channel (Slack: about 1/s) and
// perMinute across the workspace; 0 disables a limit.
func (s *Slack) SetPostMessageLimits(perChannel rate.Limit, burst, perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits.setPostLimits(perChannel, burst, perMinute)
}

func (l *slackLimits) takeRateFailureLocked(method string) (time.Duration, bool) {
	f, ok := l.rateFailures[method]
	if !ok || f.n <= 0 {
		return 0, false
	}
	f.n--
	return f.retryAfter, true
}

func (l *slackLimits) takeErrorFailureLocked(method string) string {
	f, ok := l.errorFailures[method]
	if !ok || f.n <= 0 {
		return ""
	}
	f.n--
	return f.err
}

// postLimitedLocked takes a token for a chat.postMessage in channel from the
// workspace and channel buckets, and reports how long to wait when either is
// empty. A refused call consumes nothing.
func (l *slackLimits) postLimitedLocked(channel string) (time.Duration, bool) {
	now := time.Now()
	var reservations []*rate.Reservation
	cancel := func() {
		for _, r := range reservations {
			r.CancelAt(now)
		}
	}
	if l.workspace != nil {
		r := l.workspace.ReserveN(now, 1)
		reservations = append(reservations, r)
		if d := r.DelayFrom(now); d > 0 {
			cancel()
			return max(d, time.Second), true
		}
	}
	if l.channelRate > 0 && channel != "" {
		lim, ok := l.channels[channel]
		if !ok {
			lim = rate.NewLimiter(l.channelRate, l.channelBurst)
			l.channels[channel] = lim
		}
		r := lim.ReserveN(now, 1)
		reservations = append(reservations, r)
		if d := r.DelayFrom(now); d > 0 {
			cancel()
			return max(d, time.Second), true
		}
	}
	return 0, false
}
