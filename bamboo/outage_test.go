package bamboo_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// switchQuerier sends queries to a closed pool while down, to the live one
// otherwise: Postgres stopped, then restarted.
type switchQuerier struct {
	live, dead storage.Querier
	down       atomic.Bool
}

func (s *switchQuerier) q() storage.Querier {
	if s.down.Load() {
		return s.dead
	}
	return s.live
}
func (s *switchQuerier) Exec(ctx context.Context, sql string, a ...any) (pgconn.CommandTag, error) {
	return s.q().Exec(ctx, sql, a...)
}
func (s *switchQuerier) Query(ctx context.Context, sql string, a ...any) (pgx.Rows, error) {
	return s.q().Query(ctx, sql, a...)
}
func (s *switchQuerier) QueryRow(ctx context.Context, sql string, a ...any) pgx.Row {
	return s.q().QueryRow(ctx, sql, a...)
}
func (s *switchQuerier) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return s.q().SendBatch(ctx, b)
}
func (s *switchQuerier) CopyFrom(ctx context.Context, t pgx.Identifier, c []string, src pgx.CopyFromSource) (int64, error) {
	return s.q().CopyFrom(ctx, t, c, src)
}

// Postgres stopped during a burst → 503s; after the restart BambooHR's
// retries leave the same state as an undisturbed run.
func TestPostgresDownBurstThenRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	build := func() (*rig, [][]byte) {
		r := newRig(t, rigOptions{})
		people := r.bamboo.Seed(sandbox.BambooOrgSpec{Employees: 10, Seed: 11})
		var bodies [][]byte
		for _, p := range people {
			bodies = append(bodies, sandbox.BambooEventPayload("created", p.BambooID, r.clock.Now()))
		}
		_ = r.bamboo.UpdateEmployee(people[2].BambooID, func(e *sandbox.BambooEmployee) { e.JobTitle = "CTO" })
		bodies = append(bodies, sandbox.BambooEventPayload("updated", people[2].BambooID, r.clock.Now(), "jobTitle"))
		return r, bodies
	}
	snapshot := func(r *rig) map[string]string {
		rows, err := r.db.Query(ctx, `SELECT e.bamboo_id, e.job_title || '|' || e.email || '|' || e.active || '|' || coalesce(string_agg(b.effective_date || ':' || b.amount_minor, ',' ORDER BY b.effective_date), '')
			FROM employees e LEFT JOIN billable_rates b ON b.employee_id = e.id GROUP BY e.id`)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		var k, v string
		_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error { out[k] = v; return nil })
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	calm, bodies := build()
	for _, b := range bodies {
		calm.send(t, b)
	}
	calm.drain(t)
	want := snapshot(calm)

	r, bodies := build()
	dead, err := storage.Open(ctx, storagetest.URLOf(t, r.db), 1)
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	sq := &switchQuerier{live: r.db, dead: dead}
	sq.down.Store(true)
	h, err := bamboo.NewWebhookHandler(sq, bamboo.WebhookOptions{Secret: testSecret, Now: r.clock.Now, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	r.sender.URL = srv.URL + bamboo.WebhookPath
	for _, b := range bodies {
		code, err := r.sender.Send(ctx, b)
		if err != nil || code != 503 {
			t.Fatalf("with Postgres down: %d %v, want 503", code, err)
		}
	}
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox`); n != 0 {
		t.Fatalf("%d rows stored while down", n)
	}
	sq.down.Store(false)
	// BambooHR retries every 5xx delivery; some were partly retried twice.
	for i, b := range bodies {
		r.send(t, b)
		if i%3 == 0 {
			r.send(t, b)
		}
	}
	r.drain(t)
	got := snapshot(r)
	if len(got) != len(want) {
		t.Fatalf("after recovery %d employees, undisturbed %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("employee %s: after recovery %q, undisturbed %q", k, got[k], v)
		}
	}
}
