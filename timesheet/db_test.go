package timesheet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// *storage.DB is what the wiring passes (behind the employee cache).
var (
	_ Store        = (*storage.DB)(nil)
	_ ChangedWeeks = (*storage.DB)(nil)
)

func TestWeekInputOffersPickerOnlyForUnallocatedTime(t *testing.T) {
	t.Parallel()
	db := storagetest.New(t)
	ctx := context.Background()
	id := storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "1", Email: "ada@example.com",
		First: "Ada", Last: "Lovelace", TogglUserID: 100})
	storagetest.AddProject(t, db, 5, "Apollo", "NASA")
	storagetest.AddProject(t, db, 6, "Gemini", "NASA")
	storagetest.AddProject(t, db, 7, "Mercury", "ESA")
	monday := week.Start.Add(9 * time.Hour)
	// Gemini was used the week before: it leads the picker.
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 1, TogglUserID: 100, EmployeeID: id, ProjectID: 6,
		Start: monday.AddDate(0, 0, -7), Seconds: 3600})
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 2, TogglUserID: 100, EmployeeID: id, ProjectID: 5,
		Start: monday, Seconds: 3600})
	r := New(Options{Store: db})
	emp, err := db.EmployeeByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	in, err := r.WeekInput(ctx, emp, week)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Entries) != 1 || in.Person != "Ada Lovelace" || in.Week != week {
		t.Fatalf("week input %+v", in)
	}
	if in.Suggestions != nil || in.SuggestionsDigest != "" || in.NoProjects {
		t.Fatalf("allocated week got picker content: %+v", in)
	}

	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 3, TogglUserID: 100, EmployeeID: id,
		Start: monday.Add(2 * time.Hour), Seconds: 1800})
	in, err = r.WeekInput(ctx, emp, week)
	if err != nil {
		t.Fatal(err)
	}
	// The unallocated entry carries the storage suggestion (its neighbour
	// that day is on Apollo) and the digest Assign all will carry.
	want, err := db.SuggestProjects(ctx, []int64{id}, week)
	if err != nil {
		t.Fatal(err)
	}
	if !want[3].Offered() {
		t.Fatalf("storage offers no suggestion for entry 3: %+v", want)
	}
	got, ok := in.Suggestions[3]
	if !ok || got.Project.ID != want[3].ProjectID || got.Project.Name != want[3].ProjectName || got.Why != want[3].Why() {
		t.Errorf("suggestion %+v, want %+v", got, want[3])
	}
	if in.SuggestionsDigest == "" || in.SuggestionsDigest != storage.SuggestionDigest(want) {
		t.Errorf("digest %q", in.SuggestionsDigest)
	}
}

// staleList answers with weeks listed earlier, as a replica does that
// listed them just before another one claimed them.
type staleList struct {
	*storage.DB
	weeks []storage.ChangedWeek
}

func (s staleList) ChangedAfterApproval(context.Context) ([]storage.ChangedWeek, error) {
	return s.weeks, nil
}

