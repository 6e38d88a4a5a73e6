package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/config"
	"github.com/tallyhq/tally/export"
)

func exportCommand() command {
	return command{
		name:    "export",
		usage:   "export --from DATE --to DATE [--approved-only] [--group-by client|project|person] [--out FILE]",
		summary: "write the billing CSV: every live entry priced, or totals per client, project or person",
		need:    config.Need{Database: true},
		run:     runExport,
	}
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	from := fs.String("from", "", "first local date, YYYY-MM-DD")
	to := fs.String("to", "", "last local date, YYYY-MM-DD (included)")
	approvedOnly := fs.Bool("approved-only", false, "only weeks that stand approved")
	groupBy := fs.String("group-by", "", "client, project or person: totals per group and currency")
	out := fs.String("out", "", "file to write (default: standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts, err := exportOptions(*from, *to, *approvedOnly, *groupBy)
	if err != nil {
		return usageError{"export: " + err.Error()}
	}
	report := e.stderr // the CSV owns stdout
	var sum export.Summary
	if *out == "" || *out == "-" {
		sum, err = app.Export(ctx, e.cfg, e.stdout, opts)
	} else {
		report = e.stdout
		sum, err = exportToFile(*out, func(w io.Writer) (export.Summary, error) { return app.Export(ctx, e.cfg, w, opts) })
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	where := "standard output"
	if report == e.stdout {
		where = *out
	}
	fmt.Fprintf(report, "exported %d rows (%d entries, %s h, %s h confirmed) for %s to %s to %s\n",
		sum.Rows, sum.Entries, export.Hours(sum.Seconds), export.Hours(sum.ConfirmedSeconds),
		opts.From.Format(time.DateOnly), opts.To.Format(time.DateOnly), where)
	fmt.Fprintf(report, "confirmed billable: %s; all billable: %s\n", sum.Confirmed, sum.All)
	if sum.Unpriced > 0 {
		fmt.Fprintf(report, "warning: %d billable entries (%s h) are unpriced: no rate in force on their date; they carry no amount (column unpriced)\n",
			sum.Unpriced, export.Hours(sum.UnpricedSeconds))
	}
	if sum.Changed > 0 {
		fmt.Fprintf(report, "warning: %d entries changed after their week was approved (column changed_after_approval)\n", sum.Changed)
	}
	return nil
}

// exportOptions validates the flags.
func exportOptions(from, to string, approvedOnly bool, groupBy string) (export.Options, error) {
	if from == "" || to == "" {
		return export.Options{}, errors.New("--from and --to are required (YYYY-MM-DD)")
	}
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return export.Options{}, fmt.Errorf("--from %q is not a date like 2026-11-01", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return export.Options{}, fmt.Errorf("--to %q is not a date like 2026-11-30", to)
	}
	g, err := export.ParseGroupBy(groupBy)
	if err != nil {
		return export.Options{}, fmt.Errorf("--group-by %q: use client, project or person", groupBy)
	}
	opts := export.Options{From: f, To: t, ApprovedOnly: approvedOnly, GroupBy: g}
	if err := opts.Validate(); err != nil {
		return export.Options{}, err
	}
	return opts, nil
}

// exportToFile writes through a temporary file in the target's directory and
// renames it into place on success, so a failed export never leaves a
// half-written CSV where finance expects a whole one. The file is readable
// by its owner only (billing data).
func exportToFile(path string, write func(io.Writer) (export.Summary, error)) (export.Summary, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return export.Summary{}, fmt.Errorf("create %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // no-op after the rename
	sum, err := write(tmp)
	if err != nil {
		_ = tmp.Close()
		return sum, err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return sum, fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return sum, fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return sum, fmt.Errorf("write %s: %w", path, err)
	}
	return sum, nil
}
