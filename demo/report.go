package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/export"
	"github.com/tallyhq/tally/sandbox"
)

// stageExport writes the billing CSV of the week and summarises it.
func (d *demo) stageExport(ctx context.Context) error {
	// A fresh file with a random suffix: a fixed name in a shared temporary
	// directory could be a symlink planted by another user.
	f, err := os.CreateTemp("", "tally-demo-export-"+d.week.String()+"-*.csv")
	if err != nil {
		return err
	}
	path := f.Name()
	sum, err := export.Write(ctx, d.app.DB(), f, export.Options{From: d.week.Start, To: d.week.End()})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	d.facts.exportPath, d.facts.exportRows = path, sum.Rows
	d.printf("tally export --from %s --to %s → %s: %d rows, %s hours, %s confirmed; invoiceable (confirmed) %s of %s\n",
		d.week.Start.Format(time.DateOnly), d.week.End().Format(time.DateOnly), path, sum.Rows,
		export.Hours(sum.Seconds), export.Hours(sum.ConfirmedSeconds), sum.Confirmed, sum.All)
	if d.facts.billable, err = d.app.DB().ConfirmedBillableByClient(ctx, d.week.Start, d.week.End()); err != nil {
		return err
	}
	return d.checkMoney(ctx, sum)
}

// report prints what a manager would want to know at the end.
func (d *demo) report() {
	ctx := context.Background()
	hours, err := d.app.DB().HoursSummary(ctx, d.week.Start, d.week.End())
	if err != nil {
		d.printf("warning: reading the week's hours: %v\n", err)
	}
	after, total, confirmed := share(hours.Unallocated, hours.Total), hours.Total, hours.Confirmed
	stats := d.app.TogglStats()
	d.printf("━━ report for week %s\n", d.week.Label())
	picks, err := d.app.DB().CountSuggestionPicks(ctx, d.week.Start, d.week.End())
	if err != nil {
		d.printf("warning: reading the project picks: %v\n", err)
	}
	d.printf("  unallocated hours     %.2f h (%.1f%%) after the sync → %.2f h (%.1f%%) now\n",
		d.facts.unallocatedHours, d.facts.unallocatedBefore, hours.Unallocated/3600, after)
	d.printf("  allocated from Slack  %d suggestions accepted (%d people used Assign all suggestions), %d projects picked in the picker\n",
		picks.Accepted, d.facts.usedAssignAll, picks.Manual)
	d.printf("  confirmed hours       %5.1f%% (%d developers confirmed, %d ignored tally)\n", share(confirmed, total), d.facts.confirmedBy, d.facts.ignored)
	d.printf("  reminders             %d Friday DMs sent (%d people needed none), %d Monday digests\n", d.facts.remindersSent, d.facts.remindersSkipped, d.facts.digestsSent)
	d.printf("  approvals             %d approved, %d rejected with a reason\n", d.facts.approved, d.facts.rejected)
	d.reportMoney()
	d.printf("  invoiceable (confirmed billable) by client:\n")
	clients := make([]string, 0, len(d.facts.billable))
	for c := range d.facts.billable {
		clients = append(clients, c)
	}
	sort.Strings(clients)
	for _, c := range clients {
		d.printf("    %-28s %s\n", c, d.facts.billable[c])
	}
	d.printf("  Toggl                 %d requests (%d counted against the hourly quota), %d write-backs\n", stats.Requests, stats.QuotaUsed, d.facts.togglWrites)
	d.printf("  Slack                 %d Web API calls\n", d.slackCalls())
	d.printf("  export                %s (%d rows)\n", d.facts.exportPath, d.facts.exportRows)
	d.printf("  stages:\n")
	for _, s := range d.stages {
		d.printf("    %-48s %6.2fs\n", s.name, s.took.Seconds())
	}
}

// slackMethods are the Web API methods tally calls.
var slackMethods = []string{"auth.test", "apps.connections.open", "chat.postMessage", "chat.update", "chat.postEphemeral",
	"conversations.open", "conversations.history", "users.info", "users.lookupByEmail", "users.list", "views.publish",
	"views.open", "views.update", "files.getUploadURLExternal", "files.completeUploadExternal"}

func (d *demo) slackCalls() int {
	n := 0
	for _, m := range slackMethods {
		n += d.slack.CallCount(m)
	}
	return n
}

// slash types a slash command as a user and returns the ephemeral answer
// they see — from the ack, or from response_url when the answer was too
// big for an ack.
func (d *demo) slash(ctx context.Context, userID, command, text string) ([]slack.Block, sandbox.SlackMessage, error) {
	before := len(d.slack.Ephemerals(userID))
	if _, err := d.slack.SlashCommand(ctx, userID, command, text); err != nil {
		return nil, sandbox.SlackMessage{}, err
	}
	var m sandbox.SlackMessage
	err := awaitSlack(ctx, 10*time.Second, func() bool {
		eph := d.slack.Ephemerals(userID)
		if len(eph) <= before {
			return false
		}
		m = eph[len(eph)-1]
		return true
	})
	if err != nil {
		return nil, sandbox.SlackMessage{}, fmt.Errorf("no answer to %s for %s: %w", command, userID, err)
	}
	var bs slack.Blocks
	if err := json.Unmarshal(m.Blocks, &bs); err != nil {
		return nil, m, fmt.Errorf("read %s answer: %w", command, err)
	}
	return bs.BlockSet, m, nil
}

// viewBlocks reads the blocks of a published view.
func viewBlocks(raw json.RawMessage) ([]slack.Block, error) {
	var v struct {
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("read view: %w", err)
	}
	return v.Blocks.BlockSet, nil
}

// element is an interactive element found on a surface, by the block
// that holds it.
type element struct {
	blockID string
}

// findElements returns the buttons and selects with an action id, in order.
func findElements(bs []slack.Block, actionID string) []element {
	var out []element
	for _, b := range bs {
		switch sb := b.(type) {
		case *slack.SectionBlock:
			if sb.Accessory == nil {
				continue
			}
			if btn := sb.Accessory.ButtonElement; btn != nil && btn.ActionID == actionID {
				out = append(out, element{blockID: sb.BlockID})
			}
			if sel := sb.Accessory.SelectElement; sel != nil && sel.ActionID == actionID {
				out = append(out, element{blockID: sb.BlockID})
			}
		case *slack.ActionBlock:
			for _, el := range sb.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
					out = append(out, element{blockID: sb.BlockID})
				}
			}
		}
	}
	return out
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n… (%d more lines)", len(lines)-n)
}
