package home

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/review"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

// actionsFixture is the home fixture with Actions whose DMs go to the
// sandbox Slack.
type actionsFixture struct {
	*homeFixture
	slack   *sandbox.Slack
	actions *Actions
}

func newActionsFixture(t *testing.T) *actionsFixture {
	t.Helper()
	f := newHomeFixture(t)
	fake, err := sandbox.NewSlack(sandbox.SlackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	for _, id := range []string{"UADA", "UMGR", "UBOB"} {
		fake.AddUser(sandbox.SlackUser{ID: id, Name: strings.ToLower(id)})
	}
	isHR := func(id string) bool { return id == "UHR" }
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.URL()))
	a := NewActions(f.pub, ActionOptions{
		API:      api,
		Decider:  review.New(f.db, review.Options{IsHRAdmin: isHR}),
		Requeuer: f.db,
		Exporter: func(context.Context, *bytes.Buffer, model.Week, []int64) error { return nil },
	})
	return &actionsFixture{homeFixture: f, slack: fake, actions: a}
}

// submitReject submits the reject modal as user.
func (f *actionsFixture) submitReject(t *testing.T, user, meta, reason string) (any, func(context.Context), error) {
	t.Helper()
	cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user}}
	cb.View.CallbackID = blocks.CallbackRejectWeek
	cb.View.PrivateMetadata = meta
	cb.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		blocks.RejectReasonBlockID: {blocks.RejectReasonActionID: {Value: reason}},
	}}
	ack, followUp, handled, err := f.actions.HandleViewSubmission(f.ctx, cb)
	if !handled {
		t.Fatal("reject modal not handled")
	}
	return ack, followUp, err
}

// The rejection reason reaches the developer's DM escaped: in the
// notification text as in the blocks, a mention or link in it is inert.
func TestRejectReasonEscapedInDM(t *testing.T) {
	t.Parallel()
	f := newActionsFixture(t)
	reason := "<!here> <https://evil|click>"
	ack, followUp, err := f.submitReject(t, "UMGR", strconv.FormatInt(f.ids["ada"], 10)+":"+f.adaWk, reason)
	if err != nil || ack != nil || followUp == nil {
		t.Fatalf("reject: ack %v err %v", ack, err)
	}
	followUp(f.ctx)
	dms := f.slack.DMs("UADA")
	if len(dms) != 1 {
		t.Fatalf("%d DMs to Ada", len(dms))
	}
	if want := "&lt;!here&gt; &lt;https://evil|click&gt;"; !strings.HasSuffix(dms[0].Text, want) {
		t.Errorf("notification text %q, want it to end in %q", dms[0].Text, want)
	}
	for what, got := range map[string]string{"text": dms[0].Text, "blocks": string(dms[0].Blocks)} {
		if strings.Contains(got, "<!here>") || strings.Contains(got, "<https://evil") {
			t.Errorf("%s carries the raw reason: %s", what, got)
		}
	}
}

