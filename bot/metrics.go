package bot

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the bot's Prometheus series.
type metrics struct {
	envelopes     *prometheus.CounterVec
	ackLatency    *prometheus.HistogramVec
	handlerErrors *prometheus.CounterVec
	connected     prometheus.Gauge
	reconnects    prometheus.Counter
	foreign       *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_slack_envelopes_total",
			Help: "Socket Mode envelopes received, by type.",
		}, []string{"type"}),
		ackLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tally_slack_ack_latency_seconds",
			Help:    "Time from receiving an envelope to sending its ack, by type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3},
		}, []string{"type"}),
		handlerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_slack_handler_errors_total",
			Help: "Envelope handlers that failed, by type.",
		}, []string{"type"}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tally_slack_connected",
			Help: "Socket Mode connections up (0 when none is).",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tally_slack_reconnects_total",
			Help: "Socket Mode (re)connections after the first.",
		}),
		foreign: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_slack_foreign_envelopes_total",
			Help: "Envelopes from another workspace or app, acked and ignored, by type.",
		}, []string{"type"}),
	}
	if reg != nil {
		reg.MustRegister(m.envelopes, m.ackLatency, m.handlerErrors, m.connected, m.reconnects, m.foreign)
	}
	return m
}
