package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Store is the read model the commands use.
type Store interface {
	EmployeeBySlackID(ctx context.Context, slackUserID string) (model.Employee, error)
	WeekEntries(ctx context.Context, employeeID int64, week model.Week) ([]model.Entry, error)
	RecentProjects(ctx context.Context, employeeID int64, limit int) ([]storage.ProjectOption, error)
	ActiveProjects(ctx context.Context, query string, limit int) ([]storage.ProjectOption, error)
}

// Handler answers the slash commands.
type Handler struct {
	store       Store
	confirmer   Confirmer
	api         SlackAPI
	homeRefresh HomeRefresher
	extra       ExtraActions
	onChange    ChangeListener
	log         *zap.Logger
	now         func() time.Time
	defaultTZ   *time.Location
}

// Options configure a Handler.
type Options struct {
	Store     Store
	Confirmer Confirmer
	Logger    *zap.Logger
	Now       func() time.Time // defaults to time.Now
	DefaultTZ *time.Location   // for people whose Slack zone is unknown
}

// New builds a Handler.
func New(opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DefaultTZ == nil {
		opts.DefaultTZ = time.UTC
	}
	return &Handler{store: opts.Store, confirmer: opts.Confirmer, log: opts.Logger.Named("commands"),
		now: opts.Now, defaultTZ: opts.DefaultTZ}
}

// HandleCommand implements bot.CommandHandler.
func (h *Handler) HandleCommand(ctx context.Context, cmd slack.SlashCommand) (*bot.Message, error) {
	switch cmd.Command {
	case "/timesheet":
		return h.timesheet(ctx, cmd)
	case "/confirm-all":
		return h.confirmAll(ctx, cmd)
	}
	return bot.Ephemeral(fmt.Sprintf("I don't know %s. Try /timesheet help.", cmd.Command)), nil
}

// employee returns the caller's employee record, or a message telling them
// why tally does not know them.
func (h *Handler) employee(ctx context.Context, slackUserID string) (model.Employee, *bot.Message, error) {
	emp, err := h.store.EmployeeBySlackID(ctx, slackUserID)
	if errors.Is(err, storage.ErrNoEmployee) {
		return emp, &bot.Message{Text: "I can't find you in the roster.", Blocks: blocks.UnknownUser()}, nil
	}
	if err != nil {
		return emp, nil, unavailable(err)
	}
	return emp, nil, nil
}

// unavailable marks a storage failure as "try again" for the user.
func unavailable(err error) error {
	return &model.Error{Code: model.EUnavailable, Message: bot.Unavailable, Err: err}
}

func (h *Handler) timesheet(ctx context.Context, cmd slack.SlashCommand) (*bot.Message, error) {
	emp, msg, err := h.employee(ctx, cmd.UserID)
	if msg != nil || err != nil {
		return msg, err
	}
	arg, err := parseWeekArg(cmd.Text, userNow(h.now(), emp.SlackTZ, h.defaultTZ), true)
	if err != nil {
		return &bot.Message{Text: model.ErrorMessage(err), Blocks: blocks.TimesheetUsage(model.ErrorMessage(err))}, nil
	}
	if arg.help {
		return &bot.Message{Text: "How to use /timesheet", Blocks: blocks.TimesheetUsage("")}, nil
	}
	view, err := h.WeekBlocks(ctx, emp, arg.week, blocks.MaxMessageBlocks)
	if err != nil {
		return nil, err
	}
	return &bot.Message{Text: fmt.Sprintf("Your week %s", arg.week.Label()), Blocks: view}, nil
}

// WeekBlocks builds the week view of one person, for any surface: the
// /timesheet answer, the Friday DM, a refreshed message after a click, and
// the App Home.
func (h *Handler) WeekBlocks(ctx context.Context, emp model.Employee, week model.Week, maxBlocks int) ([]slack.Block, error) {
	in, err := h.WeekInput(ctx, emp, week)
	if err != nil {
		return nil, err
	}
	return blocks.WeekView(in, maxBlocks), nil
}

// pickerOptions caps the project picker. Slack allows 100 options, but a
// week with many unallocated entries repeats the picker on each: 30 keeps a
// busy week's message small (recent projects come first anyway).
const pickerOptions = 30

// WeekEntries loads a person's entries of a week, for summaries that need
// no project picker.
func (h *Handler) WeekEntries(ctx context.Context, emp model.Employee, week model.Week) ([]model.Entry, error) {
	entries, err := h.store.WeekEntries(ctx, emp.ID, week)
	if err != nil {
		return nil, unavailable(err)
	}
	return entries, nil
}

// WeekInput loads what the week view of a person shows.
func (h *Handler) WeekInput(ctx context.Context, emp model.Employee, week model.Week) (blocks.WeekInput, error) {
	entries, err := h.WeekEntries(ctx, emp, week)
	if err != nil {
		return blocks.WeekInput{}, err
	}
	in := blocks.WeekInput{Week: week, Person: emp.Name(), Entries: entries}
	needsPicker := false
	for _, e := range entries {
		if !e.Allocated() {
			needsPicker = true
			break
		}
	}
	if !needsPicker {
		return in, nil
	}
	recent, err := h.store.RecentProjects(ctx, emp.ID, 10)
	if err != nil {
		return blocks.WeekInput{}, unavailable(err)
	}
	all, err := h.store.ActiveProjects(ctx, "", pickerOptions-len(recent))
	if err != nil {
		return blocks.WeekInput{}, unavailable(err)
	}
	seen := map[int64]bool{}
	for _, p := range recent {
		seen[p.ID] = true
		in.RecentProjects = append(in.RecentProjects, blocks.Project{ID: p.ID, Name: p.Name, Client: p.ClientName})
	}
	for _, p := range all {
		if !seen[p.ID] {
			in.OtherProjects = append(in.OtherProjects, blocks.Project{ID: p.ID, Name: p.Name, Client: p.ClientName})
		}
	}
	return in, nil
}
