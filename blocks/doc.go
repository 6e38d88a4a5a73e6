// Package blocks builds every Slack Block Kit surface tally shows — the week
// message (Friday DM, /timesheet, App Home), the developer, manager and HR
// home tabs, the reject modal, the manager digest and short replies — as pure
// functions over plain input structs. It performs no I/O: callers load data,
// call a builder and send the result with slack-go.
//
// Every builder respects Slack's Block Kit limits (50 blocks in a message,
// 100 in a home tab, 3000 characters of section text, 150 of header text, 75
// of button text, 2000 of a button value, 255 of an action or block id) and
// escapes user-supplied text so that a description can neither format nor
// mention. Button values are small strings ("<entryID>:<hash>"), never JSON;
// the Parse* helpers read them back.
//
// RenderText and RenderHTML turn blocks into what a person would read, for
// `tally demo`, the README and a read-only preview page.
package blocks
