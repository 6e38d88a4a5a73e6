package roster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/storage"
)

// newClaimToken names one claim of inbox rows.
func newClaimToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("claim token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// claim is a batch of inbox rows held under one token: which are still in
// work, which were lost to another claimer, and how to stop the one in hand.
type claim struct {
	token string

	mu        sync.Mutex
	open      map[int64]bool // claimed and not finished
	lost      map[int64]bool // no longer held under token
	cur       int64
	cancelCur context.CancelFunc
}

func newClaim(token string, rows []storage.InboxRow) *claim {
	c := &claim{token: token, open: map[int64]bool{}, lost: map[int64]bool{}}
	for _, r := range rows {
		c.open[r.ID] = true
	}
	return c
}

// begin starts work on row id: ok is false when the row was lost; the
// context ends when the heartbeat finds it lost during the work.
func (c *claim) begin(ctx context.Context, id int64) (context.Context, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lost[id] {
		delete(c.open, id)
		return nil, false
	}
	rowCtx, cancel := context.WithCancel(ctx)
	c.cur, c.cancelCur = id, cancel
	return rowCtx, true
}

// end finishes work on row id.
func (c *claim) end(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.open, id)
	if c.cur == id && c.cancelCur != nil {
		c.cancelCur()
		c.cur, c.cancelCur = 0, nil
	}
}

// renewed records which rows the last renewal still found held.
func (c *claim) renewed(ids []int64) {
	held := make(map[int64]bool, len(ids))
	for _, id := range ids {
		held[id] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.open {
		if held[id] {
			continue
		}
		c.lost[id] = true
		if id == c.cur && c.cancelCur != nil {
			c.cancelCur()
		}
	}
}

// heartbeat renews c's rows every RenewEvery until the returned stop is
// called (it waits for a renewal in flight to end).
func (p *Processor) heartbeat(ctx context.Context, c *claim) (stop func()) {
	ticks, stopTicker := p.opts.Ticker(p.opts.RenewEvery)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		defer stopTicker()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-ticks:
			}
			ids, err := storage.RenewInboxClaims(ctx, p.db, c.token, p.opts.Now(), p.opts.Lease)
			if err != nil {
				// Cannot renew now (database trouble): keep working; the
				// outcome is written only if the rows are still ours.
				p.log.Warn("cannot renew inbox claims", zap.Error(err))
				continue
			}
			c.renewed(ids)
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
