// Package sandbox holds protocol-faithful fakes of the services tally talks to —
// Slack (Socket Mode and Web API), BambooHR and Toggl Track — so that the real
// clients (slack-go, tally's own HTTP clients) run against them unchanged in
// end-to-end tests, benchmarks and `tally demo`. Each fake is an HTTP server on
// 127.0.0.1 that answers with the vendor's documented shapes, status codes and
// rate-limit signals, records what it was sent for assertions, and offers a
// driver API to play the vendor's side (push an event, change a record).
package sandbox
