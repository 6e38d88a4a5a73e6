package bamboo_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tallyhq/tally/bamboo"
)

// recordingQuerier stands in for Postgres in the fuzz target: it records
// every inbox insert and answers like a fresh insert.
type recordingQuerier struct {
	mu      sync.Mutex
	inserts int
}

type idRow struct{}

func (idRow) Scan(dest ...any) error {
	if len(dest) == 1 {
		if p, ok := dest[0].(*int64); ok {
			*p = 1
			return nil
		}
	}
	return errors.New("unexpected scan")
}

func (q *recordingQuerier) QueryRow(ctx context.Context, sql string, a ...any) pgx.Row {
	q.mu.Lock()
	q.inserts++
	q.mu.Unlock()
	return idRow{}
}
func (q *recordingQuerier) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, errors.New("unexpected exec")
}
func (q *recordingQuerier) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errors.New("unexpected query")
}
func (q *recordingQuerier) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults { return nil }
func (q *recordingQuerier) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errors.New("unexpected copy")
}

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
		q := &recordingQuerier{}
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
		if q.inserts > 0 && !valid {
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
