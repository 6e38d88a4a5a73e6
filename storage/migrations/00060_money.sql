-- +goose Up
-- Invoice-grade money (issue 12): unpriced billable time is named, never
-- zero; entries outside a person's employment are flagged; what a manager
-- approved is kept as it was approved. docs/money.md has the rules finance relies on.

-- Every entry priced with the rate in force on its LOCAL start date
-- (local_date, the calendar date in the offset Toggl gave the entry; never
-- the UTC date), the newest rate whose effective_date <= local_date.
-- amount = round(duration_secs × rate / 3600), half away from zero, in minor
-- units; 0 for non-billable entries; NULL when no rate applies.
-- Columns added at the end (CREATE OR REPLACE keeps the old ones in place):
--   rate_effective_date  the effective date of the rate used
--   unpriced             billable and no rate in force: no amount, not zero
--   unpriced_reason      why: unknown_person (Toggl user not in the roster),
--                        no_rate (the person has no rate at all: the BambooHR
--                        field is empty), before_first_rate (their first rate
--                        starts after the entry's date); NULL when priced or
--                        not billable
--   employment_issue     after_termination / before_hire when the entry's
--                        local date lies outside the person's employment
CREATE OR REPLACE VIEW priced_entries AS
SELECT te.*,
       r.amount_minor AS rate_minor,
       r.currency     AS currency,
       CASE
           WHEN r.amount_minor IS NULL THEN NULL
           WHEN NOT te.billable THEN 0
           ELSE round(te.duration_secs::numeric * r.amount_minor / 3600)::bigint
       END AS amount_minor,
       r.effective_date AS rate_effective_date,
       (te.billable AND r.amount_minor IS NULL) AS unpriced,
       CASE
           WHEN NOT te.billable OR r.amount_minor IS NOT NULL THEN NULL
           WHEN te.employee_id IS NULL THEN 'unknown_person'
           WHEN EXISTS (SELECT 1 FROM billable_rates b2 WHERE b2.employee_id = te.employee_id) THEN 'before_first_rate'
           ELSE 'no_rate'
       END AS unpriced_reason,
       CASE
           WHEN em.termination_date IS NOT NULL AND te.local_date > em.termination_date THEN 'after_termination'
           WHEN em.hire_date IS NOT NULL AND te.local_date < em.hire_date THEN 'before_hire'
       END AS employment_issue
FROM time_entries te
LEFT JOIN employees em ON em.id = te.employee_id
LEFT JOIN LATERAL (
    SELECT br.amount_minor, br.currency, br.effective_date
    FROM billable_rates br
    WHERE br.employee_id = te.employee_id AND br.effective_date <= te.local_date
    ORDER BY br.effective_date DESC
    LIMIT 1
) r ON true;

-- What a manager approved, as it was at that moment. A record is never
-- changed or deleted (triggers below); a new decision on the week
-- supersedes it (superseded_at) and, for an approval, writes a new one. At
-- most one live record per week.
CREATE TABLE approved_weeks (
    id                          bigserial PRIMARY KEY,
    employee_id                 bigint      NOT NULL REFERENCES employees (id),
    week_start                  date        NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    approved_by                 text        NOT NULL,
    approved_at                 timestamptz NOT NULL DEFAULT now(),
    -- The manager explicitly approved entries outside the person's
    -- employment too; without it those entries stay out of approved exports.
    includes_outside_employment boolean     NOT NULL DEFAULT false,
    entries                     integer     NOT NULL,
    seconds                     bigint      NOT NULL,
    billable_seconds            bigint      NOT NULL,
    unpriced_entries            integer     NOT NULL,
    unpriced_seconds            bigint      NOT NULL,
    outside_employment_entries  integer     NOT NULL,
    outside_employment_seconds  bigint      NOT NULL,
    superseded_at               timestamptz
);
CREATE UNIQUE INDEX approved_weeks_live_key ON approved_weeks (employee_id, week_start) WHERE superseded_at IS NULL;

-- The approved amounts of a week per currency.
CREATE TABLE approved_week_amounts (
    approved_week_id bigint  NOT NULL REFERENCES approved_weeks (id),
    currency         char(3) NOT NULL,
    billable_seconds bigint  NOT NULL,
    amount_minor     bigint  NOT NULL,
    PRIMARY KEY (approved_week_id, currency)
);

-- Every entry of an approved week as approved.
CREATE TABLE approved_entries (
    approved_week_id bigint      NOT NULL REFERENCES approved_weeks (id),
    entry_id         bigint      NOT NULL,
    local_date       date        NOT NULL,
    start_at         timestamptz NOT NULL,
    project_id       bigint,
    project_name     text        NOT NULL DEFAULT '',
    client_name      text        NOT NULL DEFAULT '',
    description      text        NOT NULL DEFAULT '',
    seconds          bigint      NOT NULL,
    billable         boolean     NOT NULL,
    rate_minor       bigint,
    currency         char(3),
    amount_minor     bigint,
    unpriced_reason  text,
    employment_issue text,
    content_hash     text        NOT NULL,
    PRIMARY KEY (approved_week_id, entry_id)
);
CREATE INDEX approved_entries_date_idx ON approved_entries (local_date);

-- +goose StatementBegin
CREATE FUNCTION approved_record_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'approved_weeks'
       AND OLD.superseded_at IS NULL AND NEW.superseded_at IS NOT NULL
       AND (to_jsonb(NEW) - 'superseded_at') = (to_jsonb(OLD) - 'superseded_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is an approved record: it is never changed (only superseded)', TG_TABLE_NAME;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER approved_weeks_immutable BEFORE UPDATE OR DELETE ON approved_weeks
    FOR EACH ROW EXECUTE FUNCTION approved_record_immutable();
CREATE TRIGGER approved_week_amounts_immutable BEFORE UPDATE OR DELETE ON approved_week_amounts
    FOR EACH ROW EXECUTE FUNCTION approved_record_immutable();
CREATE TRIGGER approved_entries_immutable BEFORE UPDATE OR DELETE ON approved_entries
    FOR EACH ROW EXECUTE FUNCTION approved_record_immutable();

-- Drift detection looks for rates recorded after an approval.
CREATE INDEX billable_rates_recorded_idx ON billable_rates (employee_id, recorded_at);

-- +goose Down
DROP INDEX billable_rates_recorded_idx;
DROP TABLE approved_entries, approved_week_amounts, approved_weeks;
DROP FUNCTION approved_record_immutable();
DROP VIEW priced_entries;
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
