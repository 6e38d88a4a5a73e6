package storage_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tallyhq/tally/storage"
)

func BenchmarkH10Seed(b *testing.B) {
	u := strings.Replace(os.Getenv("TALLY_TEST_DATABASE_URL"), "/tally_test?", "/h10_suggest?", 1)
	db, err := storage.Open(context.Background(), u, 4)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	suggestSeed10k(b, db, 10000, 40, 4, 200)
}
