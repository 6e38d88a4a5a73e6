package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/tallyhq/tally/config"
)

// demoOptions are `tally demo`'s flags.
type demoOptions struct {
	people   int
	seed     uint64
	serve    bool
	addr     string
	database string
	verbose  bool
}

func demoCommand() command {
	return command{
		name:    "demo",
		usage:   "demo [--people N] [--serve] [--addr HOST:PORT]",
		summary: "run the whole product against the built-in sandbox with a seeded organisation",
		need:    config.Need{Database: true},
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flag.NewFlagSet("demo", flag.ContinueOnError)
			var o demoOptions
			fs.IntVar(&o.people, "people", 120, "developers in the seeded organisation")
			fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated organisation and week")
			fs.BoolVar(&o.serve, "serve", false, "keep the sandbox running afterwards and serve a read-only preview of what Slack shows")
			fs.StringVar(&o.addr, "addr", "127.0.0.1:8088", "address of the --serve preview page")
			fs.StringVar(&o.database, "database", "tally_demo", "database (re)created for the demo on DATABASE_URL's server")
			fs.BoolVar(&o.verbose, "verbose", false, "show tally's own log lines")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if o.people < 10 || o.people > 20000 {
				return usageError{fmt.Sprintf("demo: --people %d must be between 10 and 20000", o.people)}
			}
			return runDemo(ctx, e, o)
		},
	}
}
