package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

// seedTeam adds manager Grace (U10) over Ada (U1, from seedWeek) and an
// unrelated manager Linus (U20) with his own report.
func seedTeam(t *testing.T, h *harness) {
	t.Helper()
	storagetest.AddEmployee(t, h.db, storagetest.SeedEmployee{BambooID: "10", Email: "grace@example.com", First: "Grace", Last: "Hopper", SlackUserID: "U10", SlackTZ: "Europe/Berlin"})
	storagetest.AddEmployee(t, h.db, storagetest.SeedEmployee{BambooID: "20", Email: "linus@example.com", First: "Linus", Last: "T", SlackUserID: "U20", SlackTZ: "Europe/Helsinki"})
	storagetest.AddEmployee(t, h.db, storagetest.SeedEmployee{BambooID: "21", Email: "ken@example.com", First: "Ken", Last: "T", SlackUserID: "U21", SupervisorID: "20"})
	if _, err := h.db.Exec(h.ctx(), `UPDATE employees SET supervisor_bamboo_id = '10' WHERE bamboo_id IN ('1', '2')`); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ id, email string }{{"U10", "grace@example.com"}, {"U20", "linus@example.com"}, {"UHR0001", "hr@example.com"}} {
		h.slack.AddUser(sandboxUser(u.id, u.email))
	}
}

func TestManagerApprovesAndRejectsFromHome(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	now := time.Now()
	seedWeek(t, h, now)
	seedTeam(t, h)
	berlin := mustLoad(t, "Europe/Berlin")
	week := model.WeekOf(now.In(berlin))
	var adaID int64
	if err := h.db.QueryRow(h.ctx(), `SELECT id FROM employees WHERE slack_user_id = 'U1'`).Scan(&adaID); err != nil {
		t.Fatal(err)
	}
	value := blocks.PersonWeekValue(adaID, week)

	if _, err := h.slack.OpenHome(h.ctx(), "U10"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "manager home", func() bool {
		v := h.slack.HomeViews("U10")
		return len(v) > 0 && strings.Contains(string(v[len(v)-1]), "Ada Lovelace")
	})

	// Approving a week with unconfirmed entries (the home shows no Approve
	// button yet; a forged click) is refused and explained.
	if _, err := h.slack.SendEnvelope(h.ctx(), "interactive", forgedApprove("U10", value), false); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM week_approvals`); n != 0 {
		t.Fatal("approved a week with unconfirmed entries")
	}
	eventually(t, "the refusal DM", func() bool { return len(h.slack.DMs("U10")) > 0 })

	// Ada assigns the project and confirms; then Grace approves.
	if _, err := h.db.Exec(h.ctx(), `UPDATE time_entries SET project_id = 7 WHERE id = 1003`); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.SlashCommand(h.ctx(), "U1", "/confirm-all", ""); err != nil {
		t.Fatal(err)
	}
	// Linus manages someone else: refused and audited.
	if _, err := h.slack.OpenHome(h.ctx(), "U20"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "linus's home", func() bool { return len(h.slack.HomeViews("U20")) > 0 })
	if _, err := h.slack.SendEnvelope(h.ctx(), "interactive", forgedApprove("U20", value), false); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM week_approvals`); n != 0 {
		t.Fatal("a manager outside the subtree approved")
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'approve.denied' AND actor = 'U20'`); n != 1 {
		t.Fatalf("%d approve.denied rows", n)
	}

	if _, err := h.slack.OpenHome(h.ctx(), "U10"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "an Approve button for Ada", func() bool {
		v := h.slack.HomeViews("U10")
		return strings.Contains(string(v[len(v)-1]), `"action_id":"approve_week","value":"`+value)
	})
	if _, err := h.slack.BlockAction(h.ctx(), "U10", sandbox.BlockActionSpec{ActionID: blocks.ActionApproveWeek, Value: value, Home: true}); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM week_approvals WHERE status = 'approved' AND employee_id = $1`, adaID); n != 1 {
		t.Fatal("week not approved")
	}
	eventually(t, "Ada told of the approval", func() bool {
		for _, m := range h.slack.DMs("U1") {
			if strings.Contains(m.Text, "approved") {
				return true
			}
		}
		return false
	})

	// Reject: the modal opens; an empty reason is refused by the modal.
	if _, err := h.slack.BlockAction(h.ctx(), "U10", sandbox.BlockActionSpec{ActionID: blocks.ActionRejectWeek, Value: value, Home: true}); err != nil {
		t.Fatal(err)
	}
	views := h.slack.OpenedViews()
	if len(views) != 1 {
		t.Fatalf("%d modals opened", len(views))
	}
	ack, err := h.slack.ViewSubmission(h.ctx(), "U10", views[0].ID, blocks.CallbackRejectWeek, value,
		map[string]map[string]string{blocks.RejectReasonBlockID: {blocks.RejectReasonActionID: "   "}})
	if err != nil {
		t.Fatal(err)
	}
	if ack.ResponseAction() != "errors" {
		t.Fatalf("empty reason accepted: %s", ack.Payload)
	}
	ack, err = h.slack.ViewSubmission(h.ctx(), "U10", views[0].ID, blocks.CallbackRejectWeek, value,
		map[string]map[string]string{blocks.RejectReasonBlockID: {blocks.RejectReasonActionID: "Tuesday's pairing belongs to <Apollo>"}})
	if err != nil {
		t.Fatal(err)
	}
	if ack.ResponseAction() == "errors" {
		t.Fatalf("reason refused: %s", ack.Payload)
	}
	if n := h.count(`SELECT count(*) FROM week_approvals WHERE status = 'rejected' AND reason LIKE 'Tuesday%'`); n != 1 {
		t.Fatal("week not rejected")
	}
	eventually(t, "Ada gets the reason", func() bool {
		for _, m := range h.slack.DMs("U1") {
			if strings.Contains(string(m.Blocks), "&lt;Apollo&gt;") || strings.Contains(string(m.Blocks), `\u0026lt;Apollo\u0026gt;`) {
				return true
			}
		}
		return false
	})
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action IN ('week.approve', 'week.reject')`); n != 2 {
		t.Fatalf("%d approval audit rows", n)
	}
}

