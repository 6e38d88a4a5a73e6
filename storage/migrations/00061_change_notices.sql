-- +goose Up
-- One row per changed-after-approval notice and recipient: claimed before the
-- DM goes out, sent_at set once Slack took it. A refused DM deletes its row so
-- a later run sends it again; a claim left by a dead process is taken over
-- after its lease. changed_at is week_approvals.decided_at as the change left
-- it, so a later change of the same week is a new notice.
CREATE TABLE change_notices (
    employee_id   bigint      NOT NULL REFERENCES employees (id),
    week_start    date        NOT NULL,
    changed_at    timestamptz NOT NULL,
    slack_user_id text        NOT NULL CHECK (slack_user_id <> ''),
    claimed_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    PRIMARY KEY (employee_id, week_start, changed_at, slack_user_id)
);

-- +goose Down
DROP TABLE change_notices;
