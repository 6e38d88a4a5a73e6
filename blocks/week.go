package blocks

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/slack-go/slack"
	"github.com/tallyhq/tally/model"
)

// Project is a project an entry can be assigned to.
type Project struct {
	ID     int64
	Name   string
	Client string
}

// label renders the project as "Name (Client)".
func (p Project) label() string {
	if p.Client == "" {
		return oneLine(p.Name)
	}
	return oneLine(p.Name) + " (" + oneLine(p.Client) + ")"
}

// WeekInput is what the week view shows: one person's entries of one week.
type WeekInput struct {
	Week   model.Week
	Person string // display name of whose week it is
	// Entries of the week; Start carries the person's offset, Status and
	// Amount are filled. Deleted entries are ignored. Any order.
	Entries []model.Entry
	// Suggestions are the projects suggested for unallocated entries, by
	// entry id (only offered ones): each is its picker's initial option
	// and has a "Use <project>" button.
	Suggestions map[int64]Suggestion
	// SuggestionsDigest fingerprints Suggestions (storage.SuggestionDigest):
	// "Assign all suggestions" carries it.
	SuggestionsDigest string
	// NoProjects is set when there is no active project to pick.
	NoProjects bool
}

// WeekView builds the week message used by the Friday DM, /timesheet and the
// App Home, within maxBlocks blocks (MaxMessageBlocks for a message, what
// remains of MaxHomeBlocks on a home tab). A week that does not fit entry by
// entry collapses: one compact section per day, then the entries that need
// action (unallocated first) with their buttons, then "and N more, covered by
// Confirm all". A week with no entries shows the empty-week variant.
func WeekView(in WeekInput, maxBlocks int) []slack.Block {
	entries := liveEntries(in.Entries)
	if len(entries) == 0 {
		return capBlocks(EmptyWeek(in.Week, in.Person), maxBlocks)
	}
	sum := Summarize(entries)
	days := groupByDay(entries)
	sugg := offered(in, entries)

	out := []slack.Block{
		header("week_header", fmt.Sprintf("Week %s · %s", in.Week.Label(), oneLine(in.Person))),
		section("week_summary", sum.Line()),
		weekActions(in, sum, sugg),
	}
	full := len(out) + len(days) + len(entries) + len(sugg)
	if full <= maxBlocks {
		for _, d := range days {
			out = append(out, dayContext(d))
			for _, e := range d.entries {
				out = append(out, entryBlocks(e, in)...)
			}
		}
		return out
	}
	if len(out)+len(days) > maxBlocks {
		out = append(out, contextText("week_more", fmt.Sprintf(
			"%s over %s — too many to list here; *Confirm all* covers them, or open Toggl.",
			plural(len(entries), "entry", "entries"), plural(len(days), "day", "days"))))
		return capBlocks(out, maxBlocks)
	}
	for _, d := range days {
		out = append(out, daySection(d))
	}
	var todo []model.Entry
	for _, e := range entries {
		if !e.Allocated() {
			todo = append(todo, e)
		}
	}
	for _, e := range entries {
		if e.Allocated() && e.Status != model.StatusConfirmed {
			todo = append(todo, e)
		}
	}
	room := maxBlocks - len(out)
	if len(todo) == 0 || room < 2 {
		return out
	}
	out = append(out, contextText("week_todo", "*Needs your attention*"))
	room--
	shown, used := 0, 0
	for _, e := range todo {
		n := len(entryBlocks(e, in))
		// Keep one block for "and N more" unless this is the last entry.
		if used+n > room || (shown < len(todo)-1 && used+n == room) {
			break
		}
		out = append(out, entryBlocks(e, in)...)
		shown++
		used += n
	}
	if rest := len(todo) - shown; rest > 0 {
		out = append(out, contextText("week_rest", fmt.Sprintf(
			"and %d more, covered by *Confirm all %d*", rest, sum.Confirmable)))
	}
	return capBlocks(out, maxBlocks)
}

// EmptyWeek is the week view of a week with no entries.
func EmptyWeek(week model.Week, person string) []slack.Block {
	return []slack.Block{
		header("week_header", fmt.Sprintf("Week %s · %s", week.Label(), oneLine(person))),
		section("week_summary", "Nothing logged this week. If you worked, add your time in Toggl and it will show up here after the next sync."),
		slack.NewActionBlock("week_actions", openTogglButton()),
	}
}

