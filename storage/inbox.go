package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// The statuses a webhook_inbox row can have.
const (
	InboxPending = "pending"
	InboxDone    = "done"
	InboxParked  = "parked"
	InboxInvalid = "invalid"
)

// InboxDelivery is one webhook delivery to store in the durable inbox.
type InboxDelivery struct {
	Source     string // e.g. "bamboohr"
	DedupeKey  string // sha256 of the raw body: the same delivery is stored once
	SignedAt   time.Time
	Body       []byte
	ReceivedAt time.Time
	Status     string // InboxPending, or InboxInvalid for a signed but unusable body
	LastError  string // why an invalid delivery was refused
}

// InboxRow is a stored delivery as the inbox worker sees it.
type InboxRow struct {
	ID         int64
	Source     string
	SignedAt   time.Time
	Body       []byte
	ReceivedAt time.Time
	Status     string
	Attempts   int
	LastError  string
}

// InsertInbox stores a delivery unless one with the same dedupe key exists.
// It returns the row id and whether the delivery was a duplicate.
func InsertInbox(ctx context.Context, q Querier, d InboxDelivery) (id int64, duplicate bool, err error) {
	if d.Source == "" {
		d.Source = "bamboohr"
	}
	if d.Status == "" {
		d.Status = InboxPending
	}
	err = q.QueryRow(ctx, `INSERT INTO webhook_inbox (source, dedupe_key, signed_at, body, received_at, status, last_error, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $5)
		ON CONFLICT (dedupe_key) DO NOTHING
		RETURNING id`, d.Source, d.DedupeKey, d.SignedAt, d.Body, d.ReceivedAt, d.Status, d.LastError).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert inbox: %w", err)
	}
	return id, false, nil
}

// ClaimInbox leases up to limit pending deliveries that are due at now, in
// order of receipt. Each claimed row has its attempts incremented and its
// next attempt pushed to now+lease, so a worker that dies mid-way leaves the
// row to be retried by another after the lease.
func ClaimInbox(ctx context.Context, q Querier, now time.Time, lease time.Duration, limit int) ([]InboxRow, error) {
	rows, err := q.Query(ctx, `WITH due AS (
			SELECT id FROM webhook_inbox
			WHERE status = 'pending' AND next_attempt_at <= $1
			ORDER BY id
			LIMIT $3
			FOR UPDATE SKIP LOCKED)
		UPDATE webhook_inbox w SET attempts = w.attempts + 1, next_attempt_at = $2
		FROM due WHERE w.id = due.id
		RETURNING w.id, w.source, w.signed_at, w.body, w.received_at, w.status, w.attempts, w.last_error`,
		now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim inbox: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (InboxRow, error) {
		var x InboxRow
		err := r.Scan(&x.ID, &x.Source, &x.SignedAt, &x.Body, &x.ReceivedAt, &x.Status, &x.Attempts, &x.LastError)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim inbox: %w", err)
	}
	// UPDATE … RETURNING does not keep the CTE's order.
	slices.SortFunc(out, func(a, b InboxRow) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// FinishInbox marks a delivery processed.
func FinishInbox(ctx context.Context, q Querier, id int64, now time.Time) error {
	if _, err := q.Exec(ctx, `UPDATE webhook_inbox SET status = 'done', processed_at = $2, last_error = '' WHERE id = $1`, id, now); err != nil {
		return fmt.Errorf("finish inbox %d: %w", id, err)
	}
	return nil
}

// RetryInbox records a failed attempt and when to try again.
func RetryInbox(ctx context.Context, q Querier, id int64, next time.Time, reason string) error {
	if _, err := q.Exec(ctx, `UPDATE webhook_inbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1 AND status = 'pending'`, id, next, reason); err != nil {
		return fmt.Errorf("retry inbox %d: %w", id, err)
	}
	return nil
}

// ParkInbox moves a delivery that keeps failing to the dead letter state,
// keeping its error for HR and operators.
func ParkInbox(ctx context.Context, q Querier, id int64, now time.Time, reason string) error {
	if _, err := q.Exec(ctx, `UPDATE webhook_inbox SET status = 'parked', processed_at = $2, last_error = $3 WHERE id = $1`, id, now, reason); err != nil {
		return fmt.Errorf("park inbox %d: %w", id, err)
	}
	return nil
}

// InboxCounts returns how many deliveries are pending and parked.
func InboxCounts(ctx context.Context, q Querier) (pending, parked int, err error) {
	err = q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'parked') FROM webhook_inbox`).Scan(&pending, &parked)
	if err != nil {
		return 0, 0, fmt.Errorf("count inbox: %w", err)
	}
	return pending, parked, nil
}

// ListInbox returns the deliveries with the given status, oldest first, for
// HR and operators (parked and invalid ones stay visible).
func ListInbox(ctx context.Context, q Querier, status string, limit int) ([]InboxRow, error) {
	rows, err := q.Query(ctx, `SELECT id, source, signed_at, body, received_at, status, attempts, last_error
		FROM webhook_inbox WHERE status = $1 ORDER BY id LIMIT $2`, status, limit)
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (InboxRow, error) {
		var x InboxRow
		err := r.Scan(&x.ID, &x.Source, &x.SignedAt, &x.Body, &x.ReceivedAt, &x.Status, &x.Attempts, &x.LastError)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	return out, nil
}
