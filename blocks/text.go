package blocks

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's Block Kit limits, in characters.
const (
	MaxMessageBlocks = 50   // blocks in a message (DM, ephemeral, response_url)
	MaxHomeBlocks    = 100  // blocks in a home tab or modal view
	MaxSectionText   = 3000 // text of a section block
	MaxFieldText     = 2000 // one field of a section block
	MaxHeaderText    = 150  // text of a header block
	MaxButtonText    = 75   // text of a button
	MaxOptionText    = 75   // text of a select option
	MaxOptionValue   = 150  // value of a select option
	MaxButtonValue   = 2000 // value of a button
	MaxIDLength      = 255  // action_id and block_id
	MaxContextText   = 3000 // one text element of a context block
	MaxOptions       = 100  // options in a static select
	MaxPlaceholder   = 150  // placeholder of a select or input
	MaxModalTitle    = 24   // title, submit and close text of a modal
)

// ellipsis marks text cut to fit a limit.
const ellipsis = "…"

// textLen measures s the way the strictest Slack counter would: in UTF-16
// code units, so an emoji outside the BMP counts as two.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++
		}
	}
	return n
}

// Truncate cuts s to at most max characters (UTF-16 code units), ending it
// with "…" when it was cut. It never splits a rune, and never splits an HTML
// entity such as "&amp;" that Escape produced.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if textLen(s) <= max {
		return s
	}
	budget := max - textLen(ellipsis)
	n, cut := 0, 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if n+w > budget {
			break
		}
		n += w
		cut = i + len(string(r))
	}
	out := s[:cut]
	// Back up over a partial entity like "&am" so Slack never shows garbage.
	if amp := strings.LastIndexByte(out, '&'); amp >= 0 && !strings.Contains(out[amp:], ";") && len(out)-amp < 6 {
		out = out[:amp]
	}
	return out + ellipsis
}

// mrkdwnReplacer escapes Slack's control characters and swaps the mrkdwn
// formatting characters for look-alikes, so user text can neither mention
// (<@U..>, <!channel>), link nor turn bold, italic, struck or code.
var mrkdwnReplacer = strings.NewReplacer(
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	"*", "∗", // U+2217 asterisk operator
	"_", "ˍ", // U+02CD modifier letter low macron
	"~", "∼", // U+223C tilde operator
	"`", "ˋ", // U+02CB modifier letter grave accent
)

// Escape makes user text safe inside a mrkdwn text object: &, < and > become
// entities and *, _, ~ and ` are replaced by look-alike characters so they
// cannot format. Newlines are kept.
func Escape(s string) string { return mrkdwnReplacer.Replace(s) }

// oneLine flattens user text onto a single line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return s
}

// codeReplacer escapes text for a `code span`, where Slack applies no
// formatting: only &, < and > matter, and a backtick would end the span.
var codeReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "ˋ")

// code renders short text as a mrkdwn code span.
func code(s string, max int) string {
	if oneLine(s) == "" {
		return ""
	}
	return "`" + Truncate(codeReplacer.Replace(oneLine(prefix(s, max))), max) + "`"
}

// esc escapes user text for mrkdwn, flattens it to one line and cuts it to max.
func esc(s string, max int) string { return Truncate(Escape(oneLine(prefix(s, max))), max) }

// prefix cuts s, at a rune boundary, to a length that still leaves more than
// max visible characters after flattening in ordinary text, so huge inputs
// cost no more than what is shown.
func prefix(s string, max int) string {
	limit := 4*max + 64
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit]
}

// mrkdwn returns a mrkdwn text object cut to max characters.
func mrkdwn(s string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, Truncate(s, max), false, false)
}

// plain returns a plain_text object (emoji on) cut to max characters. Slack
// shows plain_text literally — no mentions, links or formatting — so user
// text needs flattening and cutting there, not escaping.
func plain(s string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, Truncate(s, max), true, false)
}

// section returns a section block with mrkdwn text.
func section(blockID, text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(text, MaxSectionText), nil, nil, slack.SectionBlockOptionBlockID(id(blockID)))
}

// header returns a header block.
func header(blockID, text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plain(text, MaxHeaderText), slack.HeaderBlockOptionBlockID(id(blockID)))
}

// contextText returns a context block with one mrkdwn element.
func contextText(blockID, text string) *slack.ContextBlock {
	return slack.NewContextBlock(id(blockID), mrkdwn(text, MaxContextText))
}

// id keeps a block or action id within Slack's limit.
func id(s string) string {
	if len(s) <= MaxIDLength {
		return s
	}
	return s[:MaxIDLength]
}

// button returns a button with its text and value kept within limits.
func button(actionID, value, text string) *slack.ButtonBlockElement {
	if len(value) > MaxButtonValue {
		value = value[:MaxButtonValue]
	}
	return slack.NewButtonBlockElement(id(actionID), value, plain(text, MaxButtonText))
}

// confirmDialog returns a confirmation dialog for a button.
func confirmDialog(title, text, yes, no string) *slack.ConfirmationBlockObject {
	return slack.NewConfirmationBlockObject(
		plain(title, 100), mrkdwn(text, 300), plain(yes, 30), plain(no, 30))
}

// lines joins lines into section text no longer than max; lines that do not
// fit are summarised by more(n), which receives how many lines were dropped.
func lines(ls []string, max int, more func(n int) string) string {
	var b strings.Builder
	n := 0 // textLen of b, kept as we go
	for i, l := range ls {
		sep := 0
		if i > 0 {
			sep = 1
		}
		tail := 0
		if i+1 < len(ls) {
			tail = 1 + textLen(more(len(ls)-i-1)) // room for a summary of the rest
		}
		ll := textLen(l)
		if n+sep+ll+tail > max {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(more(len(ls) - i))
			return Truncate(b.String(), max)
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		n += sep + ll
	}
	return Truncate(b.String(), max)
}

// Duration formats seconds as h:mm, e.g. 5400 → "1:30". Minutes are rounded
// to the nearest whole minute.
func Duration(seconds int64) string {
	neg := seconds < 0
	if neg {
		seconds = -seconds
	}
	m := (seconds + 30) / 60
	s := fmt.Sprintf("%d:%02d", m/60, m%60)
	if neg {
		s = "-" + s
	}
	return s
}

// decimalHours formats seconds as hours with one decimal, e.g. "7.5h".
func decimalHours(seconds int64) string {
	tenths := (seconds*10 + 1800) / 3600
	return fmt.Sprintf("%d.%dh", tenths/10, tenths%10)
}

// percent returns part as a whole percentage of total ("–" when total is 0).
func percent(part, total int64) string {
	if total <= 0 {
		return "–"
	}
	return fmt.Sprintf("%d%%", part*100/total)
}

// plural returns "1 entry" or "3 entries".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
