package blocks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally/model"
)

// Action ids of every interactive element tally puts in Slack. The bot
// registers one handler per id.
const (
	ActionConfirmEntry   = "confirm_entry"     // value EntryValue
	ActionConfirmAll     = "confirm_all"       // value week start YYYY-MM-DD
	ActionAssignProject  = "assign_project"    // option value ProjectValue
	ActionOpenToggl      = "open_toggl"        // link button, no payload to handle
	ActionHomeWeekPrev   = "home_week_prev"    // value week start
	ActionHomeWeekNext   = "home_week_next"    // value week start
	ActionApproveWeek    = "approve_week"      // value PersonWeekValue
	ActionRejectWeek     = "reject_week"       // value PersonWeekValue; opens RejectModal
	ActionNudge          = "nudge"             // value employee id
	ActionHomeScope      = "home_scope_toggle" // value ScopeDirect or ScopeSubtree (the scope to switch to)
	ActionHomePagePrev   = "home_page_prev"    // value page number (0-based)
	ActionHomePageNext   = "home_page_next"    // value page number (0-based)
	ActionRetryInbox     = "retry_inbox"       // value webhook_inbox id
	ActionRetryOutbox    = "retry_outbox"      // value toggl_outbox id
	ActionExportWeek     = "export_week"       // value week start
	CallbackRejectWeek   = "reject_week"       // callback_id of RejectModal
	RejectReasonBlockID  = "reason"            // block_id of the reason input
	RejectReasonActionID = "reason_input"      // action_id of the reason input
)

// ActionApproveWeekOutside approves a week including its time logged
// outside the person's employment — an explicit choice behind a dialog;
// value PersonWeekValue.
const ActionApproveWeekOutside = "approve_week_outside"

// TogglTimerURL is where the "Open Toggl" button leads.
const TogglTimerURL = "https://track.toggl.com/timer"

// EntryValue is the value of a Confirm button: "<entryID>:<contentHash>".
func EntryValue(entryID int64, contentHash string) string {
	return strconv.FormatInt(entryID, 10) + ":" + contentHash
}

// maxHashLen is the longest content hash a Confirm button can carry: tally's
// hashes are 32 hex digits (model.ContentHash); 64 leaves room for a full
// SHA-256, never for a payload.
const maxHashLen = 64

// ParseEntryValue reads a Confirm button value back. The hash must look like
// one tally wrote (lower-case hex, at most 64 digits): a forged value is
// refused here, before it can reach an audit row or a log.
func ParseEntryValue(v string) (entryID int64, contentHash string, err error) {
	a, b, ok := strings.Cut(v, ":")
	if !ok || !isHash(b) {
		return 0, "", fmt.Errorf("entry value %q: want <id>:<hex hash>", Clip(v))
	}
	entryID, err = parseID(a)
	if err != nil {
		return 0, "", fmt.Errorf("entry value %q: %w", Clip(v), err)
	}
	return entryID, b, nil
}

// isHash reports whether s is 1 to maxHashLen lower-case hex digits.
func isHash(s string) bool {
	if s == "" || len(s) > maxHashLen {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ProjectValue is the value of a project picker option: "<entryID>:<projectID>".
func ProjectValue(entryID, projectID int64) string {
	return strconv.FormatInt(entryID, 10) + ":" + strconv.FormatInt(projectID, 10)
}

// ParseProjectValue reads a project picker option value back.
func ParseProjectValue(v string) (entryID, projectID int64, err error) {
	a, b, ok := strings.Cut(v, ":")
	if !ok {
		return 0, 0, fmt.Errorf("project value %q: want <entry>:<project>", Clip(v))
	}
	if entryID, err = parseID(a); err != nil {
		return 0, 0, fmt.Errorf("project value %q: %w", Clip(v), err)
	}
	if projectID, err = parseID(b); err != nil {
		return 0, 0, fmt.Errorf("project value %q: %w", Clip(v), err)
	}
	return entryID, projectID, nil
}

// PersonWeekValue is the value of Approve and Reject buttons and the
// private_metadata of RejectModal: "<employeeID>:<weekStart>".
func PersonWeekValue(employeeID int64, week model.Week) string {
	return strconv.FormatInt(employeeID, 10) + ":" + week.String()
}

// ParsePersonWeekValue reads a PersonWeekValue back.
func ParsePersonWeekValue(v string) (employeeID int64, week model.Week, err error) {
	a, b, ok := strings.Cut(v, ":")
	if !ok {
		return 0, model.Week{}, fmt.Errorf("person week value %q: want <employee>:<YYYY-MM-DD>", Clip(v))
	}
	if employeeID, err = parseID(a); err != nil {
		return 0, model.Week{}, fmt.Errorf("person week value %q: %w", Clip(v), err)
	}
	if week, err = ParseWeekValue(b); err != nil {
		return 0, model.Week{}, fmt.Errorf("person week value %q: %w", Clip(v), err)
	}
	return employeeID, week, nil
}

// ParseWeekValue reads a week start value ("YYYY-MM-DD", a Monday) back.
// It checks the form only; whether the week is one tally could have shown
// is timesheet.Window's question.
func ParseWeekValue(v string) (model.Week, error) {
	if len(v) != len(time.DateOnly) {
		return model.Week{}, fmt.Errorf("%q is not a date like 2026-11-23", Clip(v))
	}
	w, err := model.ParseWeek(v)
	if err != nil {
		return model.Week{}, err
	}
	if w.String() != v {
		return model.Week{}, fmt.Errorf("%q is not a Monday", v)
	}
	return w, nil
}

// ParseScopeValue reads the Scope toggle's value back: ScopeDirect or
// ScopeSubtree, nothing else.
func ParseScopeValue(v string) (Scope, error) {
	switch s := Scope(v); s {
	case ScopeDirect, ScopeSubtree:
		return s, nil
	}
	return "", fmt.Errorf("scope %q is not %q or %q", Clip(v), ScopeDirect, ScopeSubtree)
}

// ParseIDValue reads an id value (Nudge, Retry buttons) back.
func ParseIDValue(v string) (int64, error) { return parseID(v) }

// MaxPage bounds a page number coming back from Slack: a team table page
// holds dozens of people, so 10,000 pages is beyond any organisation.
const MaxPage = 10000

// ParsePageValue reads a page number value back (0 to MaxPage).
func ParsePageValue(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxPage {
		return 0, fmt.Errorf("page %q is not a page number", Clip(v))
	}
	return n, nil
}

func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not an id", Clip(s))
	}
	return n, nil
}
