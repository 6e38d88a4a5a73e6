package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Row results.
const (
	statusPass    = "PASS"
	statusFail    = "FAIL"
	statusInfo    = "info"
	statusMissing = "MISSING" // the benchmark ran but did not report the metric
	statusError   = "ERROR"   // the benchmark did not run to the end
)

// row is one evaluated figure, as printed and as written to the JSON report.
type row struct {
	Part           int      `json:"part"`
	Figure         string   `json:"figure"`
	Benchmark      string   `json:"benchmark"`
	Metric         string   `json:"metric"`
	Value          *float64 `json:"value"`
	Unit           string   `json:"unit"`
	BaselineMetric string   `json:"baseline_metric,omitempty"`
	Baseline       *float64 `json:"baseline,omitempty"`
	Ratio          *float64 `json:"ratio,omitempty"`
	Target         string   `json:"target,omitempty"`
	Status         string   `json:"status"`
}

// evaluate turns a figure and its suite's results into a row. failed is set
// when the suite did not run to the end.
func evaluate(f figure, results map[string]result, failed bool) row {
	r := row{Part: f.Part, Figure: f.Name, Benchmark: f.Bench, Metric: f.Metric, Unit: f.Unit,
		BaselineMetric: f.Baseline, Target: f.TargetText}
	res, ok := results[f.Bench]
	v, okV := res.Metrics[f.Metric]
	b, okB := res.Metrics[f.Baseline]
	switch {
	case !ok && failed:
		r.Status = statusError
		return r
	case !ok || !okV || (f.Baseline != "" && !okB):
		r.Status = statusMissing
		if failed {
			r.Status = statusError
		}
		return r
	}
	r.Value = &v
	if f.Baseline != "" {
		r.Baseline = &b
		ratio := v / b
		if f.Check == onExcess {
			ratio = v - b
		} else if f.Ratio == baseOverValue {
			ratio = b / v
		}
		r.Ratio = &ratio
	}
	var got float64
	switch f.Check {
	case info:
		r.Status = statusInfo
		return r
	case onValue:
		got = v
	case onRatio, onExcess:
		got = *r.Ratio
	}
	r.Status = statusFail
	if meets(got, f.Op, f.Target) {
		r.Status = statusPass
	}
	return r
}

// meets reports whether got op target holds. NaN (0/0) never meets.
func meets(got float64, op string, target float64) bool {
	switch op {
	case "≤":
		return got <= target
	case "≥":
		return got >= target
	case "=":
		return got == target
	}
	return false
}

// writeTable prints rows as an aligned text table.
func writeTable(w io.Writer, rows []row, figs []figure) error {
	head := []string{"part", "figure", "value", "baseline / floor", "ratio", "target", "result"}
	cells := [][]string{head}
	for i, r := range rows {
		part := strconv.Itoa(r.Part)
		if r.Part == 0 {
			part = "–"
		}
		cells = append(cells, []string{part, r.Figure, showValue(r.Value, r.Unit), showBaseline(r, figs[i]),
			showRatio(r, figs[i]), orDash(r.Target), r.Status})
	}
	width := make([]int, len(head))
	for _, c := range cells {
		for j, s := range c {
			width[j] = max(width[j], utf8.RuneCountInString(s))
		}
	}
	var sb strings.Builder
	for i, c := range cells {
		for j, s := range c {
			pad := width[j] - utf8.RuneCountInString(s)
			if j > 0 {
				sb.WriteString("  ")
			}
			if j >= 2 && j <= 4 { // numbers right-aligned
				sb.WriteString(strings.Repeat(" ", pad) + s)
			} else if j < len(c)-1 {
				sb.WriteString(s + strings.Repeat(" ", pad))
			} else {
				sb.WriteString(s)
			}
		}
		sb.WriteByte('\n')
		if i == 0 {
			total := len(width)*2 - 2
			for _, n := range width {
				total += n
			}
			sb.WriteString(strings.Repeat("─", total) + "\n")
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

func showValue(v *float64, unit string) string {
	if v == nil {
		return "—"
	}
	return num(*v) + " " + unit
}

func showBaseline(r row, f figure) string {
	if r.Baseline == nil {
		return "—"
	}
	return num(*r.Baseline) + " (" + f.BaselineLabel + ")"
}

func showRatio(r row, f figure) string {
	switch {
	case r.Ratio == nil:
		return "—"
	case f.Check == onExcess:
		return fmt.Sprintf("%+g", *r.Ratio)
	case f.Percent:
		return num(100**r.Ratio) + "%"
	}
	return num(*r.Ratio) + "×"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// num formats a figure with as many digits as its size warrants and
// thousands separators from 10,000 up.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case a >= 10000:
		return thousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	case a >= 100 || v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 0.1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// thousands puts commas into a string of digits with an optional sign.
func thousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var sb strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	return sign + sb.String()
}
