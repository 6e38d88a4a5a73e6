package commands

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
)

// fakeConfirmer records every call that would change something.
type fakeConfirmer struct {
	mu    sync.Mutex
	calls []string
	err   error // returned by every call
}

func (f *fakeConfirmer) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeConfirmer) ConfirmEntry(_ context.Context, _ string, _ int64, hash string) (review.Result, error) {
	f.record("confirm " + hash)
	return review.Result{}, f.err
}

func (f *fakeConfirmer) ConfirmAll(_ context.Context, _ string, w model.Week) (review.WeekResult, error) {
	f.record("confirm all " + w.String())
	return review.WeekResult{}, f.err
}

func (f *fakeConfirmer) AssignProject(context.Context, string, int64, int64) (review.Assignment, error) {
	f.record("assign")
	return review.Assignment{}, f.err
}

func (f *fakeConfirmer) AcceptSuggestion(context.Context, string, int64, int64) (review.Assignment, error) {
	f.record("accept")
	return review.Assignment{}, f.err
}

func (f *fakeConfirmer) AcceptSuggestions(_ context.Context, _ string, w model.Week, _ string) (review.SuggestionsResult, error) {
	f.record("accept all " + w.String())
	return review.SuggestionsResult{}, f.err
}

// fakeAPI records the DMs posted: channel → top-level text and blocks JSON.
type fakeAPI struct {
	mu     sync.Mutex
	texts  []string
	blocks []string
}

func (f *fakeAPI) UpdateMessageContext(context.Context, string, string, ...slack.MsgOption) (string, string, string, error) {
	return "", "", "", nil
}

