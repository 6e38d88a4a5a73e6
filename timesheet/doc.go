// Package timesheet is tally's week read model: a person's entries of a
// week, the project picker offered next to unallocated time, and the
// content built from them — the Friday reminder, the managers' Monday
// digest, a nudge, and the notices sent when an approved week changes.
// The slash commands, the App Home and the reminder engine all read weeks
// through it, so the rules (what a week needs, who is in a digest) live in
// one place.
package timesheet
