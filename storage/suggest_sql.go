package storage

// suggestTargetsSQL lists the unallocated live entries of the people $1 in
// the days $2–$3 whose project pick is not on its way to Toggl, each with
// their team (supervisor) and the projects of the nearest allocated entries before and after it that
// day (0: none). One pass in time order per person and day: day holds the
// day's allocated projects in order and nb how many of them started up to
// the entry, so day[nb] is the one before and day[nb+1] the one after.
const suggestTargetsSQL = `
WITH week AS (
    SELECT te.id, te.employee_id, te.project_id, te.description,
        count(te.project_id) OVER w AS nb,
        array_agg(te.project_id) FILTER (WHERE te.project_id IS NOT NULL) OVER (w
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS day
    FROM time_entries te
    WHERE te.employee_id = ANY($1::bigint[]) AND te.local_date BETWEEN $2 AND $3
        AND te.deleted_at IS NULL
    WINDOW w AS (PARTITION BY te.employee_id, te.local_date ORDER BY te.start_at, te.id)
)
SELECT w.id, w.employee_id, e.supervisor_bamboo_id, w.description,
    coalesce(w.day[w.nb], 0), coalesce(w.day[w.nb + 1], 0)
FROM week w
JOIN employees e ON e.id = w.employee_id
WHERE w.project_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM toggl_outbox o
        WHERE o.entry_id = w.id AND o.op = 'set_project' AND o.status = 'pending')`

// suggestHistorySQL counts the allocated live entries of the days $2–$3
// per person, description and project, for the people $1 and everyone who
// shares a supervisor with one of them, with that supervisor (their team).
const suggestHistorySQL = `
WITH members AS (
    SELECT e.id, e.supervisor_bamboo_id AS team
    FROM employees e
    WHERE e.id = ANY($1::bigint[])
    UNION
    SELECT e.id, e.supervisor_bamboo_id
    FROM employees e
    WHERE e.supervisor_bamboo_id <> '' AND e.supervisor_bamboo_id IN (
        SELECT s.supervisor_bamboo_id FROM employees s WHERE s.id = ANY($1::bigint[]))
)
SELECT c.employee_id, m.team, c.description, c.project_id, c.n
FROM (
    SELECT te.employee_id, te.description, te.project_id, count(*) AS n
    FROM time_entries te
    WHERE te.employee_id IN (SELECT m.id FROM members m)
        AND te.local_date BETWEEN $2 AND $3 AND te.deleted_at IS NULL AND te.project_id IS NOT NULL
    GROUP BY 1, 2, 3
) c
JOIN members m ON m.id = c.employee_id`

// suggestProjectsSQL lists the active projects: only they are suggested.
const suggestProjectsSQL = `SELECT id, name, client_name FROM toggl_projects WHERE active`
