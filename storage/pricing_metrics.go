package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tallyhq/tally/model"
)

// UnpricedCount is the unpriced billable time of a date range.
type UnpricedCount struct {
	Entries int64
	Seconds int64
	// ByReason splits Seconds by why the time is unpriced.
	ByReason map[UnpricedReason]int64
}

// UnpricedBillable counts the live billable entries with local dates in
// [from, to] that carry no amount because no rate is in force.
func (db *DB) UnpricedBillable(ctx context.Context, from, to time.Time) (UnpricedCount, error) {
	out := UnpricedCount{ByReason: map[UnpricedReason]int64{}}
	rows, err := db.pool.Query(ctx, `
		SELECT unpriced_reason, count(*), sum(duration_secs) FROM priced_entries
		WHERE unpriced AND local_date BETWEEN $1 AND $2 AND deleted_at IS NULL
		GROUP BY 1`, from, to)
	if err != nil {
		return out, fmt.Errorf("unpriced billable: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var reason UnpricedReason
		var n, secs int64
		if err := rows.Scan(&reason, &n, &secs); err != nil {
			return out, fmt.Errorf("unpriced billable: %w", err)
		}
		out.Entries += n
		out.Seconds += secs
		out.ByReason[reason] += secs
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("unpriced billable: %w", err)
	}
	return out, nil
}

// UnpricedCollector exports the unpriced billable time of the current and
// the last week as Prometheus gauges:
//
//	tally_unpriced_billable_seconds{week="current|last", reason="…"}
//	tally_unpriced_billable_entries{week="current|last"}
//
// Register it next to the pool collector; every scrape runs one query per
// week (bounded by a 5 s timeout).
type UnpricedCollector struct {
	db      *DB
	now     func() time.Time
	loc     *time.Location
	seconds *prometheus.Desc
	entries *prometheus.Desc
}

// NewUnpricedCollector returns a collector on db; now is the clock and loc
// the zone whose calendar decides which week is current (nil: UTC).
func NewUnpricedCollector(db *DB, now func() time.Time, loc *time.Location) *UnpricedCollector {
	if loc == nil {
		loc = time.UTC
	}
	return &UnpricedCollector{
		db: db, now: now, loc: loc,
		seconds: prometheus.NewDesc("tally_unpriced_billable_seconds",
			"Billable seconds with no rate in force (no amount), by week and reason.", []string{"week", "reason"}, nil),
		entries: prometheus.NewDesc("tally_unpriced_billable_entries",
			"Billable entries with no rate in force (no amount), by week.", []string{"week"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *UnpricedCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.seconds
	ch <- c.entries
}

// Collect implements prometheus.Collector.
func (c *UnpricedCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	current := model.WeekOf(c.now().In(c.loc))
	for _, w := range []struct {
		label string
		week  model.Week
	}{{"current", current}, {"last", current.Prev()}} {
		n, err := c.db.UnpricedBillable(ctx, w.week.Start, w.week.End())
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.entries, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(n.Entries), w.label)
		for _, r := range []UnpricedReason{UnpricedUnknownPerson, UnpricedNoRate, UnpricedBeforeFirstRate} {
			ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.GaugeValue, float64(n.ByReason[r]), w.label, string(r))
		}
	}
}
