package model

import (
	"testing"
	"time"
)

func TestLocation(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		tz       string
		fallback *time.Location
		want     string
		wantErr  bool
	}{
		{"their zone", "Pacific/Honolulu", berlin, "Pacific/Honolulu", false},
		{"unknown zone is the fallback", "", berlin, "Europe/Berlin", false},
		{"invalid zone is reported", "Not/AZone", berlin, "Europe/Berlin", true},
		{"no fallback is UTC", "", nil, "UTC", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			loc, err := Location(tc.tz, tc.fallback)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if loc.String() != tc.want {
				t.Fatalf("location %s, want %s", loc, tc.want)
			}
		})
	}
}
