package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/model"
)

func remindCommand() command {
	return command{
		name:    "remind",
		usage:   "remind [--week W] [--dry-run] [--only EMAIL]",
		summary: "send the weekly reminder DMs now (each person once per week); --dry-run lists who and why",
		need:    config.Need{Slack: true, Database: true},
		run:     runRemind,
	}
}

func runRemind(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("remind", flag.ContinueOnError)
	weekS := fs.String("week", "", "any date of the week to remind about (default: the current week in DEFAULT_TZ)")
	dry := fs.Bool("dry-run", false, "print who would be reminded and why, send nothing")
	only := fs.String("only", "", "remind just the employee with this work email")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	week := model.WeekOf(time.Now().In(e.cfg.DefaultLocation))
	if *weekS != "" {
		w, err := model.ParseWeek(*weekS)
		if err != nil {
			return usageError{"remind: --week: " + err.Error()}
		}
		week = w
	}
	req := app.RemindRequest{Week: week, Only: strings.TrimSpace(*only)}
	if *dry {
		plan, err := app.RemindPlan(ctx, e.cfg, e.log, req)
		if err != nil {
			return err
		}
		printRemindPlan(e, week, plan)
		return nil
	}
	progress, finish := remindProgress(e)
	req.Progress = progress
	res, err := app.Remind(ctx, e.cfg, e.log, req)
	finish()
	fmt.Fprintf(e.stdout, "week %s: %d sent, %d skipped, %d failed, %d left for a retry, %d recovered\n",
		week, res.Sent, res.Skipped, res.Failed, res.Pending, res.Recovered)
	return err
}

func printRemindPlan(e *env, week model.Week, plan []app.RemindPlanItem) {
	counts := map[app.RemindAction]int{}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PERSON\tEMAIL\tTIME ZONE\tDUE (LOCAL)\tACTION\tWHY")
	badZones := map[string]bool{}
	for _, it := range plan {
		counts[it.Action]++
		loc, err := model.Location(it.TZ, time.UTC)
		if err != nil && !badZones[it.TZ] {
			badZones[it.TZ] = true
			e.log.Warn("due times of an unknown time zone shown in UTC", zap.String("tz", it.TZ), zap.Error(err))
		}
		why := it.Reason
		if it.Action == app.RemindSend && why == "" {
			why = "week has open items or nothing logged"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", it.Name, it.Email, it.TZ,
			it.DueAt.In(loc).Format("Mon 2 Jan 15:04"), it.Action, why)
	}
	_ = tw.Flush()
	fmt.Fprintf(e.stdout, "week %s: %d would be reminded, %d skipped, %d already done (dry run: nothing sent)\n",
		week, counts[app.RemindSend], counts[app.RemindSkip], counts[app.RemindDone])
}

// remindProgress shows a bar on a terminal and a line every 100 people
// (and at the end) otherwise.
func remindProgress(e *env) (func(app.RemindProgress), func()) {
	var (
		mu  sync.Mutex
		bar *progressbar.ProgressBar
	)
	update := func(p app.RemindProgress) {
		mu.Lock()
		defer mu.Unlock()
		if !e.terminal {
			if p.Done%100 == 0 || p.Done == p.Total {
				fmt.Fprintf(e.stdout, "reminders: %d/%d handled (%d sent, %d skipped, %d failed)\n",
					p.Done, p.Total, p.Sent, p.Skipped, p.Failed)
			}
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(e.stderr),
				progressbar.OptionSetDescription("reminding"), progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionShowIts(), progressbar.OptionSetItsString("people"))
		}
		bar.Describe(fmt.Sprintf("reminding: %d sent, %d skipped, %d failed", p.Sent, p.Skipped, p.Failed))
		_ = bar.Set(p.Done)
	}
	finish := func() {
		mu.Lock()
		defer mu.Unlock()
		if bar != nil {
			_ = bar.Finish()
			fmt.Fprintln(e.stderr)
		}
	}
	return update, finish
}
