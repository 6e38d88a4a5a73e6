package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrSyncBusy means another Toggl sync holds the sync lock.
var ErrSyncBusy = errors.New("another toggl sync is running")

// StagedEntry is one Toggl entry as a sync writes it.
type StagedEntry struct {
	ID           int64
	TogglUserID  int64
	ProjectID    int64 // 0: none
	TaskID       int64 // 0: none
	Description  string
	Billable     bool
	TagIDs       []int64
	Start        time.Time
	Stop         time.Time
	TZOffsetSecs int32
	LocalDate    time.Time // calendar date of Start in its offset, at 00:00 UTC
	Seconds      int64
	UpdatedAt    time.Time
	ContentHash  string
}

// WeekRef names one person's week.
type WeekRef struct {
	EmployeeID int64
	WeekStart  time.Time
}

// EntryWriteResult is what one batch write or deletion pass changed.
type EntryWriteResult struct {
	Inserted int
	Updated  int
	Deleted  int
	Voided   int // live confirmations voided
	// ChangedWeeks are approved weeks now marked changed_after_approval.
	ChangedWeeks []WeekRef
}

// Add accumulates r into the receiver.
func (w *EntryWriteResult) Add(r EntryWriteResult) {
	w.Inserted += r.Inserted
	w.Updated += r.Updated
	w.Deleted += r.Deleted
	w.Voided += r.Voided
	w.ChangedWeeks = append(w.ChangedWeeks, r.ChangedWeeks...)
}

// EntrySyncWriter writes a sync run's entries through one dedicated
// connection: it holds the session advisory lock that keeps two syncs from
// overlapping, and the session's temporary staging tables.
type EntrySyncWriter struct {
	conn      *pgxpool.Conn
	trackSeen bool
	tag       string
}

// entrySyncLockKey is the advisory lock key of the Toggl sync.
const entrySyncLockKey = "tally.toggl_sync"

// BeginEntrySync takes the sync lock (ErrSyncBusy if another sync holds it)
// and prepares the staging tables. With trackSeen, the ids of every written
// entry are kept so MarkMissingDeleted can find the vanished ones.
// confirmedTag is recorded on the tag_remove write-backs of voided
// confirmations.
func (db *DB) BeginEntrySync(ctx context.Context, trackSeen bool, confirmedTag string) (*EntrySyncWriter, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire sync connection: %w", err)
	}
	// Wait a little for the lock: a cancelled run's session may still be
	// ending on the server, its lock not yet released.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '3s'`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_advisory_lock(hashtext($1))`, entrySyncLockKey)
		return err
	})
	if err != nil {
		conn.Release()
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
			return nil, ErrSyncBusy
		}
		return nil, fmt.Errorf("sync lock: %w", err)
	}
	w := &EntrySyncWriter{conn: conn, trackSeen: trackSeen, tag: confirmedTag}
	_, err = conn.Exec(ctx, `
		CREATE TEMP TABLE IF NOT EXISTS toggl_stage (
			id bigint, toggl_user_id bigint, project_id bigint, task_id bigint,
			description text, billable boolean, tag_ids bigint[],
			start_at timestamptz, stop_at timestamptz, tz_offset_secs integer,
			local_date date, duration_secs bigint, toggl_updated_at timestamptz,
			content_hash text
		) ON COMMIT DELETE ROWS;
		CREATE TEMP TABLE IF NOT EXISTS toggl_seen (id bigint);
		TRUNCATE toggl_seen;`)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("create staging tables: %w", err)
	}
	return w, nil
}

// Close drops the staging tables, releases the sync lock and the connection.
func (w *EntrySyncWriter) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := w.conn.Exec(ctx, `DROP TABLE IF EXISTS toggl_stage, toggl_seen;
		SELECT pg_advisory_unlock(hashtext('`+entrySyncLockKey+`'))`)
	if err != nil {
		// The session may be broken: close it so the lock goes with it.
		_ = w.conn.Conn().Close(ctx)
	}
	w.conn.Release()
}

