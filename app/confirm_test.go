package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/sandbox"
)

// lastEphemeral returns the newest ephemeral message the user saw.
func lastEphemeral(t *testing.T, h *harness, user string) sandbox.SlackMessage {
	t.Helper()
	ms := h.slack.Ephemerals(user)
	if len(ms) == 0 {
		t.Fatalf("no ephemeral message for %s", user)
	}
	return ms[len(ms)-1]
}

func (h *harness) count(sql string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		h.t.Fatalf("count %q: %v", sql, err)
	}
	return n
}

func entryHash(t *testing.T, h *harness, id int64) string {
	t.Helper()
	var hash string
	if err := h.db.QueryRow(context.Background(), `SELECT content_hash FROM time_entries WHERE id = $1`, id).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	return hash
}

func TestConfirmButtonFromTimesheet(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	seedWeek(t, h, time.Now())
	if _, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", ""); err != nil {
		t.Fatal(err)
	}
	m := lastEphemeral(t, h, "U1")
	value := blocks.EntryValue(1001, entryHash(t, h, 1001))
	ack, err := h.slack.BlockAction(h.ctx(), "U1", sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmEntry, BlockID: "entry_1001", Value: value, ChannelID: m.Channel, MessageTS: m.TS})
	if err != nil {
		t.Fatalf("click: %v", err)
	}
	if ack.Latency > time.Second {
		t.Errorf("ack took %s", ack.Latency)
	}
	if n := h.count(`SELECT count(*) FROM confirmations WHERE entry_id = 1001 AND voided_at IS NULL`); n != 1 {
		t.Fatalf("%d confirmations", n)
	}
	if n := h.count(`SELECT count(*) FROM toggl_outbox WHERE entry_id = 1001 AND op = 'tag_add'`); n != 1 {
		t.Fatalf("%d outbox rows", n)
	}
	eventually(t, "the ephemeral message redrawn in place", func() bool {
		for _, p := range h.slack.ResponseURLPosts("U1") {
			if p.ReplaceOriginal && strings.Contains(string(p.Blocks), "confirmed") && !strings.Contains(string(p.Blocks), value) {
				return true
			}
		}
		return false
	})
}

func TestConfirmButtonTamperedStaleAndDoubleClicks(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	seedWeek(t, h, time.Now())
	if _, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", ""); err != nil {
		t.Fatal(err)
	}
	m := lastEphemeral(t, h, "U1")
	click := func(user string, value string) {
		t.Helper()
		if _, err := h.slack.BlockAction(h.ctx(), user, sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmEntry, BlockID: "entry_1001", Value: value, ChannelID: m.Channel, MessageTS: m.TS}); err != nil {
			t.Fatalf("click: %v", err)
		}
	}

	// Bob clicks Ada's entry with a forged value: refused, audited, nothing else.
	forged := map[string]any{
		"type": "block_actions", "api_app_id": sandboxAppID, "user": map[string]any{"id": "U2", "username": "bob", "team_id": "T0SANDBOX"},
		"team":       map[string]any{"id": "T0SANDBOX"},
		"container":  map[string]any{"type": "message", "message_ts": "1.000001", "channel_id": "D2", "is_ephemeral": true},
		"trigger_id": "1.forged",
		"actions": []any{map[string]any{"action_id": blocks.ActionConfirmEntry, "block_id": "entry_1001", "type": "button",
			"value": blocks.EntryValue(1001, entryHash(t, h, 1001)), "action_ts": "1.1"}},
	}
	if _, err := h.slack.SendEnvelope(h.ctx(), "interactive", forged, false); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM confirmations`); n != 0 {
		t.Fatalf("forged click confirmed %d entries", n)
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'confirm.denied' AND actor = 'U2'`); n != 1 {
		t.Fatalf("%d denied audit rows", n)
	}

	// A stale hash (the entry changed in Toggl after the message was drawn).
	click("U1", blocks.EntryValue(1001, "0000000000000000000000000000dead"))
	if n := h.count(`SELECT count(*) FROM confirmations`); n != 0 {
		t.Fatalf("stale click confirmed")
	}
	eventually(t, "the stale explanation", func() bool {
		for _, p := range h.slack.ResponseURLPosts("U1") {
			if strings.Contains(string(p.Blocks), "changed in Toggl") {
				return true
			}
		}
		return false
	})

	// Ten concurrent clicks on the real button: exactly one confirmation,
	// one audit row, one Toggl write.
	value := blocks.EntryValue(1001, entryHash(t, h, 1001))
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = h.slack.BlockAction(h.ctx(), "U1", sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmEntry, BlockID: "entry_1001", Value: value, ChannelID: m.Channel, MessageTS: m.TS})
		}()
	}
	wg.Wait()
	if c, a, o := h.count(`SELECT count(*) FROM confirmations WHERE entry_id = 1001`),
		h.count(`SELECT count(*) FROM audit_log WHERE action = 'entry.confirm' AND entity_id = '1001'`),
		h.count(`SELECT count(*) FROM toggl_outbox WHERE entry_id = 1001`); c != 1 || a != 1 || o != 1 {
		t.Fatalf("double clicks: %d confirmations, %d audit rows, %d outbox rows", c, a, o)
	}
}

