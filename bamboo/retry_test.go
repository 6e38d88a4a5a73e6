package bamboo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

// A delivery tally could not store (Postgres down: 503) is retried by
// BambooHR on its schedule with its first timestamp; the retry that finds
// Postgres back is accepted and stored once.
func TestWebhookRetriesWithFirstTimestampAreAccepted(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	sq := &storagetest.SwitchQuerier{Live: r.db, Dead: storagetest.ClosedDB(t, r.db)}
	sq.Down.Store(true)
	reg := prometheus.NewRegistry()
	h, err := bamboo.NewWebhookHandler(sq, bamboo.WebhookOptions{Secret: testSecret, Now: r.clock.Now, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	sender := sandbox.NewBambooWebhookSender(srv.URL+bamboo.WebhookPath, testSecret)
	sender.Now = r.clock.Now
	waits := 0
	sender.Sleep = func(_ context.Context, d time.Duration) error {
		r.clock.Advance(d)
		if waits++; waits == 4 { // Postgres is back for the 5th attempt, 75 minutes on
			sq.Down.Store(false)
		}
		return nil
	}
	body := sandbox.BambooEventPayload("updated", "100", r.clock.Now(), "jobTitle")
	attempts, err := sender.Deliver(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, a := range attempts {
		codes = append(codes, a.Code)
	}
	want := []int{503, 503, 503, 503, 200}
	if len(codes) != len(want) {
		t.Fatalf("attempts answered %v, want %v", codes, want)
	}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("attempts answered %v, want %v", codes, want)
		}
	}
	if got := attempts[4].At.Sub(attempts[0].At); got != 75*time.Minute {
		t.Fatalf("last attempt %s after the first, want BambooHR's 5+10+20+40 minutes", got)
	}
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE status = 'pending'`); n != 1 {
		t.Fatalf("stored %d rows, want the delivery once", n)
	}
}

// The sender gives up after BambooHR's five retries and never retries a 4xx.
func TestSandboxSenderFollowsBambooSchedule(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status   int
		attempts int
	}{{500, 6}, {503, 6}, {401, 1}, {400, 1}, {200, 1}} {
		hits := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hits++
			w.WriteHeader(c.status)
		}))
		clk := &clock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
		s := sandbox.NewBambooWebhookSender(srv.URL, testSecret)
		s.Now = clk.Now
		s.Sleep = func(_ context.Context, d time.Duration) error { clk.Advance(d); return nil }
		got, err := s.Deliver(context.Background(), []byte(`{"type":"employee.updated","data":{"employeeId":"1"}}`))
		srv.Close()
		if err != nil || len(got) != c.attempts || hits != c.attempts {
			t.Fatalf("status %d: %d attempts (%d hits), %v; want %d", c.status, len(got), hits, err, c.attempts)
		}
		if c.attempts == 6 && got[5].At.Sub(got[0].At) != 155*time.Minute {
			t.Fatalf("status %d: retries spread over %s, want 155m", c.status, got[5].At.Sub(got[0].At))
		}
	}
}

// The accepted window: as old as BambooHR may still retry, a little ahead
// for clock skew, and no further either way.
func TestWebhookTimestampWindow(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for i, c := range []struct {
		offset time.Duration
		want   int
	}{
		{-155 * time.Minute, 200},                    // BambooHR's last retry
		{-bamboo.DefaultMaxAge + time.Minute, 200},   // within the margin
		{-bamboo.DefaultMaxAge - time.Minute, 401},   // beyond any retry
		{bamboo.DefaultMaxFuture - time.Second, 200}, // clock skew
		{bamboo.DefaultMaxFuture + time.Minute, 401}, // from the future
	} {
		body := sandbox.BambooEventPayload("updated", strconv.Itoa(200+i), r.clock.Now(), "jobTitle")
		ts := strconv.FormatInt(r.clock.Now().Add(c.offset).Unix(), 10)
		code, err := r.sender.SendRaw(context.Background(), body, map[string]string{
			bamboo.HeaderTimestamp: ts, bamboo.HeaderSignature: bamboo.Sign(testSecret, body, ts)})
		if err != nil || code != c.want {
			t.Errorf("timestamp %s from now: %d %v, want %d", c.offset, code, err, c.want)
		}
	}
}

// A replay of a stored delivery changes nothing and is recorded: the row's
// duplicate count and the duplicates metric.
func TestWebhookReplayIsRecorded(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	body := sandbox.BambooEventPayload("updated", "100", r.clock.Now(), "jobTitle")
	r.send(t, body)
	r.clock.Advance(20 * time.Minute)
	r.send(t, body)
	r.send(t, body)
	var dups, rows int
	if err := r.db.QueryRow(context.Background(), `SELECT count(*), max(duplicates) FROM webhook_inbox`).Scan(&rows, &dups); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || dups != 2 {
		t.Fatalf("rows=%d duplicates=%d, want one row replayed twice", rows, dups)
	}
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE last_duplicate_at = $1`, r.clock.Now()); n != 1 {
		t.Fatal("last_duplicate_at not the replay's time")
	}
	mfs, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "tally_bamboo_webhook_duplicates_total" {
			found = mf.GetMetric()[0].GetCounter().GetValue() == 2
		}
	}
	if !found {
		t.Fatal("tally_bamboo_webhook_duplicates_total is not 2")
	}
}

// Form-post deliveries of both families are accepted, signed over their
// raw bytes, and parse to the same changes as their JSON twins.
func TestWebhookAcceptsFormPost(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.sender.Form = true
	at := r.clock.Now()
	bodies := [][]byte{
		sandbox.BambooEventPayload("updated", "300", at, "firstName", "payRate"),
		sandbox.BambooFieldPayload(at, sandbox.BambooFieldChange{ID: "301", Action: "Updated", ChangedFields: []string{"Job Title"},
			Fields: map[string]any{"Job Title": "Engineer", "Effective Date": "2026-03-01"}, Wrapped: true}),
	}
	for _, b := range bodies {
		r.send(t, b)
		form, err := sandbox.BambooFormBody(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := url.ParseQuery(string(form)); err != nil || form[0] == '{' {
			t.Fatalf("not a form body: %s", form)
		}
		fromForm, err := bamboo.ParsePayload(form)
		if err != nil {
			t.Fatalf("form %s: %v", form, err)
		}
		fromJSON, _ := bamboo.ParsePayload(b)
		if len(fromForm) != 1 || fromForm[0].EmployeeID != fromJSON[0].EmployeeID || fromForm[0].Action != fromJSON[0].Action ||
			len(fromForm[0].ChangedFields) != len(fromJSON[0].ChangedFields) || !fromForm[0].EffectiveDate.Equal(fromJSON[0].EffectiveDate) {
			t.Fatalf("form parsed to %+v, JSON to %+v", fromForm, fromJSON)
		}
	}
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE status = 'pending'`); n != 2 {
		t.Fatalf("stored %d form deliveries, want 2", n)
	}
}
