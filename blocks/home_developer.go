package blocks

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"
	"github.com/tallyhq/tally/model"
)

// DeveloperHomeInput is what a developer's App Home shows.
type DeveloperHomeInput struct {
	Current  model.Week // the week containing today, in the person's zone
	ThisWeek Summary    // Summarize of the current week's entries
	LastWeek Summary    // Summarize of the previous week's entries
	Shown    WeekInput  // the week chosen with the navigation buttons
}

// DeveloperHome builds a developer's home tab: this and last week at a
// glance, week navigation and the chosen week's view with its buttons,
// within MaxHomeBlocks.
func DeveloperHome(in DeveloperHomeInput) slack.HomeTabViewRequest {
	out := []slack.Block{
		header("home_header", "Your time · "+oneLine(in.Shown.Person)),
		weekCards(in.Current, in.ThisWeek, in.LastWeek),
		weekNav(in.Shown.Week, in.Current, nil),
		slack.NewDividerBlock(),
	}
	out = append(out, WeekView(in.Shown, MaxHomeBlocks-len(out))...)
	return home(out)
}

// weekCards shows two weeks' summaries side by side as section fields.
func weekCards(current model.Week, this, last Summary) *slack.SectionBlock {
	fields := []*slack.TextBlockObject{
		mrkdwn(summaryCard("This week", current, this), MaxFieldText),
		mrkdwn(summaryCard("Last week", current.Prev(), last), MaxFieldText),
	}
	return slack.NewSectionBlock(nil, fields, nil, slack.SectionBlockOptionBlockID("home_weeks"))
}

func summaryCard(title string, w model.Week, s Summary) string {
	ls := []string{
		fmt.Sprintf("*%s* · %s", title, w.Label()),
		fmt.Sprintf("%s logged", Duration(s.Seconds)),
		fmt.Sprintf("%s confirmed (%s)", Duration(s.ConfirmedSeconds), percent(s.ConfirmedSeconds, s.Seconds)),
		fmt.Sprintf("%s unallocated", Duration(s.UnallocatedSeconds)),
		s.Money(),
	}
	if s.OutsideSeconds > 0 {
		ls = append(ls, outsideText(s.OutsideSeconds, s.OutsideIssue))
	}
	return strings.Join(ls, "\n")
}

// weekNav holds previous/next week buttons (next only up to the current
// week) and any extra elements.
func weekNav(shown, current model.Week, extra []slack.BlockElement) *slack.ActionBlock {
	els := []slack.BlockElement{
		button(ActionHomeWeekPrev, shown.Prev().String(), "◀ "+shown.Prev().Label()),
	}
	if shown.Start.Before(current.Start) {
		els = append(els, button(ActionHomeWeekNext, shown.Next().String(), shown.Next().Label()+" ▶"))
	}
	els = append(els, extra...)
	return slack.NewActionBlock("home_nav", els...)
}

// exportButton asks for the week's CSV as a file in a DM.
func exportButton(w model.Week) *slack.ButtonBlockElement {
	return button(ActionExportWeek, w.String(), "Export CSV for this week")
}

func home(bs []slack.Block) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: capBlocks(bs, MaxHomeBlocks)}}
}
