package model

import (
	"fmt"
	"time"
)

// Location turns a person's Slack time zone (an IANA name such as
// "Europe/Berlin", "" when unknown) into a location. An unknown zone is
// fallback; a zone that cannot be loaded is fallback with an error, so the
// caller can log it once instead of silently treating the person as if
// they lived in fallback.
func Location(tz string, fallback *time.Location) (*time.Location, error) {
	if fallback == nil {
		fallback = time.UTC
	}
	if tz == "" {
		return fallback, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fallback, fmt.Errorf("slack time zone %q: %w", tz, err)
	}
	return loc, nil
}
