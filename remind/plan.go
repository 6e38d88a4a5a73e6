package remind

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Kind is what a fan-out sends.
type Kind string

// The kinds of fan-out; they are also the ledger's kinds.
const (
	Weekly Kind = storage.ReminderWeekly
	Digest Kind = storage.ReminderDigest
)

// Request says which fan-out to run.
type Request struct {
	// Kind is Weekly (the default) or Digest.
	Kind Kind
	// Now is the instant the run judges due times by; zero is the engine's clock.
	Now time.Time
	// Week, when set, sends for that week to everyone now, due or not (for
	// the digest: the week reported on). Nil means each person's current
	// local week, once its due time has passed.
	Week *model.Week
	// Only limits the run to the employee with this work email.
	Only string
	// Progress, if set, is called after each person is handled.
	Progress func(Progress)
}

// Action is what a run does, or would do, for one person.
type Action string

// The actions of a plan.
const (
	ActionSend Action = "send" // due and not yet handled: will be sent
	ActionSkip Action = "skip" // will not be sent; Reason says why
	ActionWait Action = "wait" // not due yet
	ActionDone Action = "done" // already in the ledger (sent, skipped, failed or in progress)
)

// PlanItem is one person in a plan: who, what happens and why.
type PlanItem struct {
	EmployeeID  int64
	Name        string
	Email       string
	SlackUserID string
	TZ          string // the zone used
	Week        model.Week
	DueAt       time.Time
	Action      Action
	Reason      string

	person  storage.ReminderPerson
	loc     *time.Location // the person's zone, resolved once
	actor   string         // who asked, for nudges
	record  bool           // a skip to write to the ledger so it is decided once
	claimed *storage.Reminder
}

// Progress is reported to Request.Progress as a run advances.
type Progress struct {
	Total, Done           int
	Sent, Skipped, Failed int
	LastName, LastOutcome string
}

// Plan returns what a run of req would do, person by person, without
// writing or sending anything. People who would be sent a message are
// rendered, so a week with nothing open shows as a skip with Render's reason.
func (e *Engine) Plan(ctx context.Context, req Request) ([]PlanItem, error) {
	items, err := e.plan(ctx, req)
	if err != nil {
		return nil, err
	}
	render := e.renderFor(req.kind())
	for i := range items {
		it := &items[i]
		if it.Action != ActionSend || render == nil {
			continue
		}
		_, _, needs, reason, err := render(ctx, it.EmployeeID, it.Week)
		if err != nil {
			return nil, fmt.Errorf("render %s for %d: %w", req.kind(), it.EmployeeID, err)
		}
		if !needs {
			it.Action, it.Reason = ActionSkip, reason
		}
	}
	return items, nil
}

func (r Request) kind() Kind {
	if r.Kind == "" {
		return Weekly
	}
	return r.Kind
}

func (e *Engine) renderFor(k Kind) RenderFunc {
	if k == Digest {
		return e.opts.RenderDigest
	}
	return e.opts.Render
}

func (e *Engine) dueAt(k Kind) At {
	if k == Digest {
		return e.opts.Digest
	}
	return e.opts.Reminder
}

