package review

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// errSuggestionChanged is the answer to accepting a suggestion tally no
// longer makes (the week changed since the message was drawn) or never
// made (a forged value): nothing is assigned.
var errSuggestionChanged = model.Errorf(model.EConflict,
	"tally's suggestion for this time changed since this message was sent, so nothing was assigned. Here is the week as it is now.")

// AcceptSuggestion assigns the project tally suggests for the Slack user's
// entry, exactly like a pick (AssignProject: billable default, Toggl
// write), with an audit row whose source is "suggestion" and which names
// the rule and its support. projectID must be the suggestion tally makes
// now: anything else is refused with EConflict and changes nothing.
func (s *Service) AcceptSuggestion(ctx context.Context, slackUserID string, entryID, projectID int64) (Assignment, error) {
	me, err := s.me(ctx, slackUserID)
	if err != nil {
		return Assignment{}, err
	}
	sg, err := s.db.SuggestionFor(ctx, me.ID, entryID)
	if errors.Is(err, storage.ErrNoEntry) {
		return Assignment{}, s.deny(ctx, slackUserID, "project.denied", "time_entry", strconv.FormatInt(entryID, 10),
			map[string]any{"reason": "not the owner", "project_id": projectID, "source": SourceSuggestion}, errNotYours)
	}
	if err != nil {
		return Assignment{}, fmt.Errorf("suggestion for entry %d: %w", entryID, err)
	}
	if !sg.Offered() || sg.ProjectID != projectID {
		return Assignment{}, s.staleSuggestion(ctx, entryID)
	}
	return s.assignOne(ctx, slackUserID, entryID, projectID, pick{source: SourceSuggestion, reason: sg.Reason, support: sg.Support})
}

// staleSuggestion returns errSuggestionChanged as a StaleError-like answer
// carrying the entry's week, so the Slack layer redraws it.
func (s *Service) staleSuggestion(ctx context.Context, entryID int64) error {
	t, err := storage.ConfirmLoad(ctx, s.db, entryID, storage.ConfirmLockShare)
	if err != nil {
		return errSuggestionChanged
	}
	return &SuggestionChangedError{Week: model.WeekOf(t.LocalDate)}
}

// SuggestionChangedError means a suggestion button was drawn for
// suggestions tally no longer makes: nothing was assigned, and the Slack
// layer shows the fresh week. model.ErrorMessage reads its sentence.
type SuggestionChangedError struct {
	Week model.Week
}

// Error implements error.
func (e *SuggestionChangedError) Error() string {
	return "the suggestions of week " + e.Week.String() + " changed since the button was drawn"
}

// Unwrap returns the user-facing error.
func (e *SuggestionChangedError) Unwrap() error { return errSuggestionChanged }

// SuggestionsResult is what "Assign all suggestions" did.
type SuggestionsResult struct {
	Week model.Week
	// Assigned are the entries that took their suggested project.
	Assigned []Assignment
	// Seconds is the time they hold.
	Seconds int64
	// Skipped counts suggested entries that got a project meanwhile.
	Skipped int
}

// AcceptSuggestions assigns every suggestion tally offers for the Slack
// user's week, in one transaction, each exactly like AcceptSuggestion.
// digest is the storage.SuggestionDigest the button was drawn with (its
// confirmation dialog listed those changes): when tally's suggestions
// differ now, nothing is assigned (*SuggestionChangedError). Entries
// without a suggestion are left as they are; an entry allocated meanwhile
// is skipped.
func (s *Service) AcceptSuggestions(ctx context.Context, slackUserID string, week model.Week, digest string) (SuggestionsResult, error) {
	me, err := s.me(ctx, slackUserID)
	if err != nil {
		return SuggestionsResult{}, err
	}
	sugg, err := s.db.SuggestProjects(ctx, []int64{me.ID}, week)
	if err != nil {
		return SuggestionsResult{}, fmt.Errorf("suggestions of week %s: %w", week, err)
	}
	if storage.SuggestionDigest(sugg) != digest || digest == "" {
		return SuggestionsResult{}, &SuggestionChangedError{Week: week}
	}
	ids := make([]int64, 0, len(sugg))
	for id, sg := range sugg {
		if sg.Offered() {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	res := SuggestionsResult{Week: week}
	err = s.db.InTx(ctx, func(tx storage.Tx) error {
		res.Assigned, res.Skipped = nil, 0
		for _, id := range ids {
			sg := sugg[id]
			a, denied, err := s.assign(ctx, tx, slackUserID, id, sg.ProjectID,
				pick{source: SourceSuggestion, reason: sg.Reason, support: sg.Support})
			switch {
			case denied:
				return fmt.Errorf("entry %d is not %s's", id, slackUserID)
			case errors.Is(err, errHasProject):
				res.Skipped++
				continue
			case err != nil:
				return err
			case !a.Changed:
				res.Skipped++
				continue
			}
			res.Assigned = append(res.Assigned, a)
		}
		return nil
	})
	if err != nil {
		return SuggestionsResult{}, fmt.Errorf("assign suggestions of week %s: %w", week, err)
	}
	for _, a := range res.Assigned {
		res.Seconds += a.Seconds
	}
	return res, nil
}
