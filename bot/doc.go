// Package bot runs tally's Slack side over Socket Mode: it owns the
// connection, acknowledges every envelope within Slack's three seconds, and
// dispatches slash commands, block actions, modal submissions and App Home
// events to the handlers it is given. It never blocks the event loop: each
// envelope is handled in its own goroutine, tracked for graceful shutdown.
package bot
