// Command tally is a Slack-first bot that makes an engineering organisation's
// hours billable and trustworthy. See README.md; the command line is package
// cli, the wiring package app.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tallyhq/tally/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode(err, os.Stderr))
}
