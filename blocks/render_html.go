package blocks

import (
	"html"
	"net/url"
	"regexp"
	"strings"

	"github.com/slack-go/slack"
)

var (
	preRe    = regexp.MustCompile("```([\\s\\S]*?)```")
	codeRe   = regexp.MustCompile("`([^`\\n]+)`")
	boldRe   = regexp.MustCompile(`\*([^*\n]+)\*`)
	italicRe = regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`)
)

// RenderHTML renders blocks as a simple read-only HTML fragment for a preview
// page (`tally demo --serve`). Every piece of text is HTML-escaped before
// tally's own mrkdwn markers become tags, links are only emitted for http(s)
// URLs, and controls are disabled, so no input can inject markup or script.
// Style it with the class names: tb-header, tb-section, tb-fields,
// tb-context, tb-actions, tb-input.
func RenderHTML(blocks []slack.Block) string {
	var b strings.Builder
	b.WriteString(`<div class="tally-blocks">` + "\n")
	for _, bl := range blocks {
		b.WriteString(renderHTMLBlock(bl))
	}
	b.WriteString("</div>\n")
	return b.String()
}

func renderHTMLBlock(b slack.Block) string {
	switch v := deref(b).(type) {
	case *slack.HeaderBlock:
		return `<h3 class="tb-header">` + htmlText(v.Text) + "</h3>\n"
	case *slack.SectionBlock:
		var s strings.Builder
		s.WriteString(`<div class="tb-section">`)
		if v.Text != nil {
			s.WriteString(`<div class="tb-text">` + htmlText(v.Text) + `</div>`)
		}
		if len(v.Fields) > 0 {
			s.WriteString(`<div class="tb-fields">`)
			for _, f := range v.Fields {
				s.WriteString(`<div class="tb-field">` + htmlText(f) + `</div>`)
			}
			s.WriteString(`</div>`)
		}
		if v.Accessory != nil {
			s.WriteString(htmlElement(accessoryElement(v.Accessory)))
		}
		s.WriteString("</div>\n")
		return s.String()
	case *slack.ContextBlock:
		var s strings.Builder
		s.WriteString(`<div class="tb-context">`)
		for _, e := range v.ContextElements.Elements {
			if t, ok := e.(*slack.TextBlockObject); ok {
				s.WriteString(`<span>` + htmlText(t) + `</span>`)
			}
		}
		s.WriteString("</div>\n")
		return s.String()
	case *slack.ActionBlock:
		var s strings.Builder
		s.WriteString(`<div class="tb-actions">`)
		if v.Elements != nil {
			for _, e := range v.Elements.ElementSet {
				s.WriteString(htmlElement(e))
			}
		}
		s.WriteString("</div>\n")
		return s.String()
	case *slack.DividerBlock:
		return "<hr>\n"
	case *slack.InputBlock:
		return `<div class="tb-input"><label>` + htmlText(v.Label) + `</label>` + htmlElement(v.Element) + "</div>\n"
	}
	return ""
}

func htmlElement(e slack.BlockElement) string {
	switch v := e.(type) {
	case *slack.ButtonBlockElement:
		text := htmlText(v.Text)
		if u, err := url.Parse(v.URL); err == nil && v.URL != "" && (u.Scheme == "https" || u.Scheme == "http") {
			return `<a class="tb-button" href="` + html.EscapeString(u.String()) + `" target="_blank" rel="noopener noreferrer">` + text + `</a>`
		}
		class := "tb-button"
		if v.Style != "" {
			class += " tb-" + html.EscapeString(string(v.Style))
		}
		return `<button class="` + class + `" disabled>` + text + `</button>`
	case *slack.SelectBlockElement:
		var s strings.Builder
		s.WriteString(`<select disabled><option>` + htmlText(v.Placeholder) + `</option>`)
		if v.InitialOption != nil {
			s.WriteString(`<option selected>` + htmlText(v.InitialOption.Text) + `</option>`)
		}
		for _, o := range v.Options {
			s.WriteString(`<option>` + htmlText(o.Text) + `</option>`)
		}
		for _, g := range v.OptionGroups {
			s.WriteString(`<optgroup label="` + html.EscapeString(readable(g.Label)) + `">`)
			for _, o := range g.Options {
				s.WriteString(`<option>` + htmlText(o.Text) + `</option>`)
			}
			s.WriteString(`</optgroup>`)
		}
		s.WriteString(`</select>`)
		return s.String()
	case *slack.PlainTextInputBlockElement:
		return `<textarea disabled placeholder="` + html.EscapeString(readable(v.Placeholder)) + `"></textarea>`
	}
	return ""
}

// htmlText escapes a text object for HTML, then turns tally's mrkdwn markers
// (which survive escaping unchanged) into tags.
func htmlText(t *slack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	s := emojify(t.Text)
	if t.Type != slack.MarkdownType {
		return html.EscapeString(s)
	}
	s = html.EscapeString(strings.ReplaceAll(entities.Replace(unlink(s)), "\x00", ""))
	var pres []string
	s = preRe.ReplaceAllStringFunc(s, func(m string) string {
		pres = append(pres, "<pre>"+strings.Trim(preRe.FindStringSubmatch(m)[1], "\n")+"</pre>")
		return "\x00"
	})
	s = codeRe.ReplaceAllString(s, "<code>$1</code>")
	s = boldRe.ReplaceAllString(s, "<b>$1</b>")
	s = italicRe.ReplaceAllString(s, "$1<i>$2</i>")
	s = strings.ReplaceAll(s, "\n", "<br>")
	for _, p := range pres {
		s = strings.Replace(s, "\x00", p, 1)
	}
	return s
}
