//go:build chaos

package chaos

import (
	"fmt"
	"io"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

// row is one line of the chaos table.
type row struct {
	Fault      string
	Load       string
	Accepted   int           // requests the system answered as accepted (acked clicks, 200 deliveries, rows synced, DMs due)
	Lost       int           // accepted but missing from the final state
	Duplicated int           // done twice (two confirmations, two DMs, a slot run twice …)
	Recovered  time.Duration // from the fault's end to the state being complete
	Note       string
}

var report struct {
	mu   sync.Mutex
	rows []row
}

// record adds r to the table and fails the test when anything was lost or
// duplicated.
func record(t *testing.T, r row) {
	t.Helper()
	report.mu.Lock()
	report.rows = append(report.rows, r)
	report.mu.Unlock()
	t.Logf("RESULT %s | %s | accepted %d | lost %d | duplicated %d | recovered within %s | %s",
		r.Fault, r.Load, r.Accepted, r.Lost, r.Duplicated, fmtDur(r.Recovered), r.Note)
	if r.Lost != 0 || r.Duplicated != 0 {
		t.Errorf("%s: %d lost, %d duplicated", r.Fault, r.Lost, r.Duplicated)
	}
}

func fmtDur(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return d.Round(100 * time.Millisecond).String()
}

func printReport(w io.Writer, took time.Duration) {
	report.mu.Lock()
	defer report.mu.Unlock()
	fmt.Fprintf(w, "\nchaos: %d scenario rows in %s\n\n", len(report.rows), took.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT\tLOAD\tACCEPTED\tLOST\tDUPLICATED\tRECOVERED WITHIN\tNOTE")
	for _, r := range report.rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", r.Fault, r.Load, r.Accepted, r.Lost, r.Duplicated, fmtDur(r.Recovered), r.Note)
	}
	_ = tw.Flush()
}
