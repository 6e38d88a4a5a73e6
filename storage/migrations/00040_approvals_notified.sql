-- +goose Up
-- Approvals and confirmations read models (part 6).

-- When a person and their approver were told that an approved week changed
-- afterwards. The sync engine sets status 'changed_after_approval'; a new
-- decision clears notified_at so the next change is told again.
ALTER TABLE week_approvals ADD COLUMN notified_at timestamptz;
CREATE INDEX week_approvals_changed_idx ON week_approvals (decided_at)
    WHERE status = 'changed_after_approval' AND notified_at IS NULL;

-- The week view marks an entry "changed" when it has a confirmation (voided
-- or not yet voided) for another content hash; this finds those without
-- scanning the table.
CREATE INDEX confirmations_entry_hash_idx ON confirmations (entry_id, content_hash);

-- +goose Down
DROP INDEX confirmations_entry_hash_idx;
DROP INDEX week_approvals_changed_idx;
ALTER TABLE week_approvals DROP COLUMN notified_at;
