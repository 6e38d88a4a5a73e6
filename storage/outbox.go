package storage

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// The operations of the Toggl write-back outbox.
const (
	OutboxTagAdd     = "tag_add"
	OutboxTagRemove  = "tag_remove"
	OutboxSetProject = "set_project"
)

// OutboxPayload is the JSON payload of an outbox row.
type OutboxPayload struct {
	Tag       string `json:"tag,omitempty"`        // tag_add, tag_remove; empty: the configured tag
	ProjectID int64  `json:"project_id,omitempty"` // set_project
	// Billable is the billable flag a set_project write sends with the
	// project (the picked project's billable default, docs/money.md). It is
	// nil in rows queued before the flag was written back: those send only
	// the project, as they always did.
	Billable *bool `json:"billable,omitempty"`
}

// OutboxItem is one pending write to Toggl.
type OutboxItem struct {
	ID             int64
	EntryID        int64
	Op             string
	Payload        OutboxPayload
	IdempotencyKey string
	Attempts       int // including the current claim
	CreatedAt      time.Time
}

// EnqueueOutbox queues a write through q (so it commits with the change that
// caused it). A second enqueue with the same idempotency key is a no-op; it
// reports whether a row was added.
func EnqueueOutbox(ctx context.Context, q Querier, entryID int64, op string, p OutboxPayload, key string) (bool, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return false, fmt.Errorf("outbox payload: %w", err)
	}
	tag, err := q.Exec(ctx, `INSERT INTO toggl_outbox (entry_id, op, payload, idempotency_key)
		VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING`, entryID, op, b, key)
	if err != nil {
		return false, fmt.Errorf("enqueue %s for entry %d: %w", op, entryID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ClaimOutbox claims up to limit due pending rows, oldest first, skipping
// rows another worker is claiming (FOR UPDATE SKIP LOCKED). A claim pushes
// next_attempt_at out by lease, so a worker that dies mid-flight leaves the
// rows to be retried after the lease.
func ClaimOutbox(ctx context.Context, q Querier, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error) {
	rows, err := q.Query(ctx, `UPDATE toggl_outbox o SET attempts = o.attempts + 1, next_attempt_at = $2
		WHERE o.id IN (
			SELECT id FROM toggl_outbox
			WHERE status = 'pending' AND next_attempt_at <= $1
			ORDER BY next_attempt_at, id
			LIMIT $3
			FOR UPDATE SKIP LOCKED)
		RETURNING o.id, o.entry_id, o.op, o.payload, o.idempotency_key, o.attempts, o.created_at`,
		now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (OutboxItem, error) {
		var it OutboxItem
		var payload []byte
		if err := row.Scan(&it.ID, &it.EntryID, &it.Op, &payload, &it.IdempotencyKey, &it.Attempts, &it.CreatedAt); err != nil {
			return it, err
		}
		if err := json.Unmarshal(payload, &it.Payload); err != nil {
			return it, fmt.Errorf("outbox %d payload: %w", it.ID, err)
		}
		return it, nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	// Apply each entry's writes in the order they were queued.
	slices.SortFunc(out, func(a, b OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// MarkOutboxDone marks rows written.
func MarkOutboxDone(ctx context.Context, q Querier, ids []int64, now time.Time) error {
	return outboxSet(ctx, q, ids, "done", "", now)
}

// SupersedeOutbox marks rows that no longer need writing, with the reason.
func SupersedeOutbox(ctx context.Context, q Querier, ids []int64, reason string, now time.Time) error {
	return outboxSet(ctx, q, ids, "superseded", reason, now)
}

// ParkOutbox parks rows that can never succeed, with the reason.
func ParkOutbox(ctx context.Context, q Querier, ids []int64, reason string, now time.Time) error {
	return outboxSet(ctx, q, ids, "parked", reason, now)
}

func outboxSet(ctx context.Context, q Querier, ids []int64, status, reason string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `UPDATE toggl_outbox SET status = $2, last_error = $3, done_at = $4
		WHERE id = ANY($1) AND status = 'pending'`, ids, status, reason, now)
	if err != nil {
		return fmt.Errorf("mark outbox %s: %w", status, err)
	}
	return nil
}

// RetryOutbox leaves rows pending until next, recording the error.
func RetryOutbox(ctx context.Context, q Querier, ids []int64, next time.Time, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `UPDATE toggl_outbox SET next_attempt_at = $2, last_error = $3
		WHERE id = ANY($1) AND status = 'pending'`, ids, next, reason)
	if err != nil {
		return fmt.Errorf("reschedule outbox: %w", err)
	}
	return nil
}

// OutboxCounts returns how many rows are pending and parked.
func OutboxCounts(ctx context.Context, q Querier) (pending, parked int, err error) {
	err = q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'parked')
		FROM toggl_outbox`).Scan(&pending, &parked)
	if err != nil {
		return 0, 0, fmt.Errorf("count outbox: %w", err)
	}
	return pending, parked, nil
}
