package commands

import (
	"testing"
	"time"
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

func TestUserNowUsesTheirZone(t *testing.T) {
	t.Parallel()
	// Monday 00:30 UTC is still Sunday in Honolulu: "this week" differs.
	now := time.Date(2026, 11, 30, 0, 30, 0, 0, time.UTC)
	hnl := userNow(now, "Pacific/Honolulu", time.UTC)
	if hnl.Weekday() != time.Sunday {
		t.Fatalf("Honolulu weekday %s", hnl.Weekday())
	}
	if got := userNow(now, "Not/AZone", time.UTC); got.Location() != time.UTC {
		t.Fatalf("invalid zone should fall back, got %s", got.Location())
	}
}
