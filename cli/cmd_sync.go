package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/config"
)

func syncCommand() command {
	return command{
		name:    "sync",
		usage:   "sync [--from DATE --to DATE] [--full] [--status]",
		summary: "sync Toggl entries now: incremental, --full window, or a date range; --status lists recent runs",
		need:    config.Need{Toggl: true, Database: true},
		run:     runSync,
	}
}

func runSync(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fromS := fs.String("from", "", "first local date to sync (YYYY-MM-DD)")
	toS := fs.String("to", "", "last local date to sync (YYYY-MM-DD)")
	full := fs.Bool("full", false, "re-read the full window (or the range) and mark entries deleted in Toggl")
	status := fs.Bool("status", false, "list the recent sync runs")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var from, to time.Time
	if (*fromS == "") != (*toS == "") {
		return usageError{"sync: --from and --to go together"}
	}
	if *fromS != "" {
		var err error
		if from, err = time.Parse(time.DateOnly, *fromS); err != nil {
			return usageError{fmt.Sprintf("sync: --from %q is not a date like 2026-11-23", *fromS)}
		}
		if to, err = time.Parse(time.DateOnly, *toS); err != nil {
			return usageError{fmt.Sprintf("sync: --to %q is not a date like 2026-11-23", *toS)}
		}
		if to.Before(from) {
			return usageError{"sync: --to is before --from"}
		}
	}
	if *status {
		return printSyncStatus(ctx, e)
	}
	progress, finish := syncProgress(e)
	res, err := app.Sync(ctx, e.cfg, e.log, app.SyncRequest{From: from, To: to, Full: *full, Progress: progress})
	finish()
	if res.RunID != 0 {
		fmt.Fprintf(e.stdout, "sync run %d (%s %s…%s): %s — %d pages, %d requests, %d entries seen, %d inserted, %d updated, %d deleted, %d confirmations voided, quota left %s, %s\n",
			res.RunID, res.Mode, res.From.Format(time.DateOnly), res.To.Format(time.DateOnly), res.Status, res.Pages,
			res.Requests, res.Seen, res.Inserted, res.Updated, res.Deleted, res.Voided, quotaText(res.QuotaRemaining),
			res.Duration.Round(time.Millisecond))
	}
	for _, w := range res.ChangedWeeks {
		fmt.Fprintf(e.stdout, "approved week %s of employee %d changed after approval\n", w.WeekStart.Format(time.DateOnly), w.EmployeeID)
	}
	return err
}

func quotaText(q int64) string {
	if q < 0 {
		return "unknown"
	}
	return strconv.FormatInt(q, 10)
}

// syncProgress returns the engine's progress callback: a live bar on a
// terminal, a log line every ten pages otherwise. finish ends the bar.
func syncProgress(e *env) (func(app.SyncProgress), func()) {
	if !e.terminal {
		return func(p app.SyncProgress) {
			if p.Pages == 1 || p.Pages%10 == 0 {
				e.log.Info("sync progress", zap.String("mode", p.Mode), zap.Int("pages", p.Pages),
					zap.Int("entries", p.Entries), zap.Int("expected_pages", p.ExpectedPages),
					zap.Int64("quota_remaining", p.QuotaRemaining))
			}
		}, func() {}
	}
	var bar *progressbar.ProgressBar
	var pages int
	return func(p app.SyncProgress) {
			if bar == nil {
				max := int64(p.ExpectedPages)
				if max == 0 {
					max = -1 // incremental: how far back the changes go is unknown
				}
				bar = progressbar.NewOptions64(max, progressbar.OptionSetWriter(e.stderr),
					progressbar.OptionSetDescription("toggl "+p.Mode), progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true), progressbar.OptionShowElapsedTimeOnFinish(),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetItsString("pages"),
					progressbar.OptionShowIts())
			}
			// Stay a page ahead of the estimate: a bar that reaches its
			// maximum counts as finished and stops updating.
			if need := max(p.ExpectedPages, p.Pages+1); p.ExpectedPages > 0 && int64(need) > bar.GetMax64() {
				bar.ChangeMax(need)
			}
			pages = p.Pages
			bar.Describe(fmt.Sprintf("toggl %s: %d entries, quota left %s", p.Mode, p.Entries, quotaText(p.QuotaRemaining)))
			_ = bar.Set(p.Pages)
		}, func() {
			if bar != nil {
				if bar.GetMax64() > 0 {
					bar.ChangeMax(pages)
				}
				_ = bar.Finish()
				fmt.Fprintln(e.stderr)
			}
		}
}

func printSyncStatus(ctx context.Context, e *env) error {
	st, err := app.ReadSyncStatus(ctx, e.cfg, 20)
	if err != nil {
		return err
	}
	runs, pending, parked := st.Runs, st.OutboxPending, st.OutboxParked
	if len(runs) == 0 {
		fmt.Fprintln(e.stdout, "no sync runs yet")
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTARTED (UTC)\tMODE\tWINDOW\tSTATUS\tPAGES\tREQUESTS\tQUOTA USED\tQUOTA LEFT\tSEEN\tINSERTED\tUPDATED\tDELETED\tDURATION\tERROR")
		now := time.Now()
		for _, r := range runs {
			window := ""
			if r.WindowFrom != nil && r.WindowTo != nil {
				window = r.WindowFrom.Format(time.DateOnly) + "…" + r.WindowTo.Format(time.DateOnly)
			}
			left := "-"
			if r.QuotaRemaining != nil {
				left = strconv.Itoa(*r.QuotaRemaining)
			}
			errText := r.Error
			if len(errText) > 80 {
				errText = errText[:80] + "…"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", r.ID,
				r.StartedAt.UTC().Format("2006-01-02 15:04:05"), r.Mode, window, r.Status, r.Pages, r.Requests,
				r.QuotaUsed, left, r.Seen, r.Inserted, r.Updated, r.Deleted, r.Duration(now).Round(time.Second), errText)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "toggl write-back outbox: %d pending, %d parked\n", pending, parked)
	return nil
}
