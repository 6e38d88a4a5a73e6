package review

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// Confirmation sources recorded on confirmations and audit rows.
const (
	SourceButton     = "button"
	SourceConfirmAll = "confirm_all"
)

// Result is the outcome of a confirm click.
type Result struct {
	EntryID    int64
	EmployeeID int64
	Week       model.Week // the entry's week, to redraw
	// AlreadyConfirmed is set when the entry was confirmed before this
	// click (a double click, a Slack retry, another replica): nothing new
	// was written.
	AlreadyConfirmed bool
}

// errNotYours is the answer to a click on someone else's entry.
var errNotYours = model.Errorf(model.EForbidden, "You can only confirm or change your own time entries.")

// errUnallocated is the answer to confirming time without a project.
var errUnallocated = model.Errorf(model.EInvalid,
	"This entry has no project yet. Pick its project first; then it can be confirmed.")

// ConfirmEntry confirms one entry for the Slack user who clicked its button.
// hash is the content hash the button was drawn with. In order it refuses:
// someone else's (or an unknown) entry — EForbidden, audited as
// confirm.denied; a deleted or edited entry — *StaleError; an entry without
// a project — EInvalid. Otherwise it stores the confirmation, an
// entry.confirm audit row and (with a confirmed tag) a tag_add write-back in
// one transaction; a repeat of the same click returns AlreadyConfirmed and
// writes nothing.
func (s *Service) ConfirmEntry(ctx context.Context, slackUserID string, entryID int64, hash string) (Result, error) {
	return s.batch.confirm(ctx, slackUserID, entryID, hash)
}

// confirmOne is ConfirmEntry in a transaction of its own: the fallback when
// a batch fails.
func (s *Service) confirmOne(ctx context.Context, slackUserID string, entryID int64, hash string) (Result, error) {
	var res Result
	var denied bool
	err := s.db.InTx(ctx, func(tx storage.Tx) error {
		t, err := storage.ConfirmLoad(ctx, tx, entryID, storage.ConfirmLockShare)
		if errors.Is(err, storage.ErrNoEntry) || (err == nil && (t.OwnerSlackID == "" || t.OwnerSlackID != slackUserID)) {
			denied = true
			return errNotYours
		}
		if err != nil {
			return err
		}
		res = Result{EntryID: t.EntryID, EmployeeID: t.EmployeeID, Week: model.WeekOf(t.LocalDate)}
		switch {
		case t.Deleted:
			return &StaleError{EntryID: entryID, Change: StaleDeleted, Week: res.Week}
		case t.ContentHash != hash:
			return &StaleError{EntryID: entryID, Change: StaleEdited, Week: res.Week}
		case t.Confirmed():
			res.AlreadyConfirmed = true
			return nil
		case t.ProjectID == 0:
			return errUnallocated
		}
		if _, err := storage.ConfirmVoidStale(ctx, tx, entryID, t.ContentHash); err != nil {
			return err
		}
		id, err := storage.ConfirmInsert(ctx, tx, model.Confirmation{
			EntryID: entryID, ContentHash: t.ContentHash, SlackUserID: slackUserID, Source: SourceButton,
		}, t.EmployeeID)
		if err != nil {
			return err
		}
		if id == 0 { // a concurrent click won the race after our read
			res.AlreadyConfirmed = true
			return nil
		}
		if err := storage.Audit(ctx, tx, storage.AuditEvent{
			Actor: slackUserID, Action: "entry.confirm", Entity: "time_entry", EntityID: strconv.FormatInt(entryID, 10),
			After: map[string]any{"confirmation_id": id, "content_hash": t.ContentHash, "source": SourceButton},
		}); err != nil {
			return err
		}
		if s.tag == "" {
			return nil
		}
		_, err = storage.QueueReviewTogglWrite(ctx, tx, storage.ReviewTogglWrite{
			EntryID: entryID, Op: "tag_add", Key: storage.TagAddKey(entryID, id),
			Payload: map[string]string{"tag": s.tag, "content_hash": t.ContentHash},
		})
		return err
	})
	if denied {
		return Result{}, s.deny(ctx, slackUserID, "confirm.denied", "time_entry", strconv.FormatInt(entryID, 10),
			map[string]any{"reason": "not the owner", "hash": hash}, errNotYours)
	}
	if err != nil {
		return Result{}, fmt.Errorf("confirm entry %d: %w", entryID, err)
	}
	return res, nil
}

// WeekResult is what confirming a whole week did.
type WeekResult struct {
	Week       model.Week
	EmployeeID int64
	storage.ConfirmWeekResult
}

// ConfirmAll confirms every allocated, unconfirmed live entry of the Slack
// user's week in one set-based transaction, and reports what it confirmed
// and what it could not (unallocated entries need a project first). Running
// it again confirms nothing more and writes nothing.
func (s *Service) ConfirmAll(ctx context.Context, slackUserID string, week model.Week) (WeekResult, error) {
	me, err := s.me(ctx, slackUserID)
	if err != nil {
		return WeekResult{}, err
	}
	res := WeekResult{Week: week, EmployeeID: me.ID}
	err = s.db.InTx(ctx, func(tx storage.Tx) error {
		r, err := storage.ConfirmWeek(ctx, tx, me.ID, slackUserID, week, SourceConfirmAll, s.tag)
		res.ConfirmWeekResult = r
		return err
	})
	if err != nil {
		return WeekResult{}, fmt.Errorf("confirm week %s: %w", week, err)
	}
	return res, nil
}

