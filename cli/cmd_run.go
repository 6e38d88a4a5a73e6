package cli

import (
	"context"
	"flag"
	"strings"

	"go.uber.org/zap"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/config"
)

func runCommand() command {
	return command{
		name:    "run",
		usage:   "run",
		summary: "run the bot: Socket Mode, webhook listener, scheduler and admin endpoints",
		need:    config.All,
		run: func(ctx context.Context, e *env, args []string) error {
			if err := parseFlags(flag.NewFlagSet("run", flag.ContinueOnError), args); err != nil {
				return err
			}
			e.log.Info("starting tally", zap.String("version", version), zap.Strings("config", strings.Split(strings.TrimSpace(e.cfg.String()), "\n")))
			a, err := app.New(ctx, e.cfg, e.log)
			if err != nil {
				return err
			}
			return a.Run(ctx)
		},
	}
}
