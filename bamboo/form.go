package bamboo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// formToJSON turns a form-post webhook body into the JSON body of the same
// delivery. BambooHR lets an admin post either payload family as JSON or as
// a form (URL-encoded, nested keys in brackets), e.g. an event-based
// delivery as
//
//	type=employee.updated&data[companyId]=12345&data[employeeId]=67890&data[changedFields][0]=firstName
//
// (Event-Based Webhooks, "Form Post Format":
// https://documentation.bamboohr.com/docs/event-based-webhooks; Field-Based
// Webhooks post employees[0][id], employees[0][changedFields][0],
// employees[0][fields][<name>] the same way:
// https://documentation.bamboohr.com/docs/field-based-webhooks). Keys whose
// children are all 0, 1, 2, … become arrays.
func formToJSON(body string) ([]byte, error) {
	vals, err := url.ParseQuery(body)
	if err != nil {
		return nil, fmt.Errorf("%w: neither JSON nor a form post: %v", ErrBadPayload, err)
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("%w: empty form", ErrBadPayload)
	}
	root := map[string]any{}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := formPath(k)
		v := vals[k][len(vals[k])-1]
		if err := setPath(root, path, v); err != nil {
			return nil, fmt.Errorf("%w: form key %q: %v", ErrBadPayload, k, err)
		}
	}
	b, err := json.Marshal(arrays(root))
	if err != nil {
		return nil, fmt.Errorf("%w: form: %v", ErrBadPayload, err)
	}
	return b, nil
}

// formPath splits "a[b][0]" into a, b, 0; a key without well-formed
// brackets is one name.
func formPath(k string) []string {
	i := strings.IndexByte(k, '[')
	if i <= 0 || !strings.HasSuffix(k, "]") {
		return []string{k}
	}
	path := []string{k[:i]}
	rest := k[i:]
	for rest != "" {
		if rest[0] != '[' {
			return []string{k}
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return []string{k}
		}
		path = append(path, rest[1:j])
		rest = rest[j+1:]
	}
	return path
}

func setPath(m map[string]any, path []string, v string) error {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p]
		if !ok {
			child := map[string]any{}
			m[p] = child
			m = child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("%q is both a value and a group", p)
		}
		m = child
	}
	last := path[len(path)-1]
	if _, ok := m[last].(map[string]any); ok {
		return fmt.Errorf("%q is both a value and a group", last)
	}
	m[last] = v
	return nil
}

// arrays turns every map whose keys are exactly 0..n-1 into a slice.
func arrays(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, c := range m {
		m[k] = arrays(c)
	}
	if len(m) == 0 {
		return m
	}
	list := make([]any, len(m))
	for k, c := range m {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(m) || strconv.Itoa(i) != k {
			return m
		}
		list[i] = c
	}
	return list
}
