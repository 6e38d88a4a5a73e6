-- +goose Up
-- The whole data model of tally (PRODUCT.md). Later migrations extend it.

-- Employees from BambooHR, with the identities joined by work email.
CREATE TABLE employees (
    id                bigserial PRIMARY KEY,
    bamboo_id         text        NOT NULL UNIQUE,
    email             text        NOT NULL DEFAULT '',
    first_name        text        NOT NULL DEFAULT '',
    last_name         text        NOT NULL DEFAULT '',
    display_name      text        NOT NULL DEFAULT '',
    job_title         text        NOT NULL DEFAULT '',
    department        text        NOT NULL DEFAULT '',
    supervisor_bamboo_id text     NOT NULL DEFAULT '',
    employment_type   text        NOT NULL DEFAULT '',
    is_contractor     boolean     NOT NULL DEFAULT false,
    active            boolean     NOT NULL DEFAULT true,
    hire_date         date,
    termination_date  date,
    deleted_at        timestamptz,              -- removed in BambooHR; history kept
    slack_user_id     text,
    slack_tz          text        NOT NULL DEFAULT '',
    toggl_user_id     bigint,
    bamboo_changed_at timestamptz,              -- BambooHR's lastChanged, for ordering deliveries
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX employees_email_key ON employees (lower(email)) WHERE email <> '' AND deleted_at IS NULL;
CREATE UNIQUE INDEX employees_slack_user_key ON employees (slack_user_id) WHERE slack_user_id IS NOT NULL;
CREATE UNIQUE INDEX employees_toggl_user_key ON employees (toggl_user_id) WHERE toggl_user_id IS NOT NULL;
CREATE INDEX employees_supervisor_idx ON employees (supervisor_bamboo_id) WHERE supervisor_bamboo_id <> '';

-- Effective-dated billable rate history: the rate that applies to the employee
-- from effective_date on (contractor rate for contractors), in minor units.
CREATE TABLE billable_rates (
    id             bigserial PRIMARY KEY,
    employee_id    bigint      NOT NULL REFERENCES employees (id),
    effective_date date        NOT NULL,
    amount_minor   bigint      NOT NULL CHECK (amount_minor >= 0),
    currency       char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    kind           text        NOT NULL DEFAULT 'standard' CHECK (kind IN ('standard', 'contractor')),
    source         text        NOT NULL DEFAULT '',
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (employee_id, effective_date)
);
CREATE INDEX billable_rates_lookup_idx ON billable_rates (employee_id, effective_date DESC) INCLUDE (amount_minor, currency);

-- Toggl workspace users and projects.
CREATE TABLE toggl_users (
    id         bigint PRIMARY KEY,
    email      text        NOT NULL DEFAULT '',
    fullname   text        NOT NULL DEFAULT '',
    active     boolean     NOT NULL DEFAULT true,
    timezone   text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX toggl_users_email_idx ON toggl_users (lower(email));

CREATE TABLE toggl_projects (
    id          bigint PRIMARY KEY,
    name        text        NOT NULL,
    client_id   bigint,
    client_name text        NOT NULL DEFAULT '',
    active      boolean     NOT NULL DEFAULT true,
    billable    boolean     NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Time entries from Toggl. Running timers are never stored. Entries that
-- vanish from a fully re-read window are soft-deleted.
CREATE TABLE time_entries (
    id               bigint PRIMARY KEY,         -- Toggl entry id
    toggl_user_id    bigint      NOT NULL,
    employee_id      bigint REFERENCES employees (id),
    project_id       bigint,
    task_id          bigint,
    description      text        NOT NULL DEFAULT '',
    billable         boolean     NOT NULL DEFAULT false,
    tag_ids          bigint[]    NOT NULL DEFAULT '{}',
    start_at         timestamptz NOT NULL,
    stop_at          timestamptz NOT NULL,
    tz_offset_secs   integer     NOT NULL DEFAULT 0,   -- the user's offset carried by Toggl's start
    local_date       date        NOT NULL,            -- start's calendar date in that offset
    duration_secs    bigint      NOT NULL CHECK (duration_secs >= 0),
    toggl_updated_at timestamptz NOT NULL,
    content_hash     text        NOT NULL,
    deleted_at       timestamptz,
    unknown_user     boolean     NOT NULL DEFAULT false, -- Toggl user not in the roster: kept, flagged
    synced_at        timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX time_entries_employee_week_idx ON time_entries (employee_id, local_date) WHERE deleted_at IS NULL;
CREATE INDEX time_entries_user_date_idx ON time_entries (toggl_user_id, local_date);
CREATE INDEX time_entries_local_date_idx ON time_entries (local_date);
CREATE INDEX time_entries_updated_idx ON time_entries (toggl_updated_at);

-- Confirmations are bound to the content hash the person saw. At most one
-- live (not voided) confirmation per entry; a changed entry voids it.
CREATE TABLE confirmations (
    id            bigserial PRIMARY KEY,
    entry_id      bigint      NOT NULL REFERENCES time_entries (id),
    employee_id   bigint      NOT NULL REFERENCES employees (id),
    content_hash  text        NOT NULL,
    slack_user_id text        NOT NULL,
    source        text        NOT NULL DEFAULT 'button', -- button, confirm_all, dm, home
    confirmed_at  timestamptz NOT NULL DEFAULT now(),
    voided_at     timestamptz,
    void_reason   text
);
CREATE UNIQUE INDEX confirmations_live_key ON confirmations (entry_id) WHERE voided_at IS NULL;
CREATE INDEX confirmations_employee_idx ON confirmations (employee_id, confirmed_at);

-- A manager's decision on a person's week.
CREATE TABLE week_approvals (
    id            bigserial PRIMARY KEY,
    employee_id   bigint      NOT NULL REFERENCES employees (id),
    week_start    date        NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    status        text        NOT NULL CHECK (status IN ('approved', 'rejected', 'changed_after_approval')),
    decided_by    text        NOT NULL,             -- Slack user id of the approver
    reason        text        NOT NULL DEFAULT '',
    decided_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (employee_id, week_start)
);

-- Durable inbox of signed BambooHR webhook deliveries: stored before 200.
CREATE TABLE webhook_inbox (
    id              bigserial PRIMARY KEY,
    source          text        NOT NULL DEFAULT 'bamboohr',
    dedupe_key      text        NOT NULL UNIQUE,    -- sha256 of the raw body
    signed_at       timestamptz NOT NULL,           -- X-BambooHR-Timestamp
    body            bytea       NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'parked', 'invalid')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text        NOT NULL DEFAULT '',
    processed_at    timestamptz
);
CREATE INDEX webhook_inbox_pending_idx ON webhook_inbox (next_attempt_at, id) WHERE status = 'pending';

-- Durable outbox of writes to Toggl (confirmed tag add/remove, project).
CREATE TABLE toggl_outbox (
    id              bigserial PRIMARY KEY,
    entry_id        bigint      NOT NULL,
    op              text        NOT NULL CHECK (op IN ('tag_add', 'tag_remove', 'set_project')),
    payload         jsonb       NOT NULL DEFAULT '{}',
    idempotency_key text        NOT NULL UNIQUE,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'parked', 'superseded')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz
);
CREATE INDEX toggl_outbox_pending_idx ON toggl_outbox (next_attempt_at, id) WHERE status = 'pending';

-- Reminder ledger: claim → sent, exactly once per (kind, employee, period).
-- kind: weekly (Friday DM, period = week start), digest (manager Monday DM,
-- period = week start), nudge (period = the day).
CREATE TABLE reminders (
    id          bigserial PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('weekly', 'digest', 'nudge')),
    employee_id bigint      NOT NULL REFERENCES employees (id),
    period      date        NOT NULL,
    status      text        NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'sent', 'failed', 'skipped')),
    claimed_by  text        NOT NULL DEFAULT '',
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    attempts    integer     NOT NULL DEFAULT 0,
    channel_id  text        NOT NULL DEFAULT '',
    message_ts  text        NOT NULL DEFAULT '',
    sent_at     timestamptz,
    error       text        NOT NULL DEFAULT '',
    UNIQUE (kind, employee_id, period)
);

