package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ValidDatabaseName reports whether name is safe to use as a database name
// without quoting: lower-case letters, digits and _, at most 63 bytes.
func ValidDatabaseName(name string) bool {
	if name == "" || len(name) > 63 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// DatabaseName returns the database a postgres URL names.
func DatabaseName(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", errors.New("DATABASE_URL is not a URL")
	}
	return strings.TrimPrefix(u.Path, "/"), nil
}

// RecreateDatabase drops the database name on base's server (ending every
// session in it) and creates it empty, returning its URL. tally demo uses
// it; it refuses the database base itself names.
func RecreateDatabase(ctx context.Context, base, name string) (string, error) {
	if !ValidDatabaseName(name) {
		return "", fmt.Errorf("database name %q must be lower-case letters, digits and _", name)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", errors.New("DATABASE_URL is not a URL")
	}
	if strings.TrimPrefix(u.Path, "/") == name {
		return "", fmt.Errorf("refusing to recreate %q, the database DATABASE_URL names", name)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, base)
	if err != nil {
		return "", fmt.Errorf("connect to postgres for the demo database: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	// name is checked above: a bare identifier, safe to splice.
	if _, err := conn.Exec(cctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop demo database: %w", err)
	}
	if _, err := conn.Exec(cctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create demo database: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
