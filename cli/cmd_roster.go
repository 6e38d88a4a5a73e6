package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/config"
)

func rosterCommand() command {
	return command{
		name:    "roster",
		usage:   "roster [--list]",
		summary: "reconcile employees with BambooHR, Slack and Toggl and list roster problems (--list: only list)",
		need:    config.Need{Bamboo: true, Database: true, Slack: true},
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flag.NewFlagSet("roster", flag.ContinueOnError)
			listOnly := fs.Bool("list", false, "only list the open roster problems")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if !*listOnly {
				rep, err := app.ReconcileRoster(ctx, e.cfg, e.log)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "reconciled %d employees: %d created, %d updated, %d deleted, %d rate changes, %d Slack and %d Toggl identities changed (%s)\n",
					rep.Employees, rep.Created, rep.Updated, rep.Deleted, rep.RatesWritten, rep.SlackChanged, rep.TogglChanged, rep.Duration.Round(1e6))
			}
			problems, err := app.RosterProblems(ctx, e.cfg)
			if err != nil {
				return err
			}
			if len(problems) == 0 {
				fmt.Fprintln(e.stdout, "no roster problems")
				return nil
			}
			fmt.Fprintf(e.stdout, "%d roster problem(s):\n", len(problems))
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tBAMBOOHR ID\tNAME\tEMAIL\tDETAIL\tSINCE")
			for _, p := range problems {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Kind, p.Subject, p.EmployeeName, p.Email, p.Detail, p.FirstSeen.Format("2006-01-02"))
			}
			return tw.Flush()
		},
	}
}
