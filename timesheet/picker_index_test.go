package timesheet

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tallyhq/tally/storage"
)

// The index's search finds exactly what reading every key would, in the
// same order: the three-byte lookup only narrows where it looks.
func TestIndexSearchMatchesAScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: a seeded generator, so a failure repeats
	names := []string{"Agency", "Acme", "Crème brûlée", "Société Générale", "Checkout", "API", "Løbehjul", "Ärzte", "x", "ab"}
	var cat storage.ProjectCatalog
	for i := range 600 {
		cat.Projects = append(cat.Projects, storage.ProjectOption{ID: int64(i + 1),
			Name:       fmt.Sprintf("%s %d", names[rng.IntN(len(names))], rng.IntN(300)),
			ClientName: names[rng.IntN(len(names))]})
	}
	idx := newProjectIndex(cat)
	scan := func(words []string, limit int) []int64 {
		var out []int64
		for i := range idx.projects {
			if len(out) < limit && containsAll(idx.key(i), words) {
				out = append(out, idx.projects[i].ID)
			}
		}
		return out
	}
	var queries []string
	for range 400 {
		k := idx.key(rng.IntN(len(idx.projects)))
		from := rng.IntN(len(k))
		to := min(len(k), from+1+rng.IntN(7))
		queries = append(queries, k[from:to])
	}
	queries = append(queries, "creme", "ACME 1", "société gén", "zzz", "ab x", "1 2", "løb", "arzte")
	for _, q := range queries {
		words := strings.Fields(searchFold(q))
		if len(words) == 0 {
			continue
		}
		for _, limit := range []int{1, 25, 1000} {
			var got []int64
			for _, p := range idx.search(words, limit) {
				got = append(got, p.ID)
			}
			if want := scan(words, limit); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("search %q (limit %d) = %v, a scan finds %v", q, limit, got, want)
			}
		}
	}
}
