package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/sandbox"
)

// searchByClient has a developer open the picker of an unallocated entry
// and type part of a client's name, as Slack sends it (block_suggestion on
// every keystroke; the last one counts): it prints the query and the
// options tally answered and picks the first project of that client.
// false when the message has no unallocated entry or nothing matched.
func (d *demo) searchByClient(ctx context.Context, slackID string, surface sandbox.SlackMessage, msg []slack.Block) (bool, error) {
	els := findElements(msg, blocks.ActionAssignProject)
	if len(els) == 0 {
		return false, nil
	}
	el := els[len(els)-1]
	spec := sandbox.SuggestSpec{ActionID: blocks.ActionAssignProject, BlockID: el.blockID, ChannelID: surface.Channel, MessageTS: surface.TS}
	// The menu opens with the suggestion and recent projects; the developer
	// wants another client's project and types part of its name.
	first, err := d.slack.Suggest(ctx, slackID, spec)
	if err != nil {
		return false, err
	}
	clients, err := d.app.DB().ClientNames(ctx)
	if err != nil {
		return false, err
	}
	client := otherClient(first, clients)
	if client == "" {
		return false, nil
	}
	spec.Query = queryFor(client)
	opts, err := d.slack.Suggest(ctx, slackID, spec)
	if err != nil {
		return false, err
	}
	var texts []string
	pick := ""
	for _, o := range opts {
		texts = append(texts, o.Text)
		if pick == "" && strings.Contains(o.Text, client) {
			pick = o.Value
		}
	}
	d.printf("…opens the picker of an unallocated entry (%d options: suggestion and recent projects first), types %q (part of %s) and tally answers %d options:\n",
		len(first), spec.Query, client, len(opts))
	d.indent(firstLines(strings.Join(texts, "\n"), 8))
	if pick == "" {
		return false, nil
	}
	_, err = d.slack.BlockAction(ctx, slackID, sandbox.BlockActionSpec{ActionID: blocks.ActionAssignProject, BlockID: el.blockID,
		SelectedOption: pick, ChannelID: surface.Channel, MessageTS: surface.TS})
	return err == nil, err
}

// otherClient is the client the person's suggested and recent projects
// name least (the first such by name): the developer looks for a project
// they do not usually log to.
func otherClient(offered []sandbox.SlackOption, clients []string) string {
	best, bestN := "", -1
	for _, c := range clients {
		n := 0
		for _, o := range offered {
			if (o.Group == "Suggested" || o.Group == "Recent") && strings.Contains(o.Text, c) {
				n++
			}
		}
		if bestN < 0 || n < bestN {
			best, bestN = c, n
		}
	}
	return best
}

// queryFor is what a person types for a client: the end of its name in
// lower case, e.g. "ent d" for "Client D" (a part, not the whole name).
func queryFor(client string) string {
	r := []rune(strings.ToLower(client))
	if len(r) > 5 {
		r = r[len(r)-5:]
	}
	return strings.TrimSpace(string(r))
}

// assignSuggestions opens the person's week with /timesheet and clicks
// "Assign all N suggestions" the way Slack sends it once the person
// confirmed its dialog; it returns the button's label ("" when tally
// offered none) and its confirmation dialog's text.
func (d *demo) assignSuggestions(ctx context.Context, slackID string) (label, dialog string, err error) {
	msg, surface, err := d.slash(ctx, slackID, "/timesheet", "")
	if err != nil {
		return "", "", err
	}
	btn := findButton(msg, blocks.ActionAssignSuggestions)
	if btn == nil {
		return "", "", nil
	}
	_, err = d.slack.BlockAction(ctx, slackID, sandbox.BlockActionSpec{ActionID: blocks.ActionAssignSuggestions, BlockID: btn.blockID,
		Type: "button", Value: btn.Value, ChannelID: surface.Channel, MessageTS: surface.TS})
	if err != nil {
		return "", "", err
	}
	if btn.Text != nil {
		label = btn.Text.Text
	}
	if btn.Confirm != nil && btn.Confirm.Text != nil {
		dialog = btn.Confirm.Text.Text
	}
	return label, dialog, nil
}

// buttonAt is a button with the block that holds it.
type buttonAt struct {
	*slack.ButtonBlockElement
	blockID string
}

// findButton returns the first button with actionID in an actions block.
func findButton(bs []slack.Block, actionID string) *buttonAt {
	for _, b := range bs {
		ab, ok := b.(*slack.ActionBlock)
		if !ok {
			continue
		}
		for _, el := range ab.Elements.ElementSet {
			if btn, ok := el.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
				return &buttonAt{ButtonBlockElement: btn, blockID: ab.BlockID}
			}
		}
	}
	return nil
}

// pickAll picks a project for every unallocated entry of the person's week
// still without one: the first option each picker offers (the suggested
// project, then their recent ones).
func (d *demo) pickAll(ctx context.Context, slackID string) (int, error) {
	msg, surface, err := d.slash(ctx, slackID, "/timesheet", "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, el := range findElements(msg, blocks.ActionAssignProject) {
		picked, err := d.pickProject(ctx, slackID, surface, el)
		if err != nil {
			return n, err
		}
		if picked {
			n++
		}
	}
	return n, nil
}

// plural is "1 entry" or "n entries".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
