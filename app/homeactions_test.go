package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/sandbox"
)

// TestManagerHomeActions covers the team toggle, Nudge (once a day), the
// CSV export sent as a file and HR's Retry on a parked write-back.
func TestManagerHomeActions(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	seedWeek(t, h, time.Now())
	seedTeam(t, h)
	if _, err := h.slack.OpenHome(h.ctx(), "U10"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "manager home", func() bool { return len(h.slack.HomeViews("U10")) > 0 })

	// Whole subtree, then back.
	if _, err := h.slack.BlockAction(h.ctx(), "U10", sandbox.BlockActionSpec{ActionID: blocks.ActionHomeScope, Home: true}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the whole-organisation view", func() bool {
		v := h.slack.HomeViews("U10")
		return strings.Contains(string(v[len(v)-1]), "Team · ") && strings.Contains(string(v[len(v)-1]), "· whole organisation")
	})

	// Nudge Ada: she gets her week again; a second nudge the same day is refused.
	before := len(h.slack.DMs("U1"))
	if _, err := h.slack.BlockAction(h.ctx(), "U10", sandbox.BlockActionSpec{ActionID: blocks.ActionNudge, BlockID: "member_actions_1", Home: true}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the nudge DM", func() bool { return len(h.slack.DMs("U1")) == before+1 })
	if dm := h.slack.DMs("U1")[before]; !strings.Contains(string(dm.Blocks), "asks you to confirm") {
		t.Fatalf("nudge DM: %s", dm.Blocks)
	}
	mgrDMs := len(h.slack.DMs("U10"))
	if _, err := h.slack.BlockAction(h.ctx(), "U10", sandbox.BlockActionSpec{ActionID: blocks.ActionNudge, BlockID: "member_actions_1", Home: true}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the second nudge refused with a reason", func() bool { return len(h.slack.DMs("U10")) > mgrDMs })
	if n := len(h.slack.DMs("U1")); n != before+1 {
		t.Fatalf("second nudge the same day reached Ada (%d DMs)", n)
	}

	// Export this week's CSV as a file in the manager's DM.
	if _, err := h.slack.BlockAction(h.ctx(), "U10", sandbox.BlockActionSpec{ActionID: blocks.ActionExportWeek, Home: true}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the CSV file", func() bool {
		for _, f := range h.slack.Files() {
			if f.Completed && strings.HasSuffix(f.Name, ".csv") && strings.Contains(string(f.Content), "NASA,Apollo,Ada Lovelace,ada@example.com") {
				return true
			}
		}
		return false
	})

	// HR retries a parked write-back.
	if _, err := h.db.Exec(h.ctx(), `INSERT INTO toggl_outbox (entry_id, op, idempotency_key, status, attempts, last_error)
		VALUES (1001, 'tag_add', 'parked-test', 'parked', 12, 'toggl: 403 forbidden')`); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := h.db.QueryRow(h.ctx(), `SELECT id FROM toggl_outbox WHERE idempotency_key = 'parked-test'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.OpenHome(h.ctx(), "UHR0001"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "HR home with the parked row", func() bool {
		v := h.slack.HomeViews("UHR0001")
		return len(v) > 0 && strings.Contains(string(v[len(v)-1]), blocks.ActionRetryOutbox)
	})
	// A developer cannot press it (forged), HR can.
	forged := forgedApprove("U1", "")
	forged["actions"] = []any{map[string]any{"action_id": blocks.ActionRetryOutbox, "block_id": "b", "type": "button", "value": itoa(int(id)), "action_ts": "1.1"}}
	if _, err := h.slack.SendEnvelope(h.ctx(), "interactive", forged, false); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM toggl_outbox WHERE id = $1 AND status = 'parked'`, id); n != 1 {
		t.Fatal("a developer requeued a parked write-back")
	}
	if _, err := h.slack.BlockAction(h.ctx(), "UHR0001", sandbox.BlockActionSpec{ActionID: blocks.ActionRetryOutbox, Value: itoa(int(id)), Home: true}); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM toggl_outbox WHERE id = $1 AND status = 'pending' AND attempts = 0`, id); n != 1 {
		t.Fatal("HR retry did not requeue the write-back")
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'outbox.retry' AND actor = 'UHR0001'`); n != 1 {
		t.Fatal("retry not audited")
	}
}
