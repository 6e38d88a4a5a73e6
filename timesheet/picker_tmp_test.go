package timesheet

import (
	"fmt"
	"testing"

	"github.com/tallyhq/tally/storage"
)

func BenchmarkTmpIndex(b *testing.B) {
	var cat storage.ProjectCatalog
	for i := 0; i < 5000; i++ {
		cat.Projects = append(cat.Projects, storage.ProjectOption{ID: int64(i), Name: fmt.Sprintf("Agency %04d", i), ClientName: fmt.Sprintf("Acme %04d", i)})
	}
	b.Run("build", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			newProjectIndex(cat)
		}
	})
	idx := newProjectIndex(cat)
	for _, q := range []string{"zzz", "agency 1", "gen", "acme 02"} {
		b.Run("search "+q, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				idx.search(splitWords(q), 50)
			}
		})
	}
}

func splitWords(q string) []string { return []string{q} }
