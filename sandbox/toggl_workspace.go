package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

func togglJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (t *Toggl) serveQuota(w http.ResponseWriter, _ *http.Request) {
	t.mu.Lock()
	remaining, total := 1_000_000, t.opts.HourlyQuota
	if total > 0 {
		remaining = max(total-t.quotaUsed, 0)
	}
	resets := 3600
	if !t.quotaWindow.IsZero() {
		resets = max(int(t.quotaWindow.Add(time.Hour).Sub(t.opts.Now()).Seconds()), 0)
	}
	t.mu.Unlock()
	togglJSON(w, []map[string]any{{"organization_id": t.opts.WorkspaceID, "remaining": remaining,
		"resets_in_secs": resets, "total": total}})
}

func (t *Toggl) serveUsers(w http.ResponseWriter, _ *http.Request) {
	t.mu.Lock()
	out := make([]map[string]any, 0, len(t.users))
	for _, u := range t.users {
		out = append(out, map[string]any{"id": u.ID, "email": u.Email, "fullname": u.Fullname(),
			"inactive": u.Inactive, "is_active": !u.Invited, "is_admin": u.Admin})
	}
	t.mu.Unlock()
	togglJSON(w, out)
}

// serveWorkspaceUsers answers like Toggl's WorkspaceUser model
// (engineering.toggl.com/docs/api/workspaces): id is the workspace-user id,
// uid / user_id the user's id (the one on time entries); "active" says the
// invitation was accepted and "inactive" that the member was deactivated.
func (t *Toggl) serveWorkspaceUsers(w http.ResponseWriter, _ *http.Request) {
	t.mu.Lock()
	out := make([]map[string]any, 0, len(t.users))
	for i, u := range t.users {
		out = append(out, map[string]any{"id": 7_000_000 + i, "uid": u.ID, "user_id": u.ID, "wid": t.opts.WorkspaceID,
			"workspace_id": t.opts.WorkspaceID, "email": u.Email, "name": u.Fullname(), "timezone": u.Timezone,
			"active": !u.Invited, "inactive": u.Inactive, "admin": u.Admin, "role": "user", "rate": nil,
			"working_hours_in_minutes": 480})
	}
	t.mu.Unlock()
	togglJSON(w, out)
}

func (t *Toggl) serveProjects(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if page <= 0 {
		page = 1
	}
	if per <= 0 || per > 200 {
		per = 151
	}
	t.mu.Lock()
	from := min((page-1)*per, len(t.projects))
	to := min(from+per, len(t.projects))
	out := make([]map[string]any, 0, to-from)
	for _, p := range t.projects[from:to] {
		var client any
		if p.ClientID != 0 {
			client = p.ClientID
		}
		out = append(out, map[string]any{"id": p.ID, "workspace_id": t.opts.WorkspaceID, "name": p.Name,
			"client_id": client, "active": p.Active, "billable": p.Billable})
	}
	t.mu.Unlock()
	togglJSON(w, out)
}

func (t *Toggl) serveClients(w http.ResponseWriter, _ *http.Request) {
	t.mu.Lock()
	out := make([]map[string]any, 0, len(t.clients))
	for _, c := range t.clients {
		out = append(out, map[string]any{"id": c.ID, "wid": t.opts.WorkspaceID, "name": c.Name, "archived": false})
	}
	t.mu.Unlock()
	togglJSON(w, out)
}

