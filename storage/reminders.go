package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reminder kinds in the reminders ledger.
const (
	ReminderWeekly = "weekly" // the Friday DM; period = the week's Monday
	ReminderDigest = "digest" // the managers' Monday DM; period = the reported week's Monday
	ReminderNudge  = "nudge"  // a manager's nudge; period = the day
)

// ErrNotFound is wrapped by lookups that find no live row (ReminderPersonByID),
// so callers can tell "gone" from a failure without knowing the driver.
var ErrNotFound = errors.New("not found")

// ReminderPerson is what the reminder fan-out needs to know about an employee.
type ReminderPerson struct {
	EmployeeID      int64
	BambooID        string
	Email           string
	Name            string
	SlackUserID     string // "" when no Slack user is linked
	SlackTZ         string // IANA zone from users.info; "" when unknown
	Active          bool
	TerminationDate *time.Time
	DMChannel       string // the DM channel of an earlier reminder, "" if none
}

const reminderPersonCols = `e.id, e.bamboo_id, e.email,
	COALESCE(NULLIF(e.display_name, ''), trim(e.first_name || ' ' || e.last_name)),
	COALESCE(e.slack_user_id, ''), e.slack_tz, e.active, e.termination_date,
	COALESCE((SELECT r.channel_id FROM reminders r WHERE r.employee_id = e.id AND r.channel_id <> ''
		ORDER BY r.id DESC LIMIT 1), '')`

