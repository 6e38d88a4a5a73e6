package storagetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tallyhq/tally/storage"
)

// RowQuerier stands in for Postgres where a test must not need one (fuzz
// targets): every QueryRow is counted and answers ID, as a fresh
// INSERT … RETURNING id would (followed by false for a second bool column,
// as storage.InsertInbox's "duplicate" of a new row); Exec, Query and
// CopyFrom fail.
type RowQuerier struct {
	// ID is what QueryRow's row scans into a single *int64 (default 0).
	ID int64

	mu   sync.Mutex
	rows int
}

var _ storage.Querier = (*RowQuerier)(nil)

// QueryRows returns how many QueryRow calls were made.
func (q *RowQuerier) QueryRows() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.rows
}

// QueryRow counts the call and returns a row holding ID.
func (q *RowQuerier) QueryRow(context.Context, string, ...any) pgx.Row {
	q.mu.Lock()
	q.rows++
	q.mu.Unlock()
	return idRow{id: q.ID}
}

// Exec fails: the stand-in only answers QueryRow.
func (q *RowQuerier) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, errors.New("storagetest.RowQuerier: unexpected Exec")
}

// Query fails: the stand-in only answers QueryRow.
func (q *RowQuerier) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errors.New("storagetest.RowQuerier: unexpected Query")
}

// SendBatch returns nil results: the stand-in only answers QueryRow.
func (q *RowQuerier) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults { return nil }

// CopyFrom fails: the stand-in only answers QueryRow.
func (q *RowQuerier) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errors.New("storagetest.RowQuerier: unexpected CopyFrom")
}

type idRow struct{ id int64 }

func (r idRow) Scan(dest ...any) error {
	if len(dest) == 0 || len(dest) > 2 {
		return errors.New("storagetest.RowQuerier: the row holds an int64 and an optional bool")
	}
	p, ok := dest[0].(*int64)
	if !ok {
		return errors.New("storagetest.RowQuerier: the first column is an int64")
	}
	*p = r.id
	if len(dest) == 2 {
		b, ok := dest[1].(*bool)
		if !ok {
			return errors.New("storagetest.RowQuerier: the second column is a bool")
		}
		*b = false
	}
	return nil
}

// SwitchQuerier sends every call to Dead while Down is set and to Live
// otherwise: Postgres stopped, then restarted, without touching the real
// server. Dead is normally a closed *storage.DB (see ClosedDB).
type SwitchQuerier struct {
	Live, Dead storage.Querier
	Down       atomic.Bool
}

var _ storage.Querier = (*SwitchQuerier)(nil)

func (s *SwitchQuerier) q() storage.Querier {
	if s.Down.Load() {
		return s.Dead
	}
	return s.Live
}

// Exec forwards to the current querier.
func (s *SwitchQuerier) Exec(ctx context.Context, sql string, a ...any) (pgconn.CommandTag, error) {
	return s.q().Exec(ctx, sql, a...)
}

// Query forwards to the current querier.
func (s *SwitchQuerier) Query(ctx context.Context, sql string, a ...any) (pgx.Rows, error) {
	return s.q().Query(ctx, sql, a...)
}

// QueryRow forwards to the current querier.
func (s *SwitchQuerier) QueryRow(ctx context.Context, sql string, a ...any) pgx.Row {
	return s.q().QueryRow(ctx, sql, a...)
}

// SendBatch forwards to the current querier.
func (s *SwitchQuerier) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return s.q().SendBatch(ctx, b)
}

// CopyFrom forwards to the current querier.
func (s *SwitchQuerier) CopyFrom(ctx context.Context, t pgx.Identifier, c []string, src pgx.CopyFromSource) (int64, error) {
	return s.q().CopyFrom(ctx, t, c, src)
}

// ClosedDB returns a pool to db's database that is already closed: every
// call on it fails at once, as with Postgres stopped.
func ClosedDB(t testing.TB, db *storage.DB) *storage.DB {
	t.Helper()
	dead, err := storage.Open(context.Background(), URLOf(t, db), 1)
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	return dead
}
