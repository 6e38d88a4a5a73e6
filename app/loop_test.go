package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
)

// TestWholeLoopThroughRun drives one person through the product as wired
// by `tally run`: a signed BambooHR hire, Slack and Toggl identities, a
// Toggl sync, a confirmation in Slack and the confirmed tag written back.
func TestWholeLoopThroughRun(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{fakes: true})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// BambooHR hires Ada; her Slack and Toggl accounts use the same email.
	id := h.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Ada", LastName: "Lovelace", WorkEmail: "ada@example.com",
		JobTitle: "Engineer", EmploymentStatus: "Full-Time", HireDate: "2024-01-01",
		Fields: map[string]any{"customBillableRate": "150.00 EUR"}})
	h.slack.AddUser(sandbox.SlackUser{ID: "U1", Name: "ada", RealName: "Ada Lovelace", Email: "ada@example.com", TZ: "Europe/Berlin", TZOffset: 3600})
	h.toggl.AddUser(sandbox.TogglUser{ID: 501, Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Timezone: "Europe/Berlin", OffsetSecs: 3600})
	h.toggl.AddProject(sandbox.TogglProject{ID: 77, Name: "Apollo", Billable: true, Active: true})
	berlin := time.FixedZone("", 3600)
	week := model.WeekOf(time.Now().In(berlin))
	start := time.Date(week.Start.Year(), week.Start.Month(), week.Start.Day(), 9, 0, 0, 0, berlin)
	entryID := h.toggl.AddEntry(sandbox.TogglEntry{UserID: 501, ProjectID: 77, Description: "Analytical engine", Billable: true, Start: start, Seconds: 3 * 3600})
	loose := h.toggl.AddEntry(sandbox.TogglEntry{UserID: 501, Description: "Bernoulli numbers", Billable: true, Start: start.Add(4 * time.Hour), Seconds: 3600})

	sender := sandbox.NewBambooWebhookSender(h.app.WebhookURL(), []byte(h.env["BAMBOO_WEBHOOK_SECRET"]))
	status, err := sender.Send(ctx, sandbox.BambooEventPayload("created", id, time.Now()))
	if err != nil || status != 200 {
		t.Fatalf("webhook: %d %v", status, err)
	}
	// The delivery is stored when the webhook answers 200; a drain that
	// starts after that has applied it.
	if err := h.app.DrainInbox(ctx); err != nil {
		t.Fatalf("drain the inbox: %v", err)
	}
	if n := h.count(`SELECT count(*) FROM employees WHERE email = 'ada@example.com' AND slack_user_id = 'U1'`); n != 1 {
		t.Fatal("Ada not created from the webhook with her Slack identity")
	}
	if n := h.count(`SELECT count(*) FROM billable_rates WHERE amount_minor = 15000 AND currency = 'EUR'`); n != 1 {
		t.Fatalf("rate not stored (%d rows)", n)
	}

	// Nightly jobs, run now: full sync (fills toggl_users and entries) and
	// reconciliation (joins the Toggl identity).
	if _, err := h.app.SyncFull(ctx); err != nil {
		t.Fatalf("full sync: %v", err)
	}
	if _, err := h.app.Reconcile(ctx); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if n := h.count(`SELECT count(*) FROM priced_entries WHERE id = $1 AND employee_id IS NOT NULL AND amount_minor = 45000`, entryID); n != 1 {
		t.Fatal("entry not synced, linked and priced at 3h × 150 EUR")
	}

	ack, err := h.slack.SlashCommand(ctx, "U1", "/timesheet", "")
	if err != nil {
		t.Fatal(err)
	}
	if body := ackText(t, ack.Payload); !strings.Contains(body, "Analytical engine") || !strings.Contains(body, "600.00 EUR") {
		t.Fatalf("timesheet lacks the synced, priced entry:\n%s", body)
	}
	m := lastEphemeral(t, h, "U1")
	if _, err := h.slack.BlockAction(ctx, "U1", sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmEntry, Value: blocks.EntryValue(entryID, entryHash(t, h, entryID)), ChannelID: m.Channel, MessageTS: m.TS}); err != nil {
		t.Fatal(err)
	}
	// Ada picks a project for the unallocated entry and confirms it; a sync
	// that runs before the pick reached Toggl must not undo either.
	if _, err := h.slack.BlockAction(ctx, "U1", sandbox.BlockActionSpec{ActionID: blocks.ActionAssignProject, SelectedOption: blocks.ProjectValue(loose, 77), ChannelID: m.Channel, MessageTS: m.TS}); err != nil {
		t.Fatal(err)
	}
	// Confirm all: the picked entry is the only one left (the write
	// happens before the ack).
	if _, err := h.slack.SlashCommand(ctx, "U1", "/confirm-all", ""); err != nil {
		t.Fatalf("confirm the picked entry: %v", err)
	}
	if n := h.count(`SELECT count(*) FROM confirmations WHERE entry_id = $1 AND voided_at IS NULL`, loose); n != 1 {
		t.Fatal("the picked entry was not confirmed")
	}
	if _, err := h.app.SyncFull(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM time_entries te JOIN confirmations c ON c.entry_id = te.id AND c.voided_at IS NULL
		WHERE te.id = $1 AND te.project_id = 77`, loose); n != 1 {
		t.Fatal("a sync before the write-back undid the project pick or voided its confirmation")
	}
	if _, err := h.app.Writeback(ctx); err != nil {
		t.Fatalf("write-back: %v", err)
	}
	if e, _ := h.toggl.Entry(loose); e.ProjectID != 77 {
		t.Fatalf("project pick not written to Toggl: %d", e.ProjectID)
	}
	if _, err := h.app.SyncIncremental(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM confirmations WHERE entry_id = $1 AND voided_at IS NULL`, loose); n != 1 {
		t.Fatal("the sync after the write-back voided the confirmation of the picked entry")
	}
	tags := h.toggl.EntryTags(entryID)
	if len(tags) != 1 || tags[0] != "confirmed" {
		t.Fatalf("Toggl tags after confirmation: %v", tags)
	}

	// The entry is edited in Toggl: the next sync voids the confirmation
	// and queues the tag's removal.
	h.toggl.EditEntry(entryID, func(e *sandbox.TogglEntry) { e.Description = "Analytical engine (notes)"; e.At = time.Now() })
	if _, err := h.app.SyncIncremental(ctx); err != nil {
		t.Fatalf("incremental sync: %v", err)
	}
	if n := h.count(`SELECT count(*) FROM confirmations WHERE entry_id = $1 AND voided_at IS NOT NULL`, entryID); n != 1 {
		t.Fatal("edit did not void the confirmation")
	}
	if _, err := h.app.Writeback(ctx); err != nil {
		t.Fatal(err)
	}
	if tags := h.toggl.EntryTags(entryID); len(tags) != 0 {
		t.Fatalf("confirmed tag not removed after the edit: %v", tags)
	}
}
