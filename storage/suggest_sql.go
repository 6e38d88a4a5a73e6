package storage

import "fmt"

// suggestNorm is a description reduced to its words: ticket keys like
// "CHK-123" and everything but letters dropped, lower case, so "CHK-12 Fix
// checkout." and "fix checkout" are the same. %s is the column.
const suggestNorm = `lower(btrim(regexp_replace(regexp_replace(%s,
	'[[:alpha:]]+-[[:digit:]]+', ' ', 'g'), '[^[:alpha:]]+', ' ', 'g')))`

// suggestSQL computes the suggestion of every unallocated live entry of the
// people $1 in the week $2–$3 in one statement, from the history $4–$3 of
// them and of their teams. $5 is the minimum support, $6 the minimum share
// of the uses of a description or of the person's time. One row per target entry: entry id, project id (NULL: none),
// reason, support, project name, client name. See SuggestProjects.
//
// Counting is done once per (person, description, project) and the
// normalised descriptions are computed on those counts, not on every entry.
var suggestSQL = `
WITH people AS (
    SELECT e.id, e.supervisor_bamboo_id AS team
    FROM employees e
    WHERE e.id = ANY($1::bigint[])
),
members AS (
    SELECT p.id, p.team FROM people p
    UNION
    SELECT e.id, e.supervisor_bamboo_id
    FROM employees e
    WHERE e.supervisor_bamboo_id IN (SELECT p.team FROM people p WHERE p.team <> '')
),
week AS (
    SELECT te.id, te.employee_id, te.local_date, te.project_id, te.description,
        count(te.project_id) OVER (PARTITION BY te.employee_id, te.local_date
            ORDER BY te.start_at, te.id) AS nb,
        count(te.project_id) OVER (PARTITION BY te.employee_id, te.local_date
            ORDER BY te.start_at DESC, te.id DESC) AS na
    FROM time_entries te
    WHERE te.employee_id = ANY($1::bigint[]) AND te.local_date BETWEEN $2 AND $3
        AND te.deleted_at IS NULL
),
near AS (
    -- The nearest allocated entry before (after) an entry that day is the
    -- one that opened its group of equal nb (na).
    SELECT w.id, w.employee_id, w.project_id, w.description,
        max(w.project_id) OVER (PARTITION BY w.employee_id, w.local_date, w.nb) AS before_id,
        max(w.project_id) OVER (PARTITION BY w.employee_id, w.local_date, w.na) AS after_id
    FROM week w
),
targets AS MATERIALIZED (
    SELECT n.id, n.employee_id, p.team, n.description, ` + sqlNorm("n.description") + ` AS norm,
        n.before_id, n.after_id
    FROM near n
    JOIN people p ON p.id = n.employee_id
    WHERE n.project_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM toggl_outbox o
            WHERE o.entry_id = n.id AND o.op = 'set_project' AND o.status = 'pending')
),
counts AS MATERIALIZED (
    SELECT te.employee_id, m.team, te.description, te.project_id, count(*) AS n
    FROM time_entries te
    JOIN members m ON m.id = te.employee_id
    WHERE te.local_date BETWEEN $4 AND $3 AND te.deleted_at IS NULL AND te.project_id IS NOT NULL
    GROUP BY 1, 2, 3, 4
),
normed AS MATERIALIZED (
    SELECT c.employee_id, c.team, ` + sqlNorm("c.description") + ` AS norm, c.project_id, c.n
    FROM counts c
),
own_same AS (
    SELECT DISTINCT ON (x.employee_id, x.description) x.employee_id, x.description, x.project_id, x.n, x.total
    FROM (
        SELECT c.employee_id, c.description, c.project_id, c.n, tp.active,
            sum(c.n) OVER (PARTITION BY c.employee_id, c.description) AS total
        FROM counts c
        LEFT JOIN toggl_projects tp ON tp.id = c.project_id
        WHERE (c.employee_id, c.description) IN (SELECT t.employee_id, t.description FROM targets t)
    ) x
    WHERE x.active
    ORDER BY x.employee_id, x.description, x.n DESC, x.project_id
),
own_similar AS (
    SELECT DISTINCT ON (x.employee_id, x.norm) x.employee_id, x.norm, x.project_id, x.n, x.total
    FROM (
        SELECT g.employee_id, g.norm, g.project_id, g.n, tp.active,
            sum(g.n) OVER (PARTITION BY g.employee_id, g.norm) AS total
        FROM (
            SELECT d.employee_id, d.norm, d.project_id, sum(d.n) AS n
            FROM normed d
            WHERE (d.employee_id, d.norm) IN (SELECT t.employee_id, t.norm FROM targets t)
            GROUP BY 1, 2, 3
        ) g
        LEFT JOIN toggl_projects tp ON tp.id = g.project_id
    ) x
    WHERE x.active
    ORDER BY x.employee_id, x.norm, x.n DESC, x.project_id
),
habit AS (
    SELECT DISTINCT ON (x.employee_id) x.employee_id, x.project_id, x.n, x.total
    FROM (
        SELECT g.employee_id, g.project_id, g.n, tp.active,
            sum(g.n) OVER (PARTITION BY g.employee_id) AS total
        FROM (
            SELECT c.employee_id, c.project_id, sum(c.n) AS n
            FROM counts c
            WHERE c.employee_id IN (SELECT t.employee_id FROM targets t)
            GROUP BY 1, 2
        ) g
        LEFT JOIN toggl_projects tp ON tp.id = g.project_id
    ) x
    WHERE x.active
    ORDER BY x.employee_id, x.n DESC, x.project_id
),
team_similar AS (
    SELECT DISTINCT ON (x.team, x.norm) x.team, x.norm, x.project_id, x.n, x.total
    FROM (
        SELECT g.team, g.norm, g.project_id, g.n, tp.active,
            sum(g.n) OVER (PARTITION BY g.team, g.norm) AS total
        FROM (
            SELECT d.team, d.norm, d.project_id, sum(d.n) AS n
            FROM normed d
            WHERE d.team <> '' AND (d.team, d.norm) IN (SELECT t.team, t.norm FROM targets t)
            GROUP BY 1, 2, 3
        ) g
        LEFT JOIN toggl_projects tp ON tp.id = g.project_id
    ) x
    WHERE x.active
    ORDER BY x.team, x.norm, x.n DESC, x.project_id
)
SELECT t.id, r.project_id, coalesce(r.reason, ''), coalesce(r.support, 0),
    coalesce(tp.name, ''), coalesce(tp.client_name, '')
FROM targets t
LEFT JOIN own_same os ON os.employee_id = t.employee_id AND os.description = t.description
LEFT JOIN own_similar osi ON osi.employee_id = t.employee_id AND osi.norm = t.norm
LEFT JOIN toggl_projects bp ON bp.id = t.before_id AND bp.active
LEFT JOIN toggl_projects ap ON ap.id = t.after_id AND ap.active
LEFT JOIN habit h ON h.employee_id = t.employee_id
LEFT JOIN team_similar ts ON ts.team = t.team AND ts.norm = t.norm
LEFT JOIN LATERAL (
    SELECT v.project_id, v.reason, v.support
    FROM (VALUES
        (1, os.project_id, 'same_description', os.n,
            os.n >= $5 AND os.n >= $6 * os.total),
        (2, osi.project_id, 'similar_description', osi.n,
            osi.n >= $5 AND osi.n >= $6 * osi.total),
        (3, bp.id, 'neighbours', 2::bigint, bp.id = ap.id),
        (4, coalesce(bp.id, ap.id), 'neighbour', 1::bigint, (bp.id IS NULL) <> (ap.id IS NULL)
            AND coalesce(bp.id, ap.id) IN (osi.project_id, h.project_id)),
        (5, h.project_id, 'habit', h.n, h.n >= $5 AND h.n >= $6 * h.total
            AND bp.id IS NULL AND ap.id IS NULL),
        (6, ts.project_id, 'team', ts.n, ts.n >= $5 AND ts.n >= $6 * ts.total
            AND coalesce(bp.id, ts.project_id) = ts.project_id AND coalesce(ap.id, ts.project_id) = ts.project_id)
    ) v (rank, project_id, reason, support, ok)
    WHERE v.ok AND v.project_id IS NOT NULL
    ORDER BY v.rank
    LIMIT 1
) r ON true
LEFT JOIN toggl_projects tp ON tp.id = r.project_id`

// sqlNorm returns suggestNorm applied to column.
func sqlNorm(column string) string {
	return fmt.Sprintf(suggestNorm, column)
}