// Assignment is the outcome of picking a project for an entry.
type Assignment struct {
	EntryID    int64
	EmployeeID int64
	Week       model.Week
	Project    storage.ProjectOption
	// ContentHash is the entry's new content hash: the Confirm button drawn
	// next must carry it.
	ContentHash string
	// Billable is the entry's billable flag after the pick: the project's
	// billable default.
	Billable bool
	// Changed is false when the entry already had that project (a retry).
	Changed bool
	// Seconds is the entry's duration.
	Seconds int64
}

// AssignProject sets the project of the Slack user's entry, recomputes its
// content hash (the one the sync will compute once Toggl has the project),
// audits the change and queues a set_project write to Toggl, in one
// transaction. The entry's billable flag follows the project's billable
// default, in Postgres and in the Toggl write. It refuses someone else's
// entry (EForbidden, audited as project.denied), a deleted entry
// (*StaleError), an unknown or archived project (EInvalid) and an entry
// that already has another project (EConflict: tally only draws pickers
// for unallocated time; change a project in Toggl). Picking the project
// the entry already has changes nothing.
func (s *Service) AssignProject(ctx context.Context, slackUserID string, entryID, projectID int64) (Assignment, error) {
	return s.assignOne(ctx, slackUserID, entryID, projectID, pick{source: SourcePicker})
}

// Sources of a project pick, recorded on its audit row.
const (
	SourcePicker     = "picker"     // the person picked the project
	SourceSuggestion = "suggestion" // the person accepted tally's suggestion
)

// pick is how a project was chosen: by hand, or by accepting a suggestion
// (with the rule that made it and its support).
type pick struct {
	source  string
	reason  storage.SuggestReason
	support int
}

func (s *Service) assignOne(ctx context.Context, slackUserID string, entryID, projectID int64, how pick) (Assignment, error) {
	var res Assignment
	var denied bool
	err := s.db.InTx(ctx, func(tx storage.Tx) error {
		var err error
		res, denied, err = s.assign(ctx, tx, slackUserID, entryID, projectID, how)
		return err
	})
	if denied {
		return Assignment{}, s.deny(ctx, slackUserID, "project.denied", "time_entry", strconv.FormatInt(entryID, 10),
			map[string]any{"reason": "not the owner", "project_id": projectID}, errNotYours)
	}
	if err != nil {
		return Assignment{}, fmt.Errorf("assign project %d to entry %d: %w", projectID, entryID, err)
	}
	return res, nil
}

// errHasProject is the answer to picking a project for an entry that has
// one already (a stale message, or a forged value).
var errHasProject = model.Errorf(model.EConflict,
	"This entry already has a project. To change it, edit the entry in Toggl.")

// assign is one pick inside the caller's transaction; denied is set when
// the entry is not the Slack user's.
func (s *Service) assign(ctx context.Context, tx storage.Tx, slackUserID string, entryID, projectID int64, how pick) (res Assignment, denied bool, err error) {
	t, err := storage.ConfirmLoad(ctx, tx, entryID, storage.ConfirmLockUpdate)
	if errors.Is(err, storage.ErrNoEntry) || (err == nil && (t.OwnerSlackID == "" || t.OwnerSlackID != slackUserID)) {
		return Assignment{}, true, errNotYours
	}
	if err != nil {
		return Assignment{}, false, err
	}
	res = Assignment{EntryID: entryID, EmployeeID: t.EmployeeID, Week: model.WeekOf(t.LocalDate), ContentHash: t.ContentHash, Billable: t.Billable, Seconds: t.Seconds}
	if t.Deleted {
		return res, false, &StaleError{EntryID: entryID, Change: StaleDeleted, Week: res.Week}
	}
	p, ok, err := storage.ConfirmProject(ctx, tx, projectID)
	if err != nil {
		return res, false, err
	}
	if !ok {
		return res, false, model.Errorf(model.EInvalid, "That project does not exist in Toggl or is archived. Pick another one.")
	}
	res.Project = p
	if t.ProjectID == projectID {
		return res, false, nil
	}
	if t.ProjectID != 0 {
		return res, false, errHasProject
	}
	if t.Confirmed() {
		return res, false, model.Errorf(model.EConflict,
			"This entry is already confirmed with its project. To change the project, edit the entry in Toggl and confirm it again.")
	}
	// The entry takes the picked project's billable default: time
	// allocated to a billable project is billable (docs/money.md).
	res.Billable = p.Billable
	res.ContentHash = model.ContentHash(t.Start, t.Seconds, projectID, t.TaskID, t.Description, p.Billable)
	res.Changed = true
	if err := storage.ConfirmSetProject(ctx, tx, entryID, projectID, p.Billable, res.ContentHash); err != nil {
		return res, false, err
	}
	after := map[string]any{"project_id": projectID, "billable": p.Billable, "content_hash": res.ContentHash, "source": how.source}
	if how.source == SourceSuggestion {
		after["reason"], after["support"] = string(how.reason), how.support
	}
	return res, false, storage.Audit(ctx, tx, storage.AuditEvent{
		Actor: slackUserID, Action: "entry.set_project", Entity: "time_entry", EntityID: strconv.FormatInt(entryID, 10),
		Before: map[string]any{"project_id": t.ProjectID, "billable": t.Billable, "content_hash": t.ContentHash},
		After:  after,
	})
}
