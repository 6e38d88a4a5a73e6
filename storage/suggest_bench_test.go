package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// suggestBenchWeek is the week the benchmarks suggest for.
var suggestBenchWeek = model.WeekOf(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))

// BenchmarkSuggestWeek10k measures SuggestProjects for a whole week of
// 10,000 people × 40 entries, a third unallocated, with three weeks of
// history before it (1.6 million entries, 200 projects, teams of 10).
// Target: ≤ 10 s. Metrics: suggest_s, entries (unallocated entries
// answered) and offered_pct.
func BenchmarkSuggestWeek10k(b *testing.B) {
	const people, perWeek, weeks, projects = 10_000, 40, 4, 200
	db := storagetest.New(b)
	ctx := context.Background()
	start := time.Now()
	ids := suggestSeed10k(b, db, people, perWeek, weeks, projects)
	b.Logf("seeded %d people, %d entries in %s", people, people*perWeek*weeks, time.Since(start).Round(time.Millisecond))
	var got map[int64]storage.Suggestion
	var took time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		var err error
		if got, err = db.SuggestProjects(ctx, ids, suggestBenchWeek); err != nil {
			b.Fatal(err)
		}
		took = time.Since(t0)
	}
	b.StopTimer()
	offered := 0
	for _, s := range got {
		if s.Offered() {
			offered++
		}
	}
	if want := people * perWeek / 3; len(got) < want*9/10 || len(got) > want*11/10 {
		b.Fatalf("%d entries answered; want about %d", len(got), want)
	}
	b.ReportMetric(took.Seconds(), "suggest_s")
	b.ReportMetric(float64(len(got)), "entries")
	b.ReportMetric(100*float64(offered)/float64(len(got)), "offered_pct")
}

// suggestSeed10k fills db by COPY: people employees in teams of ten, each
// with four habitual projects, descriptions tied to projects or generic,
// and weeks of perWeek entries ending with suggestBenchWeek. It runs
// ANALYZE and returns the employee ids.
func suggestSeed10k(b *testing.B, db *storage.DB, people, perWeek, weeks, projects int) []int64 {
	b.Helper()
	storagetest.CopyRows(b, db, "employees", []string{"id", "bamboo_id", "supervisor_bamboo_id", "toggl_user_id"}, people,
		func(i int) []any {
			return []any{int64(i + 1), "p" + strconv.Itoa(i), "m" + strconv.Itoa(i/10), int64(100_000 + i)}
		})
	storagetest.CopyRows(b, db, "toggl_projects", []string{"id", "name", "client_name", "active"}, projects,
		func(i int) []any {
			return []any{int64(i + 1), fmt.Sprintf("Project %03d", i), fmt.Sprintf("Client %02d", i%40), i%50 != 49}
		})
	generic := []string{"", "standup", "meeting", "code review"}
	rng := rand.New(rand.NewPCG(7, 7)) //nolint:gosec // G404: reproducible benchmark data
	first := suggestBenchWeek.Start.AddDate(0, 0, -7*(weeks-1))
	perPerson := weeks * perWeek
	var habits [4]int64
	storagetest.CopyRows(b, db, "time_entries", []string{"id", "toggl_user_id", "employee_id", "project_id",
		"description", "start_at", "stop_at", "local_date", "duration_secs", "toggl_updated_at", "content_hash"},
		people*perPerson, func(n int) []any {
			person, k := n/perPerson, n%perPerson
			if k == 0 {
				team := person / 10
				for h := range habits {
					habits[h] = int64((team*7+h*13+rng.IntN(3))%projects + 1)
				}
			}
			project := habits[rng.IntN(len(habits))]
			desc := generic[rng.IntN(len(generic))]
			if rng.IntN(10) < 6 {
				desc = fmt.Sprintf("task %d", project*3+int64(rng.IntN(3)))
			}
			var pid any
			if rng.IntN(3) != 0 {
				pid = project
			}
			w, d, slot := k/perWeek, k%perWeek/8, k%8
			day := first.AddDate(0, 0, 7*w+d)
			startAt := day.Add(time.Duration(8*60+slot*60) * time.Minute)
			return []any{int64(n + 1), int64(100_000 + person), int64(person + 1), pid, desc, startAt,
				startAt.Add(50 * time.Minute), day, int64(3000), startAt, "h" + strconv.Itoa(n)}
		})
	if _, err := db.Exec(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, people)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}

