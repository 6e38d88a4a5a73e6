// Package chaos is tally's fault-injection suite (`make chaos`): it runs the
// real `tally` binary as separate processes against a private PostgreSQL
// cluster, a private Redis and the sandbox fakes, injects faults while load
// runs (kill -9, Postgres and Redis stopped, 429s, 5xx, slow answers and
// dropped connections from Slack, Toggl and BambooHR, a killed leader among
// three replicas) and checks that nothing was lost or done twice.
//
// The tests carry the build tag "chaos", so `go test ./...` skips them; run
// them with scripts/chaos, which starts the private services first. See
// docs/chaos.md.
package chaos
