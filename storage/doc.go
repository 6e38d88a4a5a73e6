// Package storage is tally's only home for SQL: the pgx connection pool,
// embedded versioned migrations, the transaction helper and one file per
// concept (employees, entries, confirmations, …). Postgres is the source of
// truth for everything tally knows.
package storage
