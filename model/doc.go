// Package model holds tally's domain types — employees, rates, time entries,
// weeks, confirmations and money — with no I/O. Every adapter package (storage,
// bot, sync, bamboo, toggl) speaks in these types.
package model
