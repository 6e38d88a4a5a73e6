package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
)

func togglTestFake(t *testing.T, opts TogglOptions) *Toggl {
	t.Helper()
	f, err := NewToggl(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

func togglDo(t *testing.T, f *Toggl, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, f.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(f.Token(), "api_token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	return res
}

func TestTogglFakeQuotaAndBucket(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC)
	f := togglTestFake(t, TogglOptions{HourlyQuota: 2, BucketPerSec: 1, BucketBurst: 1, Now: func() time.Time { return now }})
	users := "api/v9/workspaces/1001/users"
	if res := togglDo(t, f, "GET", users, ""); res.StatusCode != 200 || res.Header.Get("X-Toggl-Quota-Remaining") != "1" ||
		res.Header.Get("X-Toggl-Quota-Resets-In") != "3600" {
		t.Fatalf("first: %d %v", res.StatusCode, res.Header)
	}
	if res := togglDo(t, f, "GET", users, ""); res.StatusCode != 429 {
		t.Fatalf("bucket: %d; want 429", res.StatusCode)
	}
	now = now.Add(time.Second)
	togglDo(t, f, "GET", users, "")
	now = now.Add(time.Second)
	res := togglDo(t, f, "GET", users, "")
	if res.StatusCode != 402 || res.Header.Get("X-Toggl-Quota-Remaining") != "0" || res.Header.Get("X-Toggl-Quota-Resets-In") != "3598" {
		t.Fatalf("quota: %d %v", res.StatusCode, res.Header)
	}
	now = now.Add(time.Hour)
	if res := togglDo(t, f, "GET", users, ""); res.StatusCode != 200 {
		t.Fatalf("after reset: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", f.URL()+users, nil)
	req.SetBasicAuth("wrong", "api_token")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 403 {
		t.Fatalf("bad token: %v %v", res, err)
	} else {
		_ = res.Body.Close()
	}
}

func TestTogglFakeSearchShapeAndPaging(t *testing.T) {
	t.Parallel()
	f := togglTestFake(t, TogglOptions{MaxPageSize: 3})
	week := model.WeekOf(time.Now()).Prev()
	people := f.Generate(TogglGenSpec{Users: 2, EntriesPerWeek: 5, Weeks: []model.Week{week}, RunningFrac: 1})
	path := "reports/api/v3/workspace/1001/search/time_entries"
	if res := togglDo(t, f, "POST", path, `{}`); res.StatusCode != 400 {
		t.Fatalf("empty body: %d", res.StatusCode)
	}
	body := `{"start_date":"` + week.Start.Format(time.DateOnly) + `","end_date":"` + week.End().Format(time.DateOnly) + `","page_size":50}`
	res := togglDo(t, f, "POST", path, body)
	var rows []map[string]any
	if err := json.NewDecoder(res.Body).Decode(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || res.Header.Get("X-Next-Row-Number") != "4" || res.Header.Get("X-Next-ID") == "" {
		t.Fatalf("page 1: %d rows, headers %v", len(rows), res.Header)
	}
	for _, k := range []string{"user_id", "username", "project_id", "task_id", "billable", "description", "tag_ids",
		"billable_amount_in_cents", "hourly_rate_in_cents", "currency", "row_number", "time_entries"} {
		if _, ok := rows[0][k]; !ok {
			t.Fatalf("row lacks %s: %v", k, rows[0])
		}
	}
	te := rows[0]["time_entries"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "seconds", "start", "stop", "at", "at_tz"} {
		if _, ok := te[k]; !ok {
			t.Fatalf("time entry lacks %s: %v", k, te)
		}
	}
	last := togglDo(t, f, "POST", path, strings.Replace(body, `"page_size":50`, `"page_size":50,"first_row_number":10`, 1))
	if last.Header.Get("X-Next-Row-Number") != "" || last.Header.Get("X-Next-ID") != "" {
		t.Fatalf("last page has next headers: %v", last.Header)
	}
	running := 0
	for _, e := range f.Entries() {
		if e.Running() {
			running++
		}
		if _, off := e.Start.Zone(); e.UserID == people[1].ID && off != people[1].OffsetSecs {
			t.Fatalf("start %s not in the user's offset %d", e.Start, people[1].OffsetSecs)
		}
	}
	if running != 2 {
		t.Fatalf("running timers = %d; want one per person", running)
	}
}

func TestTogglPeopleAndRandomChanges(t *testing.T) {
	t.Parallel()
	people := TogglPeople(3000)
	emails := map[string]bool{}
	zones := map[string]bool{}
	for _, p := range people {
		if emails[p.Email] || !strings.HasSuffix(p.Email, "@example.com") || strings.Count(p.Email, ".") < 2 {
			t.Fatalf("bad or duplicate email %q", p.Email)
		}
		emails[p.Email] = true
		zones[p.Timezone] = true
	}
	if len(zones) < 4 {
		t.Fatalf("only %d time zones", len(zones))
	}
	f := togglTestFake(t, TogglOptions{})
	f.Generate(TogglGenSpec{People: people[:50], EntriesPerWeek: 10, Weeks: []model.Week{model.WeekOf(time.Now()).Prev()}})
	before := len(f.Entries())
	unallocated := 0
	for _, e := range f.Entries() {
		if e.ProjectID == 0 {
			unallocated++
		}
	}
	if frac := float64(unallocated) / float64(before); frac < 0.2 || frac > 0.45 {
		t.Fatalf("unallocated fraction %.2f; want about a third", frac)
	}
	edited := f.EditRandom(0.1)
	deleted := f.DeleteRandom(0.1)
	if len(edited) == 0 || len(deleted) == 0 || len(f.Entries()) != before-len(deleted) {
		t.Fatalf("edited %d, deleted %d, left %d of %d", len(edited), len(deleted), len(f.Entries()), before)
	}
	// PUT with tag_action, recorded.
	id := f.Entries()[0].ID
	res := togglDo(t, f, "PUT", "api/v9/workspaces/1001/time_entries/"+itoa(id), `{"tags":["confirmed"],"tag_action":"add"}`)
	if res.StatusCode != 200 || len(f.EntryTags(id)) != 1 {
		t.Fatalf("put: %d, tags %v", res.StatusCode, f.EntryTags(id))
	}
	w := f.Writes()
	if len(w) != 1 || w[0].Method != "PUT" || w[0].TagAction != "add" || !bytes.Contains([]byte(w[0].Body), []byte("confirmed")) {
		t.Fatalf("writes = %+v", w)
	}
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }
