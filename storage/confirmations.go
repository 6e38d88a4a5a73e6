package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/model"
)

// ErrNoEntry is returned when a time entry id is unknown.
var ErrNoEntry = errors.New("no such time entry")

// ConfirmTarget is a time entry as a confirmation or a project change sees
// it, with its owner's Slack id and its live confirmation.
type ConfirmTarget struct {
	EntryID      int64
	EmployeeID   int64  // 0 when the Toggl user is not in the roster
	OwnerSlackID string // "" when the owner has no Slack user
	ProjectID    int64  // 0 when unallocated
	TaskID       int64
	Start        time.Time
	Seconds      int64
	Description  string
	Billable     bool
	LocalDate    time.Time
	ContentHash  string
	Deleted      bool
	// LiveID and LiveHash describe the live (not voided) confirmation, if
	// any; LiveHash differs from ContentHash when the entry changed and the
	// sync has not voided the confirmation yet.
	LiveID   int64
	LiveHash string
}

// Confirmed reports whether the live confirmation vouches for the entry's
// current content.
func (t ConfirmTarget) Confirmed() bool { return t.LiveID != 0 && t.LiveHash == t.ContentHash }

// ConfirmLock is the row lock ConfirmLoad takes on the entry.
type ConfirmLock int

// The locks ConfirmLoad can take.
const (
	// ConfirmLockShare blocks a concurrent sync from changing the entry until
	// the transaction ends, while other confirmations proceed.
	ConfirmLockShare ConfirmLock = iota
	// ConfirmLockUpdate serialises writers of the entry itself.
	ConfirmLockUpdate
)

// ConfirmLoad reads and locks a time entry for a confirmation or a project
// change inside the caller's transaction. It returns ErrNoEntry for an
// unknown id.
func ConfirmLoad(ctx context.Context, q Querier, entryID int64, lock ConfirmLock) (ConfirmTarget, error) {
	clause := "FOR SHARE OF te"
	if lock == ConfirmLockUpdate {
		clause = "FOR UPDATE OF te"
	}
	var t ConfirmTarget
	var liveID *int64
	var liveHash *string
	err := q.QueryRow(ctx, `
		SELECT te.id, coalesce(te.employee_id, 0), coalesce(e.slack_user_id, ''), coalesce(te.project_id, 0),
			coalesce(te.task_id, 0), te.start_at, te.duration_secs, te.description, te.billable,
			te.local_date, te.content_hash, te.deleted_at IS NOT NULL, c.id, c.content_hash
		FROM time_entries te
		LEFT JOIN employees e ON e.id = te.employee_id AND e.deleted_at IS NULL
		LEFT JOIN confirmations c ON c.entry_id = te.id AND c.voided_at IS NULL
		WHERE te.id = $1
		`+clause, entryID).Scan(&t.EntryID, &t.EmployeeID, &t.OwnerSlackID, &t.ProjectID, &t.TaskID,
		&t.Start, &t.Seconds, &t.Description, &t.Billable, &t.LocalDate, &t.ContentHash, &t.Deleted,
		&liveID, &liveHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return ConfirmTarget{}, ErrNoEntry
	}
	if err != nil {
		return ConfirmTarget{}, fmt.Errorf("load entry %d: %w", entryID, err)
	}
	if liveID != nil {
		t.LiveID, t.LiveHash = *liveID, *liveHash
	}
	return t, nil
}

