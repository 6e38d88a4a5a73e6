package toggl

import (
	"go.uber.org/zap"

	"github.com/tallyhq/tally/config"
)

// ClientFromConfig builds the client from TOGGL_API_URL, TOGGL_API_TOKEN,
// TOGGL_WORKSPACE_ID and TOGGL_REQUESTS_PER_SECOND.
func ClientFromConfig(cfg config.Config, log *zap.Logger) (*Client, error) {
	return NewClient(Options{
		BaseURL:        cfg.TogglAPIURL,
		Token:          cfg.TogglAPIToken,
		WorkspaceID:    cfg.TogglWorkspaceID,
		RequestsPerSec: cfg.TogglRequestsPerSec,
		Logger:         log,
	})
}