var stageColumns = []string{"id", "toggl_user_id", "project_id", "task_id", "description", "billable", "tag_ids",
	"start_at", "stop_at", "tz_offset_secs", "local_date", "duration_secs", "toggl_updated_at", "content_hash"}

func nullID(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// WriteBatch copies entries into the staging table and upserts them into
// time_entries in one transaction, rewriting only rows whose content
// changed. Live confirmations whose hash no longer matches are voided
// (audited, tag removal queued), and approved weeks that changed are
// marked changed_after_approval (audited).
func (w *EntrySyncWriter) WriteBatch(ctx context.Context, entries []StagedEntry) (EntryWriteResult, error) {
	if len(entries) == 0 {
		return EntryWriteResult{}, nil
	}
	var res EntryWriteResult
	err := pgx.BeginFunc(ctx, w.conn, func(tx pgx.Tx) error {
		i := 0
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"toggl_stage"}, stageColumns, pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(entries) {
				return nil, nil
			}
			e := entries[i]
			i++
			tags := e.TagIDs
			if tags == nil {
				tags = []int64{}
			}
			return []any{e.ID, e.TogglUserID, nullID(e.ProjectID), nullID(e.TaskID), e.Description, e.Billable, tags,
				e.Start, e.Stop, e.TZOffsetSecs, e.LocalDate, e.Seconds, e.UpdatedAt, e.ContentHash}, nil
		}))
		if err != nil {
			return fmt.Errorf("copy staging: %w", err)
		}
		if res, err = scanEntryWrite(tx.QueryRow(ctx, upsertEntriesSQL, w.tag)); err != nil {
			return fmt.Errorf("upsert entries: %w", err)
		}
		if w.trackSeen {
			if _, err := tx.Exec(ctx, `INSERT INTO toggl_seen SELECT id FROM toggl_stage`); err != nil {
				return fmt.Errorf("record seen entries: %w", err)
			}
		}
		return nil
	})
	return res, err
}

// MarkMissingDeleted soft-deletes the live entries of [from, to] (local
// dates) that this sync did not write, with the same voiding and week
// flagging as WriteBatch and an audit row per entry. Only valid after a
// complete read of a window with trackSeen.
func (w *EntrySyncWriter) MarkMissingDeleted(ctx context.Context, from, to time.Time) (EntryWriteResult, error) {
	if !w.trackSeen {
		return EntryWriteResult{}, errors.New("mark deleted: sync was not tracking seen entries")
	}
	var res EntryWriteResult
	err := pgx.BeginFunc(ctx, w.conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `ANALYZE toggl_seen`); err != nil {
			return fmt.Errorf("analyze seen: %w", err)
		}
		var err error
		res, err = scanEntryWrite(tx.QueryRow(ctx, deleteMissingSQL, w.tag, from, to))
		if err != nil {
			return fmt.Errorf("mark deleted entries: %w", err)
		}
		return nil
	})
	return res, err
}

func scanEntryWrite(row pgx.Row) (EntryWriteResult, error) {
	var r EntryWriteResult
	var emps []int64
	var weeks []time.Time
	if err := row.Scan(&r.Inserted, &r.Updated, &r.Deleted, &r.Voided, &emps, &weeks); err != nil {
		return r, err
	}
	for i := range emps {
		r.ChangedWeeks = append(r.ChangedWeeks, WeekRef{EmployeeID: emps[i], WeekStart: weeks[i]})
	}
	return r, nil
}

