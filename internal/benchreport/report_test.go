package main

import (
	"regexp"
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/tallyhq/tally/sync
BenchmarkFullSync-2   	       1	35931415931 ns/op	     25125 copy_floor_entries/s	    399815 entries	     11127 entries/s	       403.0 requests	       400.0 search_requests	       400.0 min_pages	         4.000 incr_requests	       246.1 naive_entries/s
--- BENCH: BenchmarkFullSync-2
    bench_test.go:137: full sync: 399815 entries in 35.931s
BenchmarkExportMonth/entries-2         	       1	9000000000 ns/op	 150.5 csv_MiB	 60.25 peak_rss_MiB	 4.5 s/export
BenchmarkBroken-2 	 1 	 12 ns/op 	 oops metric
PASS
ok  	github.com/tallyhq/tally/sync	166.315s
`

func TestParseBench(t *testing.T) {
	got, err := parseBench(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("parsed %d benchmarks, want 2: %v", len(got), got)
	}
	for _, tc := range []struct {
		bench, metric string
		want          float64
	}{
		{"BenchmarkFullSync", "ns/op", 35931415931},
		{"BenchmarkFullSync", "naive_entries/s", 246.1},
		{"BenchmarkFullSync", "incr_requests", 4},
		{"BenchmarkExportMonth/entries", "s/export", 4.5},
		{"BenchmarkExportMonth/entries", "peak_rss_MiB", 60.25},
	} {
		if v, ok := got[tc.bench].Metrics[tc.metric]; !ok || v != tc.want {
			t.Errorf("%s %s = %v (found %v), want %v", tc.bench, tc.metric, v, ok, tc.want)
		}
	}
	if got["BenchmarkFullSync"].Iterations != 1 {
		t.Errorf("iterations = %d", got["BenchmarkFullSync"].Iterations)
	}
}

func TestEvaluate(t *testing.T) {
	results, err := parseBench(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	base := figure{Bench: "BenchmarkFullSync", Metric: "entries/s"}
	with := func(mod func(*figure)) figure { f := base; mod(&f); return f }
	for _, tc := range []struct {
		name      string
		fig       figure
		failed    bool
		want      string
		wantRatio float64
	}{
		{"informational", base, false, statusInfo, 0},
		{"value within a ceiling", with(func(f *figure) { f.Check, f.Op, f.Target = onValue, "≤", 20000 }), false, statusPass, 0},
		{"value over a ceiling", with(func(f *figure) { f.Check, f.Op, f.Target = onValue, "≤", 10000 }), false, statusFail, 0},
		{"exact zero missed", with(func(f *figure) { f.Metric, f.Check, f.Op, f.Target = "incr_requests", onValue, "=", 0 }), false, statusFail, 0},
		{"speed-up over a baseline", with(func(f *figure) {
			f.Baseline, f.Check, f.Op, f.Target = "naive_entries/s", onRatio, "≥", 5
		}), false, statusPass, 11127 / 246.1},
		{"time ratio to a floor", with(func(f *figure) {
			f.Baseline, f.Ratio, f.Check, f.Op, f.Target = "copy_floor_entries/s", baseOverValue, onRatio, "≤", 2
		}), false, statusFail, 25125.0 / 11127},
		{"excess over a minimum", with(func(f *figure) {
			f.Metric, f.Baseline, f.Check, f.Op, f.Target = "requests", "min_pages", onExcess, "≤", 1
		}), false, statusFail, 3},
		{"share of a whole", with(func(f *figure) {
			f.Metric, f.Baseline, f.Check, f.Op, f.Target = "incr_requests", "requests", onRatio, "≤", 0.05
		}), false, statusPass, 4.0 / 403},
		{"metric not reported", with(func(f *figure) { f.Metric = "p99_ms" }), false, statusMissing, 0},
		{"baseline not reported", with(func(f *figure) { f.Baseline = "nope" }), false, statusMissing, 0},
		{"benchmark not run", with(func(f *figure) { f.Bench = "BenchmarkOther" }), true, statusError, 0},
		{"suite failed after the line", base, true, statusInfo, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := evaluate(tc.fig, results, tc.failed)
			if r.Status != tc.want {
				t.Errorf("status = %s, want %s", r.Status, tc.want)
			}
			if tc.wantRatio != 0 && (r.Ratio == nil || *r.Ratio != tc.wantRatio) {
				t.Errorf("ratio = %v, want %v", r.Ratio, tc.wantRatio)
			}
		})
	}
}

func TestNum(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {4, "4"}, {0.9926, "0.99"}, {2.258, "2.26"}, {35.93, "35.9"}, {246.1, "246"},
		{11127, "11,127"}, {399815, "399,815"}, {-12345, "-12,345"}, {0.004, "0.004"},
	} {
		if got := num(tc.in); got != tc.want {
			t.Errorf("num(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFiguresNameTheirSuites keeps the table of figures consistent: every
// figure belongs to a suite, and its benchmark is one the suite runs.
func TestFiguresNameTheirSuites(t *testing.T) {
	bySuite := map[string]suite{}
	for _, s := range suites {
		bySuite[s.Name] = s
	}
	for _, f := range figures {
		s, ok := bySuite[f.Suite]
		if !ok {
			t.Errorf("%q: no suite %q", f.Name, f.Suite)
			continue
		}
		top, _, _ := strings.Cut(f.Bench, "/")
		if !regexp.MustCompile(s.Bench).MatchString(top) {
			t.Errorf("%q: suite %s does not run %s", f.Name, s.Name, top)
		}
		if (f.Check == info) != (f.TargetText == "") {
			t.Errorf("%q: a target text goes with a target and only then", f.Name)
		}
		if f.Check != info && f.Op != "≤" && f.Op != "≥" && f.Op != "=" {
			t.Errorf("%q: comparison %q", f.Name, f.Op)
		}
	}
}
