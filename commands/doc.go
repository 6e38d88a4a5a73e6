// Package commands answers tally's slash commands (/timesheet, /confirm-all)
// and the interactive actions of its messages and App Home (confirm buttons,
// the project picker, approvals, navigation). It turns Slack payloads into
// calls on the storage read model and the review service, and their results
// into Block Kit built by package blocks.
package commands
