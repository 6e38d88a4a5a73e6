package blocks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
	"github.com/tallyhq/tally/model"
)

// DigestItem is one person's open items in a manager's Monday digest.
type DigestItem struct {
	EmployeeID         int64
	Name               string
	Seconds            int64 // logged in the week
	UnconfirmedSeconds int64
	UnallocatedSeconds int64
	ChangedSeconds     int64 // changed after confirmation
	// UnpricedSeconds is billable time with no rate in force (why:
	// UnpricedReason); OutsideSeconds time logged outside the person's
	// employment (how: OutsideIssue).
	UnpricedSeconds int64
	UnpricedReason  model.UnpricedReason
	OutsideSeconds  int64
	OutsideIssue    model.EmploymentIssue
}

// DigestInput is a manager's Monday digest of last week.
type DigestInput struct {
	Manager string
	Week    model.Week
	Items   []DigestItem // only people with something open; any order
	// Team is the week of every report, done or not (people who left
	// during the week included): the hours and money the digest states.
	Team Summary
}

// teamLine states the team's week: hours and money, unpriced time apart.
func teamLine(s Summary) string {
	return fmt.Sprintf("Your team logged *%s* · %s", Duration(s.Seconds), s.Money())
}

// Digest builds the manager's Monday digest: who has not confirmed, how many
// hours are unallocated or changed after confirmation, with a Nudge button
// per person, within MaxMessageBlocks ("and N more" beyond).
func Digest(in DigestInput) []slack.Block {
	items := append([]DigestItem(nil), in.Items...)
	sort.SliceStable(items, func(i, j int) bool {
		if a, b := strings.ToLower(items[i].Name), strings.ToLower(items[j].Name); a != b {
			return a < b
		}
		return items[i].EmployeeID < items[j].EmployeeID
	})
	var unconf, unalloc, changed int64
	for _, it := range items {
		unconf += it.UnconfirmedSeconds
		unalloc += it.UnallocatedSeconds
		changed += it.ChangedSeconds
	}
	out := []slack.Block{
		header("digest_header", "Open time · "+in.Week.Label()),
	}
	if len(items) == 0 {
		out = append(out, section("digest_summary", fmt.Sprintf("Good morning %s — everyone in your team confirmed and allocated last week. :tada:\n%s",
			esc(in.Manager, 200), teamLine(in.Team))))
		return out
	}
	out = append(out,
		section("digest_summary", fmt.Sprintf("Good morning %s — last week %s still open: *%s* unconfirmed · *%s* unallocated · *%s* changed after confirmation.\n%s",
			esc(in.Manager, 200), pluralVerb(len(items)), Duration(unconf), Duration(unalloc), Duration(changed), teamLine(in.Team))),
		slack.NewDividerBlock(),
	)
	room := MaxMessageBlocks - len(out)
	shown := len(items)
	if shown > room {
		shown = room - 1
	}
	for _, it := range items[:shown] {
		idStr := strconv.FormatInt(it.EmployeeID, 10)
		s := section("digest_"+idStr, digestLine(it))
		s.Accessory = slack.NewAccessory(button(ActionNudge, idStr, "Nudge"))
		out = append(out, s)
	}
	if rest := len(items) - shown; rest > 0 {
		out = append(out, contextText("digest_more", fmt.Sprintf("and %d more — see the App Home for everyone.", rest)))
	}
	return out
}

func pluralVerb(n int) string {
	if n == 1 {
		return "1 person has time"
	}
	return fmt.Sprintf("%d people have time", n)
}

func digestLine(it DigestItem) string {
	var parts []string
	if it.Seconds == 0 {
		parts = append(parts, "nothing logged")
	}
	if it.UnconfirmedSeconds > 0 {
		parts = append(parts, Duration(it.UnconfirmedSeconds)+" unconfirmed")
	}
	if it.UnallocatedSeconds > 0 {
		parts = append(parts, ":warning: "+Duration(it.UnallocatedSeconds)+" unallocated")
	}
	if it.ChangedSeconds > 0 {
		parts = append(parts, Duration(it.ChangedSeconds)+" changed after confirmation")
	}
	if it.UnpricedSeconds > 0 {
		parts = append(parts, billableText(nil, it.UnpricedSeconds, it.UnpricedReason)+" — ask HR")
	}
	if it.OutsideSeconds > 0 {
		parts = append(parts, outsideText(it.OutsideSeconds, it.OutsideIssue))
	}
	if len(parts) == 0 {
		parts = append(parts, "all done")
	}
	return fmt.Sprintf("*%s* · %s logged\n%s", esc(it.Name, 200), Duration(it.Seconds), strings.Join(parts, " · "))
}
