package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/tallyhq/tally/config"
)

func versionCommand() command {
	return command{
		name:    "version",
		usage:   "version",
		summary: "print the version",
		need:    config.Need{},
		run: func(ctx context.Context, e *env, args []string) error {
			fmt.Fprintf(e.stdout, "tally %s (%s)\n", version, runtime.Version())
			return nil
		},
	}
}
