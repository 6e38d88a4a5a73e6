package blocks

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// BarRow is one bar of a text bar chart.
type BarRow struct {
	Label   string
	Seconds int64
}

// BarChart draws rows as a text bar chart, one line per row, bars scaled so
// the longest is width cells, e.g. "Mon ████████ 8.0h". Labels are padded to
// the longest (cut at 16 characters). The result is plain text: escape it
// before putting it into mrkdwn.
func BarChart(rows []BarRow, width int) string {
	if width < 1 {
		width = 1
	}
	var max int64
	labelW := 0
	labels := make([]string, len(rows))
	for i, r := range rows {
		if r.Seconds > max {
			max = r.Seconds
		}
		l := []rune(oneLine(r.Label))
		if len(l) > 16 {
			l = append(l[:15], '…')
		}
		labels[i] = string(l)
		if n := len(l); n > labelW {
			labelW = n
		}
	}
	var b strings.Builder
	for i, r := range rows {
		cells := 0
		if max > 0 && r.Seconds > 0 {
			cells = int((r.Seconds*int64(width) + max/2) / max)
			if cells == 0 {
				cells = 1 // any time at all gets a visible sliver
			}
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		pad := labelW - utf8.RuneCountInString(labels[i])
		fmt.Fprintf(&b, "%s%s %s %s", labels[i], strings.Repeat(" ", pad), strings.Repeat("█", cells), decimalHours(r.Seconds))
	}
	return b.String()
}

// dayRows labels seven daily totals Mon..Sun.
func dayRows(byDay [7]int64) []BarRow {
	names := [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	rows := make([]BarRow, 7)
	for i := range rows {
		rows[i] = BarRow{Label: names[i], Seconds: byDay[i]}
	}
	return rows
}

// topRows keeps the n largest rows (ties by label) and sums the rest into
// "Other".
func topRows(rows []BarRow, n int) []BarRow {
	rs := append([]BarRow(nil), rows...)
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Seconds != rs[j].Seconds {
			return rs[i].Seconds > rs[j].Seconds
		}
		return rs[i].Label < rs[j].Label
	})
	if len(rs) <= n {
		return rs
	}
	other := BarRow{Label: "Other"}
	for _, r := range rs[n:] {
		other.Seconds += r.Seconds
	}
	return append(rs[:n], other)
}

// chartText renders a titled chart as a mrkdwn code block with user text
// escaped.
func chartText(title string, rows []BarRow) string {
	return "*" + title + "*\n```" + Escape(BarChart(rows, 20)) + "```"
}
