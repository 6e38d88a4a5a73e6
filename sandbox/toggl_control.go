package sandbox

import (
	"time"

	"golang.org/x/time/rate"
)

// SetBucket changes the leaky bucket (0 turns it off).
func (t *Toggl) SetBucket(perSec float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bucket = nil
	if perSec > 0 {
		t.bucket = rate.NewLimiter(rate.Limit(perSec), t.opts.BucketBurst)
	}
}

// SetMaxRangeDays changes TogglOptions.MaxRangeDays (0: never narrow).
func (t *Toggl) SetMaxRangeDays(days int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.opts.MaxRangeDays = days
}

// SetOmitQuotaHeaders changes TogglOptions.OmitQuotaHeaders.
func (t *Toggl) SetOmitQuotaHeaders(omit bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.opts.OmitQuotaHeaders = omit
}

// SetOwnerRounding changes the token owner's rounding preferences.
func (t *Toggl) SetOwnerRounding(minutes, mode int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.opts.OwnerRoundingMinutes, t.opts.OwnerRounding = minutes, mode
}

// SetQuota changes the hourly quota and starts a fresh window (0: unlimited).
func (t *Toggl) SetQuota(perHour int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.opts.HourlyQuota = perHour
	t.quotaUsed = 0
	t.quotaWindow = time.Time{}
}
