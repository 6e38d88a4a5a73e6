package roster_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

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
		emps, err := storage.ListEmployees(ctx, r.db)
		if err != nil {
			t.Fatal(err)
		}
		rates, err := storage.ListRates(ctx, r.db)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, e := range emps {
			v := fmt.Sprintf("%s|%s|%v|", e.JobTitle, e.Email, e.Active)
			for _, rt := range rates[e.ID] {
				v += fmt.Sprintf("%s:%d,", rt.EffectiveDate.Format("2006-01-02"), rt.Hourly.Minor)
			}
			out[e.BambooID] = v
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
	sq := &storagetest.SwitchQuerier{Live: r.db, Dead: storagetest.ClosedDB(t, r.db)}
	sq.Down.Store(true)
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
	sq.Down.Store(false)
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
