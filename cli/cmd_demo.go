package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/demo"
)

func demoCommand() command {
	return command{
		name:    "demo",
		usage:   "demo [--people N] [--serve] [--addr HOST:PORT]",
		summary: "run the whole product against the built-in sandbox with a seeded organisation",
		need:    config.Need{Database: true},
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flag.NewFlagSet("demo", flag.ContinueOnError)
			var o demo.Options
			fs.IntVar(&o.People, "people", 120, "developers in the seeded organisation")
			fs.Uint64Var(&o.Seed, "seed", 1, "seed of the generated organisation and week")
			fs.BoolVar(&o.Serve, "serve", false, "keep the sandbox running afterwards and serve a read-only preview of what Slack shows")
			fs.StringVar(&o.Addr, "addr", "127.0.0.1:8088", "address of the --serve preview page")
			fs.StringVar(&o.Database, "database", "tally_demo", "database (re)created for the demo on DATABASE_URL's server")
			verbose := fs.Bool("verbose", false, "show tally's own log lines")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if o.People < 10 || o.People > 20000 {
				return usageError{fmt.Sprintf("demo: --people %d must be between 10 and 20000", o.People)}
			}
			if err := demo.CheckDatabase(e.cfg.DatabaseURL, o.Database); err != nil {
				return usageError{"demo: " + err.Error()}
			}
			// The demo's output is for people: console logs, warnings and
			// errors only unless --verbose (a demo that hid them would lie).
			lc := e.cfg
			lc.LogFormat, lc.LogLevel = "console", "warn"
			if *verbose {
				lc.LogLevel = "debug"
			}
			log, err := newLogger(lc, e.stderr)
			if err != nil {
				return err
			}
			o.DatabaseURL, o.RedisURL, o.Out, o.Log = e.cfg.DatabaseURL, e.cfg.RedisURL, e.stdout, log
			return demo.Run(ctx, o)
		},
	}
}
