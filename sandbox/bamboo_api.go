package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// serve routes the BambooHR API: auth, injected failures, then the method.
func (b *Bamboo) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v1/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	route := bambooRoute(r.Method, parts)
	b.mu.Lock()
	b.total++
	b.requests[route]++
	var fail *bambooFailure
	if len(b.failures) > 0 {
		f := b.failures[0]
		b.failures = b.failures[1:]
		fail = &f
	}
	b.mu.Unlock()
	b.log.Debug("request", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.String("route", route))

	if user, _, ok := r.BasicAuth(); !ok || user != b.opts.APIKey {
		w.Header().Set("WWW-Authenticate", `Basic realm="BambooHR"`)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	if fail != nil {
		if fail.retryAfter != "" {
			w.Header().Set("Retry-After", fail.retryAfter)
		}
		http.Error(w, http.StatusText(fail.status), fail.status)
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		// BambooHR answers XML unless asked for JSON.
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<?xml version="1.0"?><employees></employees>`)
		return
	}
	switch route {
	case "employee":
		b.getEmployee(w, r, parts[1])
	case "report":
		b.customReport(w, r)
	case "directory":
		b.directory(w)
	case "changed":
		b.changed(w, r)
	case "table":
		b.table(w, parts[1], parts[3])
	case "whos_out":
		b.whosOut(w, r)
	default:
		http.Error(w, "Not Found", http.StatusNotFound)
	}
}

func bambooRoute(method string, p []string) string {
	switch {
	case method == http.MethodGet && len(p) == 2 && p[0] == "employees" && p[1] == "directory":
		return "directory"
	case method == http.MethodGet && len(p) == 2 && p[0] == "employees" && p[1] == "changed":
		return "changed"
	case method == http.MethodGet && len(p) == 2 && p[0] == "employees":
		return "employee"
	case method == http.MethodGet && len(p) == 4 && p[0] == "employees" && p[2] == "tables":
		return "table"
	case method == http.MethodPost && len(p) == 2 && p[0] == "reports" && p[1] == "custom":
		return "report"
	case method == http.MethodGet && len(p) == 2 && p[0] == "time_off" && p[1] == "whos_out":
		return "whos_out"
	}
	return "unknown"
}

func bambooJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// fieldsLocked renders the requested fields of a person; unknown fields are
// silently omitted, as BambooHR does, and empty values are null.
func (b *Bamboo) fieldsLocked(e *BambooEmployee, fields []string) map[string]any {
	out := map[string]any{"id": e.ID}
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" || f == "id" {
			continue
		}
		v, known := bambooStdField(e, f)
		if !known {
			cv, ok := e.Fields[f]
			if !ok {
				if f == b.opts.RateField || f == b.opts.ContractorRateField {
					out[f] = nil
				}
				continue
			}
			out[f] = cv
			continue
		}
		if v == "" {
			out[f] = nil
		} else {
			out[f] = v
		}
	}
	return out
}

func bambooStdField(e *BambooEmployee, f string) (string, bool) {
	switch f {
	case "firstName":
		return e.FirstName, true
	case "lastName":
		return e.LastName, true
	case "displayName":
		if e.DisplayName == "" {
			return strings.TrimSpace(e.FirstName + " " + e.LastName), true
		}
		return e.DisplayName, true
	case "workEmail":
		return e.WorkEmail, true
	case "jobTitle":
		return e.JobTitle, true
	case "department":
		return e.Department, true
	case "supervisorEId":
		return e.SupervisorID, true
	case "status":
		return e.Status, true
	case "employmentHistoryStatus":
		return e.EmploymentStatus, true
	case "hireDate":
		if e.HireDate == "" {
			return "0000-00-00", true
		}
		return e.HireDate, true
	case "terminationDate":
		if e.TerminationDate == "" {
			return "0000-00-00", true
		}
		return e.TerminationDate, true
	}
	return "", false
}

func (b *Bamboo) getEmployee(w http.ResponseWriter, r *http.Request, id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.emps[id]
	if !ok || e.deleted {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	fields := strings.Split(r.URL.Query().Get("fields"), ",")
	if len(fields) > 400 {
		http.Error(w, "too many fields", http.StatusBadRequest)
		return
	}
	bambooJSON(w, b.fieldsLocked(e, fields))
}

// sortedLocked returns live people by numeric id.
func (b *Bamboo) sortedLocked(activeOnly bool) []*BambooEmployee {
	out := make([]*BambooEmployee, 0, len(b.emps))
	for _, e := range b.emps {
		if e.deleted || (activeOnly && e.Status != "Active") {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return bambooIDLess(out[i].ID, out[j].ID) })
	return out
}

func (b *Bamboo) customReport(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("format") != "json" {
		http.Error(w, "format must be json", http.StatusBadRequest)
		return
	}
	var req struct {
		Title   string   `json:"title"`
		Fields  []string `json:"fields"`
		Filters struct {
			LastChanged struct {
				Value string `json:"value"`
			} `json:"lastChanged"`
		} `json:"filters"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || len(req.Fields) == 0 {
		http.Error(w, "a JSON body with fields is required", http.StatusBadRequest)
		return
	}
	var since time.Time
	if v := req.Filters.LastChanged.Value; v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			http.Error(w, "bad lastChanged", http.StatusBadRequest)
			return
		}
		since = t
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	fields := make([]map[string]string, len(req.Fields))
	for i, f := range req.Fields {
		fields[i] = map[string]string{"id": f, "type": "text", "name": f}
	}
	emps := []map[string]any{}
	for _, e := range b.sortedLocked(false) {
		if !since.IsZero() && e.LastChanged.Before(since) {
			continue
		}
		emps = append(emps, b.fieldsLocked(e, req.Fields))
	}
	bambooJSON(w, map[string]any{"title": req.Title, "fields": fields, "employees": emps})
}

