package app_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/home"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

// percentile returns the p-th percentile (0–100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

// seedBulk gives `people` employees `perWeek` entries in each of `weeks`
// weeks ending with week, with COPY, and returns the employee ids.
func seedBulk(b *testing.B, h *harness, people, perWeek, weeks int, week model.Week) []int64 {
	b.Helper()
	ctx := context.Background()
	storagetest.AddProject(b, h.db, 1, "Apollo", "NASA")
	ids := make([]int64, people)
	for i := range ids {
		ids[i] = storagetest.AddEmployee(b, h.db, storagetest.SeedEmployee{BambooID: fmt.Sprint(i + 1), Email: fmt.Sprintf("p%d@example.com", i),
			First: "P", Last: fmt.Sprint(i), SlackUserID: fmt.Sprintf("UB%07d", i), SlackTZ: "UTC", TogglUserID: int64(100000 + i)})
	}
	perPerson := weeks * perWeek
	storagetest.CopyRows(b, h.db, "time_entries", []string{"id", "toggl_user_id", "employee_id", "project_id", "description", "billable",
		"start_at", "stop_at", "tz_offset_secs", "local_date", "duration_secs", "toggl_updated_at", "content_hash"}, people*perPerson,
		func(k int) []any {
			i, rest := k/perPerson, k%perPerson
			w, n := rest/perWeek, rest%perWeek
			start := week.Start.AddDate(0, 0, -7*w+n%5).Add(time.Duration(8+n%9) * time.Hour)
			secs := int64(1800 + (n%4)*900)
			hash := model.ContentHash(start, secs, 1, 0, "work", true)
			return []any{int64(k + 1), int64(100000 + i), ids[i], int64(1), "work", true, start, start.Add(time.Duration(secs) * time.Second),
				int32(0), time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC), secs, start, hash}
		})
	if _, err := h.db.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return ids
}

// BenchmarkConfirmClicks sends 200 concurrent Confirm clicks through the
// Socket Mode fake and reports envelope→ack latency and the rate of
// completed confirmations. Target: p99 ≤ 100 ms.
func BenchmarkConfirmClicks(b *testing.B) {
	h := startHarness(b, harnessOpts{})
	week := model.WeekOf(time.Now().UTC())
	const clicks = 200
	ids := seedBulk(b, h, clicks, 1, 1, week)
	for i := range ids {
		h.slack.AddUser(sandbox.SlackUser{ID: fmt.Sprintf("UB%07d", i), Name: fmt.Sprint(i), Email: fmt.Sprintf("p%d@example.com", i), TZ: "UTC"})
	}
	type click struct {
		user  string
		value string
		ch    string
		ts    string
	}
	ctx := context.Background()
	var cs []click
	for i := range ids {
		user := fmt.Sprintf("UB%07d", i)
		if _, err := h.slack.SlashCommand(ctx, user, "/timesheet", ""); err != nil {
			b.Fatal(err)
		}
		m := h.slack.Ephemerals(user)[0]
		var hash string
		if err := h.db.QueryRow(ctx, `SELECT content_hash FROM time_entries WHERE employee_id = $1`, ids[i]).Scan(&hash); err != nil {
			b.Fatal(err)
		}
		var entry int64
		_ = h.db.QueryRow(ctx, `SELECT id FROM time_entries WHERE employee_id = $1`, ids[i]).Scan(&entry)
		cs = append(cs, click{user, blocks.EntryValue(entry, hash), m.Channel, m.TS})
	}
	b.ResetTimer()
	lat := make([]time.Duration, len(cs))
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func(i int, c click) {
			defer wg.Done()
			ack, err := h.slack.BlockAction(ctx, c.user, sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmEntry, Value: c.value, ChannelID: c.ch, MessageTS: c.ts})
			if err != nil {
				b.Errorf("click: %v", err)
				return
			}
			lat[i] = ack.Latency
		}(i, c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	n := h.count(`SELECT count(*) FROM confirmations WHERE voided_at IS NULL`)
	if n != clicks {
		b.Fatalf("%d confirmations after %d clicks", n, clicks)
	}
	b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99_ms")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "confirmations/s")
	b.ReportMetric(serverAckP99(b, h, "interactive"), "server_p99_ms_bucket")
}

