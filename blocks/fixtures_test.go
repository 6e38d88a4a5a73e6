package blocks

import (
	"fmt"
	"time"

	"github.com/tallyhq/tally/model"
)

// The fixtures use a fixed week and a +01:00 person so output is stable.
var (
	testWeek = model.Week{Start: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	testZone = time.FixedZone("CET", 3600)
)

// testSuggestion is the suggestion of the fixtures' unallocated entries.
func testSuggestion() Suggestion {
	return Suggestion{Project: Project{ID: 11, Name: "Checkout revamp", Client: "Acme"},
		Why: "you logged this description on it 3 times"}
}

// entry builds an entry on day (0 = Monday) at hour:minute lasting minutes.
func entry(id int64, day, hour, minute int, minutes int64, project int64, desc string, status model.EntryStatus) model.Entry {
	start := time.Date(2026, 11, 23+day, hour, minute, 0, 0, testZone)
	e := model.Entry{
		ID:          id,
		EmployeeID:  7,
		ProjectID:   project,
		Description: desc,
		Billable:    project != 0,
		Start:       start,
		Stop:        start.Add(time.Duration(minutes) * time.Minute),
		LocalDate:   time.Date(2026, 11, 23+day, 0, 0, 0, 0, time.UTC),
		Seconds:     minutes * 60,
		Status:      status,
	}
	switch project {
	case 11:
		e.ProjectName, e.ClientName = "Checkout revamp", "Acme"
	case 12:
		e.ProjectName = "Internal"
	case 13:
		e.ProjectName, e.ClientName = "Mobile app", "Globex"
	}
	if e.Billable {
		e.Amount = model.Money{Minor: model.PriceMinor(e.Seconds, 12000), Currency: "EUR"}
	}
	e.ContentHash = e.Hash()
	return e
}

func normalWeek() WeekInput {
	return WeekInput{
		Week:   testWeek,
		Person: "Ada Lovelace",
		Entries: []model.Entry{
			entry(101, 0, 9, 0, 90, 11, "Payment form validation", model.StatusConfirmed),
			entry(102, 0, 11, 0, 150, 11, "Code review", model.StatusUnconfirmed),
			entry(103, 1, 9, 30, 240, 13, "Offline sync", model.StatusUnconfirmed),
			entry(104, 2, 14, 0, 60, 12, "Team meeting", model.StatusConfirmed),
			entry(105, 4, 10, 0, 300, 13, "Release 2.4", model.StatusUnconfirmed),
		},
	}
}

func mixedWeek() WeekInput {
	in := normalWeek()
	in.Entries = []model.Entry{
		entry(201, 0, 9, 0, 120, 0, "Investigating flaky CI", model.StatusUnconfirmed),
		entry(202, 0, 13, 0, 90, 11, "Checkout copy changes", model.StatusChanged),
		entry(203, 1, 8, 45, 45, 0, "", model.StatusConfirmed),
		entry(204, 2, 10, 0, 200, 13, "Push notifications", model.StatusConfirmed),
		entry(205, 3, 16, 0, 30, 13, "Deleted meanwhile", model.StatusUnconfirmed),
	}
	in.Entries[4].Deleted = true
	// Push notifications is billable with no rate in force: unpriced.
	in.Entries[3].Amount, in.Entries[3].Unpriced = model.Money{}, model.UnpricedBeforeFirstRate
	in.Suggestions = map[int64]Suggestion{201: testSuggestion()}
	in.SuggestionsDigest = "0123456789abcdef"
	return in
}

func markupWeek() WeekInput {
	in := normalWeek()
	long := ""
	for len(long) < 4000 {
		long += "<@U024BE7LH> *not bold* _not italic_ ~not struck~ `not code` & <!channel> <https://evil.example|click> 🎉🇺🇦 "
	}
	e1 := entry(301, 0, 9, 0, 60, 11, long, model.StatusUnconfirmed)
	e1.ProjectName = "R&D <core> *team*"
	e1.ClientName = "Smith & Sons > Co"
	e2 := entry(302, 1, 9, 0, 60, 0, "fix <script>alert(1)</script> & deploy :rocket:", model.StatusUnconfirmed)
	in.Entries = []model.Entry{e1, e2}
	in.Person = "Zoë <admin> & *Co*"
	return in
}

func busyWeek(n int) WeekInput {
	in := normalWeek()
	in.Entries = nil
	statuses := []model.EntryStatus{model.StatusUnconfirmed, model.StatusConfirmed, model.StatusChanged}
	for i := 0; i < n; i++ {
		project := []int64{11, 13, 0, 12}[i%4]
		in.Entries = append(in.Entries, entry(int64(1000+i), i%7, 8+(i/7)%12, (i*7)%60, 20, project,
			fmt.Sprintf("Task %d", i), statuses[i%3]))
	}
	return in
}

// suggestedWeek gives every unallocated entry of in the test suggestion.
func suggestedWeek(in WeekInput) WeekInput {
	in.Suggestions = map[int64]Suggestion{}
	for _, e := range in.Entries {
		if !e.Allocated() {
			in.Suggestions[e.ID] = testSuggestion()
		}
	}
	in.SuggestionsDigest = "0123456789abcdef"
	return in
}
