-- +goose Up
-- The project catalog's version moves only when a statement really changed
-- a project. The sync upserts every project it reads, and its upsert writes
-- only rows that differ; a statement that changed none used to move the
-- version all the same, and every replica then reloaded thousands of
-- projects for nothing after each sync. Transition tables say what a
-- statement changed (one event per trigger: PostgreSQL allows transition
-- tables only on single-event triggers).

-- +goose StatementBegin
CREATE FUNCTION project_catalog_bump_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        UPDATE project_catalog SET version = version + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

DROP TRIGGER toggl_projects_catalog_bump ON toggl_projects;

CREATE TRIGGER toggl_projects_catalog_insert
    AFTER INSERT ON toggl_projects REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION project_catalog_bump_changed();
CREATE TRIGGER toggl_projects_catalog_update
    AFTER UPDATE ON toggl_projects REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION project_catalog_bump_changed();
CREATE TRIGGER toggl_projects_catalog_delete
    AFTER DELETE ON toggl_projects REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION project_catalog_bump_changed();
CREATE TRIGGER toggl_projects_catalog_truncate
    AFTER TRUNCATE ON toggl_projects
    FOR EACH STATEMENT EXECUTE FUNCTION project_catalog_bump();

-- +goose Down
DROP TRIGGER toggl_projects_catalog_truncate ON toggl_projects;
DROP TRIGGER toggl_projects_catalog_delete ON toggl_projects;
DROP TRIGGER toggl_projects_catalog_update ON toggl_projects;
DROP TRIGGER toggl_projects_catalog_insert ON toggl_projects;
DROP FUNCTION project_catalog_bump_changed();
CREATE TRIGGER toggl_projects_catalog_bump
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON toggl_projects
    FOR EACH STATEMENT EXECUTE FUNCTION project_catalog_bump();
