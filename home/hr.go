package home

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// hrHome builds the organisation view of an HR admin. Its hours and money
// are storage's one organisation total (OrgTotals: everyone with time,
// people who left during the week and Toggl users not in the roster
// included), so they agree with the export and with the manager homes
// summed over the organisation; unpriced time and time outside employment
// are listed with who and why.
func (p *Publisher) hrHome(ctx context.Context, current model.Week, st State) (slack.HomeTabViewRequest, error) {
	week := st.week(current)
	active, err := p.opts.Data.ActiveEmployeeIDs(ctx)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	in := blocks.HRHomeInput{Current: current, Week: week, Location: p.opts.DefaultTZ}
	in.Org.People = len(active)
	if err := p.orgWeek(ctx, week, &in.Org); err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	if in.Org.UnmatchedPeople, err = p.opts.Data.UnmatchedPeople(ctx); err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	if err := p.moneyProblems(ctx, week, &in); err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	runs, err := p.opts.Data.RecentSyncRuns(ctx, 10)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	for _, r := range runs {
		sr := blocks.SyncRun{ID: r.ID, Mode: r.Mode, Status: r.Status, Requests: r.Requests, QuotaUsed: r.QuotaUsed, StartedAt: r.StartedAt, Error: r.Error}
		if r.FinishedAt != nil {
			sr.FinishedAt = *r.FinishedAt
		}
		in.SyncRuns = append(in.SyncRuns, sr)
	}
	problems, err := p.opts.Data.OpenRosterProblems(ctx)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	in.ProblemsTotal = len(problems)
	for _, rp := range problems {
		person := rp.EmployeeName
		if person == "" {
			person = strings.TrimSpace(rp.Email + " " + rp.Subject)
		}
		in.Problems = append(in.Problems, blocks.RosterProblem{Kind: rp.Kind, Person: person, Detail: rp.Detail})
	}
	for _, q := range []struct {
		list func(context.Context, int) ([]storage.ParkedItem, error)
		out  *[]blocks.Parked
	}{{p.opts.Data.ParkedInbox, &in.ParkedInbox}, {p.opts.Data.ParkedOutbox, &in.ParkedOutbox}} {
		items, err := q.list(ctx, 15)
		if err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		for _, it := range items {
			*q.out = append(*q.out, blocks.Parked{ID: it.ID, What: it.What, Attempts: it.Attempts, Error: it.Error, At: it.At})
		}
	}
	v := blocks.HRHome(in)
	v.PrivateMetadata = State{Week: week.String()}.encode()
	return v, nil
}

// orgWeek fills the organisation's week: hours and money from OrgTotals,
// the weeks confirmed and approved from everyone's summaries.
func (p *Publisher) orgWeek(ctx context.Context, week model.Week, o *blocks.OrgTotals) error {
	t, err := p.opts.Data.OrgTotals(ctx, storage.ExportFilter{From: week.Start, To: week.End()})
	if err != nil {
		return err
	}
	o.PeopleLogged = int(t.People)
	o.Week = orgSummary(t)
	o.NoProjectSeconds = t.NoProjectSeconds
	o.NoProjectBillable = t.NoProjectAmounts
	ids, err := p.opts.Data.WeekPeopleIDs(ctx, week)
	if err != nil || len(ids) == 0 {
		return err
	}
	sums, err := p.opts.Data.TeamSummaries(ctx, ids, week)
	if err != nil {
		return err
	}
	for _, s := range sums {
		if s.Entries > 0 && s.Confirmed == s.Entries {
			o.FullyConfirmed++
		}
		if s.Approval.Status == storage.ApprovalApproved && s.Drift().Zero() {
			o.Approved++
		}
	}
	return nil
}

// orgSummary is the organisation total as the blocks show it.
func orgSummary(t storage.Totals) blocks.Summary {
	s := blocks.Summary{
		Entries:            int(t.Entries),
		Seconds:            t.Seconds,
		ConfirmedSeconds:   t.ConfirmedSeconds,
		UnallocatedSeconds: t.NoProjectSeconds,
		UnconfirmedSeconds: t.Seconds - t.ConfirmedSeconds,
		Billable:           model.Amounts{},
		Unpriced:           int(t.UnpricedEntries),
		UnpricedSeconds:    t.UnpricedSeconds,
		Outside:            int(t.OutsideEmploymentEntries),
		OutsideSeconds:     t.OutsideEmploymentSeconds,
	}
	for c, v := range t.Amounts {
		s.Billable[c] = v
	}
	return s
}

// moneyProblems lists, for HR, who has unpriced billable time and who
// logged time outside their employment in the week, with why.
func (p *Publisher) moneyProblems(ctx context.Context, week model.Week, in *blocks.HRHomeInput) error {
	unpriced, err := p.opts.Data.UnpricedPeople(ctx, week.Start, week.End())
	if err != nil {
		return err
	}
	for _, u := range unpriced {
		name := u.Name
		if name == "" {
			name = u.Email
		}
		in.Unpriced = append(in.Unpriced, blocks.UnpricedPerson{Name: name, Reason: model.UnpricedReason(u.Reason),
			Entries: u.Entries, Seconds: u.Seconds})
	}
	outside, err := p.opts.Data.EmploymentProblems(ctx, week.Start, week.End())
	if err != nil {
		return err
	}
	for _, o := range outside {
		op := blocks.OutsidePerson{Name: o.Name, Issue: model.EmploymentIssue(o.Issue), Entries: o.Entries,
			Seconds: o.Seconds, EntryIDs: o.EntryIDs, Approved: o.Approved}
		switch op.Issue {
		case model.AfterTermination:
			op.Date = o.TerminationDate
		case model.BeforeHire:
			op.Date = o.HireDate
		}
		in.Outside = append(in.Outside, op)
	}
	return nil
}
