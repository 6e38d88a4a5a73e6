package blocks

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/tallyhq/tally/model"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a & b", "a &amp; b"},
		{"<@U024BE7LH> <!channel>", "&lt;@U024BE7LH&gt; &lt;!channel&gt;"},
		{"<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
		{"*bold* _it_ ~s~ `c`", "∗bold∗ ˍitˍ ∼s∼ ˋcˋ"},
		{"&amp; already", "&amp;amp; already"},
		{"emoji 🎉 :rocket: stay", "emoji 🎉 :rocket: stay"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "hello", 5, "hello"},
		{"cut", "hello world", 6, "hello…"},
		{"never splits an entity", "ab&amp;cd", 6, "ab…"},
		{"keeps a whole entity", "ab&amp;cd", 8, "ab&amp;…"},
		{"emoji counts two", "🎉🎉🎉", 4, "🎉…"},
		{"zero", "abc", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Truncate(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if textLen(got) > tt.max || !utf8.ValidString(got) {
				t.Errorf("result %q breaks the limit or UTF-8", got)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		secs int64
		want string
	}{{0, "0:00"}, {59, "0:01"}, {5400, "1:30"}, {36000 + 29, "10:00"}, {-90, "-0:02"}}
	for _, tt := range tests {
		if got := Duration(tt.secs); got != tt.want {
			t.Errorf("Duration(%d) = %q, want %q", tt.secs, got, tt.want)
		}
	}
}

func TestMarkupCannotEscape(t *testing.T) {
	in := markupWeek()
	for _, bs := range [][]slack.Block{WeekView(in, MaxMessageBlocks), RejectedDM("<@U1>", "<!here> *x*", in)} {
		for _, b := range bs {
			var texts []string
			switch v := b.(type) {
			case *slack.SectionBlock:
				texts = append(texts, v.Text.Text)
			case *slack.ContextBlock:
				for _, e := range v.ContextElements.Elements {
					texts = append(texts, e.(*slack.TextBlockObject).Text)
				}
			}
			for _, s := range texts {
				if strings.ContainsAny(s, "<") || strings.Contains(s, "<@") || strings.Contains(s, "<!") {
					t.Errorf("raw markup reaches Slack: %q", s)
				}
				if strings.Contains(s, "*not bold*") || strings.Contains(s, "_not italic_") {
					t.Errorf("user formatting survives: %q", s)
				}
			}
		}
	}
}

func TestValues(t *testing.T) {
	id, hash, err := ParseEntryValue(EntryValue(123, "abc123"))
	if err != nil || id != 123 || hash != "abc123" {
		t.Errorf("entry value round trip: %d %q %v", id, hash, err)
	}
	e, p, err := ParseProjectValue(ProjectValue(5, 9))
	if err != nil || e != 5 || p != 9 {
		t.Errorf("project value round trip: %d %d %v", e, p, err)
	}
	emp, w, err := ParsePersonWeekValue(PersonWeekValue(42, testWeek))
	if err != nil || emp != 42 || w != testWeek {
		t.Errorf("person week round trip: %d %v %v", emp, w, err)
	}
	bad := []struct {
		name string
		fn   func() error
	}{
		{"entry without hash", func() error { _, _, err := ParseEntryValue("123"); return err }},
		{"entry negative id", func() error { _, _, err := ParseEntryValue("-1:abc"); return err }},
		{"entry json", func() error { _, _, err := ParseEntryValue(`{"id":1}`); return err }},
		{"project not a number", func() error { _, _, err := ParseProjectValue("1:x"); return err }},
		{"person week not a Monday", func() error { _, _, err := ParsePersonWeekValue("1:2026-11-25"); return err }},
		{"person week no date", func() error { _, _, err := ParsePersonWeekValue("1"); return err }},
		{"week garbage", func() error { _, err := ParseWeekValue("next week"); return err }},
		{"id zero", func() error { _, err := ParseIDValue("0"); return err }},
		{"page negative", func() error { _, err := ParsePageValue("-1"); return err }},
		{"page beyond any team", func() error { _, err := ParsePageValue("10001"); return err }},
		{"entry hash not hex", func() error { _, _, err := ParseEntryValue("1:<!here>"); return err }},
		{"entry hash upper case", func() error { _, _, err := ParseEntryValue("1:ABC"); return err }},
		{"entry hash too long", func() error { _, _, err := ParseEntryValue("1:" + strings.Repeat("a", 65)); return err }},
		{"week with spaces", func() error { _, err := ParseWeekValue(" 2026-11-23"); return err }},
		{"scope unknown", func() error { _, err := ParseScopeValue("everyone"); return err }},
		{"scope empty", func() error { _, err := ParseScopeValue(""); return err }},
		{"huge value", func() error { _, _, err := ParsePersonWeekValue(strings.Repeat("1", 1<<20)); return err }},
	}
	for _, b := range bad {
		err := b.fn()
		if err == nil {
			t.Errorf("%s: accepted", b.name)
			continue
		}
		// The error quotes the value, capped: it is logged.
		if len(err.Error()) > 2*MaxClip+200 {
			t.Errorf("%s: error of %d bytes", b.name, len(err.Error()))
		}
	}
	for _, v := range []Scope{ScopeDirect, ScopeSubtree} {
		if got, err := ParseScopeValue(string(v)); err != nil || got != v {
			t.Errorf("scope %q: %q %v", v, got, err)
		}
	}
	if _, hash, err := ParseEntryValue(EntryValue(1, model.ContentHash(testWeek.Start, 60, 1, 0, "x", true))); err != nil || len(hash) != 32 {
		t.Errorf("tally's own hash refused: %q %v", hash, err)
	}
	if n, err := ParsePageValue("3"); err != nil || n != 3 {
		t.Errorf("page 3: %d %v", n, err)
	}
}

func TestNotificationText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Your week was sent back: <!here> <https://evil|click>", "Your week was sent back: &lt;!here&gt; &lt;https://evil|click&gt;"},
		{"R&D <@U123>", "R&amp;D &lt;@U123&gt;"},
		{"*bold* _kept_", "*bold* _kept_"},
	}
	for _, tc := range cases {
		if got := NotificationText(tc.in); got != tc.want {
			t.Errorf("NotificationText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := NotificationText(strings.Repeat("<", 1<<20))
	if textLen(long) > MaxNotificationText || !strings.HasSuffix(long, ellipsis) || strings.Contains(long, "&l…") {
		t.Errorf("long text: %d chars, ends %q", textLen(long), long[len(long)-8:])
	}
}

func TestClip(t *testing.T) {
	if got := Clip("short"); got != "short" {
		t.Errorf("Clip(short) = %q", got)
	}
	got := Clip(strings.Repeat("é", 1<<20))
	if textLen(got) != MaxClip || !strings.HasSuffix(got, ellipsis) {
		t.Errorf("Clip of 1 MB: %d chars", textLen(got))
	}
}

func TestBarChart(t *testing.T) {
	got := BarChart([]BarRow{{"Mon", 8 * 3600}, {"Tue", 4 * 3600}, {"Wed", 60}, {"Thu", 0}}, 8)
	want := "Mon ████████ 8.0h\nTue ████ 4.0h\nWed █ 0.0h\nThu  0.0h"
	if got != want {
		t.Errorf("BarChart:\n%s\nwant\n%s", got, want)
	}
	rows := topRows([]BarRow{{"a", 1}, {"b", 5}, {"c", 3}, {"d", 2}}, 2)
	if len(rows) != 3 || rows[0].Label != "b" || rows[2].Label != "Other" || rows[2].Seconds != 3 {
		t.Errorf("topRows = %v", rows)
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize(mixedWeek().Entries)
	want := Summary{Entries: 4, Seconds: (120 + 90 + 45 + 200) * 60, ConfirmedSeconds: 245 * 60,
		UnallocatedSeconds: 165 * 60, ChangedSeconds: 90 * 60, Unconfirmed: 2, UnconfirmedSeconds: 210 * 60, Unallocated: 2,
		Confirmable: 1, ConfirmableSeconds: 90 * 60,
		Unpriced: 1, UnpricedSeconds: 200 * 60, UnpricedReason: model.UnpricedBeforeFirstRate}
	billable := s.Billable
	s.Billable = nil
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
	// The unpriced entry is not in the amount: only the 1:30 priced.
	if billable.String() != (model.Amounts{"EUR": model.PriceMinor(90*60, 12000)}).String() {
		t.Errorf("billable %s", billable)
	}
}

// Unpriced billable time is visible as unpriced with its reason, never as
// "billable 0"; time outside employment is marked.
func TestSummaryMoney(t *testing.T) {
	priced := entry(1, 0, 9, 0, 60, 11, "priced", model.StatusConfirmed)
	noRate := entry(2, 0, 10, 0, 120, 11, "no rate", model.StatusConfirmed)
	noRate.Amount, noRate.Unpriced = model.Money{}, model.UnpricedNoRate
	silent := entry(3, 0, 12, 0, 30, 11, "no amount, no reason", model.StatusConfirmed)
	silent.Amount = model.Money{}
	internal := entry(4, 0, 13, 0, 30, 12, "not billable", model.StatusConfirmed)
	internal.Billable, internal.Amount = false, model.Money{}
	leaver := entry(5, 1, 9, 0, 60, 11, "after leaving", model.StatusConfirmed)
	leaver.Outside = model.AfterTermination
	tests := []struct {
		name    string
		entries []model.Entry
		want    []string
		notWant []string
	}{
		{"priced only", []model.Entry{priced}, []string{"billable *120.00 EUR*"}, []string{"unpriced"}},
		{"only unpriced", []model.Entry{noRate}, []string{"billable :warning: *2:00 unpriced* (no billable rate in BambooHR)"},
			[]string{"billable *0*", "0.00"}},
		{"priced and unpriced", []model.Entry{priced, noRate},
			[]string{"billable *120.00 EUR* · :warning: *2:00 unpriced* (no billable rate in BambooHR)"}, nil},
		{"billable without amount or reason", []model.Entry{silent}, []string{":warning: *0:30 unpriced* (no billable rate in force)"},
			[]string{"billable *0*"}},
		{"not billable is not unpriced", []model.Entry{internal}, []string{"billable *0*"}, []string{"unpriced"}},
		{"outside employment", []model.Entry{priced, leaver},
			[]string{":warning: *1:00 outside employment* (logged after the termination date)"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := Summarize(tt.entries).Line()
			card := summaryCard("This week", testWeek, Summarize(tt.entries))
			for _, got := range []string{line, card} {
				for _, w := range tt.want {
					if !strings.Contains(got, w) {
						t.Errorf("%q lacks %q", got, w)
					}
				}
				for _, w := range tt.notWant {
					if strings.Contains(got, w) {
						t.Errorf("%q has %q", got, w)
					}
				}
			}
		})
	}
}
