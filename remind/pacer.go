package remind

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/tallyhq/tally/clock"
)

// callTimeout bounds one Slack call; it is well under the claim lease.
const callTimeout = 20 * time.Second

// pacer spaces chat.postMessage calls at the configured rate and holds
// the callers of a method back while Slack has asked us to wait for it (429
// Retry-After). Slack limits each Web API method separately
// (https://api.slack.com/apis/rate-limits: "per API method per workspace per
// app"), so a 429 on chat.update does not hold back chat.postMessage.
// It runs on real time: Slack's limits do.
type pacer struct {
	lim *rate.Limiter

	mu     sync.Mutex
	until  map[string]time.Time // per method: no call before
	paused time.Duration        // total time Slack asked us to wait, overlaps per method merged
}

func newPacer(perMin int) *pacer {
	return &pacer{lim: rate.NewLimiter(rate.Limit(float64(perMin)/60), 1), until: map[string]time.Time{}}
}

func (p *pacer) wait(ctx context.Context, method string, paced bool) error {
	for {
		p.mu.Lock()
		d := time.Until(p.until[method])
		p.mu.Unlock()
		if d <= 0 {
			break
		}
		if err := clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
	if !paced {
		return nil
	}
	return p.lim.Wait(ctx)
}

func (p *pacer) pause(method string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	until := p.until[method]
	if t := now.Add(d); t.After(until) {
		from := until
		if from.Before(now) {
			from = now
		}
		p.paused += t.Sub(from)
		p.until[method] = t
	}
}

// pausedTotal is how long Slack's Retry-After kept every sender waiting.
func (p *pacer) pausedTotal() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// errorClass is how a Slack failure is handled.
type errorClass int

const (
	classTransient   errorClass = iota // retry with backoff; the call may have gone through
	classRateLimited                   // 429: wait Retry-After, retry; nothing happened
	classUser                          // this person cannot be DMed: fail them, record a roster problem
	classMessage                       // Slack refuses this message: fail it
	classFatal                         // the token is refused: stop the run
	classCancelled                     // our own context ended
)

var userErrors = map[string]bool{
	"channel_not_found": true, "user_not_found": true, "users_not_found": true, "cannot_dm_bot": true,
	"account_inactive": true, "user_disabled": true, "is_archived": true, "not_in_channel": true,
	"messages_tab_disabled": true, "restricted_action": true, "user_is_bot": true, "is_bot": true,
}

var fatalErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "token_revoked": true, "token_expired": true,
	"missing_scope": true, "not_allowed_token_type": true, "team_access_not_granted": true,
	"ekm_access_denied": true, "no_permission": true, "org_login_required": true,
}

var transientErrors = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true, "request_timeout": true,
	"ratelimited": true, "rate_limited": true,
}

func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return err.Error()
}

func classify(err error) errorClass {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return classRateLimited
	}
	if errors.Is(err, context.Canceled) {
		return classCancelled
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch {
		case userErrors[se.Err]:
			return classUser
		case fatalErrors[se.Err]:
			return classFatal
		case transientErrors[se.Err]:
			return classTransient
		}
		return classMessage
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code < 500 && sc.Code != 408 {
		return classMessage
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return classTransient
	}
	return classTransient
}

// maxTransientTries bounds retries of transient failures within one
// attempt; past it the row waits for a later tick.
const maxTransientTries = 4

// retry calls fn until it succeeds or fails in a way retrying cannot fix.
// 429s wait Retry-After (holding back every caller of that method) and do not count
// as tries. Before retrying after an ambiguous failure, posted (if set)
// says whether the call went through after all.
func (e *Engine) retry(ctx context.Context, method string, paced bool, posted func(context.Context) (bool, error), fn func(context.Context) error) error {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = 500 * time.Millisecond
	bo.MaxInterval = 10 * time.Second
	tries, limited := 0, 0
	for {
		if err := e.pace.wait(ctx, method, paced); err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		err := fn(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch classify(err) {
		case classRateLimited:
			var rl *slack.RateLimitedError
			errors.As(err, &rl)
			e.metrics.rateLimited.WithLabelValues(method).Inc()
			limited++
			if limited > 50 {
				return err
			}
			e.pace.pause(method, max(rl.RetryAfter, time.Second))
			continue
		case classTransient, classCancelled:
			tries++
			if tries >= maxTransientTries {
				return err
			}
			if err := clock.Sleep(ctx, bo.NextBackOff()); err != nil {
				return err
			}
			if posted != nil {
				found, cerr := posted(ctx)
				if cerr != nil {
					return errors.Join(err, cerr)
				}
				if found {
					return nil
				}
			}
			continue
		default:
			return err
		}
	}
}
