-- +goose Up
-- When the roster reconciliation last listed the whole Slack directory
-- (users.list, at most 200 users a call under Tier 2's 20+ calls a minute:
-- 10,000 people take about 90 s). The directory is listed at most once a
-- day; runs in between look up only the people without a Slack identity.
CREATE TABLE slack_directory (
    id        smallint    PRIMARY KEY CHECK (id = 1),
    listed_at timestamptz NOT NULL,
    users     integer     NOT NULL
);

-- +goose Down
DROP TABLE slack_directory;
