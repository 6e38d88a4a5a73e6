package bamboo_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/sandbox"
)

const (
	vectorBody = `{"employees":[{"changedFields":["First name"],"fields":{"Employee #":{"value":"300"},"First name":{"value":"Tefi"},"Last name":{"value":"Adams"}},"id":"5"}]}`
	vectorTS   = "1658248023"
	vectorSig  = "56491dd9c2b352bc5f4fc627159aae20ddff9c8cb19f239a6de6771dc5310bac"
)

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got := bamboo.Sign(testSecret, []byte(vectorBody), vectorTS); got != vectorSig {
		t.Fatalf("Sign = %s, want %s", got, vectorSig)
	}
	if got := sandbox.BambooSign(testSecret, []byte(vectorBody), vectorTS); got != vectorSig {
		t.Fatalf("sandbox sign = %s, want %s", got, vectorSig)
	}
	if !bamboo.ValidSignature(testSecret, []byte(vectorBody), vectorTS, vectorSig) {
		t.Fatal("recorded vector rejected")
	}
	if bamboo.ValidSignature([]byte("wrong"), []byte(vectorBody), vectorTS, vectorSig) {
		t.Fatal("wrong key accepted")
	}
	// The "timestamp.body" form some guides show is not BambooHR's.
	if bamboo.ValidSignature(testSecret, []byte(vectorTS+"."+vectorBody), "", vectorSig) {
		t.Fatal("timestamp.body form accepted")
	}
}

func TestWebhookRecordedVectorIsStored(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.clock.t = time.Unix(1658248023, 0).Add(2 * time.Minute)
	code, err := r.sender.SendRaw(context.Background(), []byte(vectorBody), map[string]string{
		bamboo.HeaderTimestamp: vectorTS, bamboo.HeaderSignature: vectorSig})
	if err != nil || code != http.StatusOK {
		t.Fatalf("recorded delivery: %d %v", code, err)
	}
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE status = 'pending'`); n != 1 {
		t.Fatalf("inbox rows = %d, want 1", n)
	}
}

func TestWebhookRejectsAndChangesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	body := sandbox.BambooEventPayload("updated", "100", r.clock.Now(), "jobTitle")
	now := strconv.FormatInt(r.clock.Now().Unix(), 10)
	stale := strconv.FormatInt(r.clock.Now().Add(-bamboo.DefaultMaxAge-time.Minute).Unix(), 10)
	future := strconv.FormatInt(r.clock.Now().Add(6*time.Minute).Unix(), 10)
	signed := func(b []byte, ts string) map[string]string {
		return map[string]string{bamboo.HeaderTimestamp: ts, bamboo.HeaderSignature: bamboo.Sign(testSecret, b, ts)}
	}
	tampered := bytes.Replace(body, []byte(`"100"`), []byte(`"101"`), 1)
	big := append([]byte(`{"employees":[{"id":"1","fields":{"x":"`), bytes.Repeat([]byte("a"), bamboo.MaxWebhookBody)...)
	big = append(big, []byte(`"}}]}`)...)
	cases := []struct {
		name    string
		method  string
		path    string
		body    []byte
		headers map[string]string
		want    int
	}{
		{"tampered body", "POST", bamboo.WebhookPath, tampered, signed(body, now), 401},
		{"wrong secret", "POST", bamboo.WebhookPath, body, map[string]string{bamboo.HeaderTimestamp: now, bamboo.HeaderSignature: bamboo.Sign([]byte("other"), body, now)}, 401},
		{"stale timestamp", "POST", bamboo.WebhookPath, body, signed(body, stale), 401},
		{"future timestamp", "POST", bamboo.WebhookPath, body, signed(body, future), 401},
		{"timestamp not a number", "POST", bamboo.WebhookPath, body, signed(body, "yesterday"), 401},
		{"missing signature", "POST", bamboo.WebhookPath, body, map[string]string{bamboo.HeaderTimestamp: now}, 401},
		{"missing timestamp", "POST", bamboo.WebhookPath, body, map[string]string{bamboo.HeaderSignature: bamboo.Sign(testSecret, body, now)}, 401},
		{"no headers", "POST", bamboo.WebhookPath, body, nil, 401},
		{"signature not hex", "POST", bamboo.WebhookPath, body, map[string]string{bamboo.HeaderTimestamp: now, bamboo.HeaderSignature: "zz"}, 401},
		{"oversized body", "POST", bamboo.WebhookPath, big, signed(big, now), 413},
		{"wrong method", "GET", bamboo.WebhookPath, nil, nil, 405},
		{"put", "PUT", bamboo.WebhookPath, body, signed(body, now), 405},
		{"wrong path", "POST", "/webhooks/other", body, signed(body, now), 404},
		{"root", "POST", "/", body, signed(body, now), 404},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, r.srv.URL+c.path, bytes.NewReader(c.body))
		for k, v := range c.headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox`); n != 0 {
		t.Fatalf("rejected requests stored %d inbox rows", n)
	}
	if n := count(t, r.db, `SELECT count(*) FROM audit_log`); n != 0 {
		t.Fatalf("rejected requests wrote %d audit rows", n)
	}
}

func TestWebhookOversizedWithoutContentLength(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	h, err := bamboo.NewWebhookHandler(r.db, bamboo.WebhookOptions{Secret: testSecret, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), bamboo.MaxWebhookBody+10)
	ts := strconv.FormatInt(r.clock.Now().Unix(), 10)
	req := httptest.NewRequest("POST", bamboo.WebhookPath, bytes.NewReader(body))
	req.ContentLength = -1
	req.Header.Set(bamboo.HeaderTimestamp, ts)
	req.Header.Set(bamboo.HeaderSignature, bamboo.Sign(testSecret, body, ts))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", rec.Code)
	}
}

func TestWebhookDedupesAndRecordsInvalid(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	body := sandbox.BambooEventPayload("created", "100", r.clock.Now())
	r.send(t, body)
	r.clock.Advance(time.Second) // a retry carries a new timestamp, same body
	r.send(t, body)
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox`); n != 1 {
		t.Fatalf("same delivery twice stored %d rows, want 1", n)
	}
	for _, bad := range []string{`{"employees":[{"id":`, `[1,2]`, `{"type":"employee.updated","data":{}}`, `{"hello":"world"}`} {
		code, err := r.sender.Send(context.Background(), []byte(bad))
		if err != nil || code != http.StatusBadRequest {
			t.Fatalf("malformed %q: %d %v, want 400", bad, code, err)
		}
	}
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE status = 'invalid' AND last_error <> ''`); n != 4 {
		t.Fatalf("invalid deliveries recorded = %d, want 4", n)
	}
	if n := count(t, r.db, `SELECT count(*) FROM employees`) + count(t, r.db, `SELECT count(*) FROM audit_log`); n != 0 {
		t.Fatalf("malformed deliveries changed %d rows", n)
	}
}

func TestWebhookRefusesWithoutSecret(t *testing.T) {
	t.Parallel()
	if _, err := bamboo.NewWebhookHandler(nil, bamboo.WebhookOptions{}); err == nil {
		t.Fatal("handler built without a secret")
	}
	if _, err := bamboo.NewWebhookHandler(nil, bamboo.WebhookOptions{Insecure: true}); err != nil {
		t.Fatalf("insecure development mode refused: %v", err)
	}
}