func (b *Bamboo) directory(w http.ResponseWriter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	std := []string{"displayName", "firstName", "lastName", "jobTitle", "workEmail", "department", "supervisorEId"}
	fields := make([]map[string]string, len(std))
	for i, f := range std {
		fields[i] = map[string]string{"id": f, "type": "text", "name": f}
	}
	emps := []map[string]any{}
	for _, e := range b.sortedLocked(true) {
		emps = append(emps, b.fieldsLocked(e, std))
	}
	bambooJSON(w, map[string]any{"fields": fields, "employees": emps})
}

func (b *Bamboo) changed(w http.ResponseWriter, r *http.Request) {
	since, err := time.Parse(time.RFC3339, r.URL.Query().Get("since"))
	if err != nil {
		http.Error(w, "since must be ISO 8601", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]any{}
	latest := since
	for id, e := range b.emps {
		if e.LastChanged.Before(since) {
			continue
		}
		action := "Updated"
		if e.deleted {
			action = "Deleted"
		}
		out[id] = map[string]string{"id": id, "action": action, "lastChanged": e.LastChanged.Format(time.RFC3339)}
		if e.LastChanged.After(latest) {
			latest = e.LastChanged
		}
	}
	bambooJSON(w, map[string]any{"latest": latest.UTC().Format(time.RFC3339), "employees": out})
}

func (b *Bamboo) table(w http.ResponseWriter, who, table string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if table != b.opts.RateTable {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	var ids []string
	if who == "all" {
		for _, e := range b.sortedLocked(false) {
			ids = append(ids, e.ID)
		}
	} else {
		if e, ok := b.emps[who]; !ok || e.deleted {
			http.Error(w, "Not Found", http.StatusNotFound)
			return
		}
		ids = []string{who}
	}
	rows := []map[string]any{}
	n := 0
	for _, id := range ids {
		for _, r := range b.rates[id] {
			n++
			rows = append(rows, map[string]any{
				"id": strconv.Itoa(n), "employeeId": id, "startDate": r.EffectiveDate.Format(time.DateOnly),
				"rate": map[string]string{"currency": r.Currency, "value": r.Amount},
				"type": "Hourly", "paidPer": "Hour", "reason": "", "comment": "",
			})
		}
	}
	bambooJSON(w, rows)
}

func (b *Bamboo) whosOut(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, err1 := time.Parse(time.DateOnly, q.Get("start"))
	end, err2 := time.Parse(time.DateOnly, q.Get("end"))
	if err1 != nil || err2 != nil {
		http.Error(w, "start and end must be YYYY-MM-DD", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []map[string]any{}
	for _, t := range b.timeOff {
		if t.End.Before(start) || t.Start.After(end) {
			continue
		}
		row := map[string]any{"id": t.ID, "type": t.Type, "name": t.Name,
			"start": t.Start.Format(time.DateOnly), "end": t.End.Format(time.DateOnly)}
		if t.EmployeeID != "" {
			if n, err := strconv.Atoi(t.EmployeeID); err == nil {
				row["employeeId"] = n
			} else {
				row["employeeId"] = t.EmployeeID
			}
		}
		out = append(out, row)
	}
	bambooJSON(w, out)
}
