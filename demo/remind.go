package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
)

// stageReminders moves the clock through Friday hour by hour, from the
// first zone to reach 16:00 to the last, running the reminder tick as the
// scheduler would, and shows who got their DM when.
func (d *demo) stageReminders(ctx context.Context) error {
	friday := d.week.Start.AddDate(0, 0, 4)
	var sentTotal, skipped int
	seen := map[string]int{}
	for h := 0; h <= 30; h++ {
		at := friday.Add(time.Duration(h) * time.Hour)
		d.clock.Set(at)
		res, err := d.app.RemindDue(ctx, at)
		if err != nil {
			return err
		}
		if res.Sent+res.Skipped+res.Failed == 0 {
			continue
		}
		zones, err := d.zonesReminded(ctx, seen)
		if err != nil {
			return err
		}
		d.printf("  %s UTC: %3d DMs sent, %2d not needed, %d failed   (%s)\n", at.Format("Mon 15:04"), res.Sent, res.Skipped, res.Failed, zones)
		sentTotal += res.Sent
		skipped += res.Skipped
	}
	// A second pass over the whole day sends nothing: once per person and week.
	again, err := d.app.RemindDue(ctx, friday.Add(31*time.Hour))
	if err != nil {
		return err
	}
	d.facts.remindersSent, d.facts.remindersSkipped = sentTotal, skipped
	d.printf("%d Friday DMs at 16:00 local time; a repeated tick sent %d more (exactly once per person and week)\n", sentTotal, again.Sent)
	for _, p := range d.developers() {
		dms := d.slack.DMs(p.SlackID)
		if len(dms) == 0 {
			continue
		}
		var bs slack.Blocks
		if err := json.Unmarshal(dms[0].Blocks, &bs); err != nil {
			return err
		}
		d.printf("the Friday DM %s %s (%s) received:\n", p.FirstName, p.LastName, p.TZ)
		d.indent(firstLines(blocks.RenderText(bs.BlockSet), 24))
		break
	}
	return nil
}

// zonesReminded lists the time zones whose DMs went out since the last
// call (seen holds the counts per zone so far).
func (d *demo) zonesReminded(ctx context.Context, seen map[string]int) (string, error) {
	zones, err := d.app.DB().SentRemindersByZone(ctx, d.week.Start)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, z := range zones {
		if z.Count > seen[z.TZ] {
			parts = append(parts, fmt.Sprintf("%s %d", z.TZ, z.Count-seen[z.TZ]))
			seen[z.TZ] = z.Count
		}
	}
	return strings.Join(parts, ", "), nil
}

// stageDigest moves the clock through the Monday after and runs the digest
// tick: each manager with open items in their team gets one DM at 09:00.
func (d *demo) stageDigest(ctx context.Context) error {
	monday := d.week.Next().Start
	sent := 0
	for h := 0; h <= 24; h++ {
		at := monday.Add(time.Duration(h) * time.Hour)
		d.clock.Set(at)
		res, err := d.app.DigestDue(ctx, at)
		if err != nil {
			return err
		}
		sent += res.Sent
	}
	d.facts.digestsSent = sent
	d.printf("%d managers got a Monday digest of last week's open items\n", sent)
	for _, m := range d.people {
		if !m.Manager {
			continue
		}
		for _, dm := range d.slack.DMs(m.SlackID) {
			if !strings.Contains(string(dm.Blocks), "nudge") {
				continue
			}
			var bs slack.Blocks
			if err := json.Unmarshal(dm.Blocks, &bs); err != nil {
				return err
			}
			d.printf("%s %s's digest:\n", m.FirstName, m.LastName)
			d.indent(firstLines(blocks.RenderText(bs.BlockSet), 16))
			return nil
		}
	}
	return nil
}