func TestHRHomeAndSelfApproval(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	seedWeek(t, h, time.Now())
	seedTeam(t, h)
	if _, err := h.slack.OpenHome(h.ctx(), "UHR0001"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "HR home", func() bool {
		v := h.slack.HomeViews("UHR0001")
		return len(v) > 0 && strings.Contains(strings.ToLower(string(v[len(v)-1])), "sync")
	})
	// Grace tries to approve her own week with a forged value.
	var graceID int64
	if err := h.db.QueryRow(h.ctx(), `SELECT id FROM employees WHERE slack_user_id = 'U10'`).Scan(&graceID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.SendEnvelope(h.ctx(), "interactive", forgedApprove("U10", blocks.PersonWeekValue(graceID, model.WeekOf(time.Now()))), false); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM week_approvals`); n != 0 {
		t.Fatal("self-approval accepted")
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'approve.denied' AND actor = 'U10'`); n != 1 {
		t.Fatalf("%d denied rows for self-approval", n)
	}
}

// sandboxAppID is the app id the Slack fake gives tally by default: a forged
// click must come from this workspace and app, or the bot ignores it before
// any handler runs.
const sandboxAppID = "A0SANDBOX"

// forgedApprove is an Approve click crafted by hand, as a tampered client
// could send it.
func forgedApprove(user, value string) map[string]any {
	return map[string]any{
		"type": "block_actions", "api_app_id": sandboxAppID, "user": map[string]any{"id": user, "username": user, "team_id": "T0SANDBOX"},
		"team": map[string]any{"id": "T0SANDBOX"}, "container": map[string]any{"type": "view", "view_id": "V1"},
		"view": map[string]any{"id": "V1", "type": "home", "private_metadata": ""}, "trigger_id": "1.x",
		"actions": []any{map[string]any{"action_id": blocks.ActionApproveWeek, "block_id": "b", "type": "button", "value": value, "action_ts": "1.1"}},
	}
}
