package bamboo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The actions a Change can carry.
const (
	ActionCreated = "created"
	ActionUpdated = "updated"
	ActionDeleted = "deleted"
)

// Change is one employee change announced by a webhook delivery, from
// either payload family. Event-based deliveries carry no values: Fields is
// empty and the employee is read from the API.
type Change struct {
	EmployeeID    string
	Action        string
	ChangedFields []string
	// Fields holds the field-based family's values, each either plain or
	// unwrapped from {"value": …}; objects with more keys (a currency) are
	// kept whole.
	Fields map[string]json.RawMessage
	// EffectiveDate is the date the change takes effect when the payload
	// says so (an "Effective Date" field); zero otherwise.
	EffectiveDate time.Time
}

// ErrBadPayload marks a body that is not a BambooHR webhook payload.
var ErrBadPayload = errors.New("not a BambooHR webhook payload")

type eventPayload struct {
	Type string `json:"type"`
	Data *struct {
		EmployeeID    flexString `json:"employeeId"`
		ChangedFields []string   `json:"changedFields"`
	} `json:"data"`
}

type fieldPayload struct {
	Employees []struct {
		ID            flexString                 `json:"id"`
		Action        string                     `json:"action"`
		ChangedFields []string                   `json:"changedFields"`
		Fields        map[string]json.RawMessage `json:"fields"`
	} `json:"employees"`
}

// ParsePayload reads a webhook body of either family, posted as JSON or
// as a form (see formToJSON), into its changes.
func ParsePayload(body []byte) ([]Change, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadPayload)
	}
	if body[0] != '{' {
		b, err := formToJSON(string(body))
		if err != nil {
			return nil, err
		}
		body = b
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("%w: invalid JSON: %v", ErrBadPayload, err)
	}
	if _, ok := probe["employees"]; ok {
		var p fieldPayload
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, fmt.Errorf("%w: employees: %v", ErrBadPayload, err)
		}
		if len(p.Employees) == 0 {
			return nil, fmt.Errorf("%w: employees is empty", ErrBadPayload)
		}
		out := make([]Change, 0, len(p.Employees))
		for i, e := range p.Employees {
			if e.ID == "" {
				return nil, fmt.Errorf("%w: employees[%d] has no id", ErrBadPayload, i)
			}
			action, err := normaliseAction(e.Action)
			if err != nil {
				return nil, fmt.Errorf("%w: employees[%d]: %v", ErrBadPayload, i, err)
			}
			c := Change{EmployeeID: string(e.ID), Action: action, ChangedFields: e.ChangedFields, Fields: map[string]json.RawMessage{}}
			for k, v := range e.Fields {
				c.Fields[k] = unwrapValue(v)
			}
			c.EffectiveDate = effectiveDate(c.Fields)
			out = append(out, c)
		}
		return out, nil
	}
	var p eventPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPayload, err)
	}
	if p.Type == "" || p.Data == nil {
		return nil, fmt.Errorf("%w: neither employees nor type and data", ErrBadPayload)
	}
	action, ok := strings.CutPrefix(p.Type, "employee.")
	if !ok {
		return nil, fmt.Errorf("%w: unknown event type %q", ErrBadPayload, p.Type)
	}
	action, err := normaliseAction(action)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPayload, err)
	}
	if p.Data.EmployeeID == "" {
		return nil, fmt.Errorf("%w: data.employeeId is missing", ErrBadPayload)
	}
	return []Change{{EmployeeID: string(p.Data.EmployeeID), Action: action, ChangedFields: p.Data.ChangedFields}}, nil
}

func normaliseAction(a string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(a)) {
	case "created", "create":
		return ActionCreated, nil
	case "updated", "update", "":
		return ActionUpdated, nil
	case "deleted", "delete":
		return ActionDeleted, nil
	}
	return "", fmt.Errorf("unknown action %q", a)
}

// unwrapValue turns {"value": x} into x; any other JSON is kept as is.
func unwrapValue(v json.RawMessage) json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) == nil && len(obj) == 1 {
		if inner, ok := obj["value"]; ok {
			return inner
		}
	}
	return v
}

// effectiveDate finds a field named like "Effective Date" holding a date.
func effectiveDate(fields map[string]json.RawMessage) time.Time {
	for k, v := range fields {
		n := strings.ToLower(strings.NewReplacer(" ", "", "_", "", "-", "").Replace(k))
		if !strings.Contains(n, "effectivedate") {
			continue
		}
		if d, ok := ParseDate(rawString(v)); ok {
			return d
		}
	}
	return time.Time{}
}

// flexString decodes a JSON string or number as a string (BambooHR ids
// arrive as either).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id %s is neither a string nor a number", b)
	}
	*f = flexString(n.String())
	return nil
}

// rawString renders a JSON scalar as a string: strings unquoted, numbers as
// written, null and anything else empty.
func rawString(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return strings.TrimSpace(s)
		}
		return ""
	}
	if v[0] == '{' || v[0] == '[' {
		return ""
	}
	return string(v)
}

// ParseDate reads a BambooHR date; "0000-00-00" and empty mean none.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}, false
	}
	if len(s) > 10 {
		s = s[:10]
	}
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil
}
