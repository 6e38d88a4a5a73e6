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
	// Duplicates counts the times the same delivery was received again
	// after it was stored (BambooHR retries, replays); each changed nothing.
	Duplicates int
}

const inboxColumns = `id, source, signed_at, body, received_at, status, attempts, last_error, duplicates`

func scanInbox(r pgx.CollectableRow) (InboxRow, error) {
	var x InboxRow
	err := r.Scan(&x.ID, &x.Source, &x.SignedAt, &x.Body, &x.ReceivedAt, &x.Status, &x.Attempts, &x.LastError, &x.Duplicates)
	return x, err
}

// InsertInbox stores a delivery unless one with the same dedupe key exists.
// It returns the row id and whether the delivery was a duplicate; a
// duplicate changes nothing but is recorded on the stored row (duplicates,
// last_duplicate_at), so replays stay visible.
func InsertInbox(ctx context.Context, q Querier, d InboxDelivery) (id int64, duplicate bool, err error) {
	if d.Source == "" {
		d.Source = "bamboohr"
	}
	if d.Status == "" {
		d.Status = InboxPending
	}
	err = q.QueryRow(ctx, `INSERT INTO webhook_inbox AS w (source, dedupe_key, signed_at, body, received_at, status, last_error, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $5)
		ON CONFLICT (dedupe_key) DO UPDATE SET duplicates = w.duplicates + 1,
			last_duplicate_at = GREATEST(w.last_duplicate_at, EXCLUDED.received_at)
		RETURNING id, duplicates > 0`, d.Source, d.DedupeKey, d.SignedAt, d.Body, d.ReceivedAt, d.Status, d.LastError).Scan(&id, &duplicate)
	if err != nil {
		return 0, false, fmt.Errorf("insert inbox: %w", err)
	}
	return id, duplicate, nil
}

// ClaimInbox leases up to limit pending deliveries that are due at now, in
// order of receipt, to the claimer named by token (unique per claim). Each
// claimed row has its attempts incremented and its next attempt pushed to
// now+lease: the claimer renews that lease while it works
// (RenewInboxClaims), so a row is retried by another claimer only when its
// claimer stopped renewing it (it died), one lease after its last renewal.
func ClaimInbox(ctx context.Context, q Querier, token string, now time.Time, lease time.Duration, limit int) ([]InboxRow, error) {
	rows, err := q.Query(ctx, `WITH due AS (
			SELECT id FROM webhook_inbox
			WHERE status = 'pending' AND next_attempt_at <= $1
			ORDER BY id
			LIMIT $3
			FOR UPDATE SKIP LOCKED)
		UPDATE webhook_inbox w SET attempts = w.attempts + 1, next_attempt_at = $2, claim_token = $4
		FROM due WHERE w.id = due.id
		RETURNING w.id, w.source, w.signed_at, w.body, w.received_at, w.status, w.attempts, w.last_error, w.duplicates`,
		now, now.Add(lease), limit, token)
	if err != nil {
		return nil, fmt.Errorf("claim inbox: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanInbox)
	if err != nil {
		return nil, fmt.Errorf("claim inbox: %w", err)
	}
	// UPDATE … RETURNING does not keep the CTE's order.
	slices.SortFunc(out, func(a, b InboxRow) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// RenewInboxClaims is the heartbeat of a claimer's work in progress: every
// pending row still held under token has its lease moved to now+lease (never
// shortened). It returns the ids it renewed; a row missing from them was
// taken over by another claimer (or already finished) and must not be
// worked on any more under token.
func RenewInboxClaims(ctx context.Context, q Querier, token string, now time.Time, lease time.Duration) ([]int64, error) {
	rows, err := q.Query(ctx, `UPDATE webhook_inbox SET next_attempt_at = GREATEST(next_attempt_at, $2)
		WHERE claim_token = $1 AND status = 'pending' RETURNING id`, token, now.Add(lease))
	if err != nil {
		return nil, fmt.Errorf("renew inbox claims: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("renew inbox claims: %w", err)
	}
	return ids, nil
}

// FinishInbox marks a delivery processed, if token still holds it; false
// means another claimer took it over and the outcome was not written.
func FinishInbox(ctx context.Context, q Querier, id int64, token string, now time.Time) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE webhook_inbox SET status = 'done', processed_at = $3, last_error = '', claim_token = NULL
		WHERE id = $1 AND claim_token = $2 AND status = 'pending'`, id, token, now)
	if err != nil {
		return false, fmt.Errorf("finish inbox %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// RetryInbox records a failed attempt and when to try again, releasing the
// claim, if token still holds the row.
func RetryInbox(ctx context.Context, q Querier, id int64, token string, next time.Time, reason string) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE webhook_inbox SET next_attempt_at = $3, last_error = $4, claim_token = NULL
		WHERE id = $1 AND claim_token = $2 AND status = 'pending'`, id, token, next, reason)
	if err != nil {
		return false, fmt.Errorf("retry inbox %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ResumeInboxRetries makes every pending delivery that is waiting out a
// retry backoff due at now, and returns how many it moved. Rows still held
// by a claimer (claim_token set: in work, or left by a claimer that died and
// waiting out its lease) are not touched. The inbox worker calls it when
// BambooHR answers again after failing, so deliveries refused during the
// outage do not wait minutes of backoff once it is over.
func ResumeInboxRetries(ctx context.Context, q Querier, now time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `UPDATE webhook_inbox SET next_attempt_at = $1
		WHERE status = 'pending' AND claim_token IS NULL AND attempts > 0 AND next_attempt_at > $1`, now)
	if err != nil {
		return 0, fmt.Errorf("resume inbox retries: %w", err)
	}
	return tag.RowsAffected(), nil
}

// ParkInbox moves a delivery that keeps failing to the dead letter state,
// keeping its error for HR and operators, if token still holds it.
func ParkInbox(ctx context.Context, q Querier, id int64, token string, now time.Time, reason string) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE webhook_inbox SET status = 'parked', processed_at = $3, last_error = $4, claim_token = NULL
		WHERE id = $1 AND claim_token = $2 AND status = 'pending'`, id, token, now, reason)
	if err != nil {
		return false, fmt.Errorf("park inbox %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
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
	rows, err := q.Query(ctx, `SELECT `+inboxColumns+`
		FROM webhook_inbox WHERE status = $1 ORDER BY id LIMIT $2`, status, limit)
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanInbox)
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	return out, nil
}
