package sandbox

import (
	"encoding/json"
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

// servePut handles PUT time_entries/{id}: tags with tag_action, or project_id.
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
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		togglError(w, http.StatusBadRequest, "invalid JSON body")
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := TogglWrite{Method: "PUT", EntryIDs: []int64{id}, Tags: body.Tags, TagAction: body.TagAction, Body: string(raw)}
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

// servePatch handles the bulk PATCH time_entries/{id1,id2,…}: a JSON-patch
// array applied per entry, partial success without rollback.
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
	var ops []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &ops); err != nil || len(ops) == 0 {
		togglError(w, http.StatusBadRequest, "body must be a JSON patch array")
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
			switch op.Path {
			case "/tags":
				var names []string
				_ = json.Unmarshal(op.Value, &names)
				action := map[string]string{"add": "add", "remove": "delete", "replace": ""}[op.Op]
				t.applyTagsLocked(i, names, action)
				rec.Tags, rec.TagAction = names, op.Op
			case "/project_id":
				var p int64
				_ = json.Unmarshal(op.Value, &p)
				t.entries[i].project = p
				rec.ProjectID = p
			}
		}
		t.entries[i].at = t.nextAtLocked()
		res.Success = append(res.Success, id)
	}
	t.version++
	t.writes = append(t.writes, rec)
	togglJSON(w, res)
}