func TestChangeNoticesGoOnceToPersonAndApprover(t *testing.T) {
	t.Parallel()
	for _, withLedger := range []bool{true, false} {
		t.Run(fmt.Sprintf("ledger=%v", withLedger), func(t *testing.T) {
			t.Parallel()
			db := storagetest.New(t)
			ctx := context.Background()
			dev := storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "1", Email: "ada@example.com",
				First: "Ada", Last: "Lovelace", SlackUserID: "UDEV", SupervisorID: "2"})
			storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "2", Email: "grace@example.com",
				First: "Grace", Last: "Hopper", SlackUserID: "UMGR"})
			// A person without Slack: only their approver hears.
			noSlack := storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "3", Email: "bob@example.com",
				First: "Bob", Last: "Builder", SupervisorID: "2"})
			for _, id := range []int64{dev, noSlack} {
				if _, err := storage.ApprovalRecord(ctx, db, storage.WeekApproval{EmployeeID: id, Week: week,
					Status: storage.ApprovalChanged, DecidedBy: "UMGR"}); err != nil {
					t.Fatal(err)
				}
			}
			api := newFakeSlack()
			var ledger NoticeLedger
			if withLedger {
				ledger = newFakeLedger()
			}
			// Two replicas list the same weeks before either claims them; then
			// each runs the job again.
			listed, err := db.ChangedAfterApproval(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, weeks := range []ChangedWeeks{staleList{db, listed}, staleList{db, listed}, db, db} {
				if err := NewNotifier(NotifierOptions{Weeks: weeks, Slack: api, Ledger: ledger}).Run(ctx); err != nil {
					t.Fatal(err)
				}
			}
			want := map[string][]string{
				"DUDEV": {"Your approved week " + week.Label() + " changed after approval and needs approval again."},
				"DUMGR": {
					"Ada Lovelace's approved week " + week.Label() + " changed after approval.",
					"Bob Builder's approved week " + week.Label() + " changed after approval.",
				},
			}
			if len(api.posts) != len(want) {
				t.Fatalf("DMs went to %v", api.posts)
			}
			for ch, texts := range want {
				got := api.posts[ch]
				if len(got) != len(texts) {
					t.Fatalf("%s got %q, want %q", ch, got, texts)
				}
				for i := range texts {
					if got[i] != texts[i] {
						t.Errorf("%s DM %d: %q, want %q", ch, i, got[i], texts[i])
					}
				}
			}
			if left, err := db.ChangedAfterApproval(ctx); err != nil || len(left) != 0 {
				t.Fatalf("weeks left open: %v %v", left, err)
			}
		})
	}
}

