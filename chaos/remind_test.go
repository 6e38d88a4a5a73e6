//go:build chaos

package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// reminderEnv makes every person's weekly reminder due as soon as tally
// runs (Monday 00:00 local has passed in every zone's current week) and
// paces DMs at 20 a second, so a fan-out to 200 people takes about 10 s.
var reminderEnv = map[string]string{
	"REMINDER_WEEKDAY":          "Monday",
	"REMINDER_TIME":             "00:00",
	"SLACK_MESSAGES_PER_MINUTE": "1200",
}

// reminderDMs reads the weekly reminder DMs the Slack fake holds, by the
// ledger id tally put in their metadata, and counts DMs without one.
func (w *world) reminderDMs(t *testing.T) (perLedger map[int64]int, unmarked int) {
	t.Helper()
	perLedger = map[int64]int{}
	for _, user := range w.slackUsers(t) {
		for _, m := range w.slack.DMs(user) {
			if m.Metadata == nil {
				continue
			}
			var md struct {
				EventType    string            `json:"event_type"`
				EventPayload map[string]string `json:"event_payload"`
			}
			if err := json.Unmarshal(m.Metadata, &md); err != nil || md.EventType != "tally_reminder" {
				continue
			}
			if md.EventPayload["kind"] != "weekly" {
				continue
			}
			id, err := strconv.ParseInt(md.EventPayload["ledger_id"], 10, 64)
			if err != nil {
				unmarked++
				continue
			}
			perLedger[id]++
		}
	}
	return perLedger, unmarked
}

// slackUsers lists the Slack ids of every employee (hires from webhooks too).
func (w *world) slackUsers(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := w.db.Query(ctx, `SELECT slack_user_id FROM employees WHERE slack_user_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// unreminded counts employees with a Slack identity and no weekly reminder
// recorded as sent, plus reminders still claimed (-1 when Postgres does not
// answer).
func (w *world) unreminded() int {
	n, err := w.tryCount(`SELECT count(*) FROM employees e WHERE e.slack_user_id IS NOT NULL AND NOT EXISTS
		(SELECT 1 FROM reminders r WHERE r.employee_id = e.id AND r.kind = 'weekly' AND r.status = 'sent')`)
	if err != nil {
		return -1
	}
	c, err := w.tryCount(`SELECT count(*) FROM reminders WHERE status = 'claimed'`)
	if err != nil {
		return -1
	}
	return n + c
}

// weeklyLedger returns the weekly reminder rows: id → status.
func (w *world) weeklyLedger(t *testing.T) map[int64]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := w.db.Query(ctx, `SELECT id, status FROM reminders WHERE kind = 'weekly'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var st string
		if err := rows.Scan(&id, &st); err != nil {
			t.Fatal(err)
		}
		out[id] = st
	}
	return out
}

// checkReminders compares the ledger with the DMs: every person has a sent
// reminder (missed otherwise) and every sent row exactly one DM.
func (w *world) checkReminders(t *testing.T) (sent, missed, duplicated int) {
	t.Helper()
	ledger := w.weeklyLedger(t)
	perLedger, unmarked := w.reminderDMs(t)
	missed = w.unreminded()
	for id, st := range ledger {
		n := perLedger[id]
		switch {
		case st == "sent" && n == 0:
			missed++
			t.Logf("reminder %d recorded sent, no DM in Slack", id)
		case n > 1:
			duplicated += n - 1
			t.Logf("reminder %d: %d DMs", id, n)
		}
		if st == "sent" {
			sent++
		}
	}
	for id, n := range perLedger {
		if _, ok := ledger[id]; !ok {
			duplicated += n
		}
	}
	duplicated += unmarked
	return sent, missed, duplicated
}

// testKillDuringReminderFanOut kills `tally run` while its scheduled
// reminder job DMs 200 people, restarts it, and checks each person got
// exactly one DM. The claims the killed process held stop being renewed
// by its heartbeat; the restarted process's remind.recover job (every 10 s)
// takes them over once their lease (remind.Options.ClaimLease, 15 s) runs
// out, which is what bounds the recovery time (within 30 s).
// TestPostgresOutageAndReminderKill runs it.
func testKillDuringReminderFanOut(t *testing.T) {
	w := newWorld(t, worldOpts{people: 200, entriesPerWeek: 5, env: reminderEnv})
	w.prepare()
	tl := w.startTally("chaos-remind", 1)
	waitFor(t, 90*time.Second, "the reminder fan-out to start", func() bool {
		return w.slack.CallCount("chat.postMessage") >= 40
	})
	tl.kill()
	killedAt := time.Now()
	claimed := w.count(`SELECT count(*) FROM reminders WHERE kind = 'weekly' AND status = 'claimed'`)
	t.Logf("killed tally run after %d DMs; %d reminders claimed and not finished", w.slack.CallCount("chat.postMessage"), claimed)
	w.restartTally(tl, 1)
	waitFor(t, 5*time.Minute, "every person's reminder sent", func() bool { return w.unreminded() == 0 })
	recovered := time.Since(killedAt)
	sent, missed, dup := w.checkReminders(t)
	record(t, row{Fault: "kill -9 tally run", Load: fmt.Sprintf("reminder fan-out, %d people, 20 DMs/s", len(w.people)),
		Accepted: sent, Lost: missed, Duplicated: dup, Recovered: recovered,
		Note: fmt.Sprintf("%d claims left by the killed run taken over after the 15 s claim lease", claimed)})
}
