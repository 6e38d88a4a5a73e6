package remind

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slack-go/slack"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

func TestDueAcrossZones(t *testing.T) {
	friday := At{Weekday: time.Friday, Hour: 16}
	monday9 := At{Weekday: time.Monday, Hour: 9}
	sunday230 := At{Weekday: time.Sunday, Hour: 2, Minute: 30}
	week := func(s string) model.Week { w, _ := model.ParseWeek(s); return w }
	cases := []struct {
		name string
		at   At
		week string
		tz   string
		want string // UTC
	}{
		{"Honolulu UTC-10", friday, "2026-11-23", "Pacific/Honolulu", "2026-11-28T02:00:00Z"},
		{"Kiritimati UTC+14", friday, "2026-11-23", "Pacific/Kiritimati", "2026-11-27T02:00:00Z"},
		{"UTC", friday, "2026-11-23", "UTC", "2026-11-27T16:00:00Z"},
		{"Kolkata half hour", friday, "2026-11-23", "Asia/Kolkata", "2026-11-27T10:30:00Z"},
		{"Berlin Friday before DST ends (CEST)", friday, "2026-10-19", "Europe/Berlin", "2026-10-23T14:00:00Z"},
		{"Berlin Monday after DST ended (CET)", monday9, "2026-10-26", "Europe/Berlin", "2026-10-26T08:00:00Z"},
		{"Berlin 02:30 on the fold is the first one", sunday230, "2026-10-19", "Europe/Berlin", "2026-10-25T00:30:00Z"},
		{"Berlin 02:30 in the spring gap moves on", sunday230, "2026-03-23", "Europe/Berlin", "2026-03-29T01:30:00Z"},
		{"New York Friday before DST ends (EDT)", friday, "2026-10-26", "America/New_York", "2026-10-30T20:00:00Z"},
		{"New York Friday after DST ended (EST)", friday, "2026-11-02", "America/New_York", "2026-11-06T21:00:00Z"},
		{"New York Monday of the change", monday9, "2026-11-02", "America/New_York", "2026-11-02T14:00:00Z"},
		{"week across the new year", friday, "2026-12-28", "UTC", "2027-01-01T16:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.at.in(week(c.week), mustLoc(t, c.tz)).UTC().Format(time.RFC3339)
			if got != c.want {
				t.Errorf("due = %s, want %s", got, c.want)
			}
		})
	}
}

func TestLocalWeekAtTheDateLine(t *testing.T) {
	// Sunday 23:00 in Honolulu is already Monday 23:00 in Kiritimati.
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	if got := localWeek(now, mustLoc(t, "Pacific/Honolulu")).String(); got != "2026-11-23" {
		t.Errorf("Honolulu week = %s", got)
	}
	if got := localWeek(now, mustLoc(t, "Pacific/Kiritimati")).String(); got != "2026-11-30" {
		t.Errorf("Kiritimati week = %s", got)
	}
}

func TestZoneFallback(t *testing.T) {
	def := mustLoc(t, "Europe/Berlin")
	core, logs := observer.New(zap.WarnLevel)
	e := newEngine(t, new(storage.DB), slack.New("x"), (&renderer{}).render, time.Now, func(o *Options) {
		o.DefaultTZ, o.Log = def, zap.New(core)
	})
	cases := []struct {
		tz, want string
		bad      float64 // unknown zones counted so far
	}{
		{"", "Europe/Berlin", 0},
		{"Asia/Tokyo", "Asia/Tokyo", 0},
		{"Mars/Olympus", "Europe/Berlin", 1},
		{"Mars/Olympus", "Europe/Berlin", 2},
	}
	for _, c := range cases {
		if got := e.zone(c.tz).String(); got != c.want {
			t.Errorf("zone(%q) = %s, want %s", c.tz, got, c.want)
		}
		if got := testutil.ToFloat64(e.metrics.badZones); got != c.bad {
			t.Errorf("after zone(%q): %v unknown zones counted, want %v", c.tz, got, c.bad)
		}
	}
	// Counted every time, logged once per name.
	if n := logs.FilterMessage("unknown Slack time zone; using the default zone").Len(); n != 1 {
		t.Errorf("%d warnings logged, want 1", n)
	}
}

func TestParseAt(t *testing.T) {
	a, err := ParseAt(time.Friday, "16:05")
	if err != nil || a != (At{time.Friday, 16, 5}) {
		t.Errorf("ParseAt = %v, %v", a, err)
	}
	for _, bad := range []string{"", "16", "24:00", "16:60", "ab:cd"} {
		if _, err := ParseAt(time.Friday, bad); err == nil {
			t.Errorf("ParseAt(%q) accepted", bad)
		}
	}
}

func TestOffAllWeek(t *testing.T) {
	w, _ := model.ParseWeek("2026-11-23")
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	cases := []struct {
		name string
		offs []TimeOff
		want bool
	}{
		{"none", nil, false},
		{"whole week", []TimeOff{{Start: d("2026-11-23"), End: d("2026-11-27")}}, true},
		{"longer leave", []TimeOff{{Start: d("2026-11-10"), End: d("2026-12-10")}}, true},
		{"two pieces", []TimeOff{{Start: d("2026-11-23"), End: d("2026-11-24")}, {Start: d("2026-11-25"), End: d("2026-11-29")}}, true},
		{"Friday worked", []TimeOff{{Start: d("2026-11-23"), End: d("2026-11-26")}}, false},
		{"a gap on Wednesday", []TimeOff{{Start: d("2026-11-23"), End: d("2026-11-24")}, {Start: d("2026-11-26"), End: d("2026-11-27")}}, false},
		{"only the weekend", []TimeOff{{Start: d("2026-11-28"), End: d("2026-11-29")}}, false},
	}
	for _, c := range cases {
		if got := offAllWeek(c.offs, w); got != c.want {
			t.Errorf("%s: offAllWeek = %v, want %v", c.name, got, c.want)
		}
	}
}