// CountLiveEntries counts stored live entries with local dates in [from, to]
// (to size progress bars).
func (db *DB) CountLiveEntries(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM time_entries
		WHERE local_date BETWEEN $1 AND $2 AND deleted_at IS NULL`, from, to).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count entries: %w", err)
	}
	return n, nil
}

// entryVoidTail voids live confirmations (CTE voided, which the caller
// defines), audits them, supersedes pending tag adds, queues tag removal, and
// flags approved weeks touched by the CTE changed. It ends with the result
// row: inserted, updated, deleted, voided, flagged employees and weeks.
const entryVoidTail = `,
void_audit AS (
	INSERT INTO audit_log (actor, action, entity, entity_id, before, after)
	SELECT 'sync', 'confirmation.void', 'time_entry', v.entry_id::text,
		jsonb_build_object('confirmation_id', v.id, 'content_hash', v.old_hash),
		jsonb_build_object('content_hash', v.new_hash, 'reason', v.reason)
	FROM voided v
),
superseded AS (
	UPDATE toggl_outbox o SET status = 'superseded', last_error = 'confirmation voided', done_at = now()
	FROM voided v
	WHERE o.entry_id = v.entry_id AND o.op = 'tag_add' AND o.status = 'pending'
),
queued AS (
	INSERT INTO toggl_outbox (entry_id, op, payload, idempotency_key)
	SELECT v.entry_id, 'tag_remove', jsonb_build_object('tag', $1::text), 'tag_remove:' || v.entry_id || ':' || v.old_hash
	FROM voided v
	ON CONFLICT (idempotency_key) DO NOTHING
),
weeks AS (
	SELECT employee_id, date_trunc('week', local_date)::date AS week_start FROM changed WHERE employee_id IS NOT NULL
	UNION
	SELECT old_employee_id, date_trunc('week', old_local_date)::date FROM changed WHERE old_employee_id IS NOT NULL
),
flagged AS (
	UPDATE week_approvals wa SET status = 'changed_after_approval'
	FROM weeks w
	WHERE wa.employee_id = w.employee_id AND wa.week_start = w.week_start AND wa.status = 'approved'
	RETURNING wa.id, wa.employee_id, wa.week_start
),
week_audit AS (
	INSERT INTO audit_log (actor, action, entity, entity_id, before, after)
	SELECT 'sync', 'week.changed_after_approval', 'week', f.employee_id || ':' || f.week_start,
		'{"status":"approved"}'::jsonb, '{"status":"changed_after_approval"}'::jsonb
	FROM flagged f
)
SELECT (SELECT count(*) FROM ins_upd WHERE inserted)::int,
	(SELECT count(*) FROM ins_upd WHERE NOT inserted)::int,
	(SELECT count(*) FROM gone)::int,
	(SELECT count(*) FROM voided)::int,
	coalesce((SELECT array_agg(employee_id ORDER BY employee_id, week_start) FROM flagged), '{}'),
	coalesce((SELECT array_agg(week_start ORDER BY employee_id, week_start) FROM flagged), '{}')`

// upsertEntriesSQL upserts the staged batch. The row comparison is what
// makes an unchanged re-sync rewrite nothing.
const upsertEntriesSQL = `
WITH src AS (
	-- An entry whose project was picked in Slack but not yet written to
	-- Toggl keeps tally's version: Toggl still has the old project, and
	-- taking it would undo the pick and void its confirmation. The next
	-- sync after the write-back reads it as usual.
	SELECT DISTINCT ON (s.id) s.*, e.id AS employee_id
	FROM toggl_stage s
	LEFT JOIN employees e ON e.toggl_user_id = s.toggl_user_id
	WHERE NOT EXISTS (SELECT 1 FROM toggl_outbox o
		WHERE o.entry_id = s.id AND o.op = 'set_project' AND o.status = 'pending')
	ORDER BY s.id, s.toggl_updated_at DESC
),
old AS (
	SELECT te.id, te.employee_id, te.local_date, te.content_hash, te.deleted_at
	FROM time_entries te JOIN src ON src.id = te.id
),
ins_upd AS (
	INSERT INTO time_entries AS te (id, toggl_user_id, employee_id, project_id, task_id, description, billable,
		tag_ids, start_at, stop_at, tz_offset_secs, local_date, duration_secs, toggl_updated_at, content_hash,
		deleted_at, unknown_user, synced_at)
	SELECT id, toggl_user_id, employee_id, project_id, task_id, description, billable,
		tag_ids, start_at, stop_at, tz_offset_secs, local_date, duration_secs, toggl_updated_at, content_hash,
		NULL, employee_id IS NULL, now()
	FROM src
	ON CONFLICT (id) DO UPDATE SET
		toggl_user_id = EXCLUDED.toggl_user_id, employee_id = EXCLUDED.employee_id,
		project_id = EXCLUDED.project_id, task_id = EXCLUDED.task_id,
		description = EXCLUDED.description, billable = EXCLUDED.billable, tag_ids = EXCLUDED.tag_ids,
		start_at = EXCLUDED.start_at, stop_at = EXCLUDED.stop_at, tz_offset_secs = EXCLUDED.tz_offset_secs,
		local_date = EXCLUDED.local_date, duration_secs = EXCLUDED.duration_secs,
		toggl_updated_at = EXCLUDED.toggl_updated_at, content_hash = EXCLUDED.content_hash,
		deleted_at = NULL, unknown_user = EXCLUDED.unknown_user, synced_at = now()
	WHERE te.deleted_at IS NOT NULL
	   OR (te.toggl_user_id, te.employee_id, te.project_id, te.task_id, te.description, te.billable, te.tag_ids,
		te.start_at, te.stop_at, te.tz_offset_secs, te.local_date, te.duration_secs, te.toggl_updated_at,
		te.content_hash, te.unknown_user)
	   IS DISTINCT FROM
	      (EXCLUDED.toggl_user_id, EXCLUDED.employee_id, EXCLUDED.project_id, EXCLUDED.task_id,
		EXCLUDED.description, EXCLUDED.billable, EXCLUDED.tag_ids, EXCLUDED.start_at, EXCLUDED.stop_at,
		EXCLUDED.tz_offset_secs, EXCLUDED.local_date, EXCLUDED.duration_secs, EXCLUDED.toggl_updated_at,
		EXCLUDED.content_hash, EXCLUDED.unknown_user)
	RETURNING te.id, te.employee_id, te.local_date, te.content_hash, (te.xmax = 0) AS inserted
),
gone AS (SELECT NULL::bigint AS id WHERE false),
changed AS (
	SELECT u.id, u.employee_id, u.local_date, o.employee_id AS old_employee_id, o.local_date AS old_local_date
	FROM ins_upd u LEFT JOIN old o ON o.id = u.id
	WHERE o.id IS NULL OR o.content_hash <> u.content_hash OR o.deleted_at IS NOT NULL
),
voided AS (
	UPDATE confirmations c SET voided_at = now(), void_reason = 'entry changed in Toggl'
	FROM src
	WHERE c.entry_id = src.id AND c.voided_at IS NULL AND c.content_hash <> src.content_hash
	RETURNING c.id, c.entry_id, c.content_hash AS old_hash, src.content_hash AS new_hash, 'entry changed in Toggl' AS reason
)` + entryVoidTail

// deleteMissingSQL soft-deletes the window's live entries the sync did not
// see ($2..$3 are local dates).
const deleteMissingSQL = `
WITH gone AS (
	UPDATE time_entries te SET deleted_at = now(), synced_at = now()
	WHERE te.local_date BETWEEN $2 AND $3 AND te.deleted_at IS NULL
	  AND NOT EXISTS (SELECT 1 FROM toggl_seen s WHERE s.id = te.id)
	RETURNING te.id, te.employee_id, te.local_date, te.content_hash, te.toggl_user_id
),
gone_audit AS (
	INSERT INTO audit_log (actor, action, entity, entity_id, before, after)
	SELECT 'sync', 'time_entry.delete', 'time_entry', g.id::text,
		jsonb_build_object('content_hash', g.content_hash, 'local_date', g.local_date, 'toggl_user_id', g.toggl_user_id),
		'{"deleted":true}'::jsonb
	FROM gone g
),
ins_upd AS (SELECT NULL::bigint AS id, false AS inserted WHERE false),
changed AS (
	SELECT g.id, g.employee_id, g.local_date, g.employee_id AS old_employee_id, g.local_date AS old_local_date
	FROM gone g
),
voided AS (
	UPDATE confirmations c SET voided_at = now(), void_reason = 'entry deleted in Toggl'
	FROM gone g
	WHERE c.entry_id = g.id AND c.voided_at IS NULL
	RETURNING c.id, c.entry_id, c.content_hash AS old_hash, NULL::text AS new_hash, 'entry deleted in Toggl' AS reason
)` + entryVoidTail
