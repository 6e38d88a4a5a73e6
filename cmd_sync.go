package main

import (
	"context"
	"errors"

	"github.com/tallyhq/tally/config"
)

// PLACEHOLDER: replaced by the real implementation before landing.
func syncCommand() command {
	return command{name: "sync", usage: "sync", summary: "(being built)", need: config.Need{},
		run: func(ctx context.Context, e *env, args []string) error { return errors.New("sync: not built yet") }}
}
