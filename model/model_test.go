package model

import (
	"testing"
	"time"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	cases := []struct {
		amount, cur string
		minor       int64
		wantErr     bool
	}{
		{"125.50", "USD", 12550, false},
		{"125", "eur", 12500, false},
		{" 0.07 ", "GBP", 7, false},
		{"1000", "JPY", 1000, false},
		{"10.5", "JPY", 0, true},
		{"1.234", "USD", 0, true},
		{"-5", "USD", 0, true},
		{"abc", "USD", 0, true},
		{"", "USD", 0, true},
		{"10", "XXX", 0, true},
		{"1.250", "KWD", 1250, false},
		{"99999999999999999999", "USD", 0, true},
	}
	for _, tc := range cases {
		m, err := ParseMoney(tc.amount, tc.cur)
		if tc.wantErr {
			if err == nil {
				t.Errorf("ParseMoney(%q, %q) = %+v, want error", tc.amount, tc.cur, m)
			}
			continue
		}
		if err != nil || m.Minor != tc.minor {
			t.Errorf("ParseMoney(%q, %q) = %+v, %v; want %d", tc.amount, tc.cur, m, err, tc.minor)
		}
	}
}

func TestPriceMinorRoundsHalfAwayFromZero(t *testing.T) {
	t.Parallel()
	cases := []struct {
		secs, rate, want int64
	}{
		{3600, 12000, 12000},
		{1800, 12000, 6000},
		{1, 1800, 1},     // 0.5 → 1
		{1, 1799, 0},     // 0.4997 → 0
		{60, 12345, 206}, // 205.75 → 206
		{0, 12000, 0},
		{3600, 0, 0},
		{-5, 100, 0},
	}
	for _, tc := range cases {
		if got := PriceMinor(tc.secs, tc.rate); got != tc.want {
			t.Errorf("PriceMinor(%d, %d) = %d, want %d", tc.secs, tc.rate, got, tc.want)
		}
	}
}

func TestFormatAndAmounts(t *testing.T) {
	t.Parallel()
	if got := FormatMinor(123456789, "USD"); got != "1,234,567.89" {
		t.Errorf("FormatMinor = %q", got)
	}
	if got := FormatMinor(-5, "EUR"); got != "-0.05" {
		t.Errorf("FormatMinor negative = %q", got)
	}
	if got := FormatMinor(1500, "JPY"); got != "1,500" {
		t.Errorf("FormatMinor JPY = %q", got)
	}
	a := Amounts{}
	a.Add(Money{100, "USD"})
	a.Add(Money{250, "EUR"})
	a.Add(Money{5, "USD"})
	a.Add(Money{7, ""})
	if got := a.String(); got != "2.50 EUR + 1.05 USD" {
		t.Errorf("Amounts = %q", got)
	}
	if got := (Amounts{}).String(); got != "0" {
		t.Errorf("empty Amounts = %q", got)
	}
}

func TestWeekMaths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 29, 23, 59, 0, 0, time.UTC), "2026-11-23"}, // Sunday
		{time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), "2026-11-30"},   // Monday
		{time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), "2026-12-28"},    // across a year
		{time.Date(2026, 3, 29, 2, 30, 0, 0, mustLoc(t, "Europe/Berlin")), "2026-03-23"},
	}
	for _, tc := range cases {
		if got := WeekOf(tc.at).String(); got != tc.want {
			t.Errorf("WeekOf(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
	w, err := ParseWeek("2026-12-02")
	if err != nil || w.String() != "2026-11-30" || w.End().Format(time.DateOnly) != "2026-12-06" {
		t.Fatalf("ParseWeek = %v %v", w, err)
	}
	if w.Label() != "30 Nov–6 Dec 2026" || w.Prev().Label() != "23–29 Nov 2026" {
		t.Errorf("labels %q %q", w.Label(), w.Prev().Label())
	}
	if got := (Week{Start: time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC)}).Label(); got != "28 Dec 2026–3 Jan 2027" {
		t.Errorf("year-crossing label %q", got)
	}
	if len(w.Days()) != 7 || !w.Next().Prev().Start.Equal(w.Start) {
		t.Error("days/next/prev")
	}
	if _, err := ParseWeek("30/11/2026"); err == nil {
		t.Error("ParseWeek accepted a non-ISO date")
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestContentHashCoversWhatIsConfirmed(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.FixedZone("", 3600))
	base := ContentHash(start, 3600, 7, 0, "work", true)
	if base != ContentHash(start.UTC(), 3600, 7, 0, "work", true) {
		t.Error("hash depends on the zone of an identical instant")
	}
	variants := []string{
		ContentHash(start.Add(time.Minute), 3600, 7, 0, "work", true),
		ContentHash(start, 3601, 7, 0, "work", true),
		ContentHash(start, 3600, 8, 0, "work", true),
		ContentHash(start, 3600, 7, 1, "work", true),
		ContentHash(start, 3600, 7, 0, "work!", true),
		ContentHash(start, 3600, 7, 0, "work", false),
	}
	for i, v := range variants {
		if v == base {
			t.Errorf("variant %d has the same hash", i)
		}
	}
}

func TestErrorMessageNeverLeaksInternals(t *testing.T) {
	t.Parallel()
	if got := ErrorMessage(Errorf(EForbidden, "You can only confirm your own entries.")); got != "You can only confirm your own entries." {
		t.Errorf("user error: %q", got)
	}
	if got := ErrorMessage(&Error{Code: EInternal, Message: "x", Err: errString("pq: password authentication failed")}); got != "x" {
		t.Errorf("wrapped: %q", got)
	}
	if got := ErrorMessage(errString("dial tcp 10.0.0.1:5432: secret")); got == "" || got == "dial tcp 10.0.0.1:5432: secret" {
		t.Errorf("internal error leaked: %q", got)
	}
	if ErrorCodeOf(errString("x")) != EInternal || ErrorCodeOf(Errorf(ENotFound, "y")) != ENotFound {
		t.Error("codes")
	}
}

type errString string

func (e errString) Error() string { return string(e) }
