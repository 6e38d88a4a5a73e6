package timesheet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
)

var week = model.WeekOf(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))

func TestRenderWeek(t *testing.T) {
	t.Parallel()
	dev := model.Employee{ID: 1, FirstName: "Ada", Active: true, SlackUserID: "U1"}
	cases := []struct {
		name       string
		entries    []model.Entry
		wantNeeds  bool
		wantText   string
		wantReason string
	}{
		{"nothing logged", nil, true, "Nothing logged for " + week.Label(), ""},
		{"unconfirmed", []model.Entry{entry(1, 5, 3600, model.StatusUnconfirmed)}, true, "Please confirm your hours for " + week.Label(), ""},
		{"unallocated", []model.Entry{entry(1, 0, 3600, model.StatusUnconfirmed)}, true, "Please confirm your hours for " + week.Label(), ""},
		{"all done", []model.Entry{entry(1, 5, 3600, model.StatusConfirmed)}, false, "Your week " + week.Label() + " is confirmed", ReasonWeekDone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := newFakeStore(dev)
			store.entries[dev.ID] = tc.entries
			r := New(Options{Store: store})
			bs, text, needs, reason, err := r.RenderWeek(context.Background(), dev.ID, week)
			if err != nil {
				t.Fatal(err)
			}
			if needs != tc.wantNeeds || text != tc.wantText || reason != tc.wantReason {
				t.Fatalf("RenderWeek = %q %v %q, want %q %v %q", text, needs, reason, tc.wantText, tc.wantNeeds, tc.wantReason)
			}
			// The view is built even when not sent: a sent DM is redrawn with it.
			if len(bs) == 0 {
				t.Fatal("no blocks")
			}
		})
	}
}

func TestRenderDigest(t *testing.T) {
	t.Parallel()
	mgr := model.Employee{ID: 10, FirstName: "Grace", Active: true}
	open := model.Employee{ID: 11, FirstName: "Open", LastName: "Olsen", Active: true}
	empty := model.Employee{ID: 12, FirstName: "Empty", LastName: "Evans", Active: true}
	done := model.Employee{ID: 13, FirstName: "Done", LastName: "Dahl", Active: true}
	gone := model.Employee{ID: 14, FirstName: "Gone", LastName: "Gray", Active: false}
	store := newFakeStore(mgr, open, empty, done, gone)
	store.reports[mgr.ID] = []int64{open.ID, empty.ID, done.ID, gone.ID}
	store.entries[open.ID] = []model.Entry{entry(1, 0, 3600, model.StatusUnconfirmed)}
	store.entries[done.ID] = []model.Entry{entry(2, 5, 3600, model.StatusConfirmed)}
	store.entries[gone.ID] = []model.Entry{entry(3, 0, 3600, model.StatusUnconfirmed)}
	r := New(Options{Store: store})

	bs, text, needs, _, err := r.RenderDigest(context.Background(), mgr.ID, week)
	if err != nil {
		t.Fatal(err)
	}
	if !needs || text != "2 of your reports have open time for "+week.Label() {
		t.Fatalf("digest %q needs=%v", text, needs)
	}
	got := blocksText(t, bs)
	for _, want := range []string{"Open Olsen", "Empty Evans", "Grace"} {
		if !strings.Contains(got, want) {
			t.Errorf("digest lacks %q", want)
		}
	}
	for _, skipped := range []string{"Done Dahl", "Gone Gray"} {
		if strings.Contains(got, skipped) {
			t.Errorf("digest lists %q", skipped)
		}
	}
	// Gone Gray left: not listed, but the hour logged counts in the team's
	// week, as in every other total.
	if !strings.Contains(got, "Your team logged *3:00*") {
		t.Errorf("digest does not count every report's time: %s", got)
	}

	// Everyone done (or gone): no digest.
	store.reports[mgr.ID] = []int64{done.ID, gone.ID}
	_, _, needs, reason, err := r.RenderDigest(context.Background(), mgr.ID, week)
	if err != nil || needs || reason != ReasonReportsDone {
		t.Fatalf("all done: needs=%v reason=%q err=%v", needs, reason, err)
	}
}

