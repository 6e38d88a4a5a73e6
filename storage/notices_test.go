package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

// TestChangeNoticeLedger: one claimer per notice; a finished notice is never
// claimed again; a released one is; a later change is a new notice.
func TestChangeNoticeLedger(t *testing.T) {
	t.Parallel()
	db := storagetest.New(t)
	ctx := context.Background()
	var id int64
	if err := db.QueryRow(ctx, `INSERT INTO employees (bamboo_id, email, slack_user_id, active) VALUES ('n1', 'n1@example.com', 'UN1', true) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	cw := storage.ChangedWeek{EmployeeID: id, Week: model.WeekOf(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)),
		ChangedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	claim := func(user string) (bool, bool) {
		t.Helper()
		c, s, err := db.ClaimChangeNotice(ctx, cw, user)
		if err != nil {
			t.Fatal(err)
		}
		return c, s
	}
	if c, _ := claim("UN1"); !c {
		t.Fatal("first claim refused")
	}
	if c, s := claim("UN1"); c || s {
		t.Fatalf("second claim while held: claimed %v sent %v, want false false", c, s)
	}
	if c, _ := claim("UMGR"); !c {
		t.Fatal("the approver's notice is its own claim")
	}
	if err := db.ReleaseChangeNotice(ctx, cw, "UMGR"); err != nil {
		t.Fatal(err)
	}
	if c, _ := claim("UMGR"); !c {
		t.Fatal("a released notice is not claimed again")
	}
	if err := db.FinishChangeNotice(ctx, cw, "UN1"); err != nil {
		t.Fatal(err)
	}
	if c, s := claim("UN1"); c || !s {
		t.Fatalf("after finish: claimed %v sent %v, want false true", c, s)
	}
	if err := db.ReleaseChangeNotice(ctx, cw, "UN1"); err != nil {
		t.Fatal(err)
	}
	if c, s := claim("UN1"); c || !s {
		t.Fatalf("a sent notice was released: claimed %v sent %v", c, s)
	}
	later := cw
	later.ChangedAt = cw.ChangedAt.Add(time.Hour)
	if c, _, err := db.ClaimChangeNotice(ctx, later, "UN1"); err != nil || !c {
		t.Fatalf("a later change is a new notice: %v %v", c, err)
	}
}
