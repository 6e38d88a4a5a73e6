package storage

import (
	"context"
	"encoding/json"
	"fmt"
)

// AuditEvent is one row of the append-only audit log.
type AuditEvent struct {
	Actor    string // Slack user id, "bamboohr", "sync", "system", …
	Action   string // e.g. "entry.confirm", "confirm.denied", "employee.update"
	Entity   string // e.g. "time_entry", "employee", "week"
	EntityID string
	Before   any // marshalled to JSON; nil for none
	After    any
}

// Audit appends ev to the audit log through q (a pool or a transaction, so the
// row commits with the change it describes).
func Audit(ctx context.Context, q Querier, ev AuditEvent) error {
	before, err := jsonOrNil(ev.Before)
	if err != nil {
		return err
	}
	after, err := jsonOrNil(ev.After)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id, before, after)
		VALUES ($1, $2, $3, $4, $5, $6)`, ev.Actor, ev.Action, ev.Entity, ev.EntityID, before, after)
	if err != nil {
		return fmt.Errorf("audit %s: %w", ev.Action, err)
	}
	return nil
}

func jsonOrNil(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit json: %w", err)
	}
	return b, nil
}