func (t *Toggl) serveTags(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		t.mu.Lock()
		out := make([]map[string]any, 0, len(t.tags))
		for name, id := range t.tags {
			out = append(out, map[string]any{"id": id, "workspace_id": t.opts.WorkspaceID, "name": name})
		}
		t.mu.Unlock()
		togglJSON(w, out)
	case http.MethodPost:
		var body struct {
			Name string `json:"name"`
		}
		raw, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<16))
		if err := json.Unmarshal(raw, &body); err != nil || strings.TrimSpace(body.Name) == "" {
			togglError(w, http.StatusBadRequest, "tag name must be set")
			return
		}
		t.mu.Lock()
		_, exists := t.tags[body.Name]
		id := t.tagIDLocked(body.Name)
		status := http.StatusOK
		if exists {
			status = http.StatusBadRequest
		}
		t.writes = append(t.writes, TogglWrite{Method: "POST", Tags: []string{body.Name}, Body: string(raw), Status: status})
		t.mu.Unlock()
		if exists {
			togglError(w, http.StatusBadRequest, "Tag already exists")
			return
		}
		togglJSON(w, map[string]any{"id": id, "workspace_id": t.opts.WorkspaceID, "name": body.Name,
			"at": t.opts.Now().UTC().Format(time.RFC3339)})
	default:
		togglError(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// servePut handles PUT time_entries/{id}: tags with tag_action, project_id
// and billable (Toggl's PUT body takes each as optional, engineering.toggl.com
// docs/api/time_entries "PUT TimeEntries").
func (t *Toggl) servePut(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], 10, 64)
	if err != nil {
		togglError(w, http.StatusBadRequest, "invalid time entry id")
		return
	}
	raw, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<16))
	var body struct {
		Tags      []string `json:"tags"`
		TagAction string   `json:"tag_action"`
		ProjectID *int64   `json:"project_id"`
		Billable  *bool    `json:"billable"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		togglError(w, http.StatusBadRequest, "invalid JSON body")
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := TogglWrite{Method: "PUT", EntryIDs: []int64{id}, Tags: body.Tags, TagAction: body.TagAction,
		Billable: body.Billable, Body: string(raw)}
	i, ok := t.entryIdx[id]
	if !ok || t.entries[i].deleted {
		rec.Status = http.StatusNotFound
		t.writes = append(t.writes, rec)
		togglError(w, http.StatusNotFound, "Time entry not found")
		return
	}
	if body.ProjectID != nil {
		rec.ProjectID = *body.ProjectID
	}
	if body.TagAction != "" && body.TagAction != "add" && body.TagAction != "delete" {
		rec.Status = http.StatusBadRequest
		t.writes = append(t.writes, rec)
		togglError(w, http.StatusBadRequest, "tag_action must be add or delete")
		return
	}
	t.applyTagsLocked(i, body.Tags, body.TagAction)
	if body.ProjectID != nil {
		t.entries[i].project = *body.ProjectID
	}
	if body.Billable != nil {
		t.entries[i].billable = *body.Billable
	}
	t.entries[i].at = t.nextAtLocked()
	t.version++
	rec.Status = http.StatusOK
	t.writes = append(t.writes, rec)
	e := t.entryLocked(i)
	togglJSON(w, t.v9EntryLocked(e))
}

// applyTagsLocked adds, deletes or (no action) replaces an entry's tags.
func (t *Toggl) applyTagsLocked(i int32, names []string, action string) {
	if names == nil && action == "" {
		return
	}
	e := &t.entries[i]
	ids := make([]int64, 0, len(names))
	for _, n := range names {
		ids = append(ids, t.tagIDLocked(n))
	}
	switch action {
	case "add":
		for _, id := range ids {
			if !slices.Contains(e.tags, id) {
				e.tags = append(slices.Clip(e.tags), id)
			}
		}
	case "delete":
		e.tags = slices.DeleteFunc(slices.Clone(e.tags), func(id int64) bool { return slices.Contains(ids, id) })
	default:
		e.tags = ids
	}
}

func (t *Toggl) v9EntryLocked(e TogglEntry) map[string]any {
	var stop any
	if e.Seconds >= 0 {
		stop = e.Start.Add(time.Duration(e.Seconds) * time.Second).Format(time.RFC3339)
	}
	var project any
	if e.ProjectID != 0 {
		project = e.ProjectID
	}
	tags := []string{}
	for _, id := range e.TagIDs {
		tags = append(tags, t.tagNames[id])
	}
	return map[string]any{"id": e.ID, "workspace_id": t.opts.WorkspaceID, "project_id": project,
		"user_id": e.UserID, "billable": e.Billable, "start": e.Start.Format(time.RFC3339), "stop": stop,
		"duration": e.Seconds, "description": e.Description, "tags": tags, "tag_ids": e.TagIDs,
		"at": e.At.Format(time.RFC3339)}
}

// servePatch handles the bulk PATCH time_entries/{id1,…}: a JSON-patch
// array applied per entry, partial success without rollback (Toggl:
// "RFC 6902 and RFC 6901 with some additions. Patch will be executed
// partially when there are errors with some records. No transaction, no
// rollback"; at most 100 ids). A malformed patch document — an operation
// other than add, remove or replace, a path that is not a time-entry field
// the fake implements, a value of the wrong type — is refused as a whole
// with 400 before any entry changes (RFC 6902 section 5: an invalid
// document is not applied), so a caller cannot believe a field was written
// when it was dropped.
func (t *Toggl) servePatch(w http.ResponseWriter, r *http.Request) {
	list := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	var ids []int64
	for _, s := range strings.Split(list, ",") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			togglError(w, http.StatusBadRequest, "invalid time entry ids")
			return
		}
		ids = append(ids, id)
	}
	if len(ids) > 100 {
		togglError(w, http.StatusBadRequest, "at most 100 time entries can be updated at once")
		return
	}
	raw, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	ops, msg := parseTogglPatch(raw)
	if msg != "" {
		t.mu.Lock()
		t.writes = append(t.writes, TogglWrite{Method: "PATCH", EntryIDs: ids, Body: string(raw), Status: http.StatusBadRequest})
		t.mu.Unlock()
		togglError(w, http.StatusBadRequest, msg)
		return
	}
	type failure struct {
		ID      int64  `json:"id"`
		Message string `json:"message"`
	}
	res := struct {
		Success []int64   `json:"success"`
		Failure []failure `json:"failure"`
	}{Success: []int64{}, Failure: []failure{}}
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := TogglWrite{Method: "PATCH", EntryIDs: ids, Body: string(raw), Status: http.StatusOK}
	for _, op := range ops {
		switch op.path {
		case "/tags":
			rec.Tags, rec.TagAction = op.tags, op.op
		case "/project_id":
			rec.ProjectID = op.project
		case "/billable":
			b := op.billable
			rec.Billable = &b
		}
	}
	for _, id := range ids {
		if msg, bad := t.failPatch[id]; bad {
			res.Failure = append(res.Failure, failure{id, msg})
			rec.Failed = append(rec.Failed, id)
			continue
		}
		i, ok := t.entryIdx[id]
		if !ok || t.entries[i].deleted {
			res.Failure = append(res.Failure, failure{id, "Time entry not found"})
			rec.Failed = append(rec.Failed, id)
			continue
		}
		for _, op := range ops {
			switch op.path {
			case "/tags":
				action := map[string]string{"add": "add", "remove": "delete", "replace": ""}[op.op]
				t.applyTagsLocked(i, op.tags, action)
			case "/project_id":
				t.entries[i].project = op.project
			case "/billable":
				t.entries[i].billable = op.billable
			}
		}
		t.entries[i].at = t.nextAtLocked()
		res.Success = append(res.Success, id)
	}
	t.version++
	t.writes = append(t.writes, rec)
	togglJSON(w, res)
}

// togglPatchOp is one validated operation of a bulk PATCH.
type togglPatchOp struct {
	op, path string
	tags     []string // /tags
	project  int64    // /project_id; 0 after remove
	billable bool     // /billable
}

// parseTogglPatch validates a bulk PATCH body, or returns why Toggl would
// refuse it.
func parseTogglPatch(raw []byte) ([]togglPatchOp, string) {
	var items []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
		return nil, "body must be a JSON patch array"
	}
	ops := make([]togglPatchOp, 0, len(items))
	for _, it := range items {
		op := togglPatchOp{op: it.Op, path: it.Path}
		if it.Op != "add" && it.Op != "remove" && it.Op != "replace" {
			return nil, fmt.Sprintf("invalid patch operation %q: use add, remove or replace", it.Op)
		}
		hasValue := len(it.Value) > 0 && string(it.Value) != "null"
		var err error
		switch it.Path {
		case "/tags":
			if !hasValue {
				return nil, "/tags needs a list of tag names"
			}
			err = json.Unmarshal(it.Value, &op.tags)
		case "/project_id":
			switch {
			case it.Op == "remove":
			case !hasValue:
				return nil, "/project_id needs a project id"
			default:
				err = json.Unmarshal(it.Value, &op.project)
			}
		case "/billable":
			if it.Op == "remove" || !hasValue {
				return nil, "/billable needs true or false"
			}
			err = json.Unmarshal(it.Value, &op.billable)
		default:
			return nil, fmt.Sprintf("invalid patch path %q", it.Path)
		}
		if err != nil {
			return nil, fmt.Sprintf("invalid value for %s: %s", it.Path, string(it.Value))
		}
		ops = append(ops, op)
	}
	return ops, ""
}
