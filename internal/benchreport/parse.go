package main

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// result is one line of `go test -bench` output: a benchmark (sub-benchmark
// path included, GOMAXPROCS suffix removed), its iterations and its metrics
// by unit ("ns/op", "p99_ms", ...).
type result struct {
	Name       string
	Iterations int64
	Metrics    map[string]float64
}

// procSuffix is the "-2" that go test appends for GOMAXPROCS > 1.
var procSuffix = regexp.MustCompile(`-\d+$`)

// parseBench reads benchmark result lines from go test output. Other lines
// (logs, PASS, ok) are skipped. A benchmark that appears twice keeps the
// last line.
func parseBench(r io.Reader) (map[string]result, error) {
	out := map[string]result{}
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for s.Scan() {
		if res, ok := parseLine(s.Text()); ok {
			out[res.Name] = res
		}
	}
	return out, s.Err()
}

// parseLine parses `BenchmarkX-2  1  123 ns/op  45.6 p99_ms ...`.
func parseLine(line string) (result, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return result{}, false
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return result{}, false
	}
	res := result{Name: procSuffix.ReplaceAllString(f[0], ""), Iterations: n, Metrics: map[string]float64{}}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return result{}, false
		}
		res.Metrics[f[i+1]] = v
	}
	return res, true
}