// plan decides each person's week, due time and action from the roster,
// the ledger and the time-off source.
func (e *Engine) plan(ctx context.Context, req Request) ([]PlanItem, error) {
	kind := req.kind()
	now := req.Now
	if now.IsZero() {
		now = e.opts.Now()
	}
	var people []storage.ReminderPerson
	var err error
	if kind == Digest {
		people, err = storage.ReminderManagers(ctx, e.opts.DB, req.Only)
	} else {
		people, err = storage.ReminderPeople(ctx, e.opts.DB, req.Only)
	}
	if err != nil {
		return nil, err
	}
	at := e.dueAt(kind)
	items := make([]PlanItem, 0, len(people))
	periods := map[time.Time]bool{}
	for _, p := range people {
		loc := e.zone(p.SlackTZ)
		it := PlanItem{EmployeeID: p.EmployeeID, Name: p.Name, Email: p.Email, SlackUserID: p.SlackUserID,
			TZ: loc.String(), person: p, loc: loc, Action: ActionSend}
		current := localWeek(now, loc)
		switch {
		case req.Week != nil && kind == Digest:
			it.Week, it.DueAt = *req.Week, at.in(req.Week.Next(), loc)
		case req.Week != nil:
			it.Week, it.DueAt = *req.Week, at.in(*req.Week, loc)
		case kind == Digest:
			// Monday's digest reports on the week before.
			it.Week, it.DueAt = current.Prev(), at.in(current, loc)
		default:
			it.Week, it.DueAt = current, at.in(current, loc)
		}
		switch {
		case !p.Active:
			it.Action, it.Reason = ActionSkip, "inactive in BambooHR"
		case p.SlackUserID == "":
			it.Action, it.Reason = ActionSkip, "no Slack user linked"
		case p.TerminationDate != nil && dateOnly(*p.TerminationDate).Before(dateOnly(it.DueAt.In(loc))):
			it.Action, it.Reason = ActionSkip, "terminated on "+p.TerminationDate.Format(time.DateOnly)
		case req.Week == nil && now.Before(it.DueAt):
			it.Action, it.Reason = ActionWait, "due "+it.DueAt.In(loc).Format("Mon 2 Jan 15:04 MST")
		}
		if kind == Digest && e.opts.RenderDigest == nil && it.Action == ActionSend {
			it.Action, it.Reason = ActionSkip, "digests are disabled"
		}
		periods[it.Week.Start] = true
		items = append(items, it)
	}
	if err := e.markLedger(ctx, kind, items, periods); err != nil {
		return nil, err
	}
	if kind == Weekly {
		if err := e.markTimeOff(ctx, items); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].DueAt.Before(items[j].DueAt) })
	return items, nil
}

// markLedger turns people already in the ledger for their period into Done.
func (e *Engine) markLedger(ctx context.Context, kind Kind, items []PlanItem, periods map[time.Time]bool) error {
	list := make([]time.Time, 0, len(periods))
	for p := range periods {
		list = append(list, p)
	}
	rows, err := storage.RemindersFor(ctx, e.opts.DB, string(kind), list)
	if err != nil {
		return err
	}
	type key struct {
		id     int64
		period time.Time
	}
	have := make(map[key]storage.Reminder, len(rows))
	for _, r := range rows {
		have[key{r.EmployeeID, dateOnly(r.Period)}] = r
	}
	for i := range items {
		it := &items[i]
		r, ok := have[key{it.EmployeeID, it.Week.Start}]
		if !ok || it.Action == ActionSkip {
			continue
		}
		it.Action = ActionDone
		switch r.Status {
		case "sent":
			it.Reason = "sent " + r.SentAt.In(it.loc).Format("Mon 2 Jan 15:04 MST")
		case "skipped":
			it.Reason = "skipped: " + r.Reason
		case "failed":
			it.Reason = "failed: " + r.Error
		default:
			it.Reason = "in progress (claimed by " + r.ClaimedBy + ")"
		}
	}
	return nil
}

// markTimeOff turns people away every working day of their week into
// skips that are written to the ledger, so the decision is made once.
func (e *Engine) markTimeOff(ctx context.Context, items []PlanItem) error {
	weeks := map[time.Time]map[string][]TimeOff{}
	for i := range items {
		it := &items[i]
		if it.Action != ActionSend {
			continue
		}
		off, ok := weeks[it.Week.Start]
		if !ok {
			var err error
			if off, err = e.timeOff(ctx, it.Week); err != nil {
				return err
			}
			weeks[it.Week.Start] = off
		}
		if offAllWeek(off[it.person.BambooID], it.Week) {
			it.Action, it.Reason, it.record = ActionSkip, "on approved time off all week", true
		}
	}
	return nil
}
