package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChangeNoticeLease is how long a claimed change notice may stay unsent
// before another run takes it over (its claimer died between claim and
// send). Sending one DM takes seconds.
const ChangeNoticeLease = 2 * time.Minute

// ClaimChangeNotice claims sending cw's notice to slackUserID. claimed is
// true for exactly one caller (a new row, or a takeover of an unsent claim
// older than ChangeNoticeLease); otherwise sent reports whether the notice
// already reached its recipient.
func (db *DB) ClaimChangeNotice(ctx context.Context, cw ChangedWeek, slackUserID string) (claimed, sent bool, err error) {
	var sentAt *time.Time
	err = db.pool.QueryRow(ctx, `
		INSERT INTO change_notices (employee_id, week_start, changed_at, slack_user_id)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (employee_id, week_start, changed_at, slack_user_id) DO UPDATE
			SET claimed_at = now()
			WHERE change_notices.sent_at IS NULL AND change_notices.claimed_at < now() - $5::interval
		RETURNING sent_at`,
		cw.EmployeeID, cw.Week.Start, cw.ChangedAt, slackUserID, ChangeNoticeLease.String()).Scan(&sentAt)
	if err == nil {
		return true, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, false, fmt.Errorf("claim change notice of %d for %s: %w", cw.EmployeeID, cw.Week, err)
	}
	// Someone else holds it, or it went out already.
	err = db.pool.QueryRow(ctx, `SELECT sent_at FROM change_notices
		WHERE employee_id = $1 AND week_start = $2 AND changed_at = $3 AND slack_user_id = $4`,
		cw.EmployeeID, cw.Week.Start, cw.ChangedAt, slackUserID).Scan(&sentAt)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, false, fmt.Errorf("read change notice of %d for %s: %w", cw.EmployeeID, cw.Week, err)
	}
	return false, sentAt != nil, nil
}

// FinishChangeNotice records that the notice reached Slack.
func (db *DB) FinishChangeNotice(ctx context.Context, cw ChangedWeek, slackUserID string) error {
	_, err := db.pool.Exec(ctx, `UPDATE change_notices SET sent_at = now()
		WHERE employee_id = $1 AND week_start = $2 AND changed_at = $3 AND slack_user_id = $4 AND sent_at IS NULL`,
		cw.EmployeeID, cw.Week.Start, cw.ChangedAt, slackUserID)
	if err != nil {
		return fmt.Errorf("finish change notice of %d for %s: %w", cw.EmployeeID, cw.Week, err)
	}
	return nil
}

// ReleaseChangeNotice gives an unsent claim back (Slack refused the DM), so
// the next run sends it again.
func (db *DB) ReleaseChangeNotice(ctx context.Context, cw ChangedWeek, slackUserID string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM change_notices
		WHERE employee_id = $1 AND week_start = $2 AND changed_at = $3 AND slack_user_id = $4 AND sent_at IS NULL`,
		cw.EmployeeID, cw.Week.Start, cw.ChangedAt, slackUserID)
	if err != nil {
		return fmt.Errorf("release change notice of %d for %s: %w", cw.EmployeeID, cw.Week, err)
	}
	return nil
}
