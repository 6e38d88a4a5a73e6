package main

// suite is one `go test -bench` run: a package and the benchmarks of it
// that the report needs, at the scale the issue states (-benchtime 1x: each
// benchmark sizes its own work).
type suite struct {
	Name      string // short name, used for the log file
	Pkg       string
	Bench     string // -bench regexp
	Benchtime string
}

// suites run one after the other: the machine has two cores and every
// benchmark measures latency or throughput.
var suites = []suite{
	{Name: "bamboo", Pkg: "./bamboo/", Bench: "^BenchmarkWebhookDeliveries$", Benchtime: "1x"},
	{Name: "roster", Pkg: "./roster/", Bench: "^BenchmarkReconcile10k$", Benchtime: "1x"},
	{Name: "sync", Pkg: "./sync/", Bench: "^BenchmarkFullSync$", Benchtime: "1x"},
	{Name: "bot", Pkg: "./app/", Bench: "^Benchmark(ConfirmClicks|Timesheet400k|ManagerHome)$", Benchtime: "1x"},
	{Name: "remind", Pkg: "./remind/", Bench: "^BenchmarkFanOut10k$", Benchtime: "1x"},
	{Name: "review", Pkg: "./review/", Bench: "^BenchmarkTeamHome$", Benchtime: "1x"},
	{Name: "export", Pkg: "./export/", Bench: "^BenchmarkExportMonth$", Benchtime: "1x"},
	{Name: "suggest", Pkg: "./storage/", Bench: "^BenchmarkSuggest(Week10k|Accuracy)$", Benchtime: "1x"},
	// 20 bursts of 200: a p99 over 4,000 acks, after a cold burst of its own.
	{Name: "picker", Pkg: "./commands/", Bench: "^BenchmarkPickerSuggest$", Benchtime: "20x"},
	// One round trip says nothing about a percentile: 500 of them take a
	// few seconds.
	{Name: "sandbox", Pkg: "./sandbox/", Bench: "^BenchmarkSlackSlashCommandRoundTrip$", Benchtime: "500x"},
}

// check says what a figure's target applies to.
type check int

const (
	info     check = iota // reported, no target
	onValue               // value op target
	onRatio               // ratio op target
	onExcess              // value − baseline op target
)

// ratioKind says which way a figure's ratio is taken.
type ratioKind int

const (
	valueOverBase ratioKind = iota // value ÷ baseline: a speed-up, or a share
	baseOverValue                  // baseline ÷ value: rates turned into a time ratio
)

// figure is one row of the report: where its value comes from and what it
// must meet.
type figure struct {
	Part   int
	Name   string
	Suite  string
	Bench  string // benchmark name as printed, without the GOMAXPROCS suffix
	Metric string
	Unit   string // how the value is shown
	// Baseline is the metric, in the same benchmark run, that the value is
	// compared with (a naive baseline, a floor, or a minimum); "" if none.
	Baseline      string
	BaselineLabel string
	Ratio         ratioKind
	Percent       bool // show the ratio as a percentage
	Check         check
	Op            string // "≤", "≥" or "="
	Target        float64
	TargetText    string // the target as the issue states it
}

