package blocks

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// emojiShortcodes maps the shortcodes tally uses to the characters Slack
// shows for them; other shortcodes are left as typed.
var emojiShortcodes = map[string]string{
	"white_check_mark":          "✅",
	"warning":                   "⚠️",
	"bulb":                      "💡",
	"white_circle":              "⚪",
	"arrows_counterclockwise":   "🔄",
	"x":                         "❌",
	"large_blue_circle":         "🔵",
	"zzz":                       "💤",
	"tada":                      "🎉",
	"wave":                      "👋",
	"hourglass_flowing_sand":    "⏳",
	"wastebasket":               "🗑️",
	"leftwards_arrow_with_hook": "↩️",
}

var (
	shortcodeRe = regexp.MustCompile(`:[a-z0-9_+\-]+:`)
	linkRe      = regexp.MustCompile(`<([^<>|]+)\|([^<>]*)>|<([^<>]+)>`)
	entities    = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// emojify swaps known shortcodes for their characters.
func emojify(s string) string {
	return shortcodeRe.ReplaceAllStringFunc(s, func(code string) string {
		if e, ok := emojiShortcodes[strings.Trim(code, ":")]; ok {
			return e
		}
		return code
	})
}

// unlink renders Slack's <url|text> as text and <url> as url.
func unlink(s string) string {
	return linkRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRe.FindStringSubmatch(m)
		if sub[1] != "" {
			return sub[2]
		}
		return sub[3]
	})
}

// readable turns a text object into what a person reads: mrkdwn markers
// dropped, links shown by their text, entities decoded, emoji drawn. Raw
// formatting characters can only be tally's own, because Escape swaps user
// ones for look-alikes.
func readable(t *slack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	s := emojify(t.Text)
	if t.Type == slack.MarkdownType {
		s = stripMarkers(unlink(s))
	}
	return strings.Trim(entities.Replace(s), "\n")
}

// stripMarkers drops mrkdwn's *, _, ~ and backtick markers, keeping the text
// inside code spans and blocks as written.
func stripMarkers(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.Index(s, "`")
		if i < 0 {
			b.WriteString(dropFormatting(s))
			break
		}
		fence := "`"
		if strings.HasPrefix(s[i:], "```") {
			fence = "```"
		}
		b.WriteString(dropFormatting(s[:i]))
		rest := s[i+len(fence):]
		j := strings.Index(rest, fence)
		if j < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:j])
		s = rest[j+len(fence):]
	}
	return b.String()
}

// dropFormatting removes bold, strike and italic markers but keeps
// underscores that are part of an unknown :short_code:.
func dropFormatting(s string) string {
	s = strings.NewReplacer("*", "", "~", "").Replace(s)
	var b strings.Builder
	last := 0
	for _, loc := range shortcodeRe.FindAllStringIndex(s, -1) {
		b.WriteString(strings.ReplaceAll(s[last:loc[0]], "_", ""))
		b.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(strings.ReplaceAll(s[last:], "_", ""))
	return b.String()
}

// RenderText renders blocks as plain text the way a person reads them in
// Slack: headers underlined, sections and their fields, context lines,
// buttons as "[ Confirm ]", selects as "[ Assign project ▾ ]", dividers as a
// line. Used by `tally demo` and the README.
func RenderText(blocks []slack.Block) string {
	var out []string
	for _, b := range blocks {
		if s := renderTextBlock(b); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

const textRule = "────────────────────────────────────────"

func renderTextBlock(b slack.Block) string {
	switch v := deref(b).(type) {
	case *slack.HeaderBlock:
		t := readable(v.Text)
		return t + "\n" + strings.Repeat("═", max(utf8.RuneCountInString(t), 3))
	case *slack.SectionBlock:
		var parts []string
		if v.Text != nil {
			parts = append(parts, readable(v.Text))
		}
		for _, f := range v.Fields {
			parts = append(parts, readable(f))
		}
		s := strings.Join(parts, "\n\n")
		if v.Accessory != nil {
			if el := elementText(accessoryElement(v.Accessory)); el != "" {
				s += "\n    " + el
			}
		}
		return s
	case *slack.ContextBlock:
		var parts []string
		for _, e := range v.ContextElements.Elements {
			if t, ok := e.(*slack.TextBlockObject); ok {
				parts = append(parts, readable(t))
			}
		}
		return "  " + strings.Join(parts, "  ")
	case *slack.ActionBlock:
		var parts []string
		if v.Elements != nil {
			for _, e := range v.Elements.ElementSet {
				if t := elementText(e); t != "" {
					parts = append(parts, t)
				}
			}
		}
		return strings.Join(parts, "  ")
	case *slack.DividerBlock:
		return textRule
	case *slack.InputBlock:
		return readable(v.Label) + "\n" + elementText(v.Element)
	}
	return ""
}

// elementText renders one interactive element.
func elementText(e slack.BlockElement) string {
	switch v := e.(type) {
	case *slack.ButtonBlockElement:
		t := readable(v.Text)
		if v.URL != "" {
			t += " ↗"
		}
		return "[ " + t + " ]"
	case *slack.SelectBlockElement:
		if v.InitialOption != nil {
			return "[ " + readable(v.InitialOption.Text) + " ▾ ]"
		}
		return "[ " + readable(v.Placeholder) + " ▾ ]"
	case *slack.PlainTextInputBlockElement:
		if v.Multiline {
			return "┌" + strings.Repeat("─", 38) + "┐\n│ " + padRunes(readable(v.Placeholder), 37) + "│\n└" + strings.Repeat("─", 38) + "┘"
		}
		return "[ " + readable(v.Placeholder) + " ]"
	}
	return ""
}

func padRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s + strings.Repeat(" ", n-len(r))
}

// accessoryElement returns the element an Accessory holds.
func accessoryElement(a *slack.Accessory) slack.BlockElement {
	switch {
	case a.ButtonElement != nil:
		return a.ButtonElement
	case a.SelectElement != nil:
		return a.SelectElement
	}
	return nil
}

// deref turns value blocks (as some slack-go decoders produce) into pointers
// so renderers switch on one form.
func deref(b slack.Block) slack.Block {
	switch v := b.(type) {
	case slack.HeaderBlock:
		return &v
	case slack.SectionBlock:
		return &v
	case slack.ContextBlock:
		return &v
	case slack.ActionBlock:
		return &v
	case slack.DividerBlock:
		return &v
	case slack.InputBlock:
		return &v
	}
	return b
}