// ConfirmVoidStale voids a live confirmation that no longer matches the
// entry's content (the sync normally does this; doing it here lets a fresh
// confirmation replace it). It reports whether one was voided.
func ConfirmVoidStale(ctx context.Context, q Querier, entryID int64, currentHash string) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE confirmations SET voided_at = now(), void_reason = 'content_changed'
		WHERE entry_id = $1 AND voided_at IS NULL AND content_hash <> $2`, entryID, currentHash)
	if err != nil {
		return false, fmt.Errorf("void stale confirmation of %d: %w", entryID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// ConfirmInsert stores a confirmation of the entry's content unless a live
// one exists already; the unique partial index makes concurrent attempts
// (double clicks, Slack retries, two replicas) yield exactly one row. It
// returns the new row's id, or 0 when one was there.
func ConfirmInsert(ctx context.Context, q Querier, c model.Confirmation, employeeID int64) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `
		INSERT INTO confirmations (entry_id, employee_id, content_hash, slack_user_id, source)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (entry_id) WHERE voided_at IS NULL DO NOTHING
		RETURNING id`, c.EntryID, employeeID, c.ContentHash, c.SlackUserID, c.Source).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("insert confirmation of %d: %w", c.EntryID, err)
	}
	return id, nil
}

// ReviewTogglWrite is one write to Toggl queued in the outbox.
type ReviewTogglWrite struct {
	EntryID int64
	Op      string // tag_add, tag_remove, set_project
	Payload any    // marshalled to JSON
	Key     string // idempotency key: the same key is queued once
}

// QueueReviewTogglWrite queues w in the Toggl outbox unless its idempotency
// key is there already, and reports whether it queued it.
func QueueReviewTogglWrite(ctx context.Context, q Querier, w ReviewTogglWrite) (bool, error) {
	payload, err := json.Marshal(w.Payload)
	if err != nil {
		return false, fmt.Errorf("outbox payload: %w", err)
	}
	tag, err := q.Exec(ctx, `INSERT INTO toggl_outbox (entry_id, op, payload, idempotency_key)
		VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING`, w.EntryID, w.Op, payload, w.Key)
	if err != nil {
		return false, fmt.Errorf("queue %s for %d: %w", w.Op, w.EntryID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// TagAddKey is the idempotency key of the tag write of one confirmation.
//
// The key names the confirmation, not just the content: an entry confirmed,
// edited (the tag removed) and edited back to the same content is confirmed
// anew and must get its tag again.
func TagAddKey(entryID, confirmationID int64) string {
	return "tag_add:" + strconv.FormatInt(entryID, 10) + ":c" + strconv.FormatInt(confirmationID, 10)
}

// confirmAuditQueueSQL follows a CTE "ins" of new confirmations (id,
// entry_id, content_hash, slack_user_id, source): one entry.confirm audit
// row each and, when the tag ($6) is not empty, one tag_add write-back each.
const confirmAuditQueueSQL = `audited AS (
	INSERT INTO audit_log (actor, action, entity, entity_id, after)
	SELECT ins.slack_user_id, 'entry.confirm', 'time_entry', ins.entry_id::text,
		jsonb_build_object('confirmation_id', ins.id, 'content_hash', ins.content_hash, 'source', ins.source)
	FROM ins
), queued AS (
	INSERT INTO toggl_outbox (entry_id, op, payload, idempotency_key)
	SELECT ins.entry_id, 'tag_add', jsonb_build_object('tag', $6::text, 'content_hash', ins.content_hash),
		'tag_add:' || ins.entry_id || ':c' || ins.id
	FROM ins WHERE $6::text <> ''
	ON CONFLICT (idempotency_key) DO NOTHING
)`

// ConfirmWeekResult is what ConfirmWeek did.
type ConfirmWeekResult struct {
	Confirmed          int // entries confirmed now
	ConfirmedSeconds   int64
	AlreadyConfirmed   int // entries that were confirmed before
	Unallocated        int // entries left out: they need a project first
	UnallocatedSeconds int64
}

// ConfirmWeek confirms, in the caller's transaction, every allocated live
// entry of a person's week that is not confirmed yet, set-based: one
// confirmation, one audit row (actor slackUserID, action entry.confirm) and,
// when tag is not empty, one tag_add outbox row per entry confirmed now.
// Running it twice, or twice at once, confirms nothing more.
func ConfirmWeek(ctx context.Context, q Querier, employeeID int64, slackUserID string, week model.Week, source, tag string) (ConfirmWeekResult, error) {
	// Lock the week's entries against a concurrent sync, and void live
	// confirmations of content that changed, so they can be replaced.
	if _, err := q.Exec(ctx, `
		WITH locked AS (
			SELECT id, content_hash FROM time_entries
			WHERE employee_id = $1 AND local_date BETWEEN $2 AND $3 AND deleted_at IS NULL
			FOR SHARE
		)
		UPDATE confirmations c SET voided_at = now(), void_reason = 'content_changed'
		FROM locked l
		WHERE c.entry_id = l.id AND c.voided_at IS NULL AND c.content_hash <> l.content_hash`,
		employeeID, week.Start, week.End()); err != nil {
		return ConfirmWeekResult{}, fmt.Errorf("lock week of %d: %w", employeeID, err)
	}
	var r ConfirmWeekResult
	err := q.QueryRow(ctx, `
		WITH week AS (
			SELECT id, content_hash, duration_secs, project_id FROM time_entries
			WHERE employee_id = $1 AND local_date BETWEEN $2 AND $3 AND deleted_at IS NULL
		), ins AS (
			INSERT INTO confirmations (entry_id, employee_id, content_hash, slack_user_id, source)
			SELECT w.id, $1, w.content_hash, $4, $5 FROM week w
			WHERE w.project_id IS NOT NULL
			ORDER BY w.id
			ON CONFLICT (entry_id) WHERE voided_at IS NULL DO NOTHING
			RETURNING id, entry_id, content_hash, slack_user_id, source
		), `+confirmAuditQueueSQL+`
		SELECT
			(SELECT count(*) FROM ins),
			(SELECT coalesce(sum(w.duration_secs), 0) FROM week w JOIN ins ON ins.entry_id = w.id),
			(SELECT count(*) FROM week w JOIN confirmations c
				ON c.entry_id = w.id AND c.voided_at IS NULL AND c.content_hash = w.content_hash),
			(SELECT count(*) FROM week WHERE project_id IS NULL),
			(SELECT coalesce(sum(duration_secs), 0) FROM week WHERE project_id IS NULL)`,
		employeeID, week.Start, week.End(), slackUserID, source, tag).Scan(
		&r.Confirmed, &r.ConfirmedSeconds, &r.AlreadyConfirmed, &r.Unallocated, &r.UnallocatedSeconds)
	if err != nil {
		return ConfirmWeekResult{}, fmt.Errorf("confirm week of %d: %w", employeeID, err)
	}
	return r, nil
}

// ConfirmSetProject sets an entry's project, its billable flag (the picked
// project's billable default) and its recomputed content hash in the
// caller's transaction (the entry must be locked with ConfirmLockUpdate),
// supersedes project writes still pending for it and queues a set_project
// write to Toggl with payload {"project_id": N, "billable": b}: the
// write-back must send both, so Toggl and Postgres agree. The write's
// idempotency key counts the entry's project writes, so A→B→A queues three
// writes while a retried click, which finds the project already set, queues
// none.
func ConfirmSetProject(ctx context.Context, q Querier, entryID, projectID int64, billable bool, newHash string) error {
	if _, err := q.Exec(ctx, `UPDATE time_entries SET project_id = $2, billable = $3, content_hash = $4 WHERE id = $1`,
		entryID, projectID, billable, newHash); err != nil {
		return fmt.Errorf("set project of %d: %w", entryID, err)
	}
	var n int64
	if err := q.QueryRow(ctx, `
		WITH superseded AS (
			UPDATE toggl_outbox SET status = 'superseded'
			WHERE entry_id = $1 AND op = 'set_project' AND status = 'pending'
		)
		SELECT count(*) FROM toggl_outbox WHERE entry_id = $1 AND op = 'set_project'`, entryID).Scan(&n); err != nil {
		return fmt.Errorf("count project writes of %d: %w", entryID, err)
	}
	_, err := QueueReviewTogglWrite(ctx, q, ReviewTogglWrite{
		EntryID: entryID,
		Op:      "set_project",
		Payload: SetProjectPayload{ProjectID: projectID, Billable: billable},
		Key:     fmt.Sprintf("set_project:%d:%d:%d", entryID, projectID, n+1),
	})
	return err
}

// SetProjectPayload is the outbox payload of a set_project write: the
// project and the billable flag that goes with it.
type SetProjectPayload struct {
	ProjectID int64 `json:"project_id"`
	Billable  bool  `json:"billable"`
}

// ConfirmProject returns an active project by id inside the caller's
// transaction, or ok false when it is unknown or archived.
func ConfirmProject(ctx context.Context, q Querier, projectID int64) (ProjectOption, bool, error) {
	rows, err := q.Query(ctx, `SELECT id, name, client_name, billable FROM toggl_projects WHERE id = $1 AND active`, projectID)
	if err != nil {
		return ProjectOption{}, false, fmt.Errorf("project %d: %w", projectID, err)
	}
	ps, err := weekCollectProjects(rows)
	if err != nil || len(ps) == 0 {
		return ProjectOption{}, false, err
	}
	return ps[0], true, nil
}