// weekActions holds "Confirm all N" (when something is unconfirmed),
// "Assign all N suggestions" (when some unallocated time has a suggestion)
// and "Open Toggl".
func weekActions(in WeekInput, sum Summary, sugg []model.Entry) *slack.ActionBlock {
	week := in.Week
	var els []slack.BlockElement
	if sum.Confirmable > 0 {
		b := button(ActionConfirmAll, week.String(), fmt.Sprintf("Confirm all %d", sum.Confirmable))
		b.Style = slack.StylePrimary
		text := fmt.Sprintf("This confirms %s (%s) of %s as correct.",
			plural(sum.Confirmable, "entry", "entries"), Duration(sum.ConfirmableSeconds), week.Label())
		if n := sum.Unconfirmed - sum.Confirmable; n > 0 {
			text += fmt.Sprintf(" %s without a project stay open until you pick one.", plural(n, "entry", "entries"))
		}
		b.Confirm = confirmDialog("Confirm the whole week?", text, "Confirm all", "Cancel")
		els = append(els, b)
	}
	if len(sugg) > 0 && in.SuggestionsDigest != "" {
		els = append(els, assignAllButton(in, sugg))
	}
	els = append(els, openTogglButton())
	return slack.NewActionBlock("week_actions", els...)
}

func openTogglButton() *slack.ButtonBlockElement {
	return button(ActionOpenToggl, "", "Open Toggl").WithURL(TogglTimerURL)
}

type day struct {
	date    time.Time
	seconds int64
	entries []model.Entry
}

// liveEntries drops deleted entries and sorts the rest by local date, start
// and id so output never depends on input order.
func liveEntries(in []model.Entry) []model.Entry {
	out := make([]model.Entry, 0, len(in))
	for _, e := range in {
		if !e.Deleted {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if da, db := localDate(a), localDate(b); !da.Equal(db) {
			return da.Before(db)
		}
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.ID < b.ID
	})
	return out
}

func localDate(e model.Entry) time.Time {
	if !e.LocalDate.IsZero() {
		return time.Date(e.LocalDate.Year(), e.LocalDate.Month(), e.LocalDate.Day(), 0, 0, 0, 0, time.UTC)
	}
	return time.Date(e.Start.Year(), e.Start.Month(), e.Start.Day(), 0, 0, 0, 0, time.UTC)
}

func groupByDay(entries []model.Entry) []day {
	var out []day
	for _, e := range entries {
		d := localDate(e)
		if len(out) == 0 || !out[len(out)-1].date.Equal(d) {
			out = append(out, day{date: d})
		}
		last := &out[len(out)-1]
		last.entries = append(last.entries, e)
		last.seconds += e.Seconds
	}
	return out
}

func dayContext(d day) *slack.ContextBlock {
	return contextText("day_"+d.date.Format(time.DateOnly), fmt.Sprintf("*%s* · %s · %s",
		d.date.Format("Monday 2 Jan"), Duration(d.seconds), plural(len(d.entries), "entry", "entries")))
}

// daySection lists a day's entries compactly, one line each.
func daySection(d day) *slack.SectionBlock {
	ls := make([]string, len(d.entries))
	for i, e := range d.entries {
		ls[i] = fmt.Sprintf("`%s` %s %s %s — %s%s", e.Start.Format("15:04"), Duration(e.Seconds),
			statusIcon(e.Status), projectText(e, 60), descriptionText(e.Description, 80), moneyMark(e))
	}
	head := fmt.Sprintf("*%s* · %s", d.date.Format("Monday 2 Jan"), Duration(d.seconds))
	body := lines(append([]string{head}, ls...), MaxSectionText, func(n int) string {
		return fmt.Sprintf("_…and %s more_", plural(n, "entry", "entries"))
	})
	return section("day_"+d.date.Format(time.DateOnly), body)
}

// offered returns the unallocated entries that have a suggestion, in the
// week's order.
func offered(in WeekInput, entries []model.Entry) []model.Entry {
	var out []model.Entry
	for _, e := range entries {
		if _, ok := in.Suggestions[e.ID]; ok && !e.Allocated() && !in.NoProjects {
			out = append(out, e)
		}
	}
	return out
}

