package blocks

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/slack-go/slack"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares v's indented JSON with testdata/name.json and, when blocks
// are given, their RenderText with testdata/name.txt.
func golden(t *testing.T, name string, v any, bs []slack.Block) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("marshal %s: %v", name, err)
	}
	got = append(got, '\n')
	compareFile(t, filepath.Join("testdata", name+".json"), got)
	if bs != nil {
		compareFile(t, filepath.Join("testdata", name+".txt"), []byte(RenderText(bs)))
	}
}

func compareFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil { //nolint:gosec // G306: a golden file checked into the repository, readable by design
			t.Fatalf("write %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path) //nolint:gosec // G304: path is testdata/ plus the test's own name
	if err != nil {
		t.Fatalf("read %s (run go test ./blocks -update to create it): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./blocks -update and review the diff\n--- got ---\n%s", path, got)
	}
}

// messageJSON wraps blocks the way chat.postMessage sends them.
func messageJSON(bs []slack.Block) any { return slack.Blocks{BlockSet: bs} }
