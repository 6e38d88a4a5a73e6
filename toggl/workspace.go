package toggl

import (
	"context"
	"encoding/json"
	"fmt"
)

// User is a member of the workspace. ID equals user_id on entries.
type User struct {
	ID       int64
	Email    string
	Fullname string
	// Active is false only for a member the workspace deactivated
	// (Toggl's "inactive"). A pending invitation is still a member.
	Active   bool
	Timezone string
}

// workspaceUser decodes both readings of workspace_users: id may be the
// workspace-user id with the user's id in user_id (or uid), or the user's id.
// Toggl's "active" (and /users' "is_active") say whether the invitation was
// accepted, not whether the person still works here; only "inactive" says a
// member was deactivated (engineering.toggl.com/docs/api/workspaces), so the
// other two are deliberately not read.
type workspaceUser struct {
	ID       int64  `json:"id"`
	UserID   int64  `json:"user_id"`
	UID      int64  `json:"uid"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Fullname string `json:"fullname"`
	Timezone string `json:"timezone"`
	Inactive bool   `json:"inactive"`
}

// WorkspaceUsers lists GET api/v9/workspaces/{wid}/workspace_users.
func (c *Client) WorkspaceUsers(ctx context.Context) ([]User, error) {
	res, err := c.do(ctx, "GET", fmt.Sprintf("api/v9/workspaces/%d/workspace_users", c.wid), nil)
	if err != nil {
		return nil, fmt.Errorf("workspace users: %w", err)
	}
	var raw []workspaceUser
	if err := json.Unmarshal(res.body, &raw); err != nil {
		return nil, fmt.Errorf("decode workspace users: %w", err)
	}
	out := make([]User, 0, len(raw))
	for _, w := range raw {
		u := User{ID: w.ID, Email: w.Email, Fullname: w.Fullname, Timezone: w.Timezone, Active: !w.Inactive}
		switch {
		case w.UserID != 0:
			u.ID = w.UserID
		case w.UID != 0:
			u.ID = w.UID
		}
		if u.Fullname == "" {
			u.Fullname = w.Name
		}
		out = append(out, u)
	}
	return out, nil
}

// Project is a workspace project with its client's name filled in by
// ProjectsWithClients.
type Project struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	ClientID   *int64 `json:"client_id"`
	Active     bool   `json:"active"`
	Billable   bool   `json:"billable"`
	ClientName string `json:"-"`
}

// projectsPerPage is Toggl's largest per_page for projects.
const projectsPerPage = 200

// Projects lists GET api/v9/workspaces/{wid}/projects, every page.
func (c *Client) Projects(ctx context.Context) ([]Project, error) {
	var out []Project
	for page := 1; ; page++ {
		path := fmt.Sprintf("api/v9/workspaces/%d/projects?active=both&page=%d&per_page=%d", c.wid, page, projectsPerPage)
		res, err := c.do(ctx, "GET", path, nil)
		if err != nil {
			return nil, fmt.Errorf("projects page %d: %w", page, err)
		}
		var batch []Project
		if err := json.Unmarshal(res.body, &batch); err != nil {
			return nil, fmt.Errorf("decode projects page %d: %w", page, err)
		}
		out = append(out, batch...)
		if len(batch) < projectsPerPage {
			return out, nil
		}
	}
}

// ClientInfo is a Toggl client (the customer a project is billed to).
type ClientInfo struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Clients lists GET api/v9/workspaces/{wid}/clients.
func (c *Client) Clients(ctx context.Context) ([]ClientInfo, error) {
	res, err := c.do(ctx, "GET", fmt.Sprintf("api/v9/workspaces/%d/clients?status=both", c.wid), nil)
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	var out []ClientInfo
	if err := json.Unmarshal(res.body, &out); err != nil {
		return nil, fmt.Errorf("decode clients: %w", err)
	}
	return out, nil
}

// ProjectsWithClients lists projects with ClientName filled from Clients.
func (c *Client) ProjectsWithClients(ctx context.Context) ([]Project, error) {
	projects, err := c.Projects(ctx)
	if err != nil {
		return nil, err
	}
	clients, err := c.Clients(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(clients))
	for _, cl := range clients {
		names[cl.ID] = cl.Name
	}
	for i := range projects {
		if projects[i].ClientID != nil {
			projects[i].ClientName = names[*projects[i].ClientID]
		}
	}
	return projects, nil
}
