package main

import (
	"context"
	"errors"

	"github.com/tallyhq/tally/config"
)

// PLACEHOLDER: replaced by the real implementation before landing.
func demoCommand() command {
	return command{name: "demo", usage: "demo", summary: "(being built)", need: config.Need{},
		run: func(ctx context.Context, e *env, args []string) error { return errors.New("demo: not built yet") }}
}
