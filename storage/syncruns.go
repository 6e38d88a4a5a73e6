package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SyncRun is one row of sync_runs: a Toggl sync and what it did.
type SyncRun struct {
	ID             int64
	Mode           string // incremental, full, range
	WindowFrom     *time.Time
	WindowTo       *time.Time
	StartedAt      time.Time
	FinishedAt     *time.Time
	Status         string // running, ok, failed, quota_exhausted, cancelled
	Pages          int
	Requests       int
	QuotaUsed      int
	QuotaRemaining *int
	Seen           int
	Inserted       int
	Updated        int
	Deleted        int
	Watermark      *time.Time
	Error          string
}

// Duration returns how long the run took (so far, if it is still running).
func (r SyncRun) Duration(now time.Time) time.Duration {
	if r.FinishedAt != nil {
		return r.FinishedAt.Sub(r.StartedAt)
	}
	return now.Sub(r.StartedAt)
}

// StartSyncRun records a run as running and returns its id.
func StartSyncRun(ctx context.Context, q Querier, mode string, from, to *time.Time, at time.Time) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO sync_runs (mode, window_from, window_to, started_at)
		VALUES ($1, $2, $3, $4) RETURNING id`, mode, from, to, at).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("start sync run: %w", err)
	}
	return id, nil
}

// FinishSyncRun stores a run's outcome (r.ID identifies it).
func FinishSyncRun(ctx context.Context, q Querier, r SyncRun) error {
	_, err := q.Exec(ctx, `UPDATE sync_runs SET finished_at = $2, status = $3, pages = $4, requests = $5,
		quota_used = $6, quota_remaining = $7, entries_seen = $8, entries_inserted = $9, entries_updated = $10,
		entries_deleted = $11, watermark = $12, error = $13
		WHERE id = $1`, r.ID, r.FinishedAt, r.Status, r.Pages, r.Requests, r.QuotaUsed, r.QuotaRemaining,
		r.Seen, r.Inserted, r.Updated, r.Deleted, r.Watermark, r.Error)
	if err != nil {
		return fmt.Errorf("finish sync run %d: %w", r.ID, err)
	}
	return nil
}

// RecentSyncRuns returns the latest runs, newest first.
func RecentSyncRuns(ctx context.Context, q Querier, limit int) ([]SyncRun, error) {
	rows, err := q.Query(ctx, `SELECT id, mode, window_from, window_to, started_at, finished_at, status, pages,
		requests, quota_used, quota_remaining, entries_seen, entries_inserted, entries_updated, entries_deleted,
		watermark, error
		FROM sync_runs ORDER BY started_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list sync runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SyncRun, error) {
		var r SyncRun
		err := row.Scan(&r.ID, &r.Mode, &r.WindowFrom, &r.WindowTo, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Pages,
			&r.Requests, &r.QuotaUsed, &r.QuotaRemaining, &r.Seen, &r.Inserted, &r.Updated, &r.Deleted,
			&r.Watermark, &r.Error)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("list sync runs: %w", err)
	}
	return out, nil
}

// SyncWatermark returns the newest Toggl last-update time that a completed
// incremental run read through: the next one pages back to it and no
// further. Only incremental runs count: they read the widest window, so a
// full run's newer watermark could hide an edit of an older week. ok is
// false before the first successful incremental run.
func SyncWatermark(ctx context.Context, q Querier) (wm time.Time, ok bool, err error) {
	var t *time.Time
	err = q.QueryRow(ctx, `SELECT max(watermark) FROM sync_runs
		WHERE status = 'ok' AND mode = 'incremental'`).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read sync watermark: %w", err)
	}
	if t == nil {
		return time.Time{}, false, nil
	}
	return *t, true, nil
}

// AbandonSyncRuns marks runs left "running" by a crashed process as failed.
// Call it only while holding the sync lock (no run can be live then).
func AbandonSyncRuns(ctx context.Context, q Querier, now time.Time) (int, error) {
	tag, err := q.Exec(ctx, `UPDATE sync_runs SET status = 'failed', finished_at = $1,
		error = 'abandoned: the process stopped before the run finished'
		WHERE status = 'running'`, now)
	if err != nil {
		return 0, fmt.Errorf("abandon sync runs: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
