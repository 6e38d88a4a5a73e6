// Package home publishes each person's App Home tab: a developer's own weeks,
// a manager's team and an HR admin's organisation view. It is called when
// someone opens the tab and after each of their actions.
package home

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// ViewPublisher is the Slack call the publisher makes.
type ViewPublisher interface {
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
}

// Weeks is the week read model (*timesheet.Reader): what a week view
// shows, and who pressed a button as the person it concerns reads it.
type Weeks interface {
	WeekInput(ctx context.Context, emp model.Employee, week model.Week) (blocks.WeekInput, error)
	WeekEntries(ctx context.Context, emp model.Employee, week model.Week) ([]model.Entry, error)
	Asker(ctx context.Context, actorSlackID string) string
}

// Employees finds the person behind a Slack user.
type Employees interface {
	EmployeeBySlackID(ctx context.Context, slackUserID string) (model.Employee, error)
}

// Options configure a Publisher. API, Weeks and Employees are required;
// without Data and Team everyone sees the developer home.
type Options struct {
	API       ViewPublisher
	Weeks     Weeks
	Employees Employees
	Data      Data
	Team      Team
	// IsHRAdmin reports whether a Slack user is an HR admin (their home is
	// the organisation view).
	IsHRAdmin func(slackUserID string) bool
	Logger    *zap.Logger
	Now       func() time.Time
	DefaultTZ *time.Location
}

// Publisher builds and publishes home tabs.
type Publisher struct {
	opts Options
	log  *zap.Logger
}

// New builds a Publisher.
func New(opts Options) *Publisher {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DefaultTZ == nil {
		opts.DefaultTZ = time.UTC
	}
	return &Publisher{opts: opts, log: opts.Logger.Named("home")}
}

// PublishHome implements bot.HomeHandler: it shows the person's current week.
func (p *Publisher) PublishHome(ctx context.Context, userID string) error {
	return p.Publish(ctx, userID, State{})
}

// PublishWeek publishes the home tab with the given week shown (nil: the
// person's current week).
func (p *Publisher) PublishWeek(ctx context.Context, userID string, shown *model.Week) error {
	st := State{}
	if shown != nil {
		st.Week = shown.String()
	}
	return p.Publish(ctx, userID, st)
}

// Publish builds the person's home for their role — HR admin, manager or
// developer — in the given state and publishes it.
func (p *Publisher) Publish(ctx context.Context, userID string, st State) error {
	view, err := p.build(ctx, userID, st)
	if err != nil {
		return err
	}
	_, err = p.opts.API.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: view})
	if err != nil {
		return fmt.Errorf("views.publish for %s: %w", userID, err)
	}
	return nil
}

func (p *Publisher) build(ctx context.Context, userID string, st State) (slack.HomeTabViewRequest, error) {
	if p.opts.IsHRAdmin != nil && p.opts.IsHRAdmin(userID) && p.opts.Data != nil {
		now := p.opts.Now().In(p.opts.DefaultTZ)
		return p.hrHome(ctx, model.WeekOf(now), st)
	}
	emp, err := p.opts.Employees.EmployeeBySlackID(ctx, userID)
	if errors.Is(err, storage.ErrNoEmployee) {
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks.UnknownUser()}}, nil
	}
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	now := p.opts.Now().In(p.location(emp))
	current := model.WeekOf(now)
	if p.opts.Data != nil && p.opts.Team != nil {
		manager, err := p.opts.Data.HasReports(ctx, emp.ID)
		if err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		if manager {
			return p.managerHome(ctx, emp, current, st)
		}
	}
	week := st.week(current)
	// The shown week needs its picker options; the two summary cards need
	// only entries.
	shownIn, err := p.opts.Weeks.WeekInput(ctx, emp, week)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	summary := func(w model.Week) (blocks.Summary, error) {
		if w == week {
			return blocks.Summarize(shownIn.Entries), nil
		}
		entries, err := p.opts.Weeks.WeekEntries(ctx, emp, w)
		return blocks.Summarize(entries), err
	}
	this, err := summary(current)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	last, err := summary(current.Prev())
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	v := blocks.DeveloperHome(blocks.DeveloperHomeInput{
		Current:  current,
		ThisWeek: this,
		LastWeek: last,
		Shown:    shownIn,
	})
	v.PrivateMetadata = State{Week: week.String()}.encode()
	return v, nil
}

// location is the person's Slack time zone, or the default one when theirs
// is unknown or invalid (logged: Slack sent a zone this server cannot load).
func (p *Publisher) location(emp model.Employee) *time.Location {
	loc, err := model.Location(emp.SlackTZ, p.opts.DefaultTZ)
	if err != nil {
		p.log.Warn("invalid slack time zone, using the default", zap.Int64("employee", emp.ID), zap.Error(err))
	}
	return loc
}
