package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

// stageDevelopers has one developer go through the week by hand — the
// /timesheet view, two Confirm clicks, a project found by typing part of
// its client's name, "Assign all suggestions", /confirm-all — and the rest
// act on their week: most accept tally's suggestions, pick a project for
// what is left and confirm all, some only confirm, some ignore tally.
func (d *demo) stageDevelopers(ctx context.Context) error {
	d.clock.Set(d.week.Start.AddDate(0, 0, 4).Add(17 * time.Hour))
	devs, err := d.activeDevelopers(ctx)
	if err != nil {
		return err
	}
	if len(devs) == 0 {
		return fmt.Errorf("no developers to act")
	}
	star := devs[0]
	msg, surface, err := d.slash(ctx, star.SlackID, "/timesheet", "")
	if err != nil {
		return err
	}
	d.printf("%s %s types /timesheet and sees (ephemeral):\n", star.FirstName, star.LastName)
	d.indent(firstLines(blocks.RenderText(msg), 40))
	confirmed := 0
	for _, el := range findElements(msg, blocks.ActionConfirmEntry) {
		if confirmed == 2 {
			break
		}
		if _, err := d.slack.BlockAction(ctx, star.SlackID, sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmEntry, BlockID: el.blockID, ChannelID: surface.Channel, MessageTS: surface.TS}); err != nil {
			return err
		}
		confirmed++
	}
	d.printf("…clicks Confirm on %s; the message redraws in place.\n", plural(confirmed, "entry", "entries"))
	found, err := d.searchByClient(ctx, star.SlackID, surface, msg)
	if err != nil {
		return err
	}
	if found {
		d.printf("…and picks the first of them: the entry is allocated, its billable flag follows the project.\n")
	}
	label, dialog, err := d.assignSuggestions(ctx, star.SlackID)
	if err != nil {
		return err
	}
	if label != "" {
		d.printf("then opens /timesheet again and clicks [ %s ]; the confirmation dialog lists what will change:\n", label)
		d.indent(firstLines(dialog, 6))
		d.facts.usedAssignAll++
	}
	if msg, _, err = d.slash(ctx, star.SlackID, "/confirm-all", ""); err != nil {
		return err
	}
	d.printf("then /confirm-all answers:\n")
	d.indent(firstLines(blocks.RenderText(msg), 6))
	d.facts.confirmedBy++

	rng := rand.New(rand.NewPCG(d.opts.Seed, 42)) //nolint:gosec // G404: seeded on purpose so a demo run is reproducible
	var assignedAll, confirmOnly, ignored int
	for _, p := range devs[1:] {
		r := rng.Float64()
		switch {
		case r < 0.15:
			ignored++
			continue
		case r < 0.25:
			confirmOnly++
		default:
			label, _, err := d.assignSuggestions(ctx, p.SlackID)
			if err != nil {
				return err
			}
			if label != "" {
				d.facts.usedAssignAll++
			}
			n, err := d.pickAll(ctx, p.SlackID)
			if err != nil {
				return err
			}
			d.facts.projectsPicked += n
			assignedAll++
		}
		if _, err := d.slack.SlashCommand(ctx, p.SlackID, "/confirm-all", ""); err != nil {
			return err
		}
		d.facts.confirmedBy++
	}
	d.facts.ignored = ignored
	d.printf("the other %d developers: %d accepted tally's suggestions, picked a project for the rest and confirmed all, %d only confirmed what they could, %d ignored tally this week\n",
		len(devs)-1, assignedAll, confirmOnly, ignored)
	picks, err := d.app.DB().CountSuggestionPicks(ctx, d.week.Start, d.week.End())
	if err != nil {
		return err
	}
	d.printf("projects assigned from Slack: %d suggestions accepted (%d people clicked Assign all suggestions), %d picked in the picker (each queued for Toggl)\n",
		picks.Accepted, d.facts.usedAssignAll, picks.Manual)
	return nil
}

