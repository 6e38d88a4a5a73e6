package schedule

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	runs    *prometheus.CounterVec
	skipped *prometheus.CounterVec
	// recovered counts slots run again because their claimer died.
	recovered *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	leader    prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_job_runs_total", Help: "Scheduled job runs by job and status (ok, failed).",
		}, []string{"job", "status"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_job_skipped_total", Help: "Job runs skipped: not the leader, or the slot already claimed.",
		}, []string{"job", "reason"}),
		recovered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_job_recovered_total", Help: "Job slots run again because the replica that claimed them died.",
		}, []string{"job"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tally_job_duration_seconds", Help: "Duration of scheduled job runs.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"job"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tally_scheduler_leader", Help: "1 while this replica holds the scheduler lease.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.runs, m.skipped, m.recovered, m.duration, m.leader} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("schedule: metrics already registered: %w", err)
			}
			return nil, fmt.Errorf("schedule: register metrics: %w", err)
		}
	}
	return m, nil
}
