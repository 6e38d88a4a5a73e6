package timesheet

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	"github.com/tallyhq/tally/storage"
)

// checkTimeout bounds one shared statement: Slack gives up on an answer
// after 3 seconds.
const checkTimeout = 3 * time.Second

// batcher answers the lookups of searches arriving together with shared
// statements. A lookup that arrives while none is running starts one at
// once; lookups that arrive while one is running wait for the next
// statement, which starts as soon as the running one ends and answers all
// of them. Every lookup is answered by a statement that started after it
// arrived, so an archive or allocation stored before a search is always
// seen by it; a burst of people typing costs a few statements, not one
// each.
type batcher[K, V any] struct {
	// read answers keys, in order.
	read func(ctx context.Context, keys []K) ([]V, error)
	// what names a lookup in errors ("picker entry").
	what string

	mu      gosync.Mutex
	waiting []*lookup[K, V]
	running bool
	// queued, when set (tests), is told each lookup that waits for a
	// running statement to end.
	queued func()
}

// lookup is one search's question; done is closed once res and err are set.
type lookup[K, V any] struct {
	key  K
	done chan struct{}
	res  V
	err  error
}

// entryChecks answer the searches' entry checks (PickerEntries).
type entryChecks = batcher[storage.PickerKey, storage.PickerEntry]

// get returns key's answer, read by a statement that started after the call.
func (c *batcher[K, V]) get(ctx context.Context, key K) (V, error) {
	req := &lookup[K, V]{key: key, done: make(chan struct{})}
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
		var zero V
		return zero, fmt.Errorf("%s: %w", c.what, ctx.Err())
	}
}

// run reads the waiting lookups, one statement at a time, until none waits.
func (c *batcher[K, V]) run(base context.Context) {
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
		keys := make([]K, len(batch))
		for i, r := range batch {
			keys[i] = r.key
		}
		// Each search stops waiting at its own deadline; the statement
		// gives up at Slack's.
		ctx, cancel := context.WithTimeout(base, checkTimeout)
		res, err := c.read(ctx, keys)
		cancel()
		if err == nil && len(res) != len(keys) {
			err = fmt.Errorf("%s: %d answers for %d keys", c.what, len(res), len(keys))
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
