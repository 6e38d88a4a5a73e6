package export_test

import (
	"bytes"
	"context"
	"math/big"
	"strconv"
	"testing"

	"github.com/tallyhq/tally/export"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// column returns the index of a header name.
func column(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, header)
	return -1
}

// recompute is the documented formula, done independently of the code under
// test: seconds × rate / 3600, rounded half away from zero to minor units.
func recompute(seconds, rateMinor int64) int64 {
	q := new(big.Rat).SetFrac(big.NewInt(seconds*rateMinor), big.NewInt(3600))
	q.Add(q, big.NewRat(1, 2)) // amounts are never negative: half away from zero is floor(x + 1/2)
	return new(big.Int).Quo(q.Num(), q.Denom()).Int64()
}

// TestCSVRecomputesFromTheFileAlone reads an export back and recomputes
// every row's amount from its seconds and rate, and every total from the
// rows: finance needs nothing but the file.
func TestCSVRecomputesFromTheFileAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := seed(t)
	// Dee: 1800 s at 100.01 EUR/h is 50.005 EUR — the half cent rounds away
	// from zero to 50.01. Hours × rate from the rounded hours would not
	// recompute many rows (0.03 h × 5000 JPY = 150, not 139).
	if _, err := db.Exec(ctx, `INSERT INTO employees (id, bamboo_id, display_name, toggl_user_id) VALUES (4, 'd', 'Dee', 14);
		INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency) VALUES (4, '2026-01-01', 10001, 'EUR');
		INSERT INTO time_entries (id, toggl_user_id, employee_id, project_id, billable, start_at, stop_at, local_date,
			duration_secs, toggl_updated_at, content_hash)
		VALUES (401, 14, 4, 1, true, '2026-11-09 10:00Z', '2026-11-09 10:30Z', '2026-11-09', 1800, now(), 'h401')`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	sum, err := export.Write(ctx, db, &buf, month)
	if err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, buf.Bytes())
	h := recs[0]
	cSecs, cBill, cRate, cCur, cAmt, cUnpriced, cID := column(t, h, "seconds"), column(t, h, "billable"), column(t, h, "rate"),
		column(t, h, "currency"), column(t, h, "amount"), column(t, h, "unpriced"), column(t, h, "toggl_entry_id")
	totals := model.Amounts{}
	var seconds, unpricedSecs int64
	for _, r := range recs[1:] {
		secs, err := strconv.ParseInt(r[cSecs], 10, 64)
		if err != nil {
			t.Fatalf("row %s: seconds %q", r[cID], r[cSecs])
		}
		seconds += secs
		if r[cRate] == "" {
			if r[cBill] == "true" && r[cUnpriced] == "" {
				t.Errorf("row %s: billable without a rate but not marked unpriced", r[cID])
			}
			unpricedSecs += secs
			continue
		}
		rate, amount := money(t, r[cRate], r[cCur]), money(t, r[cAmt], r[cCur])
		want := int64(0)
		if r[cBill] == "true" {
			want = recompute(secs, rate)
		}
		if amount != want {
			t.Errorf("row %s: %d s × %s %s/h = %d minor units by the formula, the file says %s", r[cID], secs, r[cRate], r[cCur], want, r[cAmt])
		}
		totals[r[cCur]] += amount
		if r[cID] == "401" && r[cAmt] != "50.01" {
			t.Errorf("half cent: 1800 s at 100.01 EUR/h is %s, want 50.01", r[cAmt])
		}
	}
	if totals.String() != sum.All.String() || seconds != sum.Seconds || unpricedSecs != sum.UnpricedSeconds {
		t.Fatalf("rows add up to %v / %d s / %d s unpriced, summary says %+v", totals, seconds, unpricedSecs, sum)
	}
	org, err := db.OrgTotals(ctx, storage.ExportFilter{From: month.From, To: month.To})
	if err != nil {
		t.Fatal(err)
	}
	if org.Amounts.String() != totals.String() || org.Seconds != seconds || org.UnpricedSeconds != unpricedSecs {
		t.Fatalf("org totals %+v, file %v / %d s", org, totals, seconds)
	}
}

