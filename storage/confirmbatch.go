package storage

import (
	"context"
	"fmt"
)

// ConfirmLoadMany reads and share-locks many entries for a batch of
// confirmations in the caller's transaction, keyed by entry id; unknown ids
// are absent.
func ConfirmLoadMany(ctx context.Context, q Querier, entryIDs []int64) (map[int64]ConfirmTarget, error) {
	rows, err := q.Query(ctx, `
		SELECT te.id, coalesce(te.employee_id, 0), coalesce(e.slack_user_id, ''), coalesce(te.project_id, 0),
			coalesce(te.task_id, 0), te.start_at, te.duration_secs, te.description, te.billable,
			te.local_date, te.content_hash, te.deleted_at IS NOT NULL, coalesce(c.id, 0), coalesce(c.content_hash, '')
		FROM time_entries te
		LEFT JOIN employees e ON e.id = te.employee_id AND e.deleted_at IS NULL
		LEFT JOIN confirmations c ON c.entry_id = te.id AND c.voided_at IS NULL
		WHERE te.id = ANY($1)
		ORDER BY te.id
		FOR SHARE OF te`, entryIDs)
	if err != nil {
		return nil, fmt.Errorf("load entries: %w", err)
	}
	out := make(map[int64]ConfirmTarget, len(entryIDs))
	defer rows.Close()
	for rows.Next() {
		var t ConfirmTarget
		if err := rows.Scan(&t.EntryID, &t.EmployeeID, &t.OwnerSlackID, &t.ProjectID, &t.TaskID, &t.Start, &t.Seconds,
			&t.Description, &t.Billable, &t.LocalDate, &t.ContentHash, &t.Deleted, &t.LiveID, &t.LiveHash); err != nil {
			return nil, fmt.Errorf("scan entry: %w", err)
		}
		out[t.EntryID] = t
	}
	return out, rows.Err()
}

// ConfirmNew is one confirmation of a batch.
type ConfirmNew struct {
	EntryID     int64
	EmployeeID  int64
	ContentHash string
	SlackUserID string
	Source      string
}

// ConfirmInsertMany stores a batch of confirmations in the caller's
// transaction, set-based: it voids live confirmations of other content,
// inserts one confirmation per entry unless a live one exists (the unique
// partial index settles races with other replicas), writes an entry.confirm
// audit row for each and, with a tag, queues its tag_add write-back. It
// returns the new confirmation ids by entry; entries absent from it were
// confirmed by someone else in the meantime.
func ConfirmInsertMany(ctx context.Context, q Querier, cs []ConfirmNew, tag string) (map[int64]int64, error) {
	n := len(cs)
	entries, emps := make([]int64, n), make([]int64, n)
	hashes, users, sources := make([]string, n), make([]string, n), make([]string, n)
	for i, c := range cs {
		entries[i], emps[i], hashes[i], users[i], sources[i] = c.EntryID, c.EmployeeID, c.ContentHash, c.SlackUserID, c.Source
	}
	if _, err := q.Exec(ctx, `
		UPDATE confirmations c SET voided_at = now(), void_reason = 'content_changed'
		FROM unnest($1::bigint[], $2::text[]) AS n(entry_id, content_hash)
		WHERE c.entry_id = n.entry_id AND c.voided_at IS NULL AND c.content_hash <> n.content_hash`, entries, hashes); err != nil {
		return nil, fmt.Errorf("void stale confirmations: %w", err)
	}
	rows, err := q.Query(ctx, `
		WITH ins AS (
			INSERT INTO confirmations (entry_id, employee_id, content_hash, slack_user_id, source)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])
			ORDER BY 1
			ON CONFLICT (entry_id) WHERE voided_at IS NULL DO NOTHING
			RETURNING id, entry_id, content_hash, slack_user_id, source
		), `+confirmAuditQueueSQL+`
		SELECT entry_id, id FROM ins`, entries, emps, hashes, users, sources, tag)
	if err != nil {
		return nil, fmt.Errorf("insert confirmations: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]int64, n)
	for rows.Next() {
		var entry, id int64
		if err := rows.Scan(&entry, &id); err != nil {
			return nil, fmt.Errorf("scan confirmation: %w", err)
		}
		out[entry] = id
	}
	return out, rows.Err()
}