// pickProject opens an entry's project picker on a message (the picker
// asks tally for its options, block_suggestion) and selects the first
// option; false when the picker offers none.
func (d *demo) pickProject(ctx context.Context, slackID string, surface sandbox.SlackMessage, el element) (bool, error) {
	opts, err := d.slack.Suggest(ctx, slackID, sandbox.SuggestSpec{ActionID: blocks.ActionAssignProject, BlockID: el.blockID,
		ChannelID: surface.Channel, MessageTS: surface.TS})
	if err != nil {
		return false, err
	}
	if len(opts) == 0 {
		return false, nil
	}
	_, err = d.slack.BlockAction(ctx, slackID, sandbox.BlockActionSpec{ActionID: blocks.ActionAssignProject, BlockID: el.blockID,
		SelectedOption: opts[0].Value, ChannelID: surface.Channel, MessageTS: surface.TS})
	return err == nil, err
}

// activeDevelopers are the developers still employed and linked to Slack
// and Toggl.
func (d *demo) activeDevelopers(ctx context.Context) ([]sandbox.BambooPerson, error) {
	ids, err := d.app.DB().ActiveLinkedBambooIDs(ctx)
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{}
	for _, id := range ids {
		ok[id] = true
	}
	var out []sandbox.BambooPerson
	for _, p := range d.developers() {
		if ok[p.BambooID] {
			out = append(out, p)
		}
	}
	return out, nil
}

// stageWriteback drains the Toggl outbox: confirmed tags in bulk PATCHes,
// project changes as PUTs.
func (d *demo) stageWriteback(ctx context.Context) error {
	total := 0
	for i := 0; i < 50; i++ {
		n, err := d.app.Writeback(ctx)
		if err != nil {
			return err
		}
		total += n
		pending, _, err := storage.OutboxCounts(ctx, d.app.DB())
		if err != nil {
			return err
		}
		if pending == 0 {
			break
		}
	}
	writes := d.toggl.Writes()
	var patches, puts int
	for _, w := range writes {
		if w.Method == "PATCH" {
			patches++
		} else {
			puts++
		}
	}
	d.facts.togglWrites = len(writes)
	d.printf("%d outbox rows written to Toggl with %d bulk PATCH and %d PUT requests (confirmed tags, project changes)\n", total, patches, puts)
	// Toggl now returns the assigned projects; the next incremental sync
	// sees them and keeps the confirmations (same content).
	res, err := d.app.SyncIncremental(ctx)
	if err != nil {
		return err
	}
	d.printf("incremental sync afterwards: %d requests, %d entries updated, %d confirmations voided\n", res.Requests, res.Updated, res.Voided)
	return nil
}

