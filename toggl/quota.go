package toggl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// paymentRequired is a 402 without quota headers: a spent quota or a
// missing feature, which only GET /api/v9/me/quota can tell apart.
type paymentRequired struct {
	path    string
	message string
}

func (p *paymentRequired) Error() string { return "toggl answered 402 without quota headers" }

// quotaWait turns a spent quota into a wait (when it resets soon enough) or
// a *QuotaError for the caller; neither is permanent.
func (c *Client) quotaWait(qe *QuotaError) (time.Duration, error) {
	if qe.ResetsIn > 0 && qe.ResetsIn <= c.opts.MaxQuotaWait {
		return qe.ResetsIn + time.Second, qe
	}
	return 0, &permanent{qe}
}

// classify402 asks GET api/v9/me/quota what a bare 402 meant. Toggl answers
// 402 both for a spent hourly quota and for a workspace whose plan lacks a
// feature; only the second is permanent, so anything short of a quota
// answer with requests remaining is treated as a quota, never parked.
func (c *Client) classify402(ctx context.Context, pay *paymentRequired) (time.Duration, error) {
	quotas, err := c.meQuota(ctx)
	if err != nil {
		return c.quotaWait(&QuotaError{Cause: err})
	}
	for _, q := range quotas {
		if q.Remaining <= 0 {
			c.quotaRemaining.Store(q.Remaining)
			c.quotaResetsIn.Store(q.ResetsInSecs)
			return c.quotaWait(&QuotaError{ResetsIn: time.Duration(q.ResetsInSecs) * time.Second})
		}
	}
	if len(quotas) == 0 {
		return c.quotaWait(&QuotaError{Cause: errors.New("GET /me/quota listed no organization")})
	}
	return 0, &permanent{&FeatureError{Path: pay.path, Message: pay.message}}
}

// OrgQuota is one organization's hourly quota from GET api/v9/me/quota.
type OrgQuota struct {
	OrganizationID int64 `json:"organization_id"`
	Remaining      int64 `json:"remaining"`
	ResetsInSecs   int64 `json:"resets_in_secs"`
	Total          int64 `json:"total"`
}

// meQuota sends one GET api/v9/me/quota (it counts against the /me quota of
// 30 an hour, so it is asked only after a bare 402, and never retried).
func (c *Client) meQuota(ctx context.Context) ([]OrgQuota, error) {
	if err := c.limiter.Wait(ctx); err != nil {
		return nil, err
	}
	res, _, err := c.attempt(ctx, http.MethodGet, "api/v9/me/quota", nil)
	if err != nil {
		var perm *permanent
		if errors.As(err, &perm) {
			err = perm.err
		}
		return nil, fmt.Errorf("check quota: %w", err)
	}
	var out []OrgQuota
	if err := json.Unmarshal(res.body, &out); err != nil {
		return nil, fmt.Errorf("decode quota: %w", err)
	}
	return out, nil
}
