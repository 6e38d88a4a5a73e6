-- +goose Up
-- Allocation at agency scale (issue 13): the project picker searches every
-- active project from memory. project_catalog.version moves in the same
-- transaction as any change to toggl_projects, so a replica that read the
-- version also reads the catalog it stands for, and reloads its copy the
-- moment the version it holds is not the current one (an archived project is
-- never offered after the archive commits).
CREATE TABLE project_catalog (
    id      smallint PRIMARY KEY CHECK (id = 1),
    version bigint   NOT NULL
);
INSERT INTO project_catalog (id, version) VALUES (1, 1);

-- +goose StatementBegin
CREATE FUNCTION project_catalog_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE project_catalog SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- One bump per statement: the sync's upsert of thousands of projects moves
-- the version once.
CREATE TRIGGER toggl_projects_catalog_bump
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON toggl_projects
    FOR EACH STATEMENT EXECUTE FUNCTION project_catalog_bump();

-- +goose Down
DROP TRIGGER toggl_projects_catalog_bump ON toggl_projects;
DROP FUNCTION project_catalog_bump();
DROP TABLE project_catalog;
