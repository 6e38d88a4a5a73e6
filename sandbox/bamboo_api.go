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
	case "meta_tables":
		b.metaTables(w)
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
	case method == http.MethodGet && len(p) == 2 && p[0] == "meta" && p[1] == "tables":
		return "meta_tables"
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

// onlyCurrent reads the onlyCurrent query parameter of the employee and
// custom report reads. BambooHR's API reference (Get Employee, Request a
// Custom Report: https://documentation.bamboohr.com/reference/get-employee)
// documents it as defaulting to current values; "Setting to false will
// return future dated values from history table fields". The fake is as
// strict: a rate dated ahead shows only when asked with onlyCurrent=false.
func onlyCurrent(r *http.Request) bool {
	v := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("onlyCurrent")))
	return v != "false" && v != "0"
}

// fieldsLocked renders the requested fields of a person; unknown fields are
// silently omitted, as BambooHR does, and empty values are null. The rate
// field of a person with dated rates reads as the rate in force today, or
// with current false as the latest one, future-dated included.
func (b *Bamboo) fieldsLocked(e *BambooEmployee, fields []string, current bool) map[string]any {
	out := map[string]any{"id": e.ID}
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" || f == "id" {
			continue
		}
		if f == b.rateFieldLocked(e) && len(b.rates[e.ID]) > 0 {
			v, _ := b.rateValueLocked(e, current)
			out[f] = v
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
	bambooJSON(w, b.fieldsLocked(e, fields, onlyCurrent(r)))
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
			// EmployeeIDs restricts the report to these employees
			// (filters.employeeIds, an array of integers: Request a Custom
			// Report, https://documentation.bamboohr.com/reference/request-custom-report-1).
			EmployeeIDs []int64 `json:"employeeIds"`
		} `json:"filters"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || len(req.Fields) == 0 {
		// The custom report answers a request in a bad format with 404
		// (its reference lists 404 as "bad request format"), not 400.
		http.Error(w, "a JSON body with fields is required", http.StatusNotFound)
		return
	}
	if len(req.Fields) > 400 {
		http.Error(w, "at most 400 fields", http.StatusBadRequest)
		return
	}
	var only map[string]bool
	if req.Filters.EmployeeIDs != nil {
		only = map[string]bool{}
		for _, id := range req.Filters.EmployeeIDs {
			only[strconv.FormatInt(id, 10)] = true
		}
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
	current := onlyCurrent(r)
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
		if only != nil && !only[e.ID] {
			continue
		}
		emps = append(emps, b.fieldsLocked(e, req.Fields, current))
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
		emps = append(emps, b.fieldsLocked(e, std, true))
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
	if table == "" || (table != b.opts.RateTable && table != b.opts.RateHistoryTable) {
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
			if table == b.opts.RateHistoryTable {
				rows = append(rows, b.historyRowLocked(n, id, r))
				continue
			}
			rows = append(rows, map[string]any{
				"id": strconv.Itoa(n), "employeeId": id, "startDate": r.EffectiveDate.Format(time.DateOnly),
				"rate": map[string]string{"currency": r.Currency, "value": r.Amount},
				"type": "Hourly", "paidPer": "Hour", "reason": "", "comment": "",
			})
		}
	}
	bambooJSON(w, rows)
}

// historyRowLocked renders one row of the rate fields' history table: its
// effective date, the person's rate field set and the other rate field
// empty, as a table row leaves the columns it does not record.
func (b *Bamboo) historyRowLocked(n int, id string, r BambooRate) map[string]any {
	row := map[string]any{"id": strconv.Itoa(n), "employeeId": id, "customEffectiveDate": r.EffectiveDate.Format(time.DateOnly)}
	for _, f := range []string{b.opts.RateField, b.opts.ContractorRateField} {
		if f != "" {
			row[f] = nil
		}
	}
	row[b.rateFieldLocked(b.emps[id])] = map[string]string{"currency": r.Currency, "value": r.Amount}
	return row
}

// metaTables lists the employee tables and their columns, shaped as
// BambooHR's GET /api/v1/meta/tables ("Get a list of tabular fields",
// https://documentation.bamboohr.com/reference/metadata-get-a-list-of-tabular-fields-1):
// [{"alias", "fields": [{"id", "name", "alias", "type"}]}].
func (b *Bamboo) metaTables(w http.ResponseWriter) {
	field := func(id int, name, alias, typ string) map[string]any {
		return map[string]any{"id": id, "name": name, "alias": alias, "type": typ}
	}
	tables := []map[string]any{{"alias": b.opts.RateTable, "fields": []map[string]any{
		field(4021, "Effective Date", "startDate", "date"), field(19, "Pay rate", "rate", "currency"),
		field(156, "Pay type", "type", "list"), field(4017, "Change Reason", "reason", "list"),
		field(4045, "Comment", "comment", "text"), field(4391, "Pay Per", "paidPer", "list"),
	}}}
	if b.opts.RateHistoryTable != "" {
		cols := []map[string]any{field(4500, "Effective Date", "customEffectiveDate", "date"), field(4501, "Billable rate", b.opts.RateField, "currency")}
		if b.opts.ContractorRateField != "" {
			cols = append(cols, field(4502, "Contractor rate", b.opts.ContractorRateField, "currency"))
		}
		tables = append(tables, map[string]any{"alias": b.opts.RateHistoryTable, "fields": cols})
	}
	bambooJSON(w, tables)
}

// whosOut lists time off and holidays between start and end. As in
// BambooHR, employees' time off is filtered by the API user's saved
// filters unless the request says filter=off ("Set to off to bypass saved
// filters for employee time off. Does not affect holiday filtering", Get a
// list of Who's Out: https://documentation.bamboohr.com/reference/get-a-list-of-whos-out-1):
// without it only the people in BambooOptions.WhosOutVisible come back.
func (b *Bamboo) whosOut(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	unfiltered := q.Get("filter") == "off"
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
		if t.EmployeeID != "" && !unfiltered && !b.opts.WhosOutVisible[t.EmployeeID] {
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
