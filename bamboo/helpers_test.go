package bamboo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tallyhq/tally/bamboo"
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

// rig is a database, a webhook listener storing into it and a signed
// sender.
type rig struct {
	db     *storage.DB
	clock  *clock
	sender *sandbox.BambooWebhookSender
	reg    *prometheus.Registry
	srv    *httptest.Server
}

func newRig(t testing.TB) *rig {
	t.Helper()
	db := storagetest.New(t)
	r := &rig{db: db, clock: &clock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}, reg: prometheus.NewRegistry()}
	h, err := bamboo.NewWebhookHandler(db, bamboo.WebhookOptions{Secret: testSecret, Now: r.clock.Now, Registerer: r.reg})
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(h)
	t.Cleanup(r.srv.Close)
	r.sender = sandbox.NewBambooWebhookSender(r.srv.URL+bamboo.WebhookPath, testSecret)
	r.sender.Now = r.clock.Now
	return r
}

func (r *rig) send(t testing.TB, body []byte) {
	t.Helper()
	code, err := r.sender.Send(context.Background(), body)
	if err != nil || code != 200 {
		t.Fatalf("send webhook: %d %v", code, err)
	}
}

func count(t testing.TB, db *storage.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func decodeJSON(resp *http.Response, v any) error {
	defer func() { _ = resp.Body.Close() }()
	return json.NewDecoder(resp.Body).Decode(v)
}
