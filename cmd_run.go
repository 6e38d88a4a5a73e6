package main

import (
	"context"
	"errors"

	"github.com/tallyhq/tally/config"
)

// PLACEHOLDER: replaced by the real implementation before landing.
func runCommand() command {
	return command{name: "run", usage: "run", summary: "(being built)", need: config.Need{},
		run: func(ctx context.Context, e *env, args []string) error { return errors.New("run: not built yet") }}
}
