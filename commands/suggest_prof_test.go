package commands

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"
)

// profileBursts starts measuring a benchmark's timed loop: the returned
// stop reports the process's CPU time per iteration (cpu_ms/burst) and,
// when dir is set, writes the loop's CPU profile there, and allocation
// profiles taken before and after it: the loop's own allocations are
// go tool pprof -diff_base allocs-before.pprof allocs.pprof.
func profileBursts(b *testing.B, dir string) (stop func()) {
	b.Helper()
	var cpuFile *os.File
	if dir != "" {
		writeAllocs(b, filepath.Join(dir, "allocs-before.pprof"))
		f, err := os.Create(filepath.Join(dir, "cpu.pprof")) //nolint:gosec // G304: PICKER_PROFILE is the developer's own output folder
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		cpuFile = f
	}
	start := cpuTime(b)
	return func() {
		b.ReportMetric(float64((cpuTime(b)-start).Microseconds())/1000/float64(b.N), "cpu_ms/burst")
		if cpuFile == nil {
			return
		}
		pprof.StopCPUProfile()
		if err := cpuFile.Close(); err != nil {
			b.Fatal(err)
		}
		writeAllocs(b, filepath.Join(dir, "allocs.pprof"))
	}
}

// writeAllocs writes the allocation profile, up to date, to path.
func writeAllocs(b *testing.B, path string) {
	b.Helper()
	// The profile counts allocations as of the last collection.
	runtime.GC()
	f, err := os.Create(path) //nolint:gosec // G304: a file in the developer's PICKER_PROFILE folder
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		_ = f.Close()
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
