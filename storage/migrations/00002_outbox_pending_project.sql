-- +goose Up
-- The sync skips entries whose project pick is still on its way to Toggl;
-- this index answers that question per entry.
CREATE INDEX toggl_outbox_pending_project_idx ON toggl_outbox (entry_id) WHERE op = 'set_project' AND status = 'pending';

-- +goose Down
DROP INDEX toggl_outbox_pending_project_idx;
