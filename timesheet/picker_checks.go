package timesheet

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	"github.com/tallyhq/tally/storage"
)

// checkTimeout bounds one shared entry check: Slack gives up on an
// answer after 3 seconds.
const checkTimeout = 3 * time.Second

// entryChecks answers the searches' entry checks (PickerEntry) together.
// A check that arrives while none is running starts one at once; checks
// that arrive while one is running wait for the next statement, which
// starts as soon as the running one ends and answers all of them. Every
// check is answered by a statement that started after it arrived, so an
// archive or allocation stored before a search is always seen by it; a
// burst of people typing costs a few statements, not one each.
type entryChecks struct {
	read func(ctx context.Context, keys []storage.PickerKey) ([]storage.PickerEntry, error)

	mu      gosync.Mutex
	waiting []*entryCheck
	running bool
	// queued, when set (tests), is told each check that waits for a
	// running statement to end.
	queued func()
}

// entryCheck is one search's check; done is closed once res and err are set.
type entryCheck struct {
	key  storage.PickerKey
	done chan struct{}
	res  storage.PickerEntry
	err  error
}

// check returns the entry check of key, read by a statement that started
// after the call.
func (c *entryChecks) check(ctx context.Context, key storage.PickerKey) (storage.PickerEntry, error) {
	req := &entryCheck{key: key, done: make(chan struct{})}
	c.mu.Lock()
	c.waiting = append(c.waiting, req)
	queued := c.running && c.queued != nil
	if !c.running {
		c.running = true
		// The statements serve every waiting search, so no one of them
		// may cancel them: they keep this one's values, not its deadline.
		go c.run(context.WithoutCancel(ctx))
	}
	c.mu.Unlock()
	if queued {
		c.queued()
	}
	select {
	case <-req.done:
		return req.res, req.err
	case <-ctx.Done():
		return storage.PickerEntry{}, fmt.Errorf("picker entry %d: %w", key.EntryID, ctx.Err())
	}
}

// run reads the waiting checks, one statement at a time, until none waits.
func (c *entryChecks) run(base context.Context) {
	for {
		c.mu.Lock()
		batch := c.waiting
		c.waiting = nil
		if len(batch) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		keys := make([]storage.PickerKey, len(batch))
		for i, r := range batch {
			keys[i] = r.key
		}
		// Each search stops waiting at its own deadline; the statement
		// gives up at Slack's.
		ctx, cancel := context.WithTimeout(base, checkTimeout)
		res, err := c.read(ctx, keys)
		cancel()
		if err == nil && len(res) != len(keys) {
			err = fmt.Errorf("picker entries: %d answers for %d keys", len(res), len(keys))
		}
		for i, r := range batch {
			if err != nil {
				r.err = err
			} else {
				r.res = res[i]
			}
			close(r.done)
		}
	}
}
