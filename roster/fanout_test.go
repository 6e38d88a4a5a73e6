package roster_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/roster"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

// One signed delivery listing 5,000 employees (one of them again 50 times
// with effective dates) is read from BambooHR in a handful of requests:
// each id once, 500 per custom report, the history table once. Before the
// fix it took 5,050 requests (one per listed id).
func TestFiveThousandEmployeeDeliveryReadsInBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 5,000 employees (about a minute with -race)")
	}
	t.Parallel()
	r := newRig(t, rigOptions{})
	people := r.bamboo.Seed(sandbox.BambooOrgSpec{Employees: 5000, Seed: 3})
	var changes []sandbox.BambooFieldChange
	for _, p := range people {
		changes = append(changes, sandbox.BambooFieldChange{ID: p.BambooID, Action: "Updated", ChangedFields: []string{"Job Title"}})
	}
	for i := 0; i < 50; i++ {
		changes = append(changes, sandbox.BambooFieldChange{ID: people[0].BambooID, Action: "Updated", ChangedFields: []string{r.bamboo.RateField()},
			Fields: map[string]any{"Effective Date": time.Date(2026, 3, 1+i%9, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), r.bamboo.RateField(): "130.00 USD"}})
	}
	before := r.bamboo.Requests("")
	r.send(t, sandbox.BambooFieldPayload(r.clock.Now(), changes...))
	if n := r.drain(t); n != 1 {
		t.Fatalf("handled %d rows, want 1", n)
	}
	got := r.bamboo.Requests("") - before
	t.Logf("BambooHR requests for a 5,000-employee delivery: %d (report %d, employee %d, table %d, meta %d)", got,
		r.bamboo.Requests("report"), r.bamboo.Requests("employee"), r.bamboo.Requests("table"), r.bamboo.Requests("meta_tables"))
	if want := 5000/bamboo.ReportBatch + 2; got > want {
		t.Fatalf("%d BambooHR requests, want at most %d", got, want)
	}
	if n := count(t, r.db, `SELECT count(*) FROM employees`); n != 5000 {
		t.Fatalf("%d employees stored, want 5000", n)
	}
}

// slowSource blocks employee reads until released, so a test can act while
// a row is in work.
type slowSource struct {
	roster.EmployeeSource
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *slowSource) EmployeesByID(ctx context.Context, ids, fields []string) ([]bamboo.Record, error) {
	s.once.Do(func() { close(s.entered) })
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.EmployeeSource.EmployeesByID(ctx, ids, fields)
}

// A row in work keeps its claim while the worker renews it: a second
// claimer (the scheduler's job) finds nothing to claim after the lease has
// passed, and the row is processed once.
func TestInboxClaimIsRenewedWhileWorking(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	id := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Ken", LastName: "Thompson", WorkEmail: "ken.thompson@example.com"})
	r.send(t, sandbox.BambooEventPayload("updated", id, r.clock.Now(), "jobTitle"))
	src := &slowSource{EmployeeSource: r.client, entered: make(chan struct{}), release: make(chan struct{})}
	ticks := make(chan time.Time)
	p, err := roster.NewProcessor(r.db, src, r.settings, roster.ProcessorOptions{Now: r.clock.Now, Registerer: prometheus.NewRegistry(),
		Lease: 15 * time.Second, Ticker: func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := p.RunOnce(context.Background()); done <- err }()
	<-src.entered
	ctx := context.Background()
	for i := 0; i < 4; i++ { // a minute of slow BambooHR, renewed every 5 s
		r.clock.Advance(5 * time.Second)
		ticks <- r.clock.Now()
		ticks <- r.clock.Now() // the second tick is taken only after the first renewal ended
		rows, err := storage.ClaimInbox(ctx, r.db, "scheduler", r.clock.Now().Add(5*time.Second), time.Minute, 10)
		if err != nil || len(rows) != 0 {
			t.Fatalf("after %ds a second claimer got %d rows (%v): the claim was not renewed", 5*(i+1), len(rows), err)
		}
	}
	close(src.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE status = 'done' AND attempts = 1`); n != 1 {
		t.Fatal("row not processed exactly once")
	}
}

// A claimer that was taken over (it stalled past its lease) stops: its
// outcome is not written over its successor's.
func TestTakenOverClaimIsFenced(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	r.send(t, sandbox.BambooEventPayload("updated", "77", r.clock.Now(), "jobTitle"))
	now := r.clock.Now()
	a, err := storage.ClaimInbox(ctx, r.db, "a", now, 15*time.Second, 10)
	if err != nil || len(a) != 1 {
		t.Fatalf("claim a: %v %v", a, err)
	}
	if b, _ := storage.ClaimInbox(ctx, r.db, "b", now.Add(10*time.Second), 15*time.Second, 10); len(b) != 0 {
		t.Fatal("a held row was claimed twice")
	}
	b, err := storage.ClaimInbox(ctx, r.db, "b", now.Add(16*time.Second), 15*time.Second, 10)
	if err != nil || len(b) != 1 {
		t.Fatalf("a row whose claimer stopped renewing was not retried after the lease: %v %v", b, err)
	}
	if ids, _ := storage.RenewInboxClaims(ctx, r.db, "a", now.Add(17*time.Second), 15*time.Second); len(ids) != 0 {
		t.Fatal("the old claimer renewed a row taken over")
	}
	if ok, err := storage.ParkInbox(ctx, r.db, a[0].ID, "a", now, "stale"); ok || err != nil {
		t.Fatalf("old claimer parked the row: %v %v", ok, err)
	}
	if ok, err := storage.FinishInbox(ctx, r.db, b[0].ID, "b", now.Add(18*time.Second)); !ok || err != nil {
		t.Fatalf("new claimer could not finish: %v %v", ok, err)
	}
}
