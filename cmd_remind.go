package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/cache"
	"github.com/tallyhq/tally/commands"
	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/remind"
	"github.com/tallyhq/tally/storage"
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
	defTZ, _ := time.LoadLocation(e.cfg.DefaultTZ)
	week := model.WeekOf(time.Now().In(defTZ))
	if *weekS != "" {
		w, err := model.ParseWeek(*weekS)
		if err != nil {
			return usageError{"remind: --week: " + err.Error()}
		}
		week = w
	}
	db, err := e.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	eng, err := newRemindEngine(ctx, e.cfg, e.log, db, nil)
	if err != nil {
		return err
	}
	req := remind.Request{Kind: remind.Weekly, Week: &week, Only: strings.TrimSpace(*only)}
	if *dry {
		plan, err := eng.Plan(ctx, req)
		if err != nil {
			return err
		}
		printRemindPlan(e, week, plan)
		return nil
	}
	progress, finish := remindProgress(e)
	req.Progress = progress
	res, err := eng.Run(ctx, req)
	finish()
	fmt.Fprintf(e.stdout, "week %s: %d sent, %d skipped, %d failed, %d left for a retry, %d recovered\n",
		week, res.Sent, res.Skipped, res.Failed, res.Pending, res.Recovered)
	return err
}

// newRemindEngine builds the reminder engine for the CLI.
func newRemindEngine(ctx context.Context, cfg config.Config, log *zap.Logger, db *storage.DB, reg prometheus.Registerer) (*remind.Engine, error) {
	defTZ, _ := time.LoadLocation(cfg.DefaultTZ)
	c, err := cache.New("", log, nil)
	if err != nil {
		return nil, err
	}
	store := readModel{DB: db, employees: cache.NewEmployees(c, db, 5*time.Minute)}
	h := commands.New(commands.Options{Store: store, Logger: log, DefaultTZ: defTZ})
	deps := remindDeps{db: db, weeks: h, api: newSlackClient(cfg, 0), log: log, reg: reg, now: time.Now}
	if cfg.BambooAPIKey != "" && cfg.BambooAPIURL != "" {
		if deps.bamboo, err = bamboo.NewClient(cfg.BambooAPIURL, cfg.BambooAPIKey, bamboo.ClientOptions{Logger: log}); err != nil {
			return nil, err
		}
	}
	return newReminders(cfg, deps)
}

// bambooTimeOff adapts BambooHR's who's-out to the reminder engine.
type bambooTimeOff struct{ c *bamboo.Client }

func (b bambooTimeOff) WhosOut(ctx context.Context, start, end time.Time) ([]remind.TimeOff, error) {
	rows, err := b.c.WhosOut(ctx, start, end)
	if err != nil {
		return nil, err
	}
	out := make([]remind.TimeOff, 0, len(rows))
	for _, r := range rows {
		if r.EmployeeID == "" {
			continue // a company holiday, not a person's time off
		}
		out = append(out, remind.TimeOff{EmployeeBambooID: r.EmployeeID, Start: r.Start, End: r.End})
	}
	return out, nil
}

func printRemindPlan(e *env, week model.Week, plan []remind.PlanItem) {
	counts := map[remind.Action]int{}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PERSON\tEMAIL\tTIME ZONE\tDUE (LOCAL)\tACTION\tWHY")
	for _, it := range plan {
		counts[it.Action]++
		loc, err := time.LoadLocation(it.TZ)
		if err != nil {
			loc = time.UTC
		}
		why := it.Reason
		if it.Action == remind.ActionSend && why == "" {
			why = "week has open items or nothing logged"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", it.Name, it.Email, it.TZ,
			it.DueAt.In(loc).Format("Mon 2 Jan 15:04"), it.Action, why)
	}
	_ = tw.Flush()
	fmt.Fprintf(e.stdout, "week %s: %d would be reminded, %d skipped, %d already done (dry run: nothing sent)\n",
		week, counts[remind.ActionSend], counts[remind.ActionSkip], counts[remind.ActionDone])
}

// remindProgress shows a bar on a terminal and a line every 100 people
// (and at the end) otherwise.
func remindProgress(e *env) (func(remind.Progress), func()) {
	var (
		mu  sync.Mutex
		bar *progressbar.ProgressBar
	)
	update := func(p remind.Progress) {
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
