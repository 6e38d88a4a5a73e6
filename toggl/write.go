package toggl

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// MaxBulkIDs is the most entry ids one bulk PATCH accepts.
const MaxBulkIDs = 100

// EntryUpdate is the body of a single-entry PUT: tags with a tag_action
// ("add" keeps other tags, "delete" removes), or a project.
type EntryUpdate struct {
	Tags      []string `json:"tags,omitempty"`
	TagAction string   `json:"tag_action,omitempty"`
	ProjectID *int64   `json:"project_id,omitempty"`
}

// UpdateTimeEntry sends PUT api/v9/workspaces/{wid}/time_entries/{id}.
// Adding or deleting a tag twice leaves the same entry, so it is idempotent.
func (c *Client) UpdateTimeEntry(ctx context.Context, id int64, u EntryUpdate) error {
	if _, err := c.do(ctx, "PUT", fmt.Sprintf("api/v9/workspaces/%d/time_entries/%d", c.wid, id), u); err != nil {
		return fmt.Errorf("update entry %d: %w", id, err)
	}
	return nil
}

// PatchOp is one JSON-patch operation of a bulk PATCH.
type PatchOp struct {
	Op    string `json:"op"` // add, remove, replace
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// BulkFailure is one id a bulk PATCH did not change, with Toggl's reason.
type BulkFailure struct {
	ID      int64  `json:"id"`
	Message string `json:"message"`
}

// BulkResult is a bulk PATCH's partial outcome: no rollback on failure.
type BulkResult struct {
	Success []int64       `json:"success"`
	Failure []BulkFailure `json:"failure"`
}

// PatchTimeEntries sends PATCH api/v9/workspaces/{wid}/time_entries/{ids}
// for at most MaxBulkIDs ids.
func (c *Client) PatchTimeEntries(ctx context.Context, ids []int64, ops []PatchOp) (BulkResult, error) {
	if len(ids) == 0 {
		return BulkResult{}, nil
	}
	if len(ids) > MaxBulkIDs {
		return BulkResult{}, fmt.Errorf("bulk patch of %d entries: at most %d", len(ids), MaxBulkIDs)
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	res, err := c.do(ctx, "PATCH", fmt.Sprintf("api/v9/workspaces/%d/time_entries/%s", c.wid, strings.Join(parts, ",")), ops)
	if err != nil {
		return BulkResult{}, fmt.Errorf("bulk patch %d entries: %w", len(ids), err)
	}
	var out BulkResult
	if err := json.Unmarshal(res.body, &out); err != nil {
		return BulkResult{}, fmt.Errorf("decode bulk patch result: %w", err)
	}
	return out, nil
}

// AddTagsOps is the JSON patch that adds tags to entries, keeping others.
func AddTagsOps(tags ...string) []PatchOp {
	return []PatchOp{{Op: "add", Path: "/tags", Value: tags}}
}

// CreateTag sends POST api/v9/workspaces/{wid}/tags. A tag that already
// exists (400) is not an error.
func (c *Client) CreateTag(ctx context.Context, name string) error {
	_, err := c.do(ctx, "POST", fmt.Sprintf("api/v9/workspaces/%d/tags", c.wid), map[string]string{"name": name})
	var se *StatusError
	if err != nil && !(asStatus(err, &se) && se.Status == 400) {
		return fmt.Errorf("create tag: %w", err)
	}
	return nil
}
