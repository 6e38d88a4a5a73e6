package main

import (
	"context"
	"errors"

	"github.com/tallyhq/tally/config"
)

// PLACEHOLDER: replaced by the real implementation before landing.
func rosterCommand() command {
	return command{name: "roster", usage: "roster", summary: "(being built)", need: config.Need{},
		run: func(ctx context.Context, e *env, args []string) error { return errors.New("roster: not built yet") }}
}
