package sync

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// engineMetrics are the sync engine's Prometheus metrics.
type engineMetrics struct {
	runs     *prometheus.CounterVec
	entries  *prometheus.CounterVec
	requests prometheus.Counter
	lastOK   prometheus.Gauge
}

func newEngineMetrics(reg prometheus.Registerer) (engineMetrics, error) {
	m := engineMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tally_sync_runs_total",
			Help: "Toggl sync runs by mode and final status."}, []string{"mode", "status"}),
		entries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tally_sync_entries_total",
			Help: "Time entries handled by Toggl syncs: seen, inserted, updated, deleted, skipped, voided."}, []string{"kind"}),
		requests: prometheus.NewCounter(prometheus.CounterOpts{Name: "tally_sync_toggl_requests_total",
			Help: "Toggl requests spent by sync runs."}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tally_sync_last_success_timestamp_seconds",
			Help: "Unix time of the last successful Toggl sync run."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.runs, m.entries, m.requests, m.lastOK} {
			if err := reg.Register(c); err != nil {
				return m, fmt.Errorf("register sync metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m engineMetrics) observe(r Result) {
	m.runs.WithLabelValues(r.Mode, r.Status).Inc()
	m.entries.WithLabelValues("seen").Add(float64(r.Seen))
	m.entries.WithLabelValues("inserted").Add(float64(r.Inserted))
	m.entries.WithLabelValues("updated").Add(float64(r.Updated))
	m.entries.WithLabelValues("deleted").Add(float64(r.Deleted))
	m.entries.WithLabelValues("skipped").Add(float64(r.Skipped))
	m.entries.WithLabelValues("voided").Add(float64(r.Voided))
	m.requests.Add(float64(r.Requests))
	if r.Status == StatusOK {
		m.lastOK.SetToCurrentTime()
	}
}
