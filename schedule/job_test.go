package schedule

import (
	"testing"
	"time"
)

func TestSlot(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name  string
		sched Schedule
		now   string
		want  string
	}{
		{"every minute on the minute", Every(time.Minute), "2026-11-27T16:00:00Z", "2026-11-27T16:00:00Z"},
		{"every minute late", Every(time.Minute), "2026-11-27T16:00:59.999Z", "2026-11-27T16:00:00Z"},
		{"every hour", Every(time.Hour), "2026-11-27T16:42:10Z", "2026-11-27T16:00:00Z"},
		{"every 10s in another zone", Every(10 * time.Second), "2026-11-27T17:00:25+01:00", "2026-11-27T16:00:20Z"},
		{"cron at its time", MustCron("0 16 * * 5"), "2026-11-27T16:00:00Z", "2026-11-27T16:00:00Z"},
		{"cron later that day", MustCron("0 16 * * 5"), "2026-11-27T23:10:00Z", "2026-11-27T16:00:00Z"},
		{"cron days later", MustCron("0 16 * * 5"), "2026-12-02T01:00:00Z", "2026-11-27T16:00:00Z"},
		{"nightly", MustCron("30 2 * * *"), "2026-11-28T02:29:59Z", "2026-11-27T02:30:00Z"},
		{"every 5 minutes", MustCron("*/5 * * * *"), "2026-11-27T16:04:59Z", "2026-11-27T16:00:00Z"},
		{"monthly", MustCron("0 0 1 * *"), "2026-12-31T12:00:00Z", "2026-12-01T00:00:00Z"},
		{"cron input in an offset", MustCron("0 16 * * *"), "2026-11-28T01:00:00+09:00", "2026-11-27T16:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.sched.Slot(at(c.now)); got != c.want {
				t.Errorf("Slot(%s) = %s, want %s", c.now, got, c.want)
			}
		})
	}
}

func TestScheduleValidate(t *testing.T) {
	if _, err := Cron("not a cron"); err == nil {
		t.Error("Cron accepted garbage")
	}
	if err := (Schedule{}).validate(); err == nil {
		t.Error("the zero schedule validated")
	}
	if err := Every(10 * time.Millisecond).validate(); err == nil {
		t.Error("a 10ms interval validated")
	}
	if err := Every(time.Minute).validate(); err != nil {
		t.Errorf("every minute: %v", err)
	}
	if got := Every(time.Minute).next(time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2026, 11, 27, 16, 1, 0, 0, time.UTC)) {
		t.Errorf("next = %v", got)
	}
}
