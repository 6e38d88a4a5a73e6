package blocks

import "strings"

// MaxNotificationText caps the top-level text of a message. Slack truncates
// a message's text past 40,000 characters and recommends keeping it under
// 4,000 (chat.postMessage, "Truncating content"); a notification shows far
// less, so tally keeps it well inside both.
const MaxNotificationText = 3000

// notificationReplacer escapes the three characters Slack's text formatting
// gives a meaning to ("Escaping text": & < > become &amp; &lt; &gt;), so a
// name or reason can neither mention (<!here>, <@U…>) nor link (<url|label>).
var notificationReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// NotificationText makes the top-level text of a message, DM, update or
// response_url reply — what Slack shows in the notification and in clients
// without blocks — from a sentence that may hold user or vendor content
// (names, reasons, descriptions, project names): &, < and > are escaped
// and the text is cut to MaxNotificationText. Every top-level text tally
// sends is built by this one function, exactly once.
func NotificationText(s string) string {
	return Truncate(notificationReplacer.Replace(prefix(s, MaxNotificationText)), MaxNotificationText)
}

// MaxClip is how much of an untrusted value Clip keeps.
const MaxClip = 200

// Clip caps a value that came from outside (an action value, a
// private_metadata, a reason) before it is logged, stored in an audit row or
// quoted in an error: at most MaxClip characters, ending with "…" when cut.
func Clip(s string) string {
	return Truncate(prefix(s, MaxClip), MaxClip)
}
