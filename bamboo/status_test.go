package bamboo_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/sandbox"
)

// Each documented status maps to its documented meaning and is retried
// only when BambooHR's docs say it is transient.
func TestClientMapsDocumentedStatuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		report bool // the call is the custom report
		want   error
		not    error
		tries  int64
	}{
		{"400 bad request", 400, false, bamboo.ErrBadRequest, nil, 1},
		{"401 key missing", 401, false, bamboo.ErrUnauthorized, nil, 1},
		{"403 forbidden", 403, false, bamboo.ErrForbidden, nil, 1},
		{"404 employee gone", 404, false, bamboo.ErrNotFound, nil, 1},
		{"404 from the custom report is a bad request format", 404, true, bamboo.ErrBadRequest, bamboo.ErrNotFound, 1},
		{"429 rate limited", 429, false, bamboo.ErrRateLimited, nil, 3},
		{"500 server error", 500, false, bamboo.ErrServer, nil, 3},
		{"503 unavailable", 503, false, bamboo.ErrUnavailable, nil, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				hits.Add(1)
				w.Header().Set("X-BambooHR-Error-Message", "documented detail")
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(c.status)
			}))
			defer srv.Close()
			cl, err := bamboo.NewClient(srv.URL+"/api/v1/", "secret-key", bamboo.ClientOptions{MaxTries: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if c.report {
				_, err = cl.EmployeesByID(context.Background(), []string{"1"}, []string{"firstName"})
			} else {
				_, err = cl.Employee(context.Background(), "1", []string{"firstName"})
			}
			if !errors.Is(err, c.want) || (c.not != nil && errors.Is(err, c.not)) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			var se *bamboo.StatusError
			if !errors.As(err, &se) || se.Code != c.status || !strings.Contains(err.Error(), "documented detail") || strings.Contains(err.Error(), "secret-key") {
				t.Fatalf("error %q lacks the status and BambooHR's message, or leaks the key", err)
			}
			if hits.Load() != c.tries {
				t.Fatalf("%d requests, want %d", hits.Load(), c.tries)
			}
		})
	}
}

// Who's out asks for everyone: without filter=off BambooHR (and the
// sandbox) return only the people the API user's saved filter shows.
func TestWhosOutAsksForEveryone(t *testing.T) {
	t.Parallel()
	fake, err := sandbox.NewBamboo(sandbox.BambooOptions{WhosOutVisible: map[string]bool{"101": true}})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	seen := fake.AddEmployee(sandbox.BambooEmployee{ID: "101", FirstName: "Vis", LastName: "Ible"})
	hidden := fake.AddEmployee(sandbox.BambooEmployee{ID: "102", FirstName: "Hid", LastName: "Den"})
	day := time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)
	fake.AddTimeOff(seen, "Vis Ible", day, day)
	fake.AddTimeOff(hidden, "Hid Den", day, day)
	fake.AddTimeOff("", "Founders Day", day, day)

	// The sandbox filters as BambooHR does when not asked otherwise.
	req, _ := http.NewRequest("GET", fake.URL()+"time_off/whos_out?start=2026-03-09&end=2026-03-13", nil)
	req.SetBasicAuth(fake.APIKey(), "x")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	_ = decodeJSON(resp, &raw)
	if len(raw) != 2 {
		t.Fatalf("unfiltered-by-request who's out = %v, want the visible person and the holiday", raw)
	}

	c, err := bamboo.NewClient(fake.URL(), fake.APIKey(), bamboo.ClientOptions{MaxTries: 1})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.WhosOut(context.Background(), day.AddDate(0, 0, -3), day.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, o := range out {
		got[o.EmployeeID+"/"+o.Type] = true
	}
	if len(out) != 3 || !got[seen+"/timeOff"] || !got[hidden+"/timeOff"] || !got["/holiday"] {
		t.Fatalf("who's out = %+v, want everyone's time off and the holiday", out)
	}
}