-- Every sync run, for `tally sync --status` and the HR home.
CREATE TABLE sync_runs (
    id              bigserial PRIMARY KEY,
    mode            text        NOT NULL CHECK (mode IN ('incremental', 'full', 'range')),
    window_from     date,
    window_to       date,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    status          text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'quota_exhausted', 'cancelled')),
    pages           integer     NOT NULL DEFAULT 0,
    requests        integer     NOT NULL DEFAULT 0,
    quota_used      integer     NOT NULL DEFAULT 0,
    quota_remaining integer,
    entries_seen    integer     NOT NULL DEFAULT 0,
    entries_inserted integer    NOT NULL DEFAULT 0,
    entries_updated integer     NOT NULL DEFAULT 0,
    entries_deleted integer     NOT NULL DEFAULT 0,
    watermark       timestamptz,                  -- newest Toggl "at" seen by this run
    error           text        NOT NULL DEFAULT ''
);
CREATE INDEX sync_runs_started_idx ON sync_runs (started_at DESC);

-- Scheduled jobs claim their (job, slot) before running, so a slot never
-- runs twice, even across a leader change.
CREATE TABLE job_claims (
    job         text        NOT NULL,
    slot        text        NOT NULL,
    claimed_by  text        NOT NULL,
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
    error       text        NOT NULL DEFAULT '',
    PRIMARY KEY (job, slot)
);

