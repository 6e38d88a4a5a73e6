package main

import (
	"context"
	"errors"

	"github.com/tallyhq/tally/config"
)

// PLACEHOLDER: replaced by the real implementation before landing.
func remindCommand() command {
	return command{name: "remind", usage: "remind", summary: "(being built)", need: config.Need{},
		run: func(ctx context.Context, e *env, args []string) error { return errors.New("remind: not built yet") }}
}
