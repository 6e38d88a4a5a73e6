package roster

import (
	"context"
	"errors"
	"time"

	"github.com/tallyhq/tally/bamboo"
)

// tableAllFrom is how many employees of one delivery make the worker read
// a history table once for everyone (employees/all/tables/{table}) instead
// of once per employee.
const tableAllFrom = 10

// snapshot is what BambooHR says about one employee now.
type snapshot struct {
	found bool            // false: BambooHR answered 404, the employee is gone
	rec   bamboo.Record   // current values of Settings.Fields
	rows  []bamboo.Record // rows of their history table, when they have one
}

// readEmployees reads every employee of ids once, with as few requests as
// it can: the custom report filtered by employee id (bamboo.ReportBatch
// ids a request), a single-employee read only for an id the report left
// out (a 404 there confirms a deletion), and each history table once for
// everyone when the delivery names tableAllFrom employees or more.
func readEmployees(ctx context.Context, src EmployeeSource, s Settings, h history, ids []string) (map[string]snapshot, error) {
	fields := s.Fields()
	recs, err := src.EmployeesByID(ctx, ids, fields)
	if err != nil {
		return nil, err
	}
	out := make(map[string]snapshot, len(ids))
	for _, r := range recs {
		if id := r.Get("id"); id != "" {
			out[id] = snapshot{found: true, rec: r}
		}
	}
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		r, err := src.Employee(ctx, id, fields)
		switch {
		case errors.Is(err, bamboo.ErrNotFound):
			out[id] = snapshot{}
		case err != nil:
			return nil, err
		default:
			out[id] = snapshot{found: true, rec: r}
		}
	}
	// Which employees read which history table.
	byTable := map[string][]string{}
	for _, id := range ids {
		snap := out[id]
		if !snap.found {
			continue
		}
		if hs, ok := h.of(s, employeeFromRecord(id, snap.rec, time.Time{})); ok {
			byTable[hs.table] = append(byTable[hs.table], id)
		}
	}
	for table, who := range byTable {
		if len(who) >= tableAllFrom {
			rows, err := src.Table(ctx, "all", table)
			if err != nil && !errors.Is(err, bamboo.ErrNotFound) {
				return nil, err
			}
			byEmp := map[string][]bamboo.Record{}
			for _, row := range rows {
				byEmp[row.Get("employeeId")] = append(byEmp[row.Get("employeeId")], row)
			}
			for _, id := range who {
				snap := out[id]
				snap.rows = byEmp[id]
				out[id] = snap
			}
			continue
		}
		for _, id := range who {
			rows, err := src.Table(ctx, id, table)
			if err != nil && !errors.Is(err, bamboo.ErrNotFound) {
				return nil, err
			}
			snap := out[id]
			snap.rows = rows
			out[id] = snap
		}
	}
	return out, nil
}