-- Leader lease shared by replicas.
CREATE TABLE leader_lease (
    name       text PRIMARY KEY,
    holder     text        NOT NULL,
    expires_at timestamptz NOT NULL,
    renewed_at timestamptz NOT NULL DEFAULT now()
);

-- Roster problems HR must fix: no Slack user, no Toggl user, no or bad
-- rate, failing DMs, inactive people with new entries, unknown Toggl users.
CREATE TABLE roster_problems (
    id          bigserial PRIMARY KEY,
    kind        text        NOT NULL,
    subject     text        NOT NULL,              -- BambooHR id, Toggl user id, email …
    employee_id bigint REFERENCES employees (id),
    detail      text        NOT NULL DEFAULT '',
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    UNIQUE (kind, subject)
);
CREATE INDEX roster_problems_open_idx ON roster_problems (kind) WHERE resolved_at IS NULL;

-- Append-only audit log of every state change.
CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text        NOT NULL,      -- Slack user id, "bamboohr", "sync", "system", …
    action    text        NOT NULL,      -- e.g. entry.confirm, employee.update, confirm.denied
    entity    text        NOT NULL,      -- employee, time_entry, week, …
    entity_id text        NOT NULL DEFAULT '',
    before    jsonb,
    after     jsonb
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Every entry priced with the rate in force on its local start date.
-- amount = round(duration_secs × rate / 3600) half away from zero, in minor
-- units; 0 for non-billable entries; NULL when no rate applies.
CREATE VIEW priced_entries AS
SELECT te.*,
       r.amount_minor AS rate_minor,
       r.currency     AS currency,
       CASE
           WHEN r.amount_minor IS NULL THEN NULL
           WHEN NOT te.billable THEN 0
           ELSE round(te.duration_secs::numeric * r.amount_minor / 3600)::bigint
       END AS amount_minor
FROM time_entries te
LEFT JOIN LATERAL (
    SELECT br.amount_minor, br.currency
    FROM billable_rates br
    WHERE br.employee_id = te.employee_id AND br.effective_date <= te.local_date
    ORDER BY br.effective_date DESC
    LIMIT 1
) r ON true;

-- +goose Down
DROP VIEW priced_entries;
DROP TABLE audit_log, roster_problems, leader_lease, job_claims, sync_runs, reminders,
    toggl_outbox, webhook_inbox, week_approvals, confirmations, time_entries,
    toggl_projects, toggl_users, billable_rates, employees;
DROP FUNCTION audit_log_append_only();
