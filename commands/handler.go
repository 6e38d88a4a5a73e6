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

// Weeks is the week read model the commands use (*timesheet.Reader).
type Weeks interface {
	EmployeeBySlackID(ctx context.Context, slackUserID string) (model.Employee, error)
	WeekInput(ctx context.Context, emp model.Employee, week model.Week) (blocks.WeekInput, error)
	WeekBlocks(ctx context.Context, emp model.Employee, week model.Week, maxBlocks int) ([]slack.Block, error)
}

// Handler answers the slash commands and the interactive actions.
type Handler struct {
	weeks       Weeks
	confirmer   Confirmer
	picker      ProjectSearcher
	api         SlackAPI
	homeRefresh HomeRefresher
	extra       ExtraActions
	onChange    ChangeListener
	log         *zap.Logger
	now         func() time.Time
	defaultTZ   *time.Location
}

// Options configure a Handler. Weeks and Confirmer are required; without
// API, Home, Extra or OnChange the actions skip what those would do.
type Options struct {
	Weeks     Weeks
	Confirmer Confirmer
	// Picker answers the project pickers' searches (*timesheet.Picker);
	// without it pickers offer nothing.
	Picker ProjectSearcher
	// API redraws messages, opens DMs and modals.
	API SlackAPI
	// Home republishes a person's App Home after they act (*home.Publisher).
	Home HomeRefresher
	// Extra handles the actions this package does not know (*home.Actions).
	Extra ExtraActions
	// OnChange hears about every change to a person's week.
	OnChange  ChangeListener
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
	return &Handler{weeks: opts.Weeks, confirmer: opts.Confirmer, picker: opts.Picker, api: opts.API, homeRefresh: opts.Home,
		extra: opts.Extra, onChange: opts.OnChange, log: opts.Logger.Named("commands"),
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
	return bot.Ephemeral(blocks.NotificationText(fmt.Sprintf("I don't know %s. Try /timesheet help.", blocks.Clip(cmd.Command)))), nil
}

// employee returns the caller's employee record, or a message telling them
// why tally does not know them.
func (h *Handler) employee(ctx context.Context, slackUserID string) (model.Employee, *bot.Message, error) {
	emp, err := h.weeks.EmployeeBySlackID(ctx, slackUserID)
	if errors.Is(err, storage.ErrNoEmployee) {
		return emp, &bot.Message{Text: blocks.NotificationText("I can't find you in the roster."), Blocks: blocks.UnknownUser()}, nil
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
	arg, err := parseWeekArg(cmd.Text, h.userNow(emp), true)
	if err != nil {
		return &bot.Message{Text: blocks.NotificationText(model.ErrorMessage(err)), Blocks: blocks.TimesheetUsage(model.ErrorMessage(err))}, nil
	}
	if arg.help {
		return &bot.Message{Text: blocks.NotificationText("How to use /timesheet"), Blocks: blocks.TimesheetUsage("")}, nil
	}
	view, err := h.weeks.WeekBlocks(ctx, emp, arg.week, blocks.MaxMessageBlocks)
	if err != nil {
		return nil, err
	}
	return &bot.Message{Text: blocks.NotificationText(fmt.Sprintf("Your week %s", arg.week.Label())), Blocks: view}, nil
}