// BenchmarkTimesheet400k answers /timesheet for a 60-entry week with
// 400,000 entries in the database and reports the server-side p95 (the
// handler, from payload to answer). Target: p95 ≤ 50 ms.
func BenchmarkTimesheet400k(b *testing.B) {
	h := startHarness(b, harnessOpts{})
	week := model.WeekOf(time.Now().UTC())
	// 1,000 people × 50 weeks × 8 entries = 400,000 entries; the timed
	// person has 60 entries in the current week.
	ids := seedBulk(b, h, 1000, 8, 50, week)
	ctx := context.Background()
	extra := make([][]any, 0, 52)
	for n := 0; n < 52; n++ {
		start := week.Start.AddDate(0, 0, n%5).Add(time.Duration(7*60+n*7) * time.Minute)
		hash := model.ContentHash(start, 600, 0, 0, "extra", false)
		extra = append(extra, []any{int64(9_000_000 + n), int64(100000), ids[0], "extra", start, start.Add(10 * time.Minute), int32(0),
			time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC), int64(600), start, hash})
	}
	storagetest.CopyRows(b, h.db, "time_entries", []string{"id", "toggl_user_id", "employee_id", "description",
		"start_at", "stop_at", "tz_offset_secs", "local_date", "duration_secs", "toggl_updated_at", "content_hash"}, len(extra),
		func(i int) []any { return extra[i] })
	total := h.count(`SELECT count(*) FROM time_entries`)
	weekN := h.count(`SELECT count(*) FROM time_entries WHERE employee_id = $1 AND local_date >= $2`, ids[0], week.Start)
	cmd := slack.SlashCommand{Command: "/timesheet", UserID: "UB0000000", ResponseURL: ""}
	const runs = 200
	lat := make([]time.Duration, 0, runs)
	b.ResetTimer()
	for i := 0; i < runs; i++ {
		t0 := time.Now()
		msg, err := h.app.HandleSlashCommand(ctx, cmd)
		lat = append(lat, time.Since(t0))
		if err != nil || msg == nil || len(msg.Blocks) == 0 {
			b.Fatalf("timesheet: %v", err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(total), "entries_in_db")
	b.ReportMetric(float64(weekN), "entries_in_week")
	b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 95).Microseconds())/1000, "p95_ms")
}

// serverAckP99 reads the bot's own ack-latency histogram (receipt of the
// envelope to the ack written) for a type, as a rough p99 in ms.
func serverAckP99(b *testing.B, h *harness, typ string) float64 {
	mfs, err := h.app.Metrics().Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "tally_slack_ack_latency_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() != typ {
				continue
			}
			hist := m.GetHistogram()
			total := float64(hist.GetSampleCount())
			for _, bk := range hist.GetBucket() {
				if float64(bk.GetCumulativeCount()) >= 0.99*total {
					return bk.GetUpperBound() * 1000
				}
			}
		}
	}
	return -1
}

// BenchmarkManagerHome builds and publishes the App Home of a manager with
// a 200-person subtree, with 400,000 entries in the database: server-side
// time from app_home_opened to views.publish answered. Target: p95 ≤ 150 ms.
func BenchmarkManagerHome(b *testing.B) {
	h := startHarness(b, harnessOpts{})
	week := model.WeekOf(time.Now().UTC())
	// 2,000 people × 25 weeks × 8 entries = 400,000 entries.
	ids := seedBulk(b, h, 2000, 8, 25, week)
	ctx := context.Background()
	// Person 0 manages 20 leads, who manage 9 people each: 200 people.
	if _, err := h.db.Exec(ctx, `UPDATE employees SET supervisor_bamboo_id = '1' WHERE id = ANY($1)`, ids[1:21]); err != nil {
		b.Fatal(err)
	}
	for l := 0; l < 20; l++ {
		lead := fmt.Sprint(l + 2) // bamboo ids are 1-based
		if _, err := h.db.Exec(ctx, `UPDATE employees SET supervisor_bamboo_id = $1 WHERE id = ANY($2)`, lead, ids[21+l*9:30+l*9]); err != nil {
			b.Fatal(err)
		}
	}
	h.slack.AddUser(sandbox.SlackUser{ID: "UB0000000", Name: "boss", Email: "p0@example.com", TZ: "UTC"})
	subtree := h.count(`WITH RECURSIVE t AS (SELECT bamboo_id FROM employees WHERE supervisor_bamboo_id = '1'
		UNION SELECT e.bamboo_id FROM employees e JOIN t ON e.supervisor_bamboo_id = t.bamboo_id) SELECT count(*) FROM t`)
	const runs = 60
	lat := make([]time.Duration, 0, runs)
	b.ResetTimer()
	for i := 0; i < runs; i++ {
		st := home.State{Scope: blocks.ScopeSubtree}
		t0 := time.Now()
		if err := h.app.PublishHome(ctx, "UB0000000", st); err != nil {
			b.Fatalf("publish: %v", err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(float64(h.count(`SELECT count(*) FROM time_entries`)), "entries_in_db")
	b.ReportMetric(float64(subtree), "subtree_people")
	b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 95).Microseconds())/1000, "p95_ms")
}
