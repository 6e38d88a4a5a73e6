package remind

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	sent, skipped, failed *prometheus.CounterVec
	rateLimited           *prometheus.CounterVec
	badZones              prometheus.Counter
	renewed               prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_reminders_sent_total", Help: "Reminder, digest and nudge DMs sent, by kind.",
		}, []string{"kind"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_reminders_skipped_total", Help: "Reminders decided not to send (time off, nothing open), by kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_reminders_failed_total", Help: "Reminders given up on (the person cannot be DMed, Slack refused), by kind.",
		}, []string{"kind"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_slack_rate_limited_total", Help: "Slack 429 answers met by the reminder fan-out, by method.",
		}, []string{"method"}),
		badZones: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tally_reminder_unknown_zones_total", Help: "People whose Slack time zone did not load; the default zone was used.",
		}),
		renewed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tally_reminder_claims_renewed_total", Help: "Reminder claims renewed by the heartbeat of work in progress.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.sent, m.skipped, m.failed, m.rateLimited, m.badZones, m.renewed} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("remind: register metrics: %w", err)
		}
	}
	return m, nil
}
