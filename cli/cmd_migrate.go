package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/config"
)

func migrateCommand() command {
	return command{
		name:    "migrate",
		usage:   "migrate",
		summary: "apply the embedded database migrations (tally run also does this at start)",
		need:    config.Need{Database: true},
		run: func(ctx context.Context, e *env, args []string) error {
			if err := parseFlags(flag.NewFlagSet("migrate", flag.ContinueOnError), args); err != nil {
				return err
			}
			res, err := app.Migrate(ctx, e.cfg)
			if err != nil {
				return err
			}
			if len(res.Applied) == 0 {
				fmt.Fprintf(e.stdout, "schema is up to date at version %d\n", res.Version)
				return nil
			}
			fmt.Fprintf(e.stdout, "applied %d migration(s); schema now at version %d\n", len(res.Applied), res.Version)
			return nil
		},
	}
}