func TestProjectPickerThenConfirmAll(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	seedWeek(t, h, time.Now())
	if _, err := h.slack.SlashCommand(h.ctx(), "U1", "/timesheet", ""); err != nil {
		t.Fatal(err)
	}
	m := lastEphemeral(t, h, "U1")
	if _, err := h.slack.BlockAction(h.ctx(), "U1", sandbox.BlockActionSpec{ActionID: blocks.ActionAssignProject, BlockID: "entry_1003", SelectedOption: blocks.ProjectValue(1003, 7), ChannelID: m.Channel, MessageTS: m.TS}); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM time_entries WHERE id = 1003 AND project_id = 7`); n != 1 {
		t.Fatal("project not set")
	}
	if n := h.count(`SELECT count(*) FROM toggl_outbox WHERE entry_id = 1003 AND op = 'set_project'`); n != 1 {
		t.Fatal("project change not queued for Toggl")
	}

	ack, err := h.slack.SlashCommand(h.ctx(), "U1", "/confirm-all", "this week")
	if err != nil {
		t.Fatal(err)
	}
	body := ackText(t, ack.Payload)
	if !strings.Contains(body, "Confirmed 3 entries") {
		t.Fatalf("confirm-all answer:\n%s", body)
	}
	if n := h.count(`SELECT count(*) FROM confirmations WHERE voided_at IS NULL`); n != 3 {
		t.Fatalf("%d confirmations after confirm-all", n)
	}
	ack, err = h.slack.SlashCommand(h.ctx(), "U1", "/confirm-all", "")
	if err != nil {
		t.Fatal(err)
	}
	if body := ackText(t, ack.Payload); !strings.Contains(body, "Nothing was left to confirm") {
		t.Fatalf("second confirm-all:\n%s", body)
	}
	ack, err = h.slack.SlashCommand(h.ctx(), "U1", "/confirm-all", "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if body := ackText(t, ack.Payload); !strings.Contains(body, "don't understand") {
		t.Fatalf("confirm-all with a date should get usage:\n%s", body)
	}
}

func TestConfirmAllButtonOnHome(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{})
	seedWeek(t, h, time.Now())
	if _, err := h.slack.OpenHome(h.ctx(), "U1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "home published", func() bool { return len(h.slack.HomeViews("U1")) > 0 })
	if _, err := h.slack.BlockAction(h.ctx(), "U1", sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmAll, Home: true}); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM confirmations`); n != 2 {
		t.Fatalf("%d confirmations (two allocated entries)", n)
	}
	eventually(t, "home republished", func() bool { return len(h.slack.HomeViews("U1")) >= 2 })
}
