// Package review holds the domain services behind tally's buttons and
// commands: confirming entries (one or a whole week), assigning a project to
// unallocated time, and managers' approval or rejection of a person's week.
// Every state change commits in one Postgres transaction with its audit row
// and its Toggl write-back; every refused attempt is audited and changes
// nothing. The Slack layer turns the errors into sentences with
// model.ErrorMessage.
package review

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Options configures a Service.
type Options struct {
	// Logger receives one line per refused attempt; nil logs nothing.
	Logger *zap.Logger
	// ConfirmedTag is the Toggl tag mirrored on confirmed entries
	// (CONFIRMED_TAG); empty queues no tag writes.
	ConfirmedTag string
	// IsHRAdmin reports whether a Slack user is an HR admin
	// (HR_ADMIN_SLACK_IDS), who may approve anyone's week but their own;
	// nil means nobody is.
	IsHRAdmin func(slackUserID string) bool
}

// Service confirms entries and decides weeks.
type Service struct {
	db        *storage.DB
	log       *zap.Logger
	tag       string
	isHRAdmin func(string) bool
	batch     *confirmBatcher
}

// New returns a Service on db.
func New(db *storage.DB, opts Options) *Service {
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	isHR := opts.IsHRAdmin
	if isHR == nil {
		isHR = func(string) bool { return false }
	}
	s := &Service{db: db, log: log.Named("review"), tag: opts.ConfirmedTag, isHRAdmin: isHR}
	s.batch = &confirmBatcher{s: s}
	return s
}

// StaleChange says how an entry changed since a button was drawn.
type StaleChange string

// The changes a stale button can meet.
const (
	StaleEdited  StaleChange = "edited"
	StaleDeleted StaleChange = "deleted"
)

// StaleError means a button was drawn for content the entry no longer has:
// the Slack layer explains what changed and shows the fresh week. Its
// user-facing message is reachable through model.ErrorMessage.
type StaleError struct {
	EntryID int64
	Change  StaleChange
	Week    model.Week // the week the entry belongs to, to redraw
}

// Error implements error.
func (e *StaleError) Error() string {
	return fmt.Sprintf("entry %d was %s since the button was drawn", e.EntryID, e.Change)
}

// Unwrap returns the user-facing error, so model.ErrorMessage and
// model.ErrorCodeOf work on a StaleError.
func (e *StaleError) Unwrap() error {
	if e.Change == StaleDeleted {
		return model.Errorf(model.EConflict, "This entry was deleted in Toggl, so there is nothing to confirm. Here is the week as it is now.")
	}
	return model.Errorf(model.EConflict, "This entry was edited in Toggl after this message was sent, so your click was not counted. Here is the week as it is now: please check it and confirm again.")
}

// errNotLinked is what someone whose Slack user is not in the roster sees.
var errNotLinked = model.Errorf(model.ENotFound,
	"Your Slack account is not linked to anyone in BambooHR yet, so tally has no hours of yours. Ask HR to check your work email.")

// me returns the employee linked to a Slack user.
func (s *Service) me(ctx context.Context, slackUserID string) (model.Employee, error) {
	e, err := s.db.EmployeeBySlackID(ctx, slackUserID)
	if errors.Is(err, storage.ErrNoEmployee) {
		return model.Employee{}, errNotLinked
	}
	return e, err
}

// deny audits a refused attempt (outside any transaction: the refusal is
// recorded although nothing else is) and returns the user-facing error.
func (s *Service) deny(ctx context.Context, actor, action, entity, entityID string, detail map[string]any, userErr *model.Error) error {
	s.log.Warn("refused", zap.String("actor", actor), zap.String("action", action),
		zap.String("entity", entity), zap.String("entity_id", entityID), zap.Any("detail", detail))
	if err := storage.Audit(context.WithoutCancel(ctx), s.db, storage.AuditEvent{
		Actor: actor, Action: action, Entity: entity, EntityID: entityID, After: detail,
	}); err != nil {
		return &model.Error{Code: userErr.Code, Message: userErr.Message, Err: err}
	}
	return userErr
}
