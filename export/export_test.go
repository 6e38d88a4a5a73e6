package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/export"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

var (
	monday = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	month  = export.Options{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
)

// seed builds a month with three people: Ann (EUR 100.00/h from the 1st,
// 120.00 from the 16th), Bo (JPY 5000/h) and Cy (no rate), two clients, an
// unallocated, a non-billable, a deleted and an out-of-range entry; Ann's
// first week is confirmed and approved, Bo's entries are half confirmed and
// his week was approved at JPY 4000/h, then re-priced (changed after
// approval).
func seed(t *testing.T) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db := storagetest.New(t)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO employees (id, bamboo_id, email, first_name, last_name, display_name, toggl_user_id) VALUES
		(1, 'a', 'ann@example.com', 'Ann', 'A', '', 11), (2, 'b', 'bo@example.com', '', '', 'Bo', 12),
		(3, 'c', 'cy@example.com', '', '', 'Cy', 13)`)
	exec(`INSERT INTO billable_rates (employee_id, effective_date, amount_minor, currency) VALUES
		(1, '2026-01-01', 10000, 'EUR'), (1, '2026-11-16', 12000, 'EUR'), (2, '2026-01-01', 4000, 'JPY')`)
	exec(`INSERT INTO toggl_projects (id, name, client_name) VALUES (1, 'Apollo', 'Acme'), (2, 'Borealis', 'Bolt, Inc.'),
		(3, '=HYPERLINK("x")', 'Acme')`)
	type e struct {
		id, emp, project int64
		day              int // days after Monday 2 Nov
		secs             int64
		billable         bool
	}
	entries := []e{
		{101, 1, 1, 0, 3600, true}, {102, 1, 2, 1, 5400, true}, {103, 1, 1, 15, 1800, true}, // 103: at 120.00
		{104, 1, 0, 16, 900, true},                            // unallocated
		{105, 1, 1, 17, 7200, false},                          // non-billable
		{201, 2, 2, 2, 4000, true}, {202, 2, 3, 3, 100, true}, // 4000 s × 5000 JPY = 5556 (rounded)
		{301, 3, 1, 4, 3600, true},  // no rate
		{106, 1, 1, 5, 3600, true},  // deleted
		{107, 1, 1, 40, 3600, true}, // December
	}
	for _, x := range entries {
		start := monday.AddDate(0, 0, x.day).Add(10 * time.Hour)
		var project any
		if x.project != 0 {
			project = x.project
		}
		exec(`INSERT INTO time_entries (id, toggl_user_id, employee_id, project_id, billable, start_at, stop_at,
				local_date, duration_secs, toggl_updated_at, content_hash)
			VALUES ($1::bigint, $2::bigint + 10, $2, $3, $4, $5, $6, $7, $8, now(), 'h' || $1::bigint)`,
			x.id, x.emp, project, x.billable, start, start.Add(time.Duration(x.secs)*time.Second), start.Truncate(24*time.Hour), x.secs)
	}
	exec(`UPDATE time_entries SET deleted_at = now() WHERE id = 106`)
	exec(`INSERT INTO confirmations (entry_id, employee_id, content_hash, slack_user_id)
		SELECT id, employee_id, content_hash, 'U' FROM time_entries WHERE id IN (101, 102, 201)`)
	exec(`INSERT INTO confirmations (entry_id, employee_id, content_hash, slack_user_id) VALUES (202, 2, 'stale', 'U')`) // not for this content
	exec(`INSERT INTO week_approvals (employee_id, week_start, status, decided_by) VALUES (1, '2026-11-02', 'approved', 'UM'),
		(2, '2026-11-02', 'changed_after_approval', 'UM')`)
	for _, emp := range []int64{1, 2} {
		if _, err := storage.ApprovalSnapshot(ctx, db, emp, model.WeekOf(monday), "UM", false); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE billable_rates SET amount_minor = 5000 WHERE employee_id = 2`) // re-priced after approval
	return db
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Fatal("lines do not end with CRLF")
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("csv does not read back: %v", err)
	}
	return recs
}

// money parses an amount column back into minor units.
func money(t *testing.T, amount, currency string) int64 {
	t.Helper()
	m, err := model.ParseMoney(amount, currency)
	if err != nil {
		t.Fatalf("amount %q %s: %v", amount, currency, err)
	}
	return m.Minor
}

