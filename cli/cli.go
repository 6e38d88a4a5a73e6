// Package cli is tally's command line: subcommands, flags, usage and
// configuration errors, exit codes, help text and the process logger. It
// builds nothing itself: package app builds the components a subcommand
// needs (and package demo runs the walk-through); cli parses, calls and
// prints.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"
	"golang.org/x/term"

	"github.com/tallyhq/tally/cache"
	"github.com/tallyhq/tally/config"
)

// version is set at build time with
// -ldflags "-X github.com/tallyhq/tally/cli.version=…".
var version = "dev"

// command is one `tally` subcommand. Each lives in its own cmd_*.go file.
type command struct {
	name    string
	usage   string // e.g. "sync [--from DATE --to DATE] [--full] [--status]"
	summary string
	need    config.Need
	run     func(ctx context.Context, e *env, args []string) error
}

// env is what every subcommand gets: the validated configuration, a logger
// and the output streams.
type env struct {
	cfg      config.Config
	log      *zap.Logger
	stdout   io.Writer
	stderr   io.Writer
	terminal bool // stdout is a terminal: progress bars instead of log lines
}

func subcommands() []command {
	return []command{
		runCommand(),
		syncCommand(),
		rosterCommand(),
		remindCommand(),
		exportCommand(),
		migrateCommand(),
		demoCommand(),
		manifestCommand(),
		versionCommand(),
	}
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// configError is an invalid configuration: exit code 2, one line per problem.
type configError struct{ errs config.Errors }

func (c configError) Error() string { return strings.Join(c.errs, "\n") }

// Run parses args, loads the configuration a subcommand needs through
// lookup (like os.LookupEnv) and runs it, writing its output to stdout and
// logs to stderr. main calls it, then ExitCode with the error.
func Run(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		return nil
	}
	var cmd *command
	for _, c := range subcommands() {
		if c.name == args[0] {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		return usageError{fmt.Sprintf("unknown command %q; run `tally help`", args[0])}
	}
	cfg, err := config.Load(lookup, cmd.need)
	if err != nil {
		var ce config.Errors
		if errors.As(err, &ce) {
			return configError{ce}
		}
		return err
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	cache.RouteRedisLogs(log)
	e := &env{cfg: cfg, log: log, stdout: stdout, stderr: stderr, terminal: isTerminal(stdout)}
	return cmd.run(ctx, e, args[1:])
}

// parseFlags parses a subcommand's flags, turning mistakes into usageErrors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ExitCode prints err the way a CLI user wants to read it and returns the
// process exit code: 0 ok, 2 usage or configuration, 130 interrupted, 1
// anything else.
func ExitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ue usageError
	var ce configError
	switch {
	case errors.As(err, &ce):
		for _, p := range ce.errs {
			fmt.Fprintf(stderr, "config: %s\n", p)
		}
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "tally: %s\n", ue.msg)
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	}
	fmt.Fprintf(stderr, "tally: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
	return 1
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "tally — Slack-first timesheet confirmation for Toggl Track and BambooHR")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: tally <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range subcommands() {
		fmt.Fprintf(w, "  %-50s %s\n", c.usage, c.summary)
	}
	fmt.Fprintf(w, "  %-50s %s\n", "help", "this text")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Environment (default in brackets; * marks a secret, never printed):")
	for _, v := range config.Vars {
		star := " "
		if v.Secret {
			star = "*"
		}
		def := ""
		if v.Default != "" {
			def = " [" + v.Default + "]"
		}
		fmt.Fprintf(w, " %s%-30s %s%s\n", star, v.Name, v.Help, def)
	}
}
