package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestReadyz(t *testing.T) {
	t.Parallel()
	okCheck := func(context.Context) (State, string) { return OK, "" }
	degraded := func(context.Context) (State, string) { return Degraded, "redis unreachable" }
	down := func(context.Context) (State, string) { return Down, "postgres unreachable" }
	cases := []struct {
		name   string
		checks map[string]Check
		code   int
		status string
	}{
		{"all ok", map[string]Check{"postgres": okCheck, "slack": okCheck}, 200, "ok"},
		{"redis degraded", map[string]Check{"postgres": okCheck, "redis": degraded}, 200, "degraded"},
		{"postgres down", map[string]Check{"postgres": down, "redis": degraded}, 503, "down"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := Handler(prometheus.NewRegistry(), tc.checks)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			if rec.Code != tc.code {
				t.Fatalf("code %d, want %d", rec.Code, tc.code)
			}
			var body struct{ Status string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Status != tc.status {
				t.Fatalf("status %q, want %q", body.Status, tc.status)
			}
		})
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "tally_test_total", Help: "x"})
	reg.MustRegister(c)
	c.Inc()
	h := Handler(reg, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("healthz %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "tally_test_total 1") {
		t.Fatalf("metrics missing counter:\n%s", rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/healthz", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /healthz = %d, want 405", rec.Code)
	}
}
