package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// JobClaim is one scheduled job run: the (job, slot) it claimed and how it ended.
type JobClaim struct {
	Job       string
	Slot      string
	ClaimedBy string
	// ClaimedAt is when the claim was taken or last renewed: the scheduler
	// renews it while the run is in progress, so a running claim that has
	// not moved for a claim lease belongs to a replica that died.
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

// RenewJobSlot is the heartbeat of a running job: it moves claimed_at of
// (job, slot) to now while by still holds it running, and reports false
// when it does not (the slot was taken over as stale, or is finished), so
// the run can stop.
func RenewJobSlot(ctx context.Context, q Querier, job, slot, by string, now time.Time) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE job_claims SET claimed_at = GREATEST(claimed_at, $4)
		WHERE job = $1 AND slot = $2 AND claimed_by = $3 AND status = 'running'`, job, slot, by, now)
	if err != nil {
		return false, fmt.Errorf("renew job %s slot %s: %w", job, slot, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReclaimStaleJobSlots deals with running claims of the named jobs whose
// claimer stopped renewing them before staleBefore (it died): the newest
// such slot of a job that has no later slot is taken over by by (claimed
// again at now) and returned, so the caller runs the job again at once; a
// stale slot that a later slot has superseded is closed as failed
// ("abandoned"), so it no longer shows as running. Only slots from
// sinceSlot on are looked at (slots are RFC 3339 UTC strings, which sort in
// time order), so the query stays on a short range of the primary key. It
// returns the slots taken over and how many were closed.
func ReclaimStaleJobSlots(ctx context.Context, q Querier, jobs []string, by string, now, staleBefore time.Time, sinceSlot string) ([]JobClaim, int64, error) {
	if len(jobs) == 0 {
		return nil, 0, nil
	}
	tag, err := q.Exec(ctx, `UPDATE job_claims c SET status = 'failed', finished_at = $2,
			error = 'abandoned: ' || c.claimed_by || ' stopped renewing its claim and a later slot has run'
		WHERE c.job = ANY($1) AND c.slot >= $4 AND c.status = 'running' AND c.claimed_at < $3
		  AND EXISTS (SELECT 1 FROM job_claims l WHERE l.job = c.job AND l.slot > c.slot)`, jobs, now, staleBefore, sinceSlot)
	if err != nil {
		return nil, 0, fmt.Errorf("close abandoned job claims: %w", err)
	}
	rows, err := q.Query(ctx, `UPDATE job_claims c SET claimed_by = $4, claimed_at = $2
		WHERE (c.job, c.slot) IN (SELECT s.job, s.slot FROM job_claims s
			WHERE s.job = ANY($1) AND s.slot >= $5 AND s.status = 'running' AND s.claimed_at < $3
			  AND NOT EXISTS (SELECT 1 FROM job_claims l WHERE l.job = s.job AND l.slot > s.slot)
			FOR UPDATE SKIP LOCKED)
		  AND c.status = 'running' AND c.claimed_at < $3
		RETURNING c.job, c.slot, c.claimed_by, c.claimed_at, c.finished_at, c.status, c.error`, jobs, now, staleBefore, by, sinceSlot)
	if err != nil {
		return nil, tag.RowsAffected(), fmt.Errorf("reclaim stale job claims: %w", err)
	}
	out, err := scanJobClaims(rows)
	if err != nil {
		return nil, tag.RowsAffected(), fmt.Errorf("reclaim stale job claims: %w", err)
	}
	return out, tag.RowsAffected(), nil
}

// JobClaims lists the runs of job, newest slot first, at most limit of them.
func JobClaims(ctx context.Context, q Querier, job string, limit int) ([]JobClaim, error) {
	rows, err := q.Query(ctx, `SELECT job, slot, claimed_by, claimed_at, finished_at, status, error
		FROM job_claims WHERE job = $1 ORDER BY slot DESC LIMIT $2`, job, limit)
	if err != nil {
		return nil, fmt.Errorf("list job claims %s: %w", job, err)
	}
	out, err := scanJobClaims(rows)
	if err != nil {
		return nil, fmt.Errorf("list job claims %s: %w", job, err)
	}
	return out, nil
}

func scanJobClaims(rows pgx.Rows) ([]JobClaim, error) {
	defer rows.Close()
	var out []JobClaim
	for rows.Next() {
		var c JobClaim
		if err := rows.Scan(&c.Job, &c.Slot, &c.ClaimedBy, &c.ClaimedAt, &c.FinishedAt, &c.Status, &c.Error); err != nil {
			return nil, fmt.Errorf("scan job claim: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
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
