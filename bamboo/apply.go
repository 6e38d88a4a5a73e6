package bamboo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// EmployeeSource is the part of the BambooHR API the inbox worker reads.
type EmployeeSource interface {
	Employee(ctx context.Context, id string, fields []string) (Record, error)
	Table(ctx context.Context, employeeID, table string) ([]Record, error)
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

// applyEmployee makes Postgres agree with BambooHR about one employee: it
// reads the current record (a 404 means deleted), upserts the employee with
// an audit row when something changed, appends to the rate history and
// records or resolves rate problems, all in one transaction.
func applyEmployee(ctx context.Context, db *storage.DB, src EmployeeSource, s Settings, c Change, received time.Time) (applied, error) {
	rec, err := src.Employee(ctx, c.EmployeeID, s.Fields())
	if errors.Is(err, ErrNotFound) {
		return deleteEmployee(ctx, db, c.EmployeeID, received)
	}
	if err != nil {
		return applied{}, err
	}
	today := dayOf(received)
	emp := employeeFromRecord(c.EmployeeID, rec, today)
	obs, err := observe(ctx, src, s, emp, rec, c, today)
	if err != nil {
		return applied{}, err
	}
	var out applied
	err = db.InTx(ctx, func(tx storage.Tx) error {
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

// observe reads the rates BambooHR gives the employee: the configured table
// when there is one (falling back to the field when it has no rows), else
// the rate field, effective on the change's date or the day received. A
// field-based delivery that carries both the rate and an effective date is
// used as sent, so a late delivery for an earlier date lands on that date.
func observe(ctx context.Context, src EmployeeSource, s Settings, emp model.Employee, rec Record, c Change, today time.Time) (observedRates, error) {
	if s.RateTable != "" {
		rows, err := src.Table(ctx, emp.BambooID, s.RateTable)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return observedRates{}, err
		}
		if len(rows) > 0 {
			return s.observeTableRates(emp, rows), nil
		}
	}
	day, source := today, "webhook"
	if !c.EffectiveDate.IsZero() {
		day = c.EffectiveDate
		field := s.rateField(emp)
		if v, ok := c.Fields[field]; ok && len(v) > 0 {
			rec = Record{field: v}
		}
	}
	if c.Action == "" {
		source = "reconcile"
	}
	return s.observeFieldRate(emp, rec, day, source), nil
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
