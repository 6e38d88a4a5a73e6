package storage_test

import (
	"strconv"
	"strings"
	"testing"
)

// TestCountSuggestionPicks counts the project picks of the week's entries
// by source, from the audit log: other actions, other weeks and other
// sources do not count.
func TestCountSuggestionPicks(t *testing.T) {
	t.Parallel()
	p := newPricingDB(t)
	in1 := p.entry(11, 1, "2026-11-02T09:00:00Z", 0, 3600, true)
	in2 := p.entry(11, 1, "2026-11-03T09:00:00Z", 0, 3600, true)
	in3 := p.entry(11, 1, "2026-11-08T22:30:00Z", 0, 3600, true) // Sunday, last day of the week
	out := p.entry(11, 1, "2026-11-09T09:00:00Z", 0, 3600, true) // next week
	audit := func(action string, entry int64, source string) {
		p.exec(`INSERT INTO audit_log (actor, action, entity, entity_id, after) VALUES ('U1', $1, 'time_entry', $2,
			jsonb_build_object('source', $3::text))`, action, strconv.FormatInt(entry, 10), source)
	}
	audit("entry.set_project", in1, "suggestion")
	audit("entry.set_project", in3, "suggestion")
	audit("entry.set_project", in2, "picker")
	audit("entry.set_project", out, "suggestion")
	audit("entry.confirm", in2, "suggestion")
	got, err := p.db.CountSuggestionPicks(p.ctx, pricingWeek.Start, pricingWeek.End())
	if err != nil {
		t.Fatal(err)
	}
	if got.Accepted != 2 || got.Manual != 1 {
		t.Errorf("picks = %+v, want 2 accepted suggestions and 1 manual pick", got)
	}
}

// TestClientNames lists the clients of active projects once each, by name.
func TestClientNames(t *testing.T) {
	t.Parallel()
	p := newPricingDB(t)
	p.exec(`INSERT INTO toggl_projects (id, name, client_name, active) VALUES
		(901, 'Apollo', 'Zeta Bank', true), (902, 'Hermes', 'Acme', true), (903, 'Old', 'Gone Inc', false),
		(904, 'Internal', '', true), (905, 'Athena', 'Acme', true)`)
	got, err := p.db.ClientNames(p.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "Acme|Zeta Bank" {
		t.Errorf("client names = %q, want [Acme Zeta Bank]: active projects' clients, once each, by name", got)
	}
}
