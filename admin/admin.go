// Package admin serves the operator endpoints on a listener separate from the
// webhook listener (loopback by default): /healthz (the process is alive),
// /readyz (Postgres, Slack and Redis state) and /metrics (Prometheus).
package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// State is the outcome of one readiness check.
type State string

// The states a check reports.
const (
	OK       State = "ok"
	Degraded State = "degraded" // working, with less (e.g. Redis down: Postgres still answers)
	Down     State = "down"
	Off      State = "off" // not configured
)

// Check reports the state of one dependency.
type Check func(ctx context.Context) (State, string)

// Handler returns the admin mux. Any check that is Down makes /readyz 503;
// Degraded keeps it 200 with the overall status "degraded".
func Handler(gatherer prometheus.Gatherer, checks map[string]Check) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		type result struct {
			State  State  `json:"state"`
			Detail string `json:"detail,omitempty"`
		}
		names := make([]string, 0, len(checks))
		for n := range checks {
			names = append(names, n)
		}
		sort.Strings(names)
		out := struct {
			Status string            `json:"status"`
			Checks map[string]result `json:"checks"`
		}{Status: string(OK), Checks: map[string]result{}}
		code := http.StatusOK
		for _, n := range names {
			st, detail := checks[n](ctx)
			out.Checks[n] = result{st, detail}
			switch st {
			case Down:
				out.Status = string(Down)
				code = http.StatusServiceUnavailable
			case Degraded:
				if out.Status == string(OK) {
					out.Status = string(Degraded)
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	return mux
}

// Server returns an http.Server for the admin handler with timeouts set.
func Server(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
}
