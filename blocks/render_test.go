package blocks

import (
	"strings"
	"testing"
)

func TestRenderText(t *testing.T) {
	text := RenderText(WeekView(mixedWeek(), MaxMessageBlocks))
	for _, want := range []string{
		"Week 23–29 Nov 2026 · Ada Lovelace\n═══",
		"[ Confirm all 1 ]  [ Assign all 1 suggestion ]  [ Open Toggl ↗ ]",
		"💡 Suggested: Checkout revamp (Acme) — you logged this description on it 3 times\n    [ Checkout revamp (Acme) ▾ ]\n[ Use Checkout revamp (Acme) ]",
		"    [ Search projects ▾ ]",
		"    [ Confirm again ]",
		"Monday 23 Nov · 3:30 · 2 entries",
		"(no description)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "*") || strings.Contains(text, "&amp;") {
		t.Errorf("markup leaks into text:\n%s", text)
	}
	modal := RenderText(RejectModal("Ada", 1, testWeek).Blocks.BlockSet)
	if !strings.Contains(modal, "Reason\n┌") {
		t.Errorf("modal input not drawn:\n%s", modal)
	}
	div := RenderText(ConfirmAllMessage(ConfirmAllResult{}, normalWeek()))
	if !strings.Contains(div, textRule) {
		t.Errorf("divider not drawn")
	}
}

func TestRenderHTMLIsSafe(t *testing.T) {
	in := markupWeek()
	in.Entries[1].Description = `"><script>alert(1)</script><img src=x onerror=alert(2)> ` + "```</pre><b>x</b>```"
	out := RenderHTML(WeekView(in, MaxMessageBlocks)) + RenderHTML(RejectModal("<img src=x>", 1, testWeek).Blocks.BlockSet)
	for _, bad := range []string{"<script", "<img", "onerror=alert(2)>", "</pre><b>x"} {
		if strings.Contains(out, bad) {
			t.Errorf("HTML carries %q", bad)
		}
	}
	for _, want := range []string{
		`<h3 class="tb-header">`, "&lt;script&gt;", `<a class="tb-button" href="https://track.toggl.com/timer"`,
		`<button class="tb-button tb-primary" disabled>Confirm all 1</button>`, "<select disabled>", "<b>",
		`<textarea disabled`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	chart := RenderHTML(ManagerHome(managerInput(3, ScopeDirect, 0)).Blocks.BlockSet)
	if !strings.Contains(chart, "<pre>Mon ") || !strings.Contains(chart, "R&amp;D &lt;core&gt;") {
		t.Errorf("chart not rendered as escaped pre:\n%s", chart)
	}
}