// entryBlocks is one entry: its section with the Confirm button or the
// project picker, and for a suggested project a "Use <project>" button.
func entryBlocks(e model.Entry, in WeekInput) []slack.Block {
	text := fmt.Sprintf("*%s* · %s · %s\n%s\n%s%s",
		e.Start.Format("15:04"), Duration(e.Seconds), projectText(e, 300),
		descriptionText(e.Description, 2000), statusText(e.Status), entryMoneyText(e))
	s := section(EntryBlockID(e.ID), text)
	switch {
	case !e.Allocated() && in.NoProjects:
		// Nothing to pick from here and nothing to confirm yet (time
		// without a project cannot be confirmed): say where to fix it.
		s.Text.Text += "\n_Set its project in Toggl: there is no active project to pick here._"
	case !e.Allocated():
		sg, ok := in.Suggestions[e.ID]
		if !ok {
			s.Accessory = slack.NewAccessory(ProjectPicker(e.ID, nil))
			return []slack.Block{s}
		}
		s.Text = mrkdwn(s.Text.Text+"\n:bulb: Suggested: "+suggestionText(sg), MaxSectionText)
		s.Accessory = slack.NewAccessory(ProjectPicker(e.ID, &sg))
		use := button(ActionUseSuggestion, ProjectValue(e.ID, sg.Project.ID), "Use "+sg.Project.label())
		use.Style = slack.StylePrimary
		return []slack.Block{s, slack.NewActionBlock(id("suggest_"+strconv.FormatInt(e.ID, 10)), use)}
	case e.Status != model.StatusConfirmed:
		label := "Confirm"
		if e.Status == model.StatusChanged {
			label = "Confirm again"
		}
		s.Accessory = slack.NewAccessory(button(ActionConfirmEntry, EntryValue(e.ID, e.ContentHash), label))
	}
	return []slack.Block{s}
}

// suggestionText is "*Project* (Client) — why" in mrkdwn.
func suggestionText(sg Suggestion) string {
	t := "*" + esc(sg.Project.Name, 200) + "*"
	if sg.Project.Client != "" {
		t += " (" + esc(sg.Project.Client, 200) + ")"
	}
	if sg.Why != "" {
		t += " — " + esc(sg.Why, 200)
	}
	return t
}

func projectText(e model.Entry, max int) string {
	if !e.Allocated() {
		return ":warning: *no project*"
	}
	t := "*" + esc(e.ProjectName, max) + "*"
	if e.ClientName != "" {
		t += " (" + esc(e.ClientName, max) + ")"
	}
	return t
}

func descriptionText(d string, max int) string {
	if oneLine(d) == "" {
		return "_(no description)_"
	}
	return esc(d, max)
}

func statusIcon(s model.EntryStatus) string {
	switch s {
	case model.StatusConfirmed:
		return ":white_check_mark:"
	case model.StatusChanged:
		return ":arrows_counterclockwise:"
	default:
		return ":white_circle:"
	}
}

func statusText(s model.EntryStatus) string {
	switch s {
	case model.StatusConfirmed:
		return ":white_check_mark: confirmed"
	case model.StatusChanged:
		return ":arrows_counterclockwise: changed since you confirmed it"
	default:
		return ":white_circle: unconfirmed"
	}
}

// capBlocks is the last guard of a block budget.
func capBlocks(bs []slack.Block, max int) []slack.Block {
	if max < 0 {
		max = 0
	}
	if len(bs) > max {
		return bs[:max]
	}
	return bs
}

// moneyMark is the short note of a compact entry line: unpriced, or
// outside the person's employment ("" for neither).
func moneyMark(e model.Entry) string {
	var out string
	if e.UnpricedWhy() != model.Priced {
		out += " · :warning: unpriced"
	}
	if e.Outside != model.EmploymentOK {
		out += " · :warning: outside employment"
	}
	return out
}

// entryMoneyText is the full note of an entry's own section: why it is
// unpriced, how it lies outside the person's employment ("" for neither).
func entryMoneyText(e model.Entry) string {
	var out string
	if why := e.UnpricedWhy(); why != model.Priced {
		out += "\n:warning: unpriced: " + why.Text()
	}
	if e.Outside != model.EmploymentOK {
		out += "\n:warning: " + e.Outside.Text()
	}
	return out
}
