package roster

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// EmployeeSource is the part of the BambooHR API the inbox worker reads
// (*bamboo.Client): many employees per request through the custom report
// filtered by id, one employee only to confirm that someone the report
// left out is gone (a 404).
type EmployeeSource interface {
	EmployeesByID(ctx context.Context, ids []string, fields []string) ([]bamboo.Record, error)
	Employee(ctx context.Context, id string, fields []string) (bamboo.Record, error)
	Table(ctx context.Context, employeeID, table string) ([]bamboo.Record, error)
	TableLister
}

// EmployeeCache is an optional cache (Redis) told about every employee
// change. Postgres stays the source of truth: cache errors are only logged.
type EmployeeCache interface {
	EmployeeChanged(ctx context.Context, e model.Employee) error
}

// rateKinds are the roster problem kinds a rate observation decides.
var rateKinds = []string{storage.ProblemNoRate, storage.ProblemBadRate}

// rosterActor is the audit actor of roster changes.
const rosterActor = "bamboohr"

// applied says what applying one employee did.
type applied struct {
	employeeID int64
	employee   model.Employee
	created    bool
	changed    bool
	deleted    bool
	rates      int
	emailNew   bool // the work email is new or changed: look the person up again
}

// applyEmployee makes Postgres agree with BambooHR about one employee, as
// snap (read beforehand, see readEmployees) shows them: gone (a 404) means
// deleted; otherwise it upserts the employee with an audit row when
// something changed, appends to the rate history and records or resolves
// rate problems, all in one transaction. It reads nothing from BambooHR.
func applyEmployee(ctx context.Context, db *storage.DB, s Settings, h history, snap snapshot, c bamboo.Change, received time.Time) (applied, error) {
	if !snap.found {
		return deleteEmployee(ctx, db, c.EmployeeID, received)
	}
	today := dayOf(received)
	emp := employeeFromRecord(c.EmployeeID, snap.rec, today)
	obs := observe(s, h, emp, snap, c, today)
	var out applied
	err := db.InTx(ctx, func(tx storage.Tx) error {
		stored, found, err := storage.EmployeeByBambooID(ctx, tx, c.EmployeeID, true)
		if err != nil {
			return err
		}
		out = applied{employee: emp, employeeID: stored.ID, created: !found}
		if !found || stored.DeletedAt != nil || !sameEmployee(stored.Employee, emp) {
			w := storage.EmployeeWrite{After: emp}
			if found {
				w.Before = &stored
			}
			ids, err := storage.SaveEmployees(ctx, tx, []storage.EmployeeWrite{w}, rosterActor)
			if err != nil {
				return err
			}
			out.employeeID, out.changed = ids[0], true
			out.emailNew = !found || stored.Email != emp.Email
		}
		out.employee.ID = out.employeeID
		out.employee.SlackUserID, out.employee.SlackTZ, out.employee.TogglUserID = stored.SlackUserID, stored.SlackTZ, stored.TogglUserID
		history, err := storage.RatesOf(ctx, tx, out.employeeID)
		if err != nil {
			return err
		}
		writes := planRates(out.employeeID, c.EmployeeID, history, firstRateFromHire(history, obs.rows, emp.HireDate))
		if err := storage.SaveRates(ctx, tx, writes, rosterActor); err != nil {
			return err
		}
		out.rates = len(writes)
		var open []storage.RosterProblem
		if obs.problem != nil && emp.Active {
			open = append(open, storage.RosterProblem{Kind: obs.problem.kind, Subject: c.EmployeeID, EmployeeID: out.employeeID, Detail: obs.problem.detail})
		}
		_, _, err = storage.SyncRosterProblems(ctx, tx, storage.ProblemScope{Kinds: rateKinds, Subjects: []string{c.EmployeeID}}, open, received)
		return err
	})
	if err != nil {
		return applied{}, fmt.Errorf("apply employee %s: %w", c.EmployeeID, err)
	}
	return out, nil
}

// observe reads the rates BambooHR gives the employee: the rows of their
// history table (the configured rate table, else the table that keeps the
// rate field's history) dated as BambooHR dates them, future rows included;
// failing those, the rate field's current value, effective on the
// delivery's Effective Date when it carries one, else on the day received.
// A field-based delivery that carries both the rate and an effective date is
// used as sent, so a late delivery for an earlier date lands on that date.
func observe(s Settings, h history, emp model.Employee, snap snapshot, c bamboo.Change, today time.Time) observedRates {
	hs, ok := h.of(s, emp)
	rec, rows := snap.rec, snap.rows
	day := today
	if !c.EffectiveDate.IsZero() {
		day = c.EffectiveDate
		field := s.rateField(emp)
		if v, found := c.Fields[field]; found && len(v) > 0 {
			rec = bamboo.Record{field: v}
		}
	}
	return s.observeRates(emp, rec, hs, ok, rows, day, "webhook")
}

// deleteEmployee records a deletion BambooHR confirmed with a 404.
func deleteEmployee(ctx context.Context, db *storage.DB, bambooID string, at time.Time) (applied, error) {
	var out applied
	err := db.InTx(ctx, func(tx storage.Tx) error {
		stored, found, err := storage.EmployeeByBambooID(ctx, tx, bambooID, true)
		if err != nil || !found {
			return err
		}
		ok, err := storage.MarkEmployeeDeleted(ctx, tx, bambooID, at, rosterActor)
		if err != nil {
			return err
		}
		out = applied{employeeID: stored.ID, employee: stored.Employee, deleted: ok, changed: ok}
		out.employee.Active = false
		_, _, err = storage.SyncRosterProblems(ctx, tx, storage.ProblemScope{Kinds: rosterKinds, Subjects: []string{bambooID}}, nil, at)
		return err
	})
	if err != nil {
		return applied{}, fmt.Errorf("delete employee %s: %w", bambooID, err)
	}
	return out, nil
}

// rosterKinds are all the problem kinds the roster decides.
var rosterKinds = []string{storage.ProblemNoSlack, storage.ProblemNoToggl, storage.ProblemNoRate, storage.ProblemBadRate, storage.ProblemDuplicateEmail}

// logCacheError logs a failed cache update; the cache is optional.
func logCacheError(log *zap.Logger, err error, bambooID string) {
	if err != nil {
		log.Warn("employee cache update failed", zap.String("bamboo_id", bambooID), zap.Error(err))
	}
}