func TestWriteEntriesRoundTripsAndTotalsMatchPricedEntries(t *testing.T) {
	t.Parallel()
	db := seed(t)
	var buf bytes.Buffer
	sum, err := export.Write(context.Background(), db, &buf, month)
	if err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, buf.Bytes())
	if strings.Join(recs[0], ",") != strings.Join(export.EntryHeader, ",") {
		t.Fatalf("header %v", recs[0])
	}
	if len(recs)-1 != 8 || sum.Rows != 8 || sum.Entries != 8 {
		t.Fatalf("%d rows, summary %+v", len(recs)-1, sum)
	}
	// Amount columns add up to what the pricing view says.
	fromCSV := model.Amounts{}
	for _, r := range recs[1:] {
		if r[9] != "" {
			fromCSV[r[9]] += money(t, r[10], r[9])
		}
	}
	want := model.Amounts{}
	rows, err := db.Query(context.Background(), `SELECT currency, sum(amount_minor) FROM priced_entries
		WHERE deleted_at IS NULL AND local_date BETWEEN '2026-11-01' AND '2026-11-30' AND currency IS NOT NULL GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		want[strings.TrimSpace(c)] = n
	}
	if fromCSV.String() != want.String() || sum.All.String() != want.String() {
		t.Fatalf("csv %v, summary %v, priced_entries %v", fromCSV, sum.All, want)
	}
	// 3600 + 5400 s at 100.00 + 1800 s at 120.00 + 900 s at 120.00 = 340.00 EUR; 4100 s × 5000 JPY/h = 5694.
	if want["EUR"] != 34000 || want["JPY"] != 5556+139 {
		t.Fatalf("fixture prices %v", want)
	}
	if sum.Confirmed["EUR"] != 25000 || sum.Confirmed["JPY"] != 5556 || sum.Unpriced != 1 {
		t.Fatalf("confirmed %v, unpriced %d", sum.Confirmed, sum.Unpriced)
	}
	if sum.Seconds != 3600+5400+1800+900+7200+4000+100+3600 || sum.ConfirmedSeconds != 3600+5400+4000 {
		t.Fatalf("seconds %d / %d", sum.Seconds, sum.ConfirmedSeconds)
	}
	byID := map[string][]string{}
	for _, r := range recs[1:] {
		byID[r[16]] = r
	}
	for id, want := range map[string]string{
		"101": "Acme,Apollo,Ann A,ann@example.com,2026-11-02,3600,1.00,true,100.00,EUR,100.00,,true,true,false,,101",
		"102": "Bolt, Inc.,Borealis,Ann A,ann@example.com,2026-11-03,5400,1.50,true,100.00,EUR,150.00,,true,true,false,,102",
		"103": "Acme,Apollo,Ann A,ann@example.com,2026-11-17,1800,0.50,true,120.00,EUR,60.00,,false,false,false,,103",
		"104": "No project,No project,Ann A,ann@example.com,2026-11-18,900,0.25,true,120.00,EUR,30.00,,false,false,false,,104",
		"105": "Acme,Apollo,Ann A,ann@example.com,2026-11-19,7200,2.00,false,120.00,EUR,0.00,,false,false,false,,105",
		"201": "Bolt, Inc.,Borealis,Bo,bo@example.com,2026-11-04,4000,1.11,true,5000,JPY,5556,,true,false,true,,201",
		"202": "Acme,'=HYPERLINK(\"x\"),Bo,bo@example.com,2026-11-05,100,0.03,true,5000,JPY,139,,false,false,true,,202",
		"301": "Acme,Apollo,Cy,cy@example.com,2026-11-06,3600,1.00,true,,,,no_rate,false,false,false,,301",
	} {
		if got := strings.Join(byID[id], ","); got != want {
			t.Errorf("entry %s:\n got %s\nwant %s", id, got, want)
		}
	}
}

func TestWriteApprovedOnlyAndPeople(t *testing.T) {
	t.Parallel()
	db := seed(t)
	var buf bytes.Buffer
	opts := month
	opts.ApprovedOnly = true
	sum, err := export.Write(context.Background(), db, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, buf.Bytes())
	// Ann's approved week, and Bo's as approved (JPY 4000/h, not today's
	// 5000) with the drift flagged.
	var got []string
	for _, r := range recs[1:] {
		got = append(got, r[16]+":"+r[10]+":"+r[14])
	}
	if strings.Join(got, " ") != "202:111:true 101:100.00:false 102:150.00:false 201:4444:true" ||
		sum.All.String() != "250.00 EUR + 4,555 JPY" || sum.Changed != 2 {
		t.Fatalf("approved only: %v %+v", got, sum)
	}
	buf.Reset()
	opts = month
	opts.EmployeeIDs = []int64{2}
	if sum, err = export.Write(context.Background(), db, &buf, opts); err != nil || sum.Entries != 2 {
		t.Fatalf("one person: %+v %v", sum, err)
	}
	buf.Reset()
	opts.EmployeeIDs = []int64{}
	if sum, err = export.Write(context.Background(), db, &buf, opts); err != nil || sum.Entries != 0 || len(readCSV(t, buf.Bytes())) != 1 {
		t.Fatalf("nobody: %+v %v", sum, err)
	}
}

func TestWriteGroupedTotals(t *testing.T) {
	t.Parallel()
	db := seed(t)
	for _, tc := range []struct {
		by   export.GroupBy
		want []string
	}{
		{export.GroupClient, []string{
			"Acme,,1,3600,1.00,3600,0,0.00,,,1,3600,0",
			"Acme,EUR,3,12600,3.50,5400,3600,1.00,160.00,100.00,0,0,0",
			"Acme,JPY,1,100,0.03,100,0,0.00,139,0,0,0,1",
			"\"Bolt, Inc.\",EUR,1,5400,1.50,5400,5400,1.50,150.00,150.00,0,0,0",
			"\"Bolt, Inc.\",JPY,1,4000,1.11,4000,4000,1.11,5556,5556,0,0,1",
			"No project,EUR,1,900,0.25,900,0,0.00,30.00,0.00,0,0,0",
		}},
		{export.GroupPerson, []string{
			"Ann A,ann@example.com,EUR,5,18900,5.25,11700,9000,2.50,340.00,250.00,0,0,0",
			"Bo,bo@example.com,JPY,2,4100,1.14,4100,4000,1.11,5695,5556,0,0,2",
			"Cy,cy@example.com,,1,3600,1.00,3600,0,0.00,,,1,3600,0",
		}},
	} {
		var buf bytes.Buffer
		sum, err := export.Write(context.Background(), db, &buf, export.Options{From: month.From, To: month.To, GroupBy: tc.by})
		if err != nil {
			t.Fatal(err)
		}
		recs := readCSV(t, buf.Bytes())
		if strings.Join(recs[0], ",") != strings.Join(export.GroupHeader(tc.by), ",") {
			t.Fatalf("%s header %v", tc.by, recs[0])
		}
		lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(buf.String(), "\r\n", "\n")), "\n")[1:]
		if strings.Join(lines, "\n") != strings.Join(tc.want, "\n") {
			t.Fatalf("%s:\n%s\nwant\n%s", tc.by, strings.Join(lines, "\n"), strings.Join(tc.want, "\n"))
		}
		if sum.Entries != 8 || sum.All["EUR"] != 34000 || sum.All["JPY"] != 5695 || sum.Confirmed["EUR"] != 25000 {
			t.Fatalf("%s summary %+v", tc.by, sum)
		}
	}
	// Grouped by project: totals per client and project add up the same.
	var buf bytes.Buffer
	sum, err := export.Write(context.Background(), db, &buf, export.Options{From: month.From, To: month.To, GroupBy: export.GroupProject})
	if err != nil || sum.All["EUR"] != 34000 || sum.Rows != 6 {
		t.Fatalf("by project %+v %v\n%s", sum, err, buf.String())
	}
}

func TestOptionsAndFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts export.Options
		ok   bool
	}{
		{month, true},
		{export.Options{From: month.From}, false},
		{export.Options{From: month.To, To: month.From}, false},
		{export.Options{From: month.From, To: month.From}, true},
		{export.Options{From: month.From, To: month.To, GroupBy: "team"}, false},
	} {
		if err := tc.opts.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.opts, err)
		}
	}
	for in, want := range map[string]export.GroupBy{"": export.GroupNone, "Client": export.GroupClient, "person": export.GroupPerson} {
		if g, err := export.ParseGroupBy(in); err != nil || g != want {
			t.Errorf("ParseGroupBy(%q) = %q, %v", in, g, err)
		}
	}
	for secs, want := range map[int64]string{0: "0.00", 17: "0.00", 18: "0.01", 5400: "1.50", 3599: "1.00", 360000: "100.00"} {
		if got := export.Hours(secs); got != want {
			t.Errorf("Hours(%d) = %s, want %s", secs, got, want)
		}
	}
	for _, tc := range []struct {
		minor int64
		cur   string
		want  string
	}{{123456789, "EUR", "1234567.89"}, {1500, "JPY", "1500"}, {5, "KWD", "0.005"}, {0, "USD", "0.00"}} {
		if got := export.Decimal(tc.minor, tc.cur); got != tc.want {
			t.Errorf("Decimal(%d, %s) = %s, want %s", tc.minor, tc.cur, got, tc.want)
		}
	}
}
