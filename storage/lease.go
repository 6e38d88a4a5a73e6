package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LeaseState is who holds a named leader lease and until when.
type LeaseState struct {
	Holder    string
	ExpiresAt time.Time
}

// AcquireLease takes or renews the lease name for holder until now+ttl, in
// one statement: it succeeds when the lease is free, expired or already
// holder's. It returns the lease as it stands afterwards, so a caller that
// did not get it learns who has it and when it expires. now comes from the
// caller's clock so every replica and test judges expiry by the same clock.
func AcquireLease(ctx context.Context, q Querier, name, holder string, now time.Time, ttl time.Duration) (LeaseState, bool, error) {
	var st LeaseState
	err := q.QueryRow(ctx, `INSERT INTO leader_lease AS l (name, holder, expires_at, renewed_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder,
			expires_at = EXCLUDED.expires_at, renewed_at = EXCLUDED.renewed_at
		WHERE l.expires_at <= $4 OR l.holder = EXCLUDED.holder
		RETURNING holder, expires_at`, name, holder, now.Add(ttl), now).Scan(&st.Holder, &st.ExpiresAt)
	if err == nil {
		return st, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return LeaseState{}, false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	err = q.QueryRow(ctx, `SELECT holder, expires_at FROM leader_lease WHERE name = $1`, name).
		Scan(&st.Holder, &st.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		// Released between the two statements: free, try again next round.
		return LeaseState{}, false, nil
	}
	if err != nil {
		return LeaseState{}, false, fmt.Errorf("read lease %s: %w", name, err)
	}
	return st, false, nil
}

// ReleaseLease gives up the lease name if holder still has it, so another
// replica can take over at once instead of waiting for it to expire.
func ReleaseLease(ctx context.Context, q Querier, name, holder string) error {
	if _, err := q.Exec(ctx, `DELETE FROM leader_lease WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
