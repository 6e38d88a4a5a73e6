package bot_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/sandbox"
)

// The manifest parses, turns on what tally needs, and grants exactly the
// bot scopes ManifestScopes lists, in the same order.
func TestManifest(t *testing.T) {
	doc, err := parseManifestYAML(bot.Manifest())
	if err != nil {
		t.Fatalf("manifest does not parse: %v", err)
	}
	if got, want := doc.lists["oauth_config.scopes.bot"], bot.ManifestScopes(); !slices.Equal(got, want) {
		t.Errorf("manifest bot scopes = %q, ManifestScopes = %q", got, want)
	}
	if s := bot.ManifestScopes(); len(s) == 0 || len(slices.Compact(slices.Sorted(slices.Values(s)))) != len(s) {
		t.Errorf("ManifestScopes = %q, want a non-empty list without repeats", s)
	}
	scopes := bot.ManifestScopes()
	scopes[0] = "admin"
	if bot.ManifestScopes()[0] == "admin" {
		t.Error("ManifestScopes shares its slice with callers")
	}
	for path, want := range map[string]string{
		"display_information.name":                 "tally",
		"features.app_home.home_tab_enabled":       "true",
		"features.slash_commands[0].command":       "/timesheet",
		"features.slash_commands[1].command":       "/confirm-all",
		"settings.socket_mode_enabled":             "true",
		"settings.interactivity.is_enabled":        "true",
		"settings.org_deploy_enabled":              "false",
		"display_information.background_color":     "#1f3a5f",
		"features.slash_commands[0].should_escape": "false",
	} {
		if got := doc.scalars[path]; got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if events := doc.lists["settings.event_subscriptions.bot_events"]; !slices.Equal(events, []string{"app_home_opened"}) {
		t.Errorf("bot events = %q, want app_home_opened only", events)
	}
}

// The structural checker refuses what a YAML parser would refuse, so that
// TestManifest's "parses" means something.
func TestParseManifestYAMLRefusesBrokenYAML(t *testing.T) {
	tests := map[string]string{
		"tab indent":          "a:\n\tb: c\n",
		"odd indent":          "a:\n   b: c\n",
		"unclosed quote":      "a: \"x\n",
		"colon in plain text": "a: b: c\n",
		"duplicate key":       "a: 1\na: 2\n",
		"key without value":   "a:\nb: c\n",
		"indent out of place": "a: 1\n  b: 2\n",
		"flow mapping":        "a: {b: c}\n",
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := parseManifestYAML(src); err == nil {
				t.Errorf("parsed %q without error", src)
			}
		})
	}
}

// manifestYAML is the block-style YAML subset Slack manifests use: scalars
// by dotted path (list items as path[i]) and lists of scalars by path.
type manifestYAML struct {
	scalars map[string]string
	lists   map[string][]string
}

type yamlFrame struct {
	indent int
	path   string
}

// parseManifestYAML checks src structurally (go.mod has no YAML library):
// two-space block indentation, no tabs, no flow collections, balanced
// quotes, no repeated keys, and every key without a value has children.
func parseManifestYAML(src string) (manifestYAML, error) {
	doc := manifestYAML{scalars: map[string]string{}, lists: map[string][]string{}}
	seen := map[string]bool{}
	items := map[string]int{}
	var stack []yamlFrame
	open := "" // a key waiting for its children
	openIndent := 0
	for n, line := range strings.Split(src, "\n") {
		n++
		if strings.Contains(line, "\t") {
			return doc, fmt.Errorf("line %d: tab", n)
		}
		content := stripComment(line)
		if strings.TrimSpace(content) == "" {
			continue
		}
		indent := len(content) - len(strings.TrimLeft(content, " "))
		content = strings.TrimSpace(content)
		if indent%2 != 0 {
			return doc, fmt.Errorf("line %d: indent %d is not a multiple of 2", n, indent)
		}
		if open != "" {
			if indent <= openIndent {
				return doc, fmt.Errorf("line %d: %s has no value and no children", n, open)
			}
			open = ""
		} else if top := len(stack); indent > 0 && (top == 0 || indent > stack[top-1].indent+2) {
			return doc, fmt.Errorf("line %d: unexpected indent", n)
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		parent := ""
		if len(stack) > 0 {
			parent = stack[len(stack)-1].path
		}
		if rest, ok := strings.CutPrefix(content, "- "); ok {
			if !strings.Contains(rest, ": ") && !strings.HasSuffix(rest, ":") {
				v, err := yamlScalar(rest)
				if err != nil {
					return doc, fmt.Errorf("line %d: %w", n, err)
				}
				doc.lists[parent] = append(doc.lists[parent], v)
				continue
			}
			item := parent + "[" + strconv.Itoa(items[parent]) + "]"
			items[parent]++
			stack = append(stack, yamlFrame{indent: indent, path: item})
			parent, content, indent = item, rest, indent+2
		}
		key, val, ok := strings.Cut(content, ":")
		if !ok || key == "" || strings.ContainsAny(key, " \"'{}[]") || (val != "" && val[0] != ' ') {
			return doc, fmt.Errorf("line %d: not a key: value pair", n)
		}
		path := strings.TrimPrefix(parent+"."+key, ".")
		if seen[path] {
			return doc, fmt.Errorf("line %d: repeated key %s", n, path)
		}
		seen[path] = true
		if val = strings.TrimSpace(val); val == "" {
			stack = append(stack, yamlFrame{indent: indent, path: path})
			open, openIndent = path, indent
			continue
		}
		v, err := yamlScalar(val)
		if err != nil {
			return doc, fmt.Errorf("line %d: %w", n, err)
		}
		doc.scalars[path] = v
	}
	if open != "" {
		return doc, fmt.Errorf("%s has no value and no children", open)
	}
	return doc, nil
}

// yamlScalar returns a plain or double-quoted scalar's value.
func yamlScalar(s string) (string, error) {
	if strings.HasPrefix(s, `"`) {
		v, err := strconv.Unquote(s)
		if err != nil {
			return "", fmt.Errorf("bad quoted scalar %s", s)
		}
		return v, nil
	}
	if strings.ContainsAny(s[:1], "{}[]&*!|>'%@`,\"") || strings.Contains(s, ": ") {
		return "", fmt.Errorf("plain scalar %q needs quotes", s)
	}
	return s, nil
}

// stripComment drops a " #" comment outside double quotes.
func stripComment(line string) string {
	quoted := false
	for i, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '#' && !quoted && (i == 0 || line[i-1] == ' '):
			return strings.TrimRight(line[:i], " ")
		}
	}
	return line
}

// The sandbox's Slack fake grants exactly the manifest's scopes, so a
// method tally calls without its scope answers missing_scope in every test,
// as the real Slack would.
func TestSandboxGrantsTheManifestScopes(t *testing.T) {
	got := slices.Clone(sandbox.DefaultSlackScopes)
	want := bot.ManifestScopes()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("sandbox grants %v, the manifest %v: keep sandbox.DefaultSlackScopes in step with bot.Manifest", got, want)
	}
}