// TestOrgTotalsAgreeWithTheExport checks that the one totals function gives
// the export's figures for the same filter, counts people who left during
// the week, and names time without a project.
func TestOrgTotalsAgreeWithTheExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := seed(t)
	// Cy left on Wednesday 4 Nov; his Friday entry is after the
	// termination date. He now has a rate.
	if _, err := db.Exec(ctx, `UPDATE employees SET active = false, termination_date = '2026-11-04' WHERE id = 3;
		INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency) VALUES (3, '2026-01-01', 9000, 'EUR')`); err != nil {
		t.Fatal(err)
	}
	week := model.WeekOf(monday)
	for _, f := range []storage.ExportFilter{
		{From: month.From, To: month.To},
		{From: week.Start, To: week.End()},
		{From: week.Start, To: week.End(), ApprovedOnly: true},
		{From: month.From, To: month.To, EmployeeIDs: []int64{1, 3}},
	} {
		org, err := db.OrgTotals(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := export.Write(ctx, db, &bytes.Buffer{}, export.Options{From: f.From, To: f.To, ApprovedOnly: f.ApprovedOnly, EmployeeIDs: f.EmployeeIDs})
		if err != nil {
			t.Fatal(err)
		}
		if org.Entries != sum.Entries || org.Seconds != sum.Seconds || org.BillableSeconds != sum.BillableSeconds ||
			org.ConfirmedSeconds != sum.ConfirmedSeconds || org.Amounts.String() != sum.All.String() ||
			org.ConfirmedAmounts.String() != sum.Confirmed.String() || org.UnpricedEntries != sum.Unpriced ||
			org.UnpricedSeconds != sum.UnpricedSeconds || org.Changed != sum.Changed {
			t.Errorf("filter %+v:\norg    %+v\nexport %+v", f, org, sum)
		}
	}
	org, err := db.OrgTotals(ctx, storage.ExportFilter{From: week.Start, To: week.End()})
	if err != nil {
		t.Fatal(err)
	}
	// Ann 3600+5400, Bo 4000+100, Cy 3600 (who left on Wednesday).
	if org.People != 3 || org.Seconds != 16700 || org.Amounts["EUR"] != 25000+9000 || org.OutsideEmploymentSeconds != 3600 {
		t.Fatalf("week totals %+v", org)
	}
	ids, err := db.WeekPeopleIDs(ctx, week)
	if err != nil || len(ids) != 3 {
		t.Fatalf("people of the week %v %v", ids, err)
	}
	sums, err := db.TeamSummaries(ctx, ids, week)
	if err != nil {
		t.Fatal(err)
	}
	var secs int64
	amounts := model.Amounts{}
	for _, s := range sums {
		secs += s.Seconds
		for c, v := range s.Billable {
			amounts[c] += v
		}
	}
	if secs != org.Seconds || amounts.String() != org.Amounts.String() {
		t.Fatalf("team summaries over the week's people: %d s %v; org totals %d s %v", secs, amounts, org.Seconds, org.Amounts)
	}
	month, err := db.OrgTotals(ctx, storage.ExportFilter{From: month.From, To: month.To})
	if err != nil {
		t.Fatal(err)
	}
	if month.NoProjectEntries != 1 || month.NoProjectSeconds != 900 || month.NoProjectBillableSeconds != 900 || month.NoProjectAmounts["EUR"] != 3000 {
		t.Fatalf("no-project bucket %+v", month)
	}
}

// TestApprovedOnlyLeavesOutTimeOutsideEmployment: entries after the
// termination date stay out of the approved export until a manager
// approves them explicitly.
func TestApprovedOnlyLeavesOutTimeOutsideEmployment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := seed(t)
	week := model.WeekOf(monday)
	if _, err := db.Exec(ctx, `UPDATE employees SET termination_date = '2026-11-05' WHERE id = 3;
		INSERT INTO week_approvals (employee_id, week_start, status, decided_by) VALUES (3, '2026-11-02', 'approved', 'UM')`); err != nil {
		t.Fatal(err)
	}
	approvedIDs := func() map[int64]bool {
		t.Helper()
		got := map[int64]bool{}
		err := db.ExportEntries(ctx, storage.ExportFilter{From: week.Start, To: week.End(), ApprovedOnly: true}, func(r storage.ExportRow) error {
			got[r.EntryID] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if _, err := storage.ApprovalSnapshot(ctx, db, 3, week, "UM", false); err != nil {
		t.Fatal(err)
	}
	if got := approvedIDs(); got[301] || !got[101] {
		t.Fatalf("approved without the explicit approval: %v", got)
	}
	probs, err := db.EmploymentProblems(ctx, week.Start, week.End())
	if err != nil || len(probs) != 1 || probs[0].EmployeeID != 3 || probs[0].Issue != storage.AfterTermination ||
		len(probs[0].EntryIDs) != 1 || probs[0].EntryIDs[0] != 301 || probs[0].Approved != 0 {
		t.Fatalf("employment problems %+v %v", probs, err)
	}
	if _, err := storage.ApprovalSnapshot(ctx, db, 3, week, "UM", true); err != nil {
		t.Fatal(err)
	}
	if got := approvedIDs(); !got[301] {
		t.Fatalf("explicitly approved but not exported: %v", got)
	}
	if probs, _ := db.EmploymentProblems(ctx, week.Start, week.End()); len(probs) != 1 || probs[0].Approved != 1 {
		t.Fatalf("after explicit approval %+v", probs)
	}
}
