package storage

import (
	"context"
	"fmt"
	"time"
)

// JobClaim is one scheduled job run: the (job, slot) it claimed and how it ended.
type JobClaim struct {
	Job        string
	Slot       string
	ClaimedBy  string
	ClaimedAt  time.Time
	FinishedAt *time.Time
	Status     string // running, ok, failed
	Error      string
}

// ClaimJobSlot records that by runs job for slot. It reports false when the
// slot was already claimed, by anyone: a slot runs at most once.
func ClaimJobSlot(ctx context.Context, q Querier, job, slot, by string, now time.Time) (bool, error) {
	tag, err := q.Exec(ctx, `INSERT INTO job_claims (job, slot, claimed_by, claimed_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (job, slot) DO NOTHING`, job, slot, by, now)
	if err != nil {
		return false, fmt.Errorf("claim job %s slot %s: %w", job, slot, err)
	}
	return tag.RowsAffected() == 1, nil
}

// FinishJobSlot records how the run of job in slot ended; runErr nil means ok.
func FinishJobSlot(ctx context.Context, q Querier, job, slot, by string, now time.Time, runErr error) error {
	status, msg := "ok", ""
	if runErr != nil {
		status, msg = "failed", runErr.Error()
	}
	_, err := q.Exec(ctx, `UPDATE job_claims SET finished_at = $4, status = $5, error = $6
		WHERE job = $1 AND slot = $2 AND claimed_by = $3`, job, slot, by, now, status, msg)
	if err != nil {
		return fmt.Errorf("finish job %s slot %s: %w", job, slot, err)
	}
	return nil
}

// JobClaims lists the runs of job, newest slot first, at most limit of them.
func JobClaims(ctx context.Context, q Querier, job string, limit int) ([]JobClaim, error) {
	rows, err := q.Query(ctx, `SELECT job, slot, claimed_by, claimed_at, finished_at, status, error
		FROM job_claims WHERE job = $1 ORDER BY slot DESC LIMIT $2`, job, limit)
	if err != nil {
		return nil, fmt.Errorf("list job claims %s: %w", job, err)
	}
	defer rows.Close()
	var out []JobClaim
	for rows.Next() {
		var c JobClaim
		if err := rows.Scan(&c.Job, &c.Slot, &c.ClaimedBy, &c.ClaimedAt, &c.FinishedAt, &c.Status, &c.Error); err != nil {
			return nil, fmt.Errorf("scan job claim: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list job claims %s: %w", job, err)
	}
	return out, nil
}

// PruneJobClaims deletes finished claims older than before: the minute and
// second jobs add thousands of rows a day, and a slot that long past can
// never be scheduled again. Running claims are kept whatever their age.
func PruneJobClaims(ctx context.Context, q Querier, before time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM job_claims WHERE claimed_at < $1 AND status <> 'running'`, before)
	if err != nil {
		return 0, fmt.Errorf("prune job claims: %w", err)
	}
	return tag.RowsAffected(), nil
}