func (f *fakeAPI) PostMessageContext(_ context.Context, channelID string, options ...slack.MsgOption) (string, string, error) {
	_, values, err := slack.UnsafeApplyMsgOptions("token", channelID, "https://slack.invalid/api/", options...)
	if err != nil {
		return "", "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.texts = append(f.texts, values.Get("text"))
	f.blocks = append(f.blocks, values.Get("blocks"))
	return channelID, "1.0", nil
}

func (f *fakeAPI) OpenConversationContext(_ context.Context, p *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error) {
	ch := &slack.Channel{}
	ch.ID = "D" + p.Users[0]
	return ch, false, false, nil
}

// fakeWeeks knows one person and empty weeks.
type fakeWeeks struct{}

func (fakeWeeks) EmployeeBySlackID(context.Context, string) (model.Employee, error) {
	return model.Employee{ID: 1, FirstName: "Ada", SlackUserID: "UADA"}, nil
}

func (fakeWeeks) WeekInput(_ context.Context, _ model.Employee, w model.Week) (blocks.WeekInput, error) {
	return blocks.WeekInput{Week: w, Person: "Ada"}, nil
}

func (fakeWeeks) WeekBlocks(context.Context, model.Employee, model.Week, int) ([]slack.Block, error) {
	return nil, nil
}

// fakeHome records home refreshes.
type fakeHome struct{ weeks []string }

func (f *fakeHome) PublishWeek(_ context.Context, _ string, w *model.Week) error {
	f.weeks = append(f.weeks, w.String())
	return nil
}

// A value tally could not have drawn is refused with a sentence to the
// person who clicked, changes nothing, and is never carried whole into an
// error (which the bot logs).
func TestForgedActionValuesRefused(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	huge := strings.Repeat("a", 1<<20)
	cases := []struct {
		name     string
		actionID string
		value    string
		option   string
		says     string
	}{
		{"huge hash", blocks.ActionConfirmEntry, "1:" + huge, "", "That button is broken"},
		{"hash not hex", blocks.ActionConfirmEntry, "1:<!here>", "", "That button is broken"},
		{"negative entry", blocks.ActionConfirmEntry, "-1:abc", "", "That button is broken"},
		{"negative project", blocks.ActionAssignProject, "", "1:-5", "That choice is broken"},
		{"huge project value", blocks.ActionAssignProject, "", "1:" + huge, "That choice is broken"},
		{"use suggestion garbage", blocks.ActionUseSuggestion, "1:" + huge, "", "That button is broken"},
		{"assign suggestions no digest", blocks.ActionAssignSuggestions, "2026-11-23", "", "That button is broken"},
		{"assign suggestions huge digest", blocks.ActionAssignSuggestions, "2026-11-23:" + huge, "", "That button is broken"},
		{"assign suggestions year 9999", blocks.ActionAssignSuggestions, "9999-12-27:abcd", "", "too far in the future"},
		{"confirm year 1", blocks.ActionConfirmAll, "0001-01-01", "", "too long ago"},
		{"confirm year 9999", blocks.ActionConfirmAll, "9999-12-27", "", "too far in the future"},
		{"confirm next month", blocks.ActionConfirmAll, "2026-12-28", "", "too far in the future"},
		{"confirm huge week", blocks.ActionConfirmAll, huge, "", "That button is broken"},
		{"navigate to year 1", blocks.ActionHomeWeekPrev, "0001-01-01", "", "too long ago"},
		{"navigate to year 9999", blocks.ActionHomeWeekNext, "9999-12-27", "", "too far in the future"},
		{"navigate to garbage", blocks.ActionHomeWeekNext, huge, "", "That button is broken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conf, api, home := &fakeConfirmer{}, &fakeAPI{}, &fakeHome{}
			h := New(Options{Weeks: fakeWeeks{}, Confirmer: conf, API: api, Home: home, Now: func() time.Time { return now }})
			cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "UADA"},
				Container: slack.Container{Type: "view"}}
			act := &slack.BlockAction{ActionID: tc.actionID, Value: tc.value}
			act.SelectedOption.Value = tc.option
			cb.ActionCallback.BlockActions = []*slack.BlockAction{act}
			_, followUp, err := h.HandleInteraction(context.Background(), cb)
			if err == nil || model.ErrorCodeOf(err) != model.EInvalid {
				t.Fatalf("err %v (%s), want a refusal", err, model.ErrorCodeOf(err))
			}
			if n := len(err.Error()); n > 2*blocks.MaxClip+200 {
				t.Errorf("the error carries %d bytes of the value", n)
			}
			if followUp == nil {
				t.Fatal("no reply to the person who clicked")
			}
			followUp(context.Background())
			if len(conf.calls) != 0 || len(home.weeks) != 0 {
				t.Fatalf("a refused value changed something: %v, home %v", conf.calls, home.weeks)
			}
			if len(api.texts) != 1 || !strings.Contains(api.texts[0], tc.says) {
				t.Fatalf("replied %q, want %q", api.texts, tc.says)
			}
		})
	}
}

// An error sentence naming user content reaches Slack escaped in the
// notification text as in the blocks.
func TestReplyTextEscaped(t *testing.T) {
	t.Parallel()
	conf := &fakeConfirmer{err: model.Errorf(model.EConflict, "Entry <!here> <https://evil|click> & more")}
	api := &fakeAPI{}
	h := New(Options{Weeks: fakeWeeks{}, Confirmer: conf, API: api})
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "UADA"},
		Container: slack.Container{Type: "view"}}
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: blocks.ActionConfirmEntry, Value: "7:abc"}}
	_, followUp, _ := h.HandleInteraction(context.Background(), cb)
	followUp(context.Background())
	if len(api.texts) != 1 {
		t.Fatalf("%d DMs", len(api.texts))
	}
	if want := "Entry &lt;!here&gt; &lt;https://evil|click&gt; &amp; more"; api.texts[0] != want {
		t.Errorf("text %q, want %q", api.texts[0], want)
	}
	if strings.Contains(api.blocks[0], "<!here>") || strings.Contains(api.blocks[0], "<https://evil") {
		t.Errorf("blocks carry the raw text: %s", api.blocks[0])
	}
}