// stageApprovals has a manager open their home, approve three confirmed
// weeks and reject one with a reason; then HR opens theirs.
func (d *demo) stageApprovals(ctx context.Context) error {
	d.clock.Set(d.week.Next().Start.Add(10 * time.Hour))
	type candidate struct {
		manager sandbox.BambooPerson
		ready   []int64 // reports with a fully confirmed week
		other   []int64
	}
	var best candidate
	for _, m := range d.people {
		if !m.Manager {
			continue
		}
		weeks, err := d.app.DB().ReportWeeks(ctx, m.BambooID, d.week.Start, d.week.End())
		if err != nil {
			return err
		}
		c := candidate{manager: m}
		for _, w := range weeks {
			if w.Confirmed {
				c.ready = append(c.ready, w.EmployeeID)
			} else {
				c.other = append(c.other, w.EmployeeID)
			}
		}
		if len(c.ready) > len(best.ready) {
			best = c
		}
	}
	if len(best.ready) < 2 {
		return fmt.Errorf("no manager has confirmed weeks to approve")
	}
	m := best.manager
	if _, err := d.slack.OpenHome(ctx, m.SlackID); err != nil {
		return err
	}
	if _, err := d.waitHome(ctx, m.SlackID, 1); err != nil {
		return err
	}
	// It is Monday: the home opens on the new week; last week is one click back.
	if _, err := d.slack.BlockAction(ctx, m.SlackID, sandbox.BlockActionSpec{ActionID: blocks.ActionHomeWeekPrev, Home: true}); err != nil {
		return err
	}
	home, err := d.waitHome(ctx, m.SlackID, 2)
	if err != nil {
		return err
	}
	d.printf("%s %s (manager) opens the App Home on Monday and steps back to last week:\n", m.FirstName, m.LastName)
	d.indent(firstLines(blocks.RenderText(home), 28))
	approveN := 3
	if len(best.ready) <= approveN {
		approveN = len(best.ready) - 1
	}
	for _, id := range best.ready[:approveN] {
		value := blocks.PersonWeekValue(id, d.week)
		if _, err := d.slack.BlockAction(ctx, m.SlackID, sandbox.BlockActionSpec{ActionID: blocks.ActionApproveWeek, Value: value, Home: true}); err != nil {
			return err
		}
		d.facts.approved++
		d.facts.approvedIDs = append(d.facts.approvedIDs, id)
		d.facts.approver = m.SlackID
	}
	reject := best.ready[approveN]
	value := blocks.PersonWeekValue(reject, d.week)
	if _, err := d.slack.BlockAction(ctx, m.SlackID, sandbox.BlockActionSpec{ActionID: blocks.ActionRejectWeek, Value: value, Home: true}); err != nil {
		return err
	}
	views := d.slack.OpenedViews()
	if len(views) == 0 {
		return fmt.Errorf("reject modal did not open")
	}
	reason := "Thursday's 'support' block belongs to the Apollo project, not Internal — please move it and confirm again."
	ack, err := d.slack.ViewSubmission(ctx, m.SlackID, views[len(views)-1].ID, blocks.CallbackRejectWeek, value,
		map[string]map[string]string{blocks.RejectReasonBlockID: {blocks.RejectReasonActionID: reason}})
	if err != nil {
		return err
	}
	if ack.ResponseAction() == "errors" {
		return fmt.Errorf("reject refused: %s", ack.Payload)
	}
	d.facts.rejected++
	d.printf("…approves %d confirmed weeks and rejects one with a reason (a modal; the reason is required).\n", d.facts.approved)
	if dm, ok := d.lastDMTo(ctx, reject); ok {
		d.printf("the developer whose week was sent back gets this DM:\n")
		d.indent(firstLines(blocks.RenderText(dm), 8))
	}
	if _, err := d.slack.OpenHome(ctx, demoHRAdmin); err != nil {
		return err
	}
	if _, err := d.waitHome(ctx, demoHRAdmin, 1); err != nil {
		return err
	}
	if _, err := d.slack.BlockAction(ctx, demoHRAdmin, sandbox.BlockActionSpec{ActionID: blocks.ActionHomeWeekPrev, Home: true}); err != nil {
		return err
	}
	hr, err := d.waitHome(ctx, demoHRAdmin, 2)
	if err != nil {
		return err
	}
	d.printf("HR opens the App Home and steps back to last week:\n")
	d.indent(firstLines(blocks.RenderText(hr), 30))
	return nil
}

// waitHome waits for the n-th published home view of a user and returns
// its blocks.
func (d *demo) waitHome(ctx context.Context, userID string, n int) ([]slack.Block, error) {
	var view json.RawMessage
	err := awaitSlack(ctx, 15*time.Second, func() bool {
		views := d.slack.HomeViews(userID)
		if len(views) < n {
			return false
		}
		view = views[len(views)-1]
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("no home view published for %s: %w", userID, err)
	}
	return viewBlocks(view)
}

// lastDMTo returns the rejection DM tally sent to an employee, the newest
// DM they got.
func (d *demo) lastDMTo(ctx context.Context, employeeID int64) ([]slack.Block, bool) {
	emp, err := d.app.DB().EmployeeByID(ctx, employeeID)
	if err != nil || emp.SlackUserID == "" {
		return nil, false
	}
	var bs slack.Blocks
	err = awaitSlack(ctx, 10*time.Second, func() bool {
		dms := d.slack.DMs(emp.SlackUserID)
		if len(dms) == 0 {
			return false
		}
		last := dms[len(dms)-1].Blocks
		return json.Unmarshal(last, &bs) == nil && strings.Contains(string(last), "rejected")
	})
	return bs.BlockSet, err == nil
}