// Values tally could not have sent are refused with a sentence to the
// manager, change nothing, and are never carried whole into the error the
// bot logs.
func TestForgedHomeValuesRefused(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("9", 1<<20)
	type click struct {
		action, value, meta string
	}
	cases := []struct {
		name   string
		click  *click
		submit []string // metadata, reason
		says   string
	}{
		{name: "approve year 1", click: &click{action: blocks.ActionApproveWeek, value: "ada:0001-01-01"}, says: "too long ago"},
		{name: "approve year 9999", click: &click{action: blocks.ActionApproveWeek, value: "ada:9999-12-27"}, says: "too far in the future"},
		{name: "approve empty week", click: &click{action: blocks.ActionApproveWeek, value: "bob:adaWk"}, says: "Bob Builder logged nothing"},
		{name: "approve huge value", click: &click{action: blocks.ActionApproveWeek, value: huge}, says: "That button is broken"},
		{name: "reject empty week", click: &click{action: blocks.ActionRejectWeek, value: "bob:adaWk"}, says: "Bob Builder logged nothing"},
		{name: "reject year 9999", click: &click{action: blocks.ActionRejectWeek, value: "ada:9999-12-27"}, says: "too far in the future"},
		{name: "scope garbage", click: &click{action: blocks.ActionHomeScope, value: huge}, says: "That button is broken"},
		{name: "page huge", click: &click{action: blocks.ActionHomePageNext, value: huge}, says: "That button is broken"},
		{name: "nudge id zero", click: &click{action: blocks.ActionNudge, value: "0"}, says: "That button is broken"},
		{name: "export year 1", click: &click{action: blocks.ActionExportWeek, value: "0001-01-01"}, says: "too long ago"},
		{name: "submit huge metadata", submit: []string{huge, "fix it"}, says: "That form is broken"},
		{name: "submit year 1", submit: []string{"ada:0001-01-01", "fix it"}, says: "too long ago"},
		{name: "submit empty week", submit: []string{"bob:adaWk", "fix it"}, says: "Bob Builder logged nothing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newActionsFixture(t)
			fill := func(s string) string {
				s = strings.Replace(s, "ada:", strconv.FormatInt(f.ids["ada"], 10)+":", 1)
				s = strings.Replace(s, "bob:", strconv.FormatInt(f.ids["bob"], 10)+":", 1)
				return strings.Replace(s, "adaWk", f.adaWk, 1)
			}
			var followUp func(context.Context)
			var err error
			if tc.click != nil {
				cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "UMGR"},
					Container: slack.Container{Type: "view"}}
				cb.View.PrivateMetadata = tc.click.meta
				var handled bool
				followUp, handled, err = f.actions.HandleAction(f.ctx, cb,
					&slack.BlockAction{ActionID: tc.click.action, Value: fill(tc.click.value)})
				if !handled {
					t.Fatal("not handled")
				}
			} else {
				var ack any
				ack, followUp, err = f.submitReject(t, "UMGR", fill(tc.submit[0]), tc.submit[1])
				if ack != nil {
					t.Fatalf("refusal answered in the modal: %v", ack)
				}
			}
			if err == nil || model.ErrorCodeOf(err) == model.EInternal {
				t.Fatalf("err %v, want a refusal", err)
			}
			if n := len(err.Error()); n > 2*blocks.MaxClip+200 {
				t.Errorf("the error carries %d bytes of the value", n)
			}
			if followUp == nil {
				t.Fatal("no reply to the manager")
			}
			followUp(f.ctx)
			dms := f.slack.DMs("UMGR")
			if len(dms) != 1 || !strings.Contains(dms[0].Text, tc.says) {
				t.Fatalf("manager read %+v, want %q", dms, tc.says)
			}
			for _, id := range []int64{f.ids["ada"], f.ids["bob"]} {
				for _, w := range []string{f.adaWk, "0001-01-01"} {
					wk, _ := model.ParseWeek(w)
					got, err := f.db.WeekApproval(f.ctx, id, wk)
					if err != nil || got.Status != storage.ApprovalNone {
						t.Fatalf("employee %d week %s: %+v %v", id, w, got, err)
					}
				}
			}
			if n := len(f.slack.OpenedViews()); n != 0 {
				t.Errorf("%d modals opened", n)
			}
			f.views.mu.Lock()
			published := len(f.views.views)
			f.views.mu.Unlock()
			if published != 0 {
				t.Errorf("a refused click redrew %d homes", published)
			}
		})
	}
}

// A reason longer than the modal's input allows did not come from it.
func TestRejectReasonTooLong(t *testing.T) {
	t.Parallel()
	f := newActionsFixture(t)
	ack, followUp, err := f.submitReject(t, "UMGR", strconv.FormatInt(f.ids["ada"], 10)+":"+f.adaWk,
		strings.Repeat("x", blocks.MaxRejectReason+1))
	resp, ok := ack.(*slack.ViewSubmissionResponse)
	if err != nil || followUp != nil || !ok || !strings.Contains(resp.Errors[blocks.RejectReasonBlockID], "keep it under") {
		t.Fatalf("ack %+v followUp %v err %v", ack, followUp != nil, err)
	}
}

func TestParseStateKeepsOnlyWhatTallyWrites(t *testing.T) {
	t.Parallel()
	current, _ := model.ParseWeek("2026-11-30")
	cases := []struct {
		meta  string
		week  string
		scope blocks.Scope
		page  int
	}{
		{`{"w":"2026-11-16","s":"subtree","p":2}`, "2026-11-16", blocks.ScopeSubtree, 2},
		{`{"w":"0001-01-01","s":"subtree"}`, "2026-11-30", blocks.ScopeSubtree, 0},
		{`{"w":"9999-12-27"}`, "2026-11-30", blocks.ScopeDirect, 0},
		{`{"s":"` + strings.Repeat("x", 5000) + `"}`, "2026-11-30", blocks.ScopeDirect, 0},
		{`{"w":"2026-11-16","p":99999999}`, "2026-11-16", blocks.ScopeDirect, 0},
		{`{"w":"2026-11-16 and more"}`, "2026-11-30", blocks.ScopeDirect, 0},
	}
	for _, tc := range cases {
		st := ParseState(tc.meta)
		if got := st.week(current).String(); got != tc.week || st.Scope != tc.scope || st.Page != tc.page {
			t.Errorf("%.60s: week %s scope %q page %d, want %s %q %d", tc.meta, got, st.Scope, st.Page, tc.week, tc.scope, tc.page)
		}
		if enc := st.encode(); len(enc) > 100 {
			t.Errorf("%.60s: encodes to %d bytes", tc.meta, len(enc))
		}
	}
}
