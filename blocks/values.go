package blocks

import (
	"fmt"
	"strconv"
	"strings"

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

// TogglTimerURL is where the "Open Toggl" button leads.
const TogglTimerURL = "https://track.toggl.com/timer"

// EntryValue is the value of a Confirm button: "<entryID>:<contentHash>".
func EntryValue(entryID int64, contentHash string) string {
	return strconv.FormatInt(entryID, 10) + ":" + contentHash
}

// ParseEntryValue reads a Confirm button value back.
func ParseEntryValue(v string) (entryID int64, contentHash string, err error) {
	a, b, ok := strings.Cut(v, ":")
	if !ok || b == "" {
		return 0, "", fmt.Errorf("entry value %q: want <id>:<hash>", v)
	}
	entryID, err = parseID(a)
	if err != nil {
		return 0, "", fmt.Errorf("entry value %q: %w", v, err)
	}
	return entryID, b, nil
}

// ProjectValue is the value of a project picker option: "<entryID>:<projectID>".
func ProjectValue(entryID, projectID int64) string {
	return strconv.FormatInt(entryID, 10) + ":" + strconv.FormatInt(projectID, 10)
}

// ParseProjectValue reads a project picker option value back.
func ParseProjectValue(v string) (entryID, projectID int64, err error) {
	a, b, ok := strings.Cut(v, ":")
	if !ok {
		return 0, 0, fmt.Errorf("project value %q: want <entry>:<project>", v)
	}
	if entryID, err = parseID(a); err != nil {
		return 0, 0, fmt.Errorf("project value %q: %w", v, err)
	}
	if projectID, err = parseID(b); err != nil {
		return 0, 0, fmt.Errorf("project value %q: %w", v, err)
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
		return 0, model.Week{}, fmt.Errorf("person week value %q: want <employee>:<YYYY-MM-DD>", v)
	}
	if employeeID, err = parseID(a); err != nil {
		return 0, model.Week{}, fmt.Errorf("person week value %q: %w", v, err)
	}
	if week, err = ParseWeekValue(b); err != nil {
		return 0, model.Week{}, fmt.Errorf("person week value %q: %w", v, err)
	}
	return employeeID, week, nil
}

// ParseWeekValue reads a week start value ("YYYY-MM-DD", a Monday) back.
func ParseWeekValue(v string) (model.Week, error) {
	w, err := model.ParseWeek(v)
	if err != nil {
		return model.Week{}, err
	}
	if w.String() != strings.TrimSpace(v) {
		return model.Week{}, fmt.Errorf("%q is not a Monday", v)
	}
	return w, nil
}

// ParseIDValue reads an id value (Nudge, Retry buttons) back.
func ParseIDValue(v string) (int64, error) { return parseID(v) }

// ParsePageValue reads a page number value back.
func ParsePageValue(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("page %q is not a page number", v)
	}
	return n, nil
}

func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not an id", s)
	}
	return n, nil
}
