package roster_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/roster"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

var testSecret = []byte("123b929362d51613054f71e5e5d4bf2c")

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rig is a database, the BambooHR fake, a webhook listener storing into the
// database, a signed sender and an inbox worker.
type rig struct {
	db       *storage.DB
	bamboo   *sandbox.Bamboo
	client   *bamboo.Client
	settings roster.Settings
	clock    *clock
	sender   *sandbox.BambooWebhookSender
	proc     *roster.Processor
	reg      *prometheus.Registry
	srv      *httptest.Server
}

type rigOptions struct {
	// rateTable sets Settings.RateTable (compensation); otherwise the rate
	// field's own history is read.
	rateTable bool
	// plainField makes the fake's rate fields plain fields that no table
	// keeps the history of.
	plainField bool
	slack      roster.SlackLookup
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	db := storagetest.New(t)
	clk := &clock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	bo := sandbox.BambooOptions{Now: clk.Now}
	if o.plainField {
		bo.RateHistoryTable = "-"
	}
	fake, err := sandbox.NewBamboo(bo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	client, err := bamboo.NewClient(fake.URL(), fake.APIKey(), bamboo.ClientOptions{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxTries: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := roster.Settings{RateField: fake.RateField(), ContractorRateField: fake.ContractorRateField(), RateCurrency: "USD"}
	if o.rateTable {
		s.RateTable = fake.RateTable()
	}
	r := &rig{db: db, bamboo: fake, client: client, settings: s, clock: clk, reg: prometheus.NewRegistry()}
	h, err := bamboo.NewWebhookHandler(db, bamboo.WebhookOptions{Secret: testSecret, Now: r.clock.Now, Registerer: r.reg})
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(h)
	t.Cleanup(r.srv.Close)
	r.sender = sandbox.NewBambooWebhookSender(r.srv.URL+bamboo.WebhookPath, testSecret)
	r.sender.Now = r.clock.Now
	r.proc, err = roster.NewProcessor(db, client, s, roster.ProcessorOptions{Now: r.clock.Now, Registerer: r.reg, Slack: o.slack, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) reconciler(opts roster.ReconcilerOptions) *roster.Reconciler {
	if opts.Now == nil {
		opts.Now = r.clock.Now
	}
	return roster.NewReconciler(r.db, r.client, r.settings, opts)
}

func (r *rig) send(t testing.TB, body []byte) {
	t.Helper()
	code, err := r.sender.Send(context.Background(), body)
	if err != nil || code != 200 {
		t.Fatalf("send webhook: %d %v", code, err)
	}
}

func (r *rig) drain(t testing.TB) int {
	t.Helper()
	n, err := r.proc.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("run once: %v", err)
	}
	return n
}

func count(t testing.TB, db *storage.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func employee(t testing.TB, db *storage.DB, bambooID string) storage.StoredEmployee {
	t.Helper()
	e, ok, err := storage.EmployeeByBambooID(context.Background(), db, bambooID, false)
	if err != nil || !ok {
		t.Fatalf("employee %s: found=%v err=%v", bambooID, ok, err)
	}
	return e
}