// BenchmarkSuggestAccuracy measures how good the suggestions are on the
// sandbox's generated workspace (300 people in teams, 4 weeks): the
// generator knows which project every unallocated entry really belongs to
// (sandbox.Toggl.TrueProject); the entries are loaded into Postgres as the
// sync stores them and SuggestProjects answers for the last week. Metrics:
// right_pct (right / offered; aim ≥ 80), none_pct (no suggestion /
// unallocated), and per rule <reason>_n and <reason>_right_pct.
func BenchmarkSuggestAccuracy(b *testing.B) {
	const people, weeks = 300, 4
	db := storagetest.New(b)
	ctx := context.Background()
	last := suggestBenchWeek
	fake, err := sandbox.NewToggl(sandbox.TogglOptions{Now: func() time.Time { return last.End() }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(fake.Close)
	ids := suggestLoadSandbox(b, db, fake, people, weeks, last)
	var got map[int64]storage.Suggestion
	b.ResetTimer()
	for range b.N {
		if got, err = db.SuggestProjects(ctx, ids, last); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	type tally struct{ n, right int }
	per := map[storage.SuggestReason]*tally{}
	var offered, right, none int
	for id, s := range got {
		if !s.Offered() {
			none++
			continue
		}
		truth, ok := fake.TrueProject(id)
		if !ok {
			b.Fatalf("entry %d: the generator has no truth for it", id)
		}
		if per[s.Reason] == nil {
			per[s.Reason] = &tally{}
		}
		offered++
		per[s.Reason].n++
		if truth == s.ProjectID {
			right++
			per[s.Reason].right++
		}
	}
	if len(got) == 0 || offered == 0 {
		b.Fatalf("%d unallocated entries, %d suggestions", len(got), offered)
	}
	reasons := make([]string, 0, len(per))
	for r := range per {
		reasons = append(reasons, string(r))
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		t := per[storage.SuggestReason(r)]
		b.ReportMetric(float64(t.n), r+"_n")
		b.ReportMetric(100*float64(t.right)/float64(t.n), r+"_right_pct")
	}
	b.ReportMetric(float64(len(got)), "unallocated")
	b.ReportMetric(100*float64(right)/float64(offered), "right_pct")
	b.ReportMetric(100*float64(none)/float64(len(got)), "none_pct")
}

// suggestLoadSandbox generates people × weeks in the fake (teams of 5–10
// under a supervisor) and copies its users, projects and stopped entries
// into db as the sync stores them. It returns the employee ids.
func suggestLoadSandbox(b *testing.B, db *storage.DB, fake *sandbox.Toggl, people, weeks int, last model.Week) []int64 {
	b.Helper()
	users := sandbox.TogglPeople(people)
	teams := make(map[int64]string, people)
	for i, team, left := 0, 0, 0; i < people; i++ {
		if left == 0 {
			team, left = team+1, 5+i%6
		}
		teams[users[i].ID] = "m" + strconv.Itoa(team)
		left--
	}
	ws := make([]model.Week, weeks)
	for i := range ws {
		ws[i] = model.Week{Start: last.Start.AddDate(0, 0, -7*(weeks-1-i))}
	}
	fake.Generate(sandbox.TogglGenSpec{People: users, Weeks: ws, Teams: teams})
	storagetest.CopyRows(b, db, "employees", []string{"id", "bamboo_id", "email", "supervisor_bamboo_id", "toggl_user_id"}, people,
		func(i int) []any {
			u := users[i]
			return []any{int64(i + 1), "e" + strconv.Itoa(i), u.Email, teams[u.ID], u.ID}
		})
	projects := fake.Projects()
	storagetest.CopyRows(b, db, "toggl_projects", []string{"id", "name", "client_id", "active", "billable"}, len(projects),
		func(i int) []any {
			p := projects[i]
			return []any{p.ID, p.Name, p.ClientID, p.Active, p.Billable}
		})
	employee := make(map[int64]int64, people)
	for i, u := range users {
		employee[u.ID] = int64(i + 1)
	}
	var entries []sandbox.TogglEntry
	for _, e := range fake.Entries() {
		if !e.Running() {
			entries = append(entries, e)
		}
	}
	storagetest.CopyRows(b, db, "time_entries", []string{"id", "toggl_user_id", "employee_id", "project_id",
		"description", "billable", "start_at", "stop_at", "tz_offset_secs", "local_date", "duration_secs",
		"toggl_updated_at", "content_hash"}, len(entries), func(i int) []any {
		e := entries[i]
		var project any
		if e.ProjectID != 0 {
			project = e.ProjectID
		}
		_, off := e.Start.Zone()
		local := time.Date(e.Start.Year(), e.Start.Month(), e.Start.Day(), 0, 0, 0, 0, time.UTC)
		return []any{e.ID, e.UserID, employee[e.UserID], project, e.Description, e.Billable, e.Start,
			e.Start.Add(time.Duration(e.Seconds) * time.Second), int32(off), local, e.Seconds, e.At, //nolint:gosec // G115: offsets are within ±14 h
			model.ContentHash(e.Start, e.Seconds, e.ProjectID, e.TaskID, e.Description, e.Billable)}
	})
	if _, err := db.Exec(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, people)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}