func TestChangeNotices(t *testing.T) {
	t.Parallel()
	cw := storage.ChangedWeek{EmployeeID: 1, EmployeeName: "Ada", Week: week}
	cases := []struct {
		name     string
		person   string
		approver string
		want     []string
	}{
		{"both", "UDEV", "UMGR", []string{"UDEV", "UMGR"}},
		{"no Slack user", "", "UMGR", []string{"UMGR"}},
		{"approver gone", "UDEV", "", []string{"UDEV"}},
		{"nobody", "", "", nil},
	}
	for _, tc := range cases {
		c := cw
		c.EmployeeSlackID, c.ApproverSlackID = tc.person, tc.approver
		var got []string
		for _, n := range ChangeNotices(c) {
			if len(n.Blocks) == 0 || n.Text == "" {
				t.Errorf("%s: empty notice %+v", tc.name, n)
			}
			got = append(got, n.SlackUserID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: notices to %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A DM Slack refuses is sent again on the next run, to that person only;
// the week is closed once everyone got theirs.
func TestChangeNoticesRefusedDMSentOnNextRun(t *testing.T) {
	t.Parallel()
	db := storagetest.New(t)
	ctx := context.Background()
	dev := storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "1", Email: "ada@example.com",
		First: "Ada", SlackUserID: "UDEV"})
	if _, err := storage.ApprovalRecord(ctx, db, storage.WeekApproval{EmployeeID: dev, Week: week,
		Status: storage.ApprovalChanged, DecidedBy: "UMGR"}); err != nil {
		t.Fatal(err)
	}
	api := newFakeSlack()
	api.refuse["UDEV"] = true
	n := NewNotifier(NotifierOptions{Weeks: db, Slack: api, Ledger: newFakeLedger()})
	if err := n.Run(ctx); err != nil {
		t.Fatal(err)
	}
	left, err := db.ChangedAfterApproval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || len(api.posts["DUDEV"]) != 0 || len(api.posts["DUMGR"]) != 1 {
		t.Fatalf("after a refused DM: left %v, posts %v", left, api.posts)
	}
	// Slack takes DMs to Ada again: the next runs send hers, and only hers.
	api.refuse["UDEV"] = false
	for range 2 {
		if err := n.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if left, err = db.ChangedAfterApproval(ctx); err != nil || len(left) != 0 {
		t.Fatalf("week still open after every DM went out: %v %v", left, err)
	}
	if len(api.posts["DUDEV"]) != 1 || len(api.posts["DUMGR"]) != 1 {
		t.Fatalf("posts %v, want one each", api.posts)
	}
}

// A name reaches the notification text escaped: it cannot mention or link.
func TestChangeNoticeTextEscaped(t *testing.T) {
	t.Parallel()
	cw := storage.ChangedWeek{EmployeeID: 1, EmployeeName: "<!here> <https://evil|click> & co", Week: week,
		EmployeeSlackID: "UDEV", ApproverSlackID: "UMGR"}
	notices := ChangeNotices(cw)
	if len(notices) != 2 {
		t.Fatalf("%d notices", len(notices))
	}
	want := "&lt;!here&gt; &lt;https://evil|click&gt; &amp; co's approved week " + week.Label() + " changed after approval."
	if got := notices[1].Text; got != want {
		t.Fatalf("approver text %q, want %q", got, want)
	}
	if js := blocksText(t, notices[1].Blocks); strings.Contains(js, "<!here>") || strings.Contains(js, "<https://evil") {
		t.Fatalf("blocks carry the raw name: %s", js)
	}
}

// A backdated raise on an approved week: both DMs state the difference
// from what was approved, in hours and amount per currency.
func TestChangeNoticesCarryTheDifference(t *testing.T) {
	t.Parallel()
	db := storagetest.New(t)
	ctx := context.Background()
	dev := storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "1", Email: "ada@example.com",
		First: "Ada", Last: "Lovelace", SlackUserID: "UDEV", SupervisorID: "2", TogglUserID: 100})
	storagetest.AddEmployee(t, db, storagetest.SeedEmployee{BambooID: "2", Email: "grace@example.com",
		First: "Grace", Last: "Hopper", SlackUserID: "UMGR"})
	storagetest.AddProject(t, db, 5, "Apollo", "NASA")
	storagetest.AddRate(t, db, dev, "2026-01-01", 10000, "EUR")
	storagetest.AddEntry(t, db, storagetest.SeedEntry{ID: 1, TogglUserID: 100, EmployeeID: dev, ProjectID: 5,
		Billable: true, Start: week.Start.Add(9 * time.Hour), Seconds: 7200})
	err := db.InTx(ctx, func(tx storage.Tx) error {
		if _, err := storage.ApprovalRecord(ctx, tx, storage.WeekApproval{EmployeeID: dev, Week: week,
			Status: storage.ApprovalApproved, DecidedBy: "UMGR"}); err != nil {
			return err
		}
		_, err := storage.ApprovalSnapshot(ctx, tx, dev, week, "UMGR", false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A raise from 100.00 to 112.50 EUR/h, backdated before the week.
	storagetest.AddRate(t, db, dev, week.Start.AddDate(0, 0, -1).Format(time.DateOnly), 11250, "EUR")
	if _, err := db.MarkApprovalDrift(ctx); err != nil {
		t.Fatal(err)
	}
	changed, err := db.ChangedAfterApproval(ctx)
	if err != nil || len(changed) != 1 {
		t.Fatalf("changed weeks %v %v", changed, err)
	}
	notices := ChangeNotices(changed[0])
	if len(notices) != 2 {
		t.Fatalf("%d notices", len(notices))
	}
	for _, n := range notices {
		if !strings.Contains(n.Text, "(±0:00 h · +25.00 EUR)") {
			t.Errorf("%s text %q lacks the difference", n.SlackUserID, n.Text)
		}
		if js := blocksText(t, n.Blocks); !strings.Contains(js, "Difference from what was approved: *±0:00 h · +25.00 EUR*") {
			t.Errorf("%s blocks lack the difference: %s", n.SlackUserID, js)
		}
	}
}
