package commands

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tallyhq/tally/model"
)

func TestParseWeekArg(t *testing.T) {
	t.Parallel()
	// Sunday 29 Nov 2026, 23:30 in Kiritimati (UTC+14): still Sunday there,
	// already Monday 30 Nov... no: Sunday 23:30 local is the week of 23 Nov.
	kiritimati, _ := time.LoadLocation("Pacific/Kiritimati")
	now := time.Date(2026, 11, 29, 23, 30, 0, 0, kiritimati)
	cases := []struct {
		in        string
		allowDate bool
		want      string
		help      bool
		wantErr   bool
	}{
		{"", true, "2026-11-23", false, false},
		{"this week", true, "2026-11-23", false, false},
		{"  This   Week ", true, "2026-11-23", false, false},
		{"last week", true, "2026-11-16", false, false},
		{"2026-11-04", true, "2026-11-02", false, false},
		{"help", true, "", true, false},
		{"2026-11-04", false, "", false, true},
		{"yesterday", true, "", false, true},
		{"2026-13-01", true, "", false, true},
		{"2031-01-01", true, "", false, true},
		{"2027-11-22", true, "2027-11-22", false, false},
		{"2027-12-06", true, "", false, true},
		{"0001-01-01", true, "", false, true},
		{"2021-01-04", true, "", false, true},
		{"9999-12-31", true, "", false, true},
	}
	for _, tc := range cases {
		got, err := parseWeekArg(tc.in, now, tc.allowDate)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%q: want error, got %+v", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got.help != tc.help {
			t.Errorf("%q: help=%v", tc.in, got.help)
		}
		if !tc.help && got.week.String() != tc.want {
			t.Errorf("%q: week %s, want %s", tc.in, got.week, tc.want)
		}
	}
}

func TestParseWeekArgQuotesLittle(t *testing.T) {
	t.Parallel()
	_, err := parseWeekArg(strings.Repeat("x", 1<<20), time.Now(), true)
	if err == nil || len(model.ErrorMessage(err)) > 300 {
		t.Fatalf("error quotes %d bytes of the input", len(model.ErrorMessage(err)))
	}
}

func TestUserNowUsesTheirZone(t *testing.T) {
	t.Parallel()
	// Monday 00:30 UTC is still Sunday in Honolulu: "this week" differs.
	now := time.Date(2026, 11, 30, 0, 30, 0, 0, time.UTC)
	core, logs := observer.New(zap.WarnLevel)
	h := New(Options{Now: func() time.Time { return now }, Logger: zap.New(core)})
	cases := []struct {
		tz      string
		want    string
		weekday time.Weekday
		warned  bool
	}{
		{"Pacific/Honolulu", "Pacific/Honolulu", time.Sunday, false},
		{"", "UTC", time.Monday, false},
		{"Not/AZone", "UTC", time.Monday, true},
	}
	for _, tc := range cases {
		before := logs.Len()
		got := h.userNow(model.Employee{ID: 7, SlackTZ: tc.tz})
		if got.Location().String() != tc.want || got.Weekday() != tc.weekday {
			t.Errorf("%q: %s (%s), want %s (%s)", tc.tz, got.Location(), got.Weekday(), tc.want, tc.weekday)
		}
		if warned := logs.Len() > before; warned != tc.warned {
			t.Errorf("%q: warned %v, want %v", tc.tz, warned, tc.warned)
		}
	}
}
