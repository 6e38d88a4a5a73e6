package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/tallyhq/tally/bot"
	"github.com/tallyhq/tally/config"
)

func manifestCommand() command {
	return command{
		name:    "manifest",
		usage:   "manifest",
		summary: "print the Slack app manifest (YAML) to create the app from",
		need:    config.Need{},
		run: func(ctx context.Context, e *env, args []string) error {
			if err := parseFlags(flag.NewFlagSet("manifest", flag.ContinueOnError), args); err != nil {
				return err
			}
			_, err := fmt.Fprint(e.stdout, bot.Manifest())
			return err
		},
	}
}
