package timesheet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// fakeStore is an in-memory Store: people, their managers and entries.
type fakeStore struct {
	people  map[int64]model.Employee
	reports map[int64][]int64 // manager id → direct reports
	entries map[int64][]model.Entry
	reads   map[int64]int // WeekEntries calls per person
}

func newFakeStore(people ...model.Employee) *fakeStore {
	f := &fakeStore{people: map[int64]model.Employee{}, reports: map[int64][]int64{},
		entries: map[int64][]model.Entry{}, reads: map[int64]int{}}
	for _, p := range people {
		f.people[p.ID] = p
	}
	return f
}

func (f *fakeStore) EmployeeByID(_ context.Context, id int64) (model.Employee, error) {
	if e, ok := f.people[id]; ok {
		return e, nil
	}
	return model.Employee{}, storage.ErrNoEmployee
}

func (f *fakeStore) EmployeeBySlackID(_ context.Context, slackUserID string) (model.Employee, error) {
	for _, e := range f.people {
		if e.SlackUserID == slackUserID && slackUserID != "" {
			return e, nil
		}
	}
	return model.Employee{}, storage.ErrNoEmployee
}

func (f *fakeStore) Subtree(_ context.Context, managerID int64, _ bool) ([]model.Employee, error) {
	var out []model.Employee
	for _, id := range f.reports[managerID] {
		out = append(out, f.people[id])
	}
	return out, nil
}

func (f *fakeStore) PricedWeekEntries(_ context.Context, employeeID int64, _ model.Week) ([]storage.WeekEntry, error) {
	f.reads[employeeID]++
	out := make([]storage.WeekEntry, len(f.entries[employeeID]))
	for i, e := range f.entries[employeeID] {
		out[i] = storage.WeekEntry{Entry: e, Priced: e.Amount.Currency != "", Unpriced: storage.UnpricedReason(e.Unpriced),
			Employment: storage.EmploymentIssue(e.Outside)}
	}
	return out, nil
}

func (f *fakeStore) SuggestProjects(context.Context, []int64, model.Week) (map[int64]storage.Suggestion, error) {
	return map[int64]storage.Suggestion{}, nil
}

func (f *fakeStore) ActiveProjects(context.Context, string, int) ([]storage.ProjectOption, error) {
	return []storage.ProjectOption{{ID: 5, Name: "Apollo", ClientName: "NASA"}}, nil
}

// blocksText renders blocks as JSON for "does it mention" checks.
func blocksText(t *testing.T, bs []slack.Block) string {
	t.Helper()
	b, err := json.Marshal(bs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakeSlack records the DMs posted through it; a user in refuse cannot be
// written to.
type fakeSlack struct {
	mu     sync.Mutex
	posts  map[string][]string // channel → notification texts
	refuse map[string]bool
}

func newFakeSlack() *fakeSlack {
	return &fakeSlack{posts: map[string][]string{}, refuse: map[string]bool{}}
}

func (f *fakeSlack) OpenConversationContext(_ context.Context, p *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error) {
	if f.refuse[p.Users[0]] {
		return nil, false, false, errors.New("cannot_dm_bot")
	}
	ch := &slack.Channel{}
	ch.ID = "D" + strings.Join(p.Users, ",")
	return ch, false, false, nil
}

func (f *fakeSlack) PostMessageContext(_ context.Context, channelID string, options ...slack.MsgOption) (string, string, error) {
	_, values, err := slack.UnsafeApplyMsgOptions("token", channelID, "https://slack.invalid/api/", options...)
	if err != nil {
		return "", "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts[channelID] = append(f.posts[channelID], values.Get("text"))
	return channelID, "1.0", nil
}

// fakeLedger is an in-memory NoticeLedger with the semantics the storage
// one must have: one claim at a time per notice, sent is final, released
// is claimable again.
type fakeLedger struct {
	mu   sync.Mutex
	sent map[string]bool // key → false while claimed, true once sent
}

func newFakeLedger() *fakeLedger { return &fakeLedger{sent: map[string]bool{}} }

func ledgerKey(cw storage.ChangedWeek, user string) string {
	return fmt.Sprintf("%d/%s/%s/%s", cw.EmployeeID, cw.Week, cw.ChangedAt.UTC().Format(time.RFC3339Nano), user)
}

func (l *fakeLedger) ClaimChangeNotice(_ context.Context, cw storage.ChangedWeek, user string) (bool, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if sent, ok := l.sent[ledgerKey(cw, user)]; ok {
		return false, sent, nil
	}
	l.sent[ledgerKey(cw, user)] = false
	return true, false, nil
}

func (l *fakeLedger) FinishChangeNotice(_ context.Context, cw storage.ChangedWeek, user string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent[ledgerKey(cw, user)] = true
	return nil
}

func (l *fakeLedger) ReleaseChangeNotice(_ context.Context, cw storage.ChangedWeek, user string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.sent, ledgerKey(cw, user))
	return nil
}
