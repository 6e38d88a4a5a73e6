package bamboo_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tallyhq/tally/bamboo"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw     string
		minor   int64
		cur     string
		missing bool
		bad     bool
	}{
		{`"125.00 USD"`, 12500, "USD", false, false},
		{`"125"`, 12500, "USD", false, false},
		{`125.5`, 12550, "USD", false, false},
		{`"EUR 99.90"`, 9990, "EUR", false, false},
		{`{"value":"125","currency":"EUR"}`, 12500, "EUR", false, false},
		{`{"value":"1,250.00 GBP"}`, 125000, "GBP", false, false},
		{`"12000 JPY"`, 12000, "JPY", false, false},
		{`null`, 0, "", true, false},
		{`""`, 0, "", true, false},
		{``, 0, "", true, false},
		{`"-5 USD"`, 0, "", false, true},
		{`"abc"`, 0, "", false, true},
		{`"125 XXX"`, 0, "", false, true},
		{`{"value":"10","currency":"ZZZ"}`, 0, "", false, true},
	}
	for _, c := range cases {
		m, missing, err := bamboo.ParseRate(json.RawMessage(c.raw), "USD")
		if missing != c.missing || (err != nil) != c.bad {
			t.Errorf("%s: missing=%v err=%v", c.raw, missing, err)
			continue
		}
		if !c.missing && !c.bad && (m.Minor != c.minor || m.Currency != c.cur) {
			t.Errorf("%s: got %v", c.raw, m)
		}
	}
}

func TestParsePayloadFamilies(t *testing.T) {
	t.Parallel()
	ev, err := bamboo.ParsePayload([]byte(`{"type":"employee.updated","timestamp":"2025-02-18T15:30:00Z","data":{"companyId":"12345","employeeId":100,"changedFields":["firstName","payRate"]}}`))
	if err != nil || len(ev) != 1 || ev[0].EmployeeID != "100" || ev[0].Action != bamboo.ActionUpdated || len(ev[0].ChangedFields) != 2 {
		t.Fatalf("event-based: %+v %v", ev, err)
	}
	fb, err := bamboo.ParsePayload([]byte(`{"employees":[{"id":"5","action":"Created","changedFields":["Job Title"],"fields":{"Job Title":"Engineer","Rate":{"value":"125"},"Effective Date":{"value":"2026-01-15"}}},{"id":"6","action":"Deleted","fields":{}}]}`))
	if err != nil || len(fb) != 2 {
		t.Fatalf("field-based: %+v %v", fb, err)
	}
	if fb[0].Action != bamboo.ActionCreated || string(fb[0].Fields["Job Title"]) != `"Engineer"` || string(fb[0].Fields["Rate"]) != `"125"` ||
		!fb[0].EffectiveDate.Equal(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)) || fb[1].Action != bamboo.ActionDeleted {
		t.Fatalf("field-based values: %+v", fb)
	}
	for _, bad := range []string{``, `null`, `{}`, `{"employees":[]}`, `{"employees":[{"action":"Updated"}]}`, `{"type":"company.updated","data":{"employeeId":"1"}}`, `{"employees":[{"id":"1","action":"Exploded"}]}`} {
		if _, err := bamboo.ParsePayload([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
