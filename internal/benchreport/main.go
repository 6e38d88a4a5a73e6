// Command benchreport runs every benchmark of parts 2–6 at its stated scale,
// one package after the other, and prints one table — figure, value,
// baseline or floor measured in the same run, ratio, target, pass/fail —
// and writes the same as JSON. `make bench` runs it; docs/bench.md explains
// the figures.
//
// A missed target is a FAIL row, not an error: the exit status is non-zero
// only when a benchmark did not run to the end or did not report a figure.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// report is the JSON document, for tracking figures between versions.
type report struct {
	Go       string        `json:"go"`
	Commit   string        `json:"commit"`
	Dirty    bool          `json:"dirty"` // the checkout had uncommitted changes
	At       time.Time     `json:"at"`
	CPUs     int           `json:"cpus"`
	LoadAvg  []string      `json:"loadavg"` // /proc/loadavg at the start and the end
	Seconds  float64       `json:"seconds"`
	Suites   []suiteReport `json:"suites"`
	Rows     []row         `json:"rows"`
	Failures int           `json:"failures"` // rows that missed their target
}

// suiteReport is how one `go test -bench` run went.
type suiteReport struct {
	Name    string  `json:"name"`
	Pkg     string  `json:"pkg"`
	Bench   string  `json:"bench"`
	Seconds float64 `json:"seconds"`
	Log     string  `json:"log"`
	Error   string  `json:"error,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "bench-report.json", "write the JSON report here (\"\" for none)")
	goBin := fs.String("go", "go", "the go command")
	only := fs.String("only", "", "run only the suites whose name matches this regexp ("+suiteNames()+")")
	timeout := fs.Duration("timeout", 15*time.Minute, "go test -timeout of each suite")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pick, err := regexp.Compile(*only)
	if err != nil {
		return fmt.Errorf("-only: %w", err)
	}

	rep := report{Go: runtime.Version(), At: time.Now().UTC().Truncate(time.Second), CPUs: runtime.NumCPU()}
	rep.Commit, rep.Dirty = gitState(ctx)
	rep.LoadAvg = append(rep.LoadAvg, loadAvg())
	begin := time.Now()
	results := map[string]map[string]result{}
	failed := map[string]bool{}
	for _, s := range suites {
		if !pick.MatchString(s.Name) {
			continue
		}
		sr, res := runSuite(ctx, *goBin, s, *timeout, stderr)
		rep.Suites = append(rep.Suites, sr)
		results[s.Name], failed[s.Name] = res, sr.Error != ""
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	rep.Seconds = time.Since(begin).Round(time.Second).Seconds()
	rep.LoadAvg = append(rep.LoadAvg, loadAvg())

	var figs []figure
	broken := 0
	for _, f := range figures {
		if !pick.MatchString(f.Suite) {
			continue
		}
		r := evaluate(f, results[f.Suite], failed[f.Suite])
		figs = append(figs, f)
		rep.Rows = append(rep.Rows, r)
		switch r.Status {
		case statusFail:
			rep.Failures++
		case statusMissing, statusError:
			broken++
		}
	}

	fmt.Fprintf(stdout, "\ntally benchmarks — %s, commit %s%s, %d CPUs, %s, took %s\n", rep.Go, short(rep.Commit),
		map[bool]string{true: " (uncommitted changes)"}[rep.Dirty], rep.CPUs, rep.At.Format(time.RFC3339),
		time.Duration(rep.Seconds)*time.Second)
	fmt.Fprintf(stdout, "load average (1, 5, 15 min): %s at the start, %s at the end\n\n", rep.LoadAvg[0], rep.LoadAvg[1])
	if err := writeTable(stdout, rep.Rows, figs); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d of %d targets missed.\n", rep.Failures, targets(figs))
	for _, s := range rep.Suites {
		fmt.Fprintf(stdout, "  %-8s %5.0f s  %s\n", s.Name, s.Seconds, s.Log)
	}
	if *out != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil { //nolint:gosec // G306: a benchmark report meant to be shared; nothing secret
			return fmt.Errorf("write report: %w", err)
		}
		fmt.Fprintf(stdout, "JSON: %s\n", *out)
	}
	var errs []error
	for _, s := range rep.Suites {
		if s.Error != "" {
			errs = append(errs, fmt.Errorf("%s: %s (log %s)", s.Name, s.Error, s.Log))
		}
	}
	if broken > 0 {
		errs = append(errs, fmt.Errorf("%d figures missing or not measured", broken))
	}
	return errors.Join(errs...)
}

// runSuite runs one package's benchmarks, writing the raw output to a log
// file, and parses the result lines.
func runSuite(ctx context.Context, goBin string, s suite, timeout time.Duration, stderr io.Writer) (suiteReport, map[string]result) {
	sr := suiteReport{Name: s.Name, Pkg: s.Pkg, Bench: s.Bench}
	log, err := os.CreateTemp("", "tally-bench-"+s.Name+"-*.log")
	if err != nil {
		sr.Error = err.Error()
		return sr, nil
	}
	defer func() { _ = log.Close() }() // read back below; a close error changes nothing
	sr.Log = log.Name()
	fmt.Fprintf(stderr, "bench %-8s %s -bench '%s' … log %s\n", s.Name, s.Pkg, s.Bench, sr.Log)
	cmd := exec.CommandContext(ctx, goBin, "test", "-run", "^$", "-bench", s.Bench, "-benchtime", s.Benchtime, //nolint:gosec // G204: the go command the operator named with -go; suites are fixed in this file
		"-timeout", timeout.String(), s.Pkg)
	cmd.Stdout, cmd.Stderr = log, log
	// go test starts the test binary as its child: on Ctrl-C stop them both.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	runErr := cmd.Run()
	sr.Seconds = time.Since(start).Round(100 * time.Millisecond).Seconds()
	if _, err := log.Seek(0, io.SeekStart); err != nil {
		sr.Error = err.Error()
		return sr, nil
	}
	res, err := parseBench(log)
	if runErr != nil {
		err = runErr
	}
	if err != nil {
		sr.Error = err.Error()
		fmt.Fprintf(stderr, "bench %-8s FAILED after %.0f s: %v (see %s)\n", s.Name, sr.Seconds, err, sr.Log)
	} else {
		fmt.Fprintf(stderr, "bench %-8s done in %.0f s\n", s.Name, sr.Seconds)
	}
	return sr, res
}

// gitState is the checked-out commit and whether the tree has changes.
func gitState(ctx context.Context) (string, bool) {
	head, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown", false
	}
	status, _ := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output()
	return strings.TrimSpace(string(head)), len(strings.TrimSpace(string(status))) > 0
}

// loadAvg is the 1, 5 and 15 minute load averages (Linux), or "n/a".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "n/a"
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func suiteNames() string {
	var names []string
	for _, s := range suites {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

// targets counts the figures that have one.
func targets(figs []figure) int {
	n := 0
	for _, f := range figs {
		if f.Check != info {
			n++
		}
	}
	return n
}
