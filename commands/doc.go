// Package commands answers tally's slash commands (/timesheet, /confirm-all)
// and the interactive actions of its messages and App Home (confirm buttons,
// the project picker, navigation; manager and HR actions are handed to
// package home). It turns Slack payloads into calls on the week read model
// (package timesheet) and the review service, and their results into Block
// Kit built by package blocks.
package commands
