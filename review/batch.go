package review

import (
	"context"
	"strconv"
	gosync "sync"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// confirmBatcher group-commits Confirm clicks. A burst of clicks (everyone
// confirming on Friday at 16:00 in one time zone) would otherwise be one
// transaction each, queueing for connections and commits; here whichever
// click finds no batch running becomes the leader and writes every click
// that arrived meanwhile in one set-based transaction, until none is left.
// There is no background goroutine: a batch runs only while clicks wait.
type confirmBatcher struct {
	s       *Service
	mu      gosync.Mutex
	pending []*confirmReq
	running bool
}

type confirmReq struct {
	slackUserID string
	entryID     int64
	hash        string
	res         Result
	err         error
	done        chan struct{}
}

// maxBatch bounds one transaction's clicks.
const maxBatch = 500

// confirm queues a click and returns its outcome once its batch committed.
func (b *confirmBatcher) confirm(ctx context.Context, slackUserID string, entryID int64, hash string) (Result, error) {
	r := &confirmReq{slackUserID: slackUserID, entryID: entryID, hash: hash, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, r)
	lead := !b.running
	if lead {
		b.running = true
	}
	b.mu.Unlock()
	if lead {
		b.drain(ctx)
	}
	select {
	case <-r.done:
		return r.res, r.err
	case <-ctx.Done():
		// The click may still be written by the running batch; the caller
		// treats it as unanswered, and a retry is idempotent.
		return Result{}, ctx.Err()
	}
}

// drain writes batches until no click is waiting. The leader's own
// cancellation must not fail the others' clicks, so batches run detached,
// bounded by a timeout.
func (b *confirmBatcher) drain(ctx context.Context) {
	for {
		b.mu.Lock()
		batch := b.pending
		if len(batch) > maxBatch {
			batch, b.pending = batch[:maxBatch], batch[maxBatch:]
		} else {
			b.pending = nil
		}
		if len(batch) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		b.write(bctx, batch)
		cancel()
	}
}

// write commits one batch; if the batch transaction fails, each click is
// tried on its own so one bad row cannot fail the others.
func (b *confirmBatcher) write(ctx context.Context, batch []*confirmReq) {
	var denied []*confirmReq
	err := b.s.db.InTx(ctx, func(tx storage.Tx) error {
		denied = denied[:0]
		ids := make([]int64, len(batch))
		for i, r := range batch {
			ids[i] = r.entryID
		}
		targets, err := storage.ConfirmLoadMany(ctx, tx, ids)
		if err != nil {
			return err
		}
		var news []storage.ConfirmNew
		want := map[int64]*confirmReq{} // entry → the click that confirms it
		for _, r := range batch {
			r.res, r.err = Result{}, nil
			t, ok := targets[r.entryID]
			if !ok || t.OwnerSlackID == "" || t.OwnerSlackID != r.slackUserID {
				denied = append(denied, r)
				continue
			}
			r.res = Result{EntryID: t.EntryID, EmployeeID: t.EmployeeID, Week: model.WeekOf(t.LocalDate)}
			switch {
			case t.Deleted:
				r.err = &StaleError{EntryID: r.entryID, Change: StaleDeleted, Week: r.res.Week}
			case t.ContentHash != r.hash:
				r.err = &StaleError{EntryID: r.entryID, Change: StaleEdited, Week: r.res.Week}
			case t.Confirmed() || want[r.entryID] != nil:
				r.res.AlreadyConfirmed = true
			case t.ProjectID == 0:
				r.err = errUnallocated
			default:
				want[r.entryID] = r
				news = append(news, storage.ConfirmNew{EntryID: t.EntryID, EmployeeID: t.EmployeeID,
					ContentHash: t.ContentHash, SlackUserID: r.slackUserID, Source: SourceButton})
			}
		}
		if len(news) == 0 {
			return nil
		}
		got, err := storage.ConfirmInsertMany(ctx, tx, news, b.s.tag)
		if err != nil {
			return err
		}
		for entry, r := range want {
			if _, ok := got[entry]; !ok {
				r.res.AlreadyConfirmed = true // a concurrent writer won the race
			}
		}
		return nil
	})
	if err != nil {
		b.s.log.Warn("confirm batch failed; confirming one by one", zap.Int("clicks", len(batch)), zap.Error(err))
		for _, r := range batch {
			r.res, r.err = b.s.confirmOne(ctx, r.slackUserID, r.entryID, r.hash)
			close(r.done)
		}
		return
	}
	for _, r := range denied {
		r.err = b.s.deny(ctx, r.slackUserID, "confirm.denied", "time_entry", strconv.FormatInt(r.entryID, 10),
			map[string]any{"reason": "not the owner", "hash": r.hash}, errNotYours)
	}
	for _, r := range batch {
		if r.err != nil && model.ErrorCodeOf(r.err) == model.EInternal {
			b.s.log.Warn("confirm failed", zap.Int64("entry", r.entryID), zap.Error(r.err))
		}
		close(r.done)
	}
}
