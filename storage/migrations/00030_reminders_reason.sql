-- +goose Up
-- Why a reminder was skipped (e.g. "on time off all week", "week confirmed"),
-- kept apart from error so `tally remind` and HR can tell the two apart.
ALTER TABLE reminders ADD COLUMN reason text NOT NULL DEFAULT '';
-- The reminder tick looks for stale claims of recent periods.
CREATE INDEX reminders_claimed_idx ON reminders (kind, claimed_at) WHERE status = 'claimed';
-- A person's DM channel is reused from their latest reminder.
CREATE INDEX reminders_employee_channel_idx ON reminders (employee_id, id DESC) WHERE channel_id <> '';

-- +goose Down
DROP INDEX reminders_employee_channel_idx;
DROP INDEX reminders_claimed_idx;
ALTER TABLE reminders DROP COLUMN reason;
