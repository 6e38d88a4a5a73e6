package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

func TestMigrateEmptyThenNoop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := storage.Open(ctx, storagetest.NewURL(t, false), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if len(first.Applied) == 0 || first.Version < 1 {
		t.Fatalf("first migrate applied nothing: %+v", first)
	}
	second, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(second.Applied) != 0 || second.Version != first.Version {
		t.Fatalf("second migrate was not a no-op: %+v", second)
	}
}

func TestMigrateConcurrentReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := storagetest.NewURL(t, false)
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			db, err := storage.Open(ctx, u, 2)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			_, err = db.Migrate(ctx)
			errs <- err
		}()
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("replica migrate: %v", err)
		}
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t)
	if err := storage.Audit(ctx, db, storage.AuditEvent{Actor: "system", Action: "test", Entity: "x", After: map[string]int{"a": 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE audit_log SET actor = 'mallory'`); err == nil {
		t.Fatal("audit_log accepted an UPDATE")
	}
	if _, err := db.Exec(ctx, `DELETE FROM audit_log`); err == nil {
		t.Fatal("audit_log accepted a DELETE")
	}
}

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := storage.Open(ctx, "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", 2)
	if err == nil || !storage.IsUnavailable(err) {
		t.Fatalf("refused connection not unavailable: %v", err)
	}
	db := storagetest.New(t)
	_, err = db.Exec(ctx, `SELECT * FROM no_such_table`)
	if err == nil || storage.IsUnavailable(err) {
		t.Fatalf("a bad query is not an outage: %v", err)
	}
	if storage.IsUnavailable(nil) {
		t.Fatal("nil is not an outage")
	}
}
