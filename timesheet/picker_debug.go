package timesheet

import (
	"fmt"
	"os"
	gosync "sync"
	"time"
)

var debugMu gosync.Mutex
var DebugStart time.Time
var debugLines []string

func DebugMark(what string) {
	debugMu.Lock()
	debugLines = append(debugLines, fmt.Sprintf("%8.2f %s", float64(time.Since(DebugStart).Microseconds())/1000, what))
	debugMu.Unlock()
}
func DebugLog(t0 time.Time, q string) {
	debugMu.Lock()
	debugLines = append(debugLines, fmt.Sprintf("%8.2f done start=%.2f q=%q", float64(time.Since(DebugStart).Microseconds())/1000, float64(t0.Sub(DebugStart).Microseconds())/1000, q))
	debugMu.Unlock()
}
func DebugDump() {
	f, _ := os.Create("/tmp/h13debug.txt")
	for _, l := range debugLines {
		fmt.Fprintln(f, l)
	}
	f.Close()
}
