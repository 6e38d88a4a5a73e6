package bamboo_test

import (
	"bytes"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/storage/storagetest"
)

// FuzzWebhookHandler: garbage never causes a 5xx, and nothing is stored
// without a valid signature.
func FuzzWebhookHandler(f *testing.F) {
	now := time.Unix(1658248023, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	for _, body := range []string{vectorBody, `{"type":"employee.created","data":{"employeeId":"1"}}`, `{`, ``, `null`, `{"employees":[{"id":{}}]}`} {
		f.Add([]byte(body), ts, bamboo.Sign(testSecret, []byte(body), ts), "POST", "/webhooks/bamboohr")
		f.Add([]byte(body), ts, "deadbeef", "POST", "/webhooks/bamboohr")
	}
	f.Add([]byte(vectorBody), "0", vectorSig, "POST", "/webhooks/bamboohr")
	f.Add([]byte(vectorBody), ts, vectorSig, "GET", "/webhooks/bamboohr")
	f.Add([]byte(vectorBody), ts, vectorSig, "POST", "/webhooks/bamboohr/")
	f.Add([]byte("\x00\xff"), "-1", "", "DELETE", "/")
	f.Fuzz(func(t *testing.T, body []byte, ts, sig, method, path string) {
		q := &storagetest.RowQuerier{ID: 1}
		h, err := bamboo.NewWebhookHandler(q, bamboo.WebhookOptions{Secret: testSecret, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if !validMethod(method) || len(path) == 0 || path[0] != '/' {
			return
		}
		req := httptest.NewRequest("GET", "/", bytes.NewReader(body))
		req.Method = method
		req.URL.Path = path
		req.Header.Set(bamboo.HeaderTimestamp, ts)
		req.Header.Set(bamboo.HeaderSignature, sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		valid := bamboo.ValidSignature(testSecret, body, ts, sig)
		if q.QueryRows() > 0 && !valid {
			t.Fatalf("stored a delivery without a valid signature")
		}
		if rec.Code == 200 && (!valid || method != "POST" || path != bamboo.WebhookPath) {
			t.Fatalf("200 for an unsigned or misrouted request")
		}
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
