// Package storagetest gives tests their own freshly migrated Postgres
// database and Redis database, on the servers that scripts/services starts
// (TALLY_TEST_DATABASE_URL, TALLY_TEST_REDIS_URL; `make test` sets both).
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/storage"
)

var (
	templateOnce sync.Once
	templateErr  error
	templateName string
)

// BaseURL returns TALLY_TEST_DATABASE_URL or fails the test with a hint.
func BaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TALLY_TEST_DATABASE_URL")
	if u == "" {
		t.Fatal("TALLY_TEST_DATABASE_URL is not set: run the tests with `make test` (it starts Postgres and Redis)")
	}
	return u
}

// RedisURL returns TALLY_TEST_REDIS_URL or fails the test with a hint.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TALLY_TEST_REDIS_URL")
	if u == "" {
		t.Fatal("TALLY_TEST_REDIS_URL is not set: run the tests with `make test` (it starts Postgres and Redis)")
	}
	return u
}

// withDatabase returns base with its database name replaced.
func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewURL creates an empty database for the test (dropped at cleanup) and
// returns its URL. With migrated set, the database is a copy of a template
// that holds the current schema, which is much faster than migrating.
func NewURL(t testing.TB, migrated bool) string {
	t.Helper()
	base := BaseURL(t)
	ctx := context.Background()
	if migrated {
		templateOnce.Do(func() { templateName, templateErr = buildTemplate(ctx, base) })
		if templateErr != nil {
			t.Fatalf("prepare template database: %v", templateErr)
		}
	}
	name := "t_" + strings.ToLower(randomHex(6))
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to test postgres: %v", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	stmt := "CREATE DATABASE " + name
	if migrated {
		stmt += " TEMPLATE " + templateName
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(base, name)
}

// New returns a pool on a fresh, migrated database for the test.
func New(t testing.TB) *storage.DB {
	t.Helper()
	u := NewURL(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, u, 20)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(db.Close)
	urls.Store(db, u)
	t.Cleanup(func() { urls.Delete(db) })
	return db
}

// urls remembers the database URL behind each *storage.DB that New opened.
var urls sync.Map

// URLOf returns the URL of a database New opened for the test, for tests
// that need a second pool on it.
func URLOf(t testing.TB, db *storage.DB) string {
	t.Helper()
	u, ok := urls.Load(db)
	if !ok {
		t.Fatal("storagetest.URLOf: database not opened by storagetest.New")
	}
	return u.(string)
}

// buildTemplate migrates a template database once per test binary. Its name
// carries the process id so parallel test binaries don't collide.
func buildTemplate(ctx context.Context, base string) (string, error) {
	name := fmt.Sprintf("tmpl_%d_%s", os.Getpid(), strings.ToLower(randomHex(4)))
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close(ctx) }()
	// Templates from test binaries that crashed are left behind; they cost
	// nothing but disk, and the next `make test` on a fresh cluster has none.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	db, err := storage.Open(ctx, withDatabase(base, name), 2)
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return "", err
	}
	return name, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
