package roster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/storage"
)

// SlackLookup finds one Slack user by email (users.lookupByEmail), for new
// hires handled by the inbox worker.
type SlackLookup interface {
	GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error)
}

// SlackDirectory lists every Slack user (users.list, paged), for the
// reconciliation's bulk match, and looks up one by email between listings.
type SlackDirectory interface {
	GetUsersPaginated(options ...slack.GetUsersOption) slack.UserPagination
	SlackLookup
}

// lookupSlack finds the Slack user with a work email; found is false when
// Slack has none. Rate limits are honoured and retried.
func lookupSlack(ctx context.Context, s SlackLookup, email string) (u *slack.User, found bool, err error) {
	u, found, _, err = lookupSlackCounted(ctx, s, email)
	return u, found, err
}

// lookupSlackCounted is lookupSlack, also saying how many calls it made.
func lookupSlackCounted(ctx context.Context, s SlackLookup, email string) (u *slack.User, found bool, calls int, err error) {
	u, err = backoff.Retry(ctx, func() (*slack.User, error) {
		calls++
		u, err := s.GetUserByEmailContext(ctx, email)
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			return nil, backoff.RetryAfter(int(rl.RetryAfter.Round(time.Second) / time.Second))
		}
		if err != nil {
			if isSlackNotFound(err) {
				return nil, nil
			}
			return nil, backoff.Permanent(err)
		}
		return u, nil
	}, backoff.WithMaxTries(5))
	if err != nil {
		return nil, false, calls, fmt.Errorf("slack lookup by email: %w", err)
	}
	if u == nil || u.Deleted || u.IsBot {
		return nil, false, calls, nil
	}
	return u, true, calls, nil
}

func isSlackNotFound(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err == "users_not_found"
	}
	return strings.Contains(err.Error(), "users_not_found")
}

// slackByEmail indexes live human Slack users by lower-case email.
func slackByEmail(users []slack.User) map[string]slack.User {
	m := make(map[string]slack.User, len(users))
	for _, u := range users {
		if u.Deleted || u.IsBot || u.Profile.Email == "" {
			continue
		}
		m[strings.ToLower(u.Profile.Email)] = u
	}
	return m
}

// identityProblems lists the no_slack / no_toggl problems of active, live
// employees (checkSlack false leaves Slack undecided).
func identityProblems(emps []storage.StoredEmployee, checkSlack bool) []storage.RosterProblem {
	var out []storage.RosterProblem
	for _, e := range emps {
		if e.DeletedAt != nil || !e.Active {
			continue
		}
		if checkSlack && e.SlackUserID == "" {
			out = append(out, storage.RosterProblem{Kind: storage.ProblemNoSlack, Subject: e.BambooID, EmployeeID: e.ID,
				Detail: noMatchDetail("Slack", e.Email)})
		}
		if e.TogglUserID == 0 {
			out = append(out, storage.RosterProblem{Kind: storage.ProblemNoToggl, Subject: e.BambooID, EmployeeID: e.ID,
				Detail: noMatchDetail("Toggl", e.Email)})
		}
	}
	return out
}

func noMatchDetail(service, email string) string {
	if email == "" {
		return "no work email in BambooHR"
	}
	return fmt.Sprintf("no %s user with email %s", service, email)
}