// Billable time without a rate is an open item of the digest, shown as
// unpriced with why — never as an amount of zero — and apart from the
// priced amount in the team's line.
func TestDigestShowsUnpricedTime(t *testing.T) {
	t.Parallel()
	mgr := model.Employee{ID: 10, FirstName: "Grace", Active: true}
	priced := model.Employee{ID: 11, FirstName: "Paid", LastName: "Pike", Active: true}
	norate := model.Employee{ID: 12, FirstName: "Nora", LastName: "Nolan", Active: true}
	store := newFakeStore(mgr, priced, norate)
	store.reports[mgr.ID] = []int64{priced.ID, norate.ID}
	p := entry(1, 5, 3600, model.StatusConfirmed)
	p.Billable, p.Amount = true, model.Money{Minor: 12000, Currency: "EUR"}
	u := entry(2, 5, 7200, model.StatusConfirmed)
	u.Billable, u.Unpriced = true, model.UnpricedNoRate
	store.entries[priced.ID] = []model.Entry{p}
	store.entries[norate.ID] = []model.Entry{u}
	in, err := New(Options{Store: store}).Digest(context.Background(), mgr.ID, week)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Items) != 1 || in.Items[0].EmployeeID != norate.ID || in.Items[0].UnpricedSeconds != 7200 {
		t.Fatalf("items %+v, want Nora's 2:00 unpriced", in.Items)
	}
	if in.Team.Seconds != 3*3600 || in.Team.UnpricedSeconds != 7200 || in.Team.Billable["EUR"] != 12000 {
		t.Fatalf("team %+v", in.Team)
	}
	got := blocksText(t, blocks.Digest(in))
	for _, want := range []string{"billable :warning: *2:00 unpriced* (no billable rate in BambooHR) — ask HR",
		"Your team logged *3:00* · billable *120.00 EUR* · :warning: *2:00 unpriced*"} {
		if !strings.Contains(got, want) {
			t.Errorf("digest lacks %q: %s", want, got)
		}
	}
	if strings.Contains(got, "billable *0*") {
		t.Errorf("unpriced time shown as zero: %s", got)
	}
}

func TestRenderNudgeSaysWhoAsked(t *testing.T) {
	t.Parallel()
	dev := model.Employee{ID: 1, FirstName: "Ada", Active: true, SlackUserID: "U1"}
	boss := model.Employee{ID: 2, FirstName: "Grace", LastName: "Hopper", Active: true, SlackUserID: "UBOSS"}
	cases := []struct {
		name  string
		actor string
		want  string
	}{
		{"manager by name", "UBOSS", "Grace Hopper"},
		{"HR admin not in the roster", "UHR", "HR"},
		{"anyone else", "USTRANGER", "Your manager"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := newFakeStore(dev, boss)
			store.entries[dev.ID] = []model.Entry{entry(1, 5, 3600, model.StatusUnconfirmed)}
			r := New(Options{Store: store, IsHRAdmin: func(id string) bool { return id == "UHR" }})
			bs, text, needs, _, err := r.RenderNudge(context.Background(), dev.ID, week, tc.actor)
			if err != nil {
				t.Fatal(err)
			}
			if !needs || text != tc.want+" asks you to confirm your week "+week.Label() {
				t.Fatalf("nudge %q needs=%v", text, needs)
			}
			if !strings.Contains(blocksText(t, bs), "*"+tc.want+"* asks you") {
				t.Fatalf("nudge blocks do not name %q", tc.want)
			}
		})
	}
}

func TestRenderNudgeSkipsDoneWeek(t *testing.T) {
	t.Parallel()
	dev := model.Employee{ID: 1, FirstName: "Ada", Active: true, SlackUserID: "U1"}
	store := newFakeStore(dev)
	store.entries[dev.ID] = []model.Entry{entry(1, 5, 3600, model.StatusConfirmed)}
	r := New(Options{Store: store})
	bs, _, needs, reason, err := r.RenderNudge(context.Background(), dev.ID, week, "UBOSS")
	if err != nil || needs || bs != nil || reason != ReasonWeekDone {
		t.Fatalf("done week nudged: blocks=%d needs=%v reason=%q err=%v", len(bs), needs, reason, err)
	}
}