// figures is the report, in the order of the parts. Targets are the ones
// the issues of parts 2–6 state; a figure without one is informational.
var figures = []figure{
	// Part 2: BambooHR roster.
	{Part: 2, Name: "Webhooks: throughput (500 req/s offered)", Suite: "bamboo", Bench: "BenchmarkWebhookDeliveries",
		Metric: "req/s", Unit: "req/s", Check: onValue, Op: "≥", Target: 475, TargetText: "≥ 475 (95% of offered)"},
	{Part: 2, Name: "Webhooks: p50 latency", Suite: "bamboo", Bench: "BenchmarkWebhookDeliveries",
		Metric: "p50_ms", Unit: "ms"},
	{Part: 2, Name: "Webhooks: p99 latency", Suite: "bamboo", Bench: "BenchmarkWebhookDeliveries",
		Metric: "p99_ms", Unit: "ms", Check: onValue, Op: "≤", Target: 20, TargetText: "≤ 20 ms"},
	{Part: 2, Name: "Webhooks: cold start (first 100), max", Suite: "bamboo", Bench: "BenchmarkWebhookDeliveries",
		Metric: "cold_start_max_ms", Unit: "ms"},
	{Part: 2, Name: "Reconcile 10k: first run (all new)", Suite: "roster", Bench: "BenchmarkReconcile10k",
		Metric: "first_run_s", Unit: "s", Baseline: "slack_floor_s", BaselineLabel: "Slack floor"},
	{Part: 2, Name: "Reconcile 10k: first run beyond Slack's Tier 2 floor", Suite: "roster", Bench: "BenchmarkReconcile10k",
		Metric: "first_beyond_floor_s", Unit: "s", Check: onValue, Op: "≤", Target: 30, TargetText: "≤ 30 s"},
	{Part: 2, Name: "Reconcile 10k: run without drift", Suite: "roster", Bench: "BenchmarkReconcile10k",
		Metric: "nodrift_run_s", Unit: "s", Check: onValue, Op: "≤", Target: 30, TargetText: "≤ 30 s"},
	{Part: 2, Name: "Reconcile 10k: Slack calls, first run", Suite: "roster", Bench: "BenchmarkReconcile10k",
		Metric: "slack_calls_first", Unit: "calls", Check: onValue, Op: "≤", Target: 50,
		TargetText: "≤ 50 (10k users, users.list at Slack's 200 per page)"},
	{Part: 2, Name: "Reconcile 10k: Slack calls, run without drift", Suite: "roster", Bench: "BenchmarkReconcile10k",
		Metric: "slack_calls_nodrift", Unit: "calls", Check: onValue, Op: "≤", Target: 50, TargetText: "≤ 50"},
	{Part: 2, Name: "Reconcile 10k: BambooHR calls per run", Suite: "roster", Bench: "BenchmarkReconcile10k",
		Metric: "bamboo_calls/run", Unit: "calls"},
	{Part: 2, Name: "Reconcile 10k: Toggl calls per run", Suite: "roster", Bench: "BenchmarkReconcile10k",
		Metric: "toggl_calls/run", Unit: "calls"},

	// Part 3: Toggl sync.
	{Part: 3, Name: "Full sync 400k: entries written", Suite: "sync", Bench: "BenchmarkFullSync",
		Metric: "entries", Unit: "entries"},
	{Part: 3, Name: "Full sync: speed vs naive", Suite: "sync", Bench: "BenchmarkFullSync",
		Metric: "entries/s", Unit: "entries/s", Baseline: "naive_entries/s", BaselineLabel: "naive",
		Check: onRatio, Op: "≥", Target: 5, TargetText: "≥ 5× naive"},
	{Part: 3, Name: "Full sync: time vs raw COPY floor", Suite: "sync", Bench: "BenchmarkFullSync",
		Metric: "entries/s", Unit: "entries/s", Baseline: "copy_floor_entries/s", BaselineLabel: "COPY floor", Ratio: baseOverValue,
		Check: onRatio, Op: "≤", Target: 3, TargetText: "≤ 3× floor's time"},
	{Part: 3, Name: "Full sync: wall time", Suite: "sync", Bench: "BenchmarkFullSync",
		Metric: "full_s", Unit: "s"},
	{Part: 3, Name: "Full sync: peak RSS (with fake)", Suite: "sync", Bench: "BenchmarkFullSync",
		Metric: "peak_rss_MB", Unit: "MB", Check: onValue, Op: "≤", Target: 256, TargetText: "≤ 256 MB"},
	{Part: 3, Name: "Full sync: search requests", Suite: "sync", Bench: "BenchmarkFullSync",
		Metric: "search_requests", Unit: "requests", Baseline: "min_pages", BaselineLabel: "min pages",
		Check: onExcess, Op: "≤", Target: 1, TargetText: "≤ min pages + 1"},
	{Part: 3, Name: "Re-sync unchanged: rows rewritten", Suite: "sync", Bench: "BenchmarkFullSync",
		Metric: "resync_rows_rewritten", Unit: "rows", Check: onValue, Op: "=", Target: 0, TargetText: "= 0"},
	{Part: 3, Name: "Incremental after 1% edits: requests", Suite: "sync", Bench: "BenchmarkFullSync",
		Metric: "incr_requests", Unit: "requests", Baseline: "requests", BaselineLabel: "full", Percent: true,
		Check: onRatio, Op: "≤", Target: 0.05, TargetText: "≤ 5% of full"},

	// Part 4: confirming in Slack.
	{Part: 4, Name: "200 clicks: p50 envelope→ack", Suite: "bot", Bench: "BenchmarkConfirmClicks",
		Metric: "p50_ms", Unit: "ms"},
	{Part: 4, Name: "200 clicks: p99 envelope→ack", Suite: "bot", Bench: "BenchmarkConfirmClicks",
		Metric: "p99_ms", Unit: "ms", Check: onValue, Op: "≤", Target: 100, TargetText: "≤ 100 ms"},
	{Part: 4, Name: "200 clicks: server p99 (bucket)", Suite: "bot", Bench: "BenchmarkConfirmClicks",
		Metric: "server_p99_ms_bucket", Unit: "ms"},
	{Part: 4, Name: "200 clicks: completed", Suite: "bot", Bench: "BenchmarkConfirmClicks",
		Metric: "confirmations/s", Unit: "confirmations/s"},
	{Part: 4, Name: "/timesheet: entries in database", Suite: "bot", Bench: "BenchmarkTimesheet400k",
		Metric: "entries_in_db", Unit: "entries"},
	{Part: 4, Name: "/timesheet 60 entries: server p95", Suite: "bot", Bench: "BenchmarkTimesheet400k",
		Metric: "p95_ms", Unit: "ms", Check: onValue, Op: "≤", Target: 50, TargetText: "≤ 50 ms"},

	// Part 5: reminders.
	{Part: 5, Name: "10k reminders + kill: duration", Suite: "remind", Bench: "BenchmarkFanOut10k",
		Metric: "run-s", Unit: "s"},
	// Slack allows nothing while it says Retry-After: the target applies to
	// the rate achieved over the time sending was allowed; the share of the
	// whole run's nominal rate is shown too.
	{Part: 5, Name: "10k reminders: share of nominal rate, whole run", Suite: "remind", Bench: "BenchmarkFanOut10k",
		Metric: "%-of-allowed-rate", Unit: "%"},
	{Part: 5, Name: "10k reminders: duplicate DMs", Suite: "remind", Bench: "BenchmarkFanOut10k",
		Metric: "duplicates", Unit: "DMs", Check: onValue, Op: "=", Target: 0, TargetText: "= 0"},
	{Part: 5, Name: "10k reminders: missed DMs", Suite: "remind", Bench: "BenchmarkFanOut10k",
		Metric: "misses", Unit: "DMs", Check: onValue, Op: "=", Target: 0, TargetText: "= 0"},
	{Part: 5, Name: "10k reminders: 429s received", Suite: "remind", Bench: "BenchmarkFanOut10k",
		Metric: "429s", Unit: "responses"},
	{Part: 5, Name: "10k reminders: Retry-After waiting", Suite: "remind", Bench: "BenchmarkFanOut10k",
		Metric: "retry-after-s", Unit: "s"},
	{Part: 5, Name: "10k reminders: share of allowed rate", Suite: "remind", Bench: "BenchmarkFanOut10k",
		Metric: "%-of-allowed-rate-outside-retry-after", Unit: "%", Check: onValue, Op: "≥", Target: 90, TargetText: "≥ 90% (outside Retry-After)"},

	// Part 6: App Home and export.
	{Part: 6, Name: "Manager home (200 of 400k): p50", Suite: "bot", Bench: "BenchmarkManagerHome",
		Metric: "p50_ms", Unit: "ms"},
	{Part: 6, Name: "Manager home (200 of 400k): p95", Suite: "bot", Bench: "BenchmarkManagerHome",
		Metric: "p95_ms", Unit: "ms", Check: onValue, Op: "≤", Target: 150, TargetText: "≤ 150 ms"},
	{Part: 6, Name: "Team summaries query (200 of 400k): p95", Suite: "review", Bench: "BenchmarkTeamHome",
		Metric: "p95_ms", Unit: "ms"},
	{Part: 6, Name: "Export month 10k, per entry: rows", Suite: "export", Bench: "BenchmarkExportMonth/entries",
		Metric: "rows", Unit: "rows"},
	{Part: 6, Name: "Export month 10k, per entry: time", Suite: "export", Bench: "BenchmarkExportMonth/entries",
		Metric: "s/export", Unit: "s"},
	{Part: 6, Name: "Export per entry: peak RSS vs CSV", Suite: "export", Bench: "BenchmarkExportMonth/entries",
		Metric: "peak_rss_MiB", Unit: "MiB", Baseline: "csv_MiB", BaselineLabel: "CSV", Percent: true,
		Check: onRatio, Op: "≤", Target: 1, TargetText: "< CSV size (streamed)"},
	{Part: 6, Name: "Export month 10k, by client: time", Suite: "export", Bench: "BenchmarkExportMonth/by_client",
		Metric: "s/export", Unit: "s"},
	{Part: 6, Name: "Export by client: peak RSS", Suite: "export", Bench: "BenchmarkExportMonth/by_client",
		Metric: "peak_rss_MiB", Unit: "MiB"},

	// Part 10: allocation at agency scale.
	{Part: 10, Name: "Picker search (5,000 projects, 200 at once): p50 ack", Suite: "picker", Bench: "BenchmarkPickerSuggest",
		Metric: "p50_ms", Unit: "ms"},
	{Part: 10, Name: "Picker search (5,000 projects, 200 at once): p99 ack", Suite: "picker", Bench: "BenchmarkPickerSuggest",
		Metric: "p99_ms", Unit: "ms", Check: onValue, Op: "≤", Target: 50, TargetText: "≤ 50 ms"},
	{Part: 10, Name: "Picker search: p99 round trip through the fake", Suite: "picker", Bench: "BenchmarkPickerSuggest",
		Metric: "roundtrip_p99_ms", Unit: "ms"},
	{Part: 10, Name: "Picker search: first burst after a start, p99 ack", Suite: "picker", Bench: "BenchmarkPickerSuggest",
		Metric: "cold_p99_ms", Unit: "ms"},
	{Part: 10, Name: "Picker search: CPU per burst (tally and fakes)", Suite: "picker", Bench: "BenchmarkPickerSuggest",
		Metric: "cpu_ms/burst", Unit: "ms"},
	{Part: 10, Name: "Suggestions, 10k people × 40 entries: time", Suite: "suggest", Bench: "BenchmarkSuggestWeek10k",
		Metric: "suggest_s", Unit: "s", Check: onValue, Op: "≤", Target: 10, TargetText: "≤ 10 s"},
	{Part: 10, Name: "Suggestions, 10k week: share of unallocated offered one", Suite: "suggest", Bench: "BenchmarkSuggestWeek10k",
		Metric: "offered_pct", Unit: "%"},
	{Part: 10, Name: "Suggestions on demo data: right where offered", Suite: "suggest", Bench: "BenchmarkSuggestAccuracy",
		Metric: "right_pct", Unit: "%", Check: onValue, Op: "≥", Target: 80, TargetText: "≥ 80%"},
	{Part: 10, Name: "Suggestions on demo data: no suggestion", Suite: "suggest", Bench: "BenchmarkSuggestAccuracy",
		Metric: "none_pct", Unit: "%"},

	// The sandbox's own Socket Mode round trip, for scale.
	{Part: 0, Name: "Sandbox round trip: p50 ack", Suite: "sandbox", Bench: "BenchmarkSlackSlashCommandRoundTrip",
		Metric: "p50-ack-µs", Unit: "µs"},
	{Part: 0, Name: "Sandbox round trip: p99 ack", Suite: "sandbox", Bench: "BenchmarkSlackSlashCommandRoundTrip",
		Metric: "p99-ack-µs", Unit: "µs"},
}