func scanReminderPeople(rows pgx.Rows) ([]ReminderPerson, error) {
	defer rows.Close()
	var out []ReminderPerson
	for rows.Next() {
		var p ReminderPerson
		if err := rows.Scan(&p.EmployeeID, &p.BambooID, &p.Email, &p.Name, &p.SlackUserID, &p.SlackTZ,
			&p.Active, &p.TerminationDate, &p.DMChannel); err != nil {
			return nil, fmt.Errorf("scan reminder person: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read reminder people: %w", err)
	}
	return out, nil
}

// ReminderPeople lists the active employees the weekly reminder considers.
// With onlyEmail set it returns just that person, active or not, so a dry
// run can say why they are skipped.
func ReminderPeople(ctx context.Context, q Querier, onlyEmail string) ([]ReminderPerson, error) {
	rows, err := q.Query(ctx, `SELECT `+reminderPersonCols+` FROM employees e
		WHERE e.deleted_at IS NULL AND (($1 = '' AND e.active) OR ($1 <> '' AND lower(e.email) = lower($1)))
		ORDER BY e.id`, onlyEmail)
	if err != nil {
		return nil, fmt.Errorf("list reminder people: %w", err)
	}
	return scanReminderPeople(rows)
}

// ReminderManagers lists active employees with at least one active direct
// report: the recipients of the managers' digest.
func ReminderManagers(ctx context.Context, q Querier, onlyEmail string) ([]ReminderPerson, error) {
	rows, err := q.Query(ctx, `SELECT `+reminderPersonCols+` FROM employees e
		WHERE e.deleted_at IS NULL AND e.bamboo_id <> ''
		  AND (($1 = '' AND e.active) OR ($1 <> '' AND lower(e.email) = lower($1)))
		  AND EXISTS (SELECT 1 FROM employees r WHERE r.supervisor_bamboo_id = e.bamboo_id
		              AND r.active AND r.deleted_at IS NULL AND r.id <> e.id)
		ORDER BY e.id`, onlyEmail)
	if err != nil {
		return nil, fmt.Errorf("list digest managers: %w", err)
	}
	return scanReminderPeople(rows)
}

// ReminderPersonByID returns one employee as the fan-out sees them.
func ReminderPersonByID(ctx context.Context, q Querier, id int64) (ReminderPerson, error) {
	rows, err := q.Query(ctx, `SELECT `+reminderPersonCols+` FROM employees e WHERE e.id = $1 AND e.deleted_at IS NULL`, id)
	if err != nil {
		return ReminderPerson{}, fmt.Errorf("read employee %d: %w", id, err)
	}
	people, err := scanReminderPeople(rows)
	if err != nil {
		return ReminderPerson{}, err
	}
	if len(people) == 0 {
		return ReminderPerson{}, fmt.Errorf("employee %d: %w", id, ErrNotFound)
	}
	return people[0], nil
}

// ReminderSupervises reports whether the employee linked to actorSlackID is
// a direct or indirect supervisor of employeeID who may act for them: the
// same rule as approving their weeks (review's authorise), so a manager who
// has left (inactive in BambooHR, or deleted) can neither approve nor nudge.
func ReminderSupervises(ctx context.Context, q Querier, actorSlackID string, employeeID int64) (bool, error) {
	if actorSlackID == "" {
		return false, nil
	}
	var ok bool
	err := q.QueryRow(ctx, `WITH RECURSIVE chain (bamboo_id, supervisor, depth) AS (
			SELECT bamboo_id, supervisor_bamboo_id, 0 FROM employees WHERE id = $2 AND deleted_at IS NULL
			UNION ALL
			SELECT e.bamboo_id, e.supervisor_bamboo_id, c.depth + 1
			FROM employees e JOIN chain c ON e.bamboo_id = c.supervisor
			WHERE c.supervisor <> '' AND c.depth < 50 AND e.deleted_at IS NULL
		)
		SELECT EXISTS (SELECT 1 FROM chain c JOIN employees m ON m.bamboo_id = c.supervisor
			WHERE m.slack_user_id = $1 AND m.deleted_at IS NULL AND m.active AND m.id <> $2)`, actorSlackID, employeeID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("check supervisor of %d: %w", employeeID, err)
	}
	return ok, nil
}

// Reminder is one row of the reminder ledger.
type Reminder struct {
	ID         int64
	Kind       string
	EmployeeID int64
	Period     time.Time
	Status     string // claimed, sent, failed, skipped
	ClaimedBy  string
	ClaimedAt  time.Time
	Attempts   int
	ChannelID  string
	MessageTS  string
	SentAt     *time.Time
	Error      string
	Reason     string
}

const reminderCols = `id, kind, employee_id, period, status, claimed_by, claimed_at, attempts,
	channel_id, message_ts, sent_at, error, reason`

// reminderColsOf qualifies reminderCols with a table alias.
func reminderColsOf(alias string) string {
	cols := strings.Split(reminderCols, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

func scanReminder(row pgx.Row) (Reminder, error) {
	var r Reminder
	err := row.Scan(&r.ID, &r.Kind, &r.EmployeeID, &r.Period, &r.Status, &r.ClaimedBy, &r.ClaimedAt,
		&r.Attempts, &r.ChannelID, &r.MessageTS, &r.SentAt, &r.Error, &r.Reason)
	return r, err
}

func collectReminders(rows pgx.Rows, err error, what string) ([]Reminder, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Reminder
	for rows.Next() {
		r, err := scanReminder(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// RemindersFor lists the ledger rows of kind for any of the periods.
func RemindersFor(ctx context.Context, q Querier, kind string, periods []time.Time) ([]Reminder, error) {
	rows, err := q.Query(ctx, `SELECT `+reminderCols+` FROM reminders WHERE kind = $1 AND period = ANY($2::date[])`, kind, periods)
	return collectReminders(rows, err, "list reminders")
}

// ReminderFor returns the ledger row of (kind, employee, period), if any.
func ReminderFor(ctx context.Context, q Querier, kind string, employeeID int64, period time.Time) (Reminder, bool, error) {
	r, err := scanReminder(q.QueryRow(ctx, `SELECT `+reminderCols+` FROM reminders
		WHERE kind = $1 AND employee_id = $2 AND period = $3`, kind, employeeID, period))
	if errors.Is(err, pgx.ErrNoRows) {
		return Reminder{}, false, nil
	}
	if err != nil {
		return Reminder{}, false, fmt.Errorf("read reminder: %w", err)
	}
	return r, true, nil
}

// ClaimReminder inserts the claimed ledger row for (kind, employee, period).
// It reports false, with no error, when the row already exists: someone
// else has it, or it is decided.
func ClaimReminder(ctx context.Context, q Querier, kind string, employeeID int64, period time.Time, by string, now time.Time) (Reminder, bool, error) {
	r, err := scanReminder(q.QueryRow(ctx, `INSERT INTO reminders (kind, employee_id, period, status, claimed_by, claimed_at, attempts)
		VALUES ($1, $2, $3, 'claimed', $4, $5, 1)
		ON CONFLICT (kind, employee_id, period) DO NOTHING
		RETURNING `+reminderCols, kind, employeeID, period, by, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return Reminder{}, false, nil
	}
	if err != nil {
		return Reminder{}, false, fmt.Errorf("claim %s reminder for %d: %w", kind, employeeID, err)
	}
	return r, true, nil
}

// ReclaimStaleReminders takes over up to limit rows of kind still 'claimed'
// since before staleBefore (their claimer crashed or gave up), for periods
// from minPeriod on. Each returned row is now claimed by by, with attempts
// incremented; rows under another engine's active claim are skipped.
func ReclaimStaleReminders(ctx context.Context, q Querier, kind, by string, now, staleBefore, minPeriod time.Time, limit int) ([]Reminder, error) {
	// The rows are picked once, in a materialised CTE: an IN (subquery
	// LIMIT n) may be planned as a subplan that Postgres runs again, and
	// then takes more than n rows.
	rows, err := q.Query(ctx, `WITH picked AS MATERIALIZED (
			SELECT id FROM reminders
			WHERE kind = $1 AND status = 'claimed' AND claimed_at < $4 AND period >= $5
			ORDER BY id LIMIT $6 FOR UPDATE SKIP LOCKED)
		UPDATE reminders r SET claimed_by = $2, claimed_at = $3, attempts = r.attempts + 1
		FROM picked
		WHERE r.id = picked.id AND r.status = 'claimed' AND r.claimed_at < $4
		RETURNING `+reminderColsOf("r"), kind, by, now, staleBefore, minPeriod, limit)
	return collectReminders(rows, err, "reclaim stale reminders")
}

// TouchReminderClaim renews the claim of row id just before a message is
// posted, and reports false when by (at attempt) no longer holds it: a
// fence, so an engine that stalled past the claim lease does not post after
// another engine took the row over.
func TouchReminderClaim(ctx context.Context, q Querier, id int64, by string, attempt int, now time.Time) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE reminders SET claimed_at = $4
		WHERE id = $1 AND claimed_by = $2 AND attempts = $3 AND status = 'claimed'`, id, by, attempt, now)
	if err != nil {
		return false, fmt.Errorf("renew reminder claim %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// HeldReminder names one claim an engine holds: the row and the attempt
// it claimed (a restarted engine may reuse the instance name; the attempt
// tells its claims from its predecessor's).
type HeldReminder struct {
	ID      int64
	Attempt int
}

// RenewReminderClaims is the heartbeat of an engine's work in progress: it
// moves claimed_at of every row in held that by (at that attempt) still
// holds to now, so the rows do not look stale while their work runs, and
// returns how many it renewed. Rows taken over by another engine are left
// alone (the fence in TouchReminderClaim and FinishReminder then stops the
// old holder).
func RenewReminderClaims(ctx context.Context, q Querier, by string, held []HeldReminder, now time.Time) (int64, error) {
	if len(held) == 0 {
		return 0, nil
	}
	ids := make([]int64, len(held))
	attempts := make([]int32, len(held))
	for i, h := range held {
		ids[i], attempts[i] = h.ID, int32(h.Attempt) //nolint:gosec // G115: attempts count retries of one reminder, a handful
	}
	tag, err := q.Exec(ctx, `UPDATE reminders r SET claimed_at = GREATEST(r.claimed_at, $2)
		FROM unnest($3::bigint[], $4::integer[]) AS h (id, attempts)
		WHERE r.id = h.id AND r.attempts = h.attempts AND r.claimed_by = $1 AND r.status = 'claimed'`,
		by, now, ids, attempts)
	if err != nil {
		return 0, fmt.Errorf("renew %d reminder claims: %w", len(held), err)
	}
	return tag.RowsAffected(), nil
}

// SetReminderChannel records the DM channel of a claimed row, so a later
// attempt can look there for a message that was posted before a crash.
func SetReminderChannel(ctx context.Context, q Querier, id int64, by string, attempt int, channel string) error {
	_, err := q.Exec(ctx, `UPDATE reminders SET channel_id = $4
		WHERE id = $1 AND claimed_by = $2 AND attempts = $3 AND status = 'claimed'`, id, by, attempt, channel)
	if err != nil {
		return fmt.Errorf("record reminder channel %d: %w", id, err)
	}
	return nil
}

// ReminderOutcome is how a claimed ledger row ends.
type ReminderOutcome struct {
	Status    string // sent, skipped or failed
	ChannelID string
	MessageTS string
	Error     string
	Reason    string
}

// FinishReminder moves a row claimed by by (at attempt) to its final status.
// It reports false when the claim was lost to another engine.
func FinishReminder(ctx context.Context, q Querier, id int64, by string, attempt int, now time.Time, o ReminderOutcome) (bool, error) {
	var sentAt *time.Time
	if o.Status == "sent" {
		sentAt = &now
	}
	tag, err := q.Exec(ctx, `UPDATE reminders SET status = $4,
			channel_id = CASE WHEN $5 = '' THEN channel_id ELSE $5 END,
			message_ts = $6, sent_at = $7, error = $8, reason = $9
		WHERE id = $1 AND claimed_by = $2 AND attempts = $3 AND status = 'claimed'`,
		id, by, attempt, o.Status, o.ChannelID, o.MessageTS, sentAt, o.Error, o.Reason)
	if err != nil {
		return false, fmt.Errorf("finish reminder %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// NoteReminderError keeps a row claimed but records why the last attempt
// did not finish; the row is retried once its claim goes stale.
func NoteReminderError(ctx context.Context, q Querier, id int64, by string, attempt int, msg string) error {
	_, err := q.Exec(ctx, `UPDATE reminders SET error = $4
		WHERE id = $1 AND claimed_by = $2 AND attempts = $3 AND status = 'claimed'`, id, by, attempt, msg)
	if err != nil {
		return fmt.Errorf("note reminder error %d: %w", id, err)
	}
	return nil
}

// RecordDMFailure opens (or refreshes) the roster problem "dm_failed" for an
// employee whose DMs fail permanently.
func RecordDMFailure(ctx context.Context, q Querier, employeeID int64, subject, detail string, now time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO roster_problems (kind, subject, employee_id, detail, first_seen, last_seen)
		VALUES ('dm_failed', $1, $2, $3, $4, $4)
		ON CONFLICT (kind, subject) DO UPDATE SET detail = EXCLUDED.detail, last_seen = EXCLUDED.last_seen,
			employee_id = EXCLUDED.employee_id, resolved_at = NULL`, subject, employeeID, detail, now)
	if err != nil {
		return fmt.Errorf("record dm failure for %d: %w", employeeID, err)
	}
	return nil
}

// ReleaseReminder deletes a row still claimed by by (at attempt), so the
// same period can be tried again at once (a nudge Slack did not take).
func ReleaseReminder(ctx context.Context, q Querier, id int64, by string, attempt int) error {
	_, err := q.Exec(ctx, `DELETE FROM reminders WHERE id = $1 AND claimed_by = $2 AND attempts = $3 AND status = 'claimed'`, id, by, attempt)
	if err != nil {
		return fmt.Errorf("release reminder %d: %w", id, err)
	}
	return nil
}
