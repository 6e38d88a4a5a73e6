package main

// The layout rules of docs/architecture.md, checked on every `make test`:
// who may import whom, where pgx, SQL, configuration and time-zone parsing
// may appear, and that the root package stays main.go. The check reads the
// source with go/parser (no build needed), test files included where the
// rule says so.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/tallyhq/tally"

// layers lists, for every package of the module, the module packages its
// production code may import. A package missing from this table fails the
// test: a new package is placed in the architecture on purpose.
var layers = map[string][]string{
	".":                    {"cli"},
	"cli":                  {"app", "config", "demo", "bot", "storage", "export", "model", "cache", "clock"},
	"app":                  {"admin", "bamboo", "blocks", "bot", "cache", "clock", "commands", "config", "export", "home", "model", "remind", "review", "roster", "schedule", "storage", "sync", "timesheet", "toggl"},
	"demo":                 {"app", "bamboo", "blocks", "bot", "clock", "config", "export", "model", "sandbox", "storage"},
	"bot":                  {"model", "blocks", "storage", "clock"},
	"commands":             {"blocks", "bot", "home", "model", "review", "storage", "timesheet", "clock"},
	"home":                 {"blocks", "bot", "model", "review", "storage", "timesheet", "clock"},
	"timesheet":            {"blocks", "model", "storage", "clock"},
	"remind":               {"blocks", "model", "schedule", "storage", "clock"},
	"review":               {"model", "storage", "clock"},
	"roster":               {"bamboo", "model", "storage", "clock"},
	"bamboo":               {"model", "storage", "clock"},
	"sync":                 {"model", "storage", "toggl", "clock"},
	"toggl":                {"model", "clock"},
	"export":               {"model", "storage"},
	"schedule":             {"storage", "clock"},
	"cache":                {"model", "storage"},
	"admin":                {},
	"blocks":               {"model"},
	"storage":              {"model"},
	"storage/storagetest":  {"storage", "model"},
	"model":                {},
	"config":               {},
	"clock":                {},
	"sandbox":              {"model", "clock"},
	"chaos":                {"sandbox", "storage", "storage/storagetest", "model", "clock"},
	"internal/benchreport": {},
}

// file is one parsed Go file of the module.
type file struct {
	pkg  string // directory relative to the module root, "." for the root
	path string
	test bool
	ast  *ast.File
}

func parseModule(t *testing.T) []file {
	t.Helper()
	var out []file
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		full, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		out = append(out, file{pkg: filepath.ToSlash(filepath.Dir(path)), path: filepath.ToSlash(path), test: strings.HasSuffix(path, "_test.go"), ast: full})
		return nil
	})
	if err != nil {
		t.Fatalf("read the module: %v", err)
	}
	if len(out) < 50 {
		t.Fatalf("read only %d Go files: is the test running at the module root?", len(out))
	}
	return out
}

func imports(f file) []string {
	var out []string
	for _, s := range f.ast.Imports {
		p, _ := strconv.Unquote(s.Path.Value)
		out = append(out, p)
	}
	return out
}

func internalPkg(importPath string) (string, bool) {
	if importPath == module {
		return ".", true
	}
	rest, ok := strings.CutPrefix(importPath, module+"/")
	return rest, ok
}

// TestPackageLayers: production code imports only what its layer allows,
// and every package has a place in the table.
func TestPackageLayers(t *testing.T) {
	for _, f := range parseModule(t) {
		allowed, known := layers[f.pkg]
		if !known {
			t.Errorf("%s: package %q has no entry in the layers table (docs/architecture.md says where a new package goes)", f.path, f.pkg)
			continue
		}
		if f.test {
			continue
		}
		for _, imp := range imports(f) {
			dep, ok := internalPkg(imp)
			if !ok || dep == f.pkg {
				continue
			}
			if !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s: %s may import only %v", f.path, dep, f.pkg, allowed)
			}
		}
	}
}

// TestOnlyStorageSpeaksPostgres: pgx is imported by storage and its test
// helper only (tests included), and SQL text lives in storage.
func TestOnlyStorageSpeaksPostgres(t *testing.T) {
	sqlStart := regexp.MustCompile(`^\s*(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|WITH \w+ AS|CREATE (TABLE|DATABASE|INDEX)|DROP (TABLE|DATABASE)|ALTER TABLE)\b`)
	for _, f := range parseModule(t) {
		inStorage := f.pkg == "storage" || strings.HasPrefix(f.pkg, "storage/")
		for _, imp := range imports(f) {
			if strings.HasPrefix(imp, "github.com/jackc/pgx") && !inStorage {
				t.Errorf("%s imports %s: only storage and storage/storagetest may use pgx", f.path, imp)
			}
		}
		if inStorage || f.test {
			continue
		}
		ast.Inspect(f.ast, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && sqlStart.MatchString(s) {
				t.Errorf("%s holds SQL (%.40q…): queries belong in a named storage method", f.path, s)
			}
			return true
		})
	}
}

// TestConfigStaysAtTheEdge: only app and cli (and their tests) read the
// configuration; clients take plain options.
func TestConfigStaysAtTheEdge(t *testing.T) {
	for _, f := range parseModule(t) {
		if f.pkg == "app" || f.pkg == "cli" || f.pkg == "config" {
			continue
		}
		for _, imp := range imports(f) {
			if imp == module+"/config" {
				t.Errorf("%s imports config: only app and cli read the configuration", f.path)
			}
		}
	}
}

// TestTimeZonesParsedOnce: time.LoadLocation is called by config (the
// default zone) and model's one helper for people's Slack zones, nowhere
// else in production code; one context-aware sleep lives in clock.
func TestTimeZonesParsedOnce(t *testing.T) {
	var loaders, sleepers []string
	for _, f := range parseModule(t) {
		if f.test || f.pkg == "sandbox" {
			continue
		}
		ast.Inspect(f.ast, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "time" && n.Sel.Name == "LoadLocation" {
					loaders = append(loaders, f.path)
				}
			case *ast.FuncDecl:
				if strings.Contains(strings.ToLower(n.Name.Name), "sleep") && f.pkg != "clock" {
					sleepers = append(sleepers, f.path+":"+n.Name.Name)
				}
			}
			return true
		})
	}
	sort.Strings(loaders)
	loaders = slices.Compact(loaders)
	for _, p := range loaders {
		if !strings.HasPrefix(p, "config/") && !strings.HasPrefix(p, "model/") {
			t.Errorf("%s calls time.LoadLocation: zones are parsed once, in config (DEFAULT_TZ) and model (Slack zones)", p)
		}
	}
	if len(loaders) > 2 {
		t.Errorf("time.LoadLocation is called from %v: keep one call in config and one in model", loaders)
	}
	for _, s := range sleepers {
		t.Errorf("%s: waiting goes through clock.Sleep, not a private sleep helper", s)
	}
}

// TestRootIsOnlyMain: the root package is main.go and this test.
func TestRootIsOnlyMain(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && e.Name() != "main.go" && e.Name() != "main_test.go" {
			t.Errorf("%s in the root package: the root holds only main.go (see docs/architecture.md for where code goes)", e.Name())
		}
	}
}
