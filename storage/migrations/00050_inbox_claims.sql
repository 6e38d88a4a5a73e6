-- +goose Up
-- Webhook inbox claims that are renewed while the work runs, and replays
-- that are recorded instead of silently dropped (part 9, hardening).

-- claim_token names the one claimer working on a pending row: the inbox
-- worker renews the rows it holds under its token while it works, and its
-- outcome (done, retry, parked) is written only while it still holds them,
-- so a claimer that was taken over cannot overwrite its successor.
ALTER TABLE webhook_inbox ADD COLUMN claim_token text;

-- A delivery stored once and received again (BambooHR retries, replays)
-- changes nothing; how often and when it was last seen is kept here.
ALTER TABLE webhook_inbox ADD COLUMN duplicates integer NOT NULL DEFAULT 0;
ALTER TABLE webhook_inbox ADD COLUMN last_duplicate_at timestamptz;
CREATE INDEX webhook_inbox_claim_idx ON webhook_inbox (claim_token) WHERE status = 'pending' AND claim_token IS NOT NULL;

-- +goose Down
DROP INDEX webhook_inbox_claim_idx;
ALTER TABLE webhook_inbox DROP COLUMN last_duplicate_at;
ALTER TABLE webhook_inbox DROP COLUMN duplicates;
ALTER TABLE webhook_inbox DROP COLUMN claim_token;
