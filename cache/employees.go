package cache

import (
	"context"
	"time"

	"github.com/tallyhq/tally/model"
)

// EmployeeLookup is the Postgres lookup the cache sits in front of.
type EmployeeLookup interface {
	EmployeeBySlackID(ctx context.Context, slackUserID string) (model.Employee, error)
}

// Employees caches Slack user → employee lookups, the first query of every
// slash command, click and home view. Misses and Redis failures read
// Postgres; entries expire after ttl, and roster changes delete them.
type Employees struct {
	cache *Cache
	inner EmployeeLookup
	ttl   time.Duration
}

// NewEmployees wraps inner with the cache.
func NewEmployees(c *Cache, inner EmployeeLookup, ttl time.Duration) *Employees {
	return &Employees{cache: c, inner: inner, ttl: ttl}
}

func employeeKey(slackUserID string) string { return "employee:slack:" + slackUserID }

// EmployeeBySlackID returns the employee linked to a Slack user.
func (e *Employees) EmployeeBySlackID(ctx context.Context, slackUserID string) (model.Employee, error) {
	var emp model.Employee
	if e.cache.GetJSON(ctx, employeeKey(slackUserID), &emp) {
		return emp, nil
	}
	emp, err := e.inner.EmployeeBySlackID(ctx, slackUserID)
	if err != nil {
		return emp, err
	}
	e.cache.SetJSON(ctx, employeeKey(slackUserID), emp, e.ttl)
	return emp, nil
}

// Forget drops cached lookups of these Slack users (after a roster change).
func (e *Employees) Forget(ctx context.Context, slackUserIDs ...string) {
	keys := make([]string, 0, len(slackUserIDs))
	for _, id := range slackUserIDs {
		if id != "" {
			keys = append(keys, employeeKey(id))
		}
	}
	e.cache.Delete(ctx, keys...)
}

// EmployeeChanged implements the roster's cache hook: a changed employee's
// cached lookup is dropped so the next request reads Postgres.
func (e *Employees) EmployeeChanged(ctx context.Context, emp model.Employee) error {
	e.Forget(ctx, emp.SlackUserID)
	return nil
}
