package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/tallyhq/tally/app"
	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
)

// replica is one more `tally run` sharing a harness's database and fakes.
type replica struct {
	app  *app.App
	stop context.CancelFunc
	done chan error
	once sync.Once
	err  error
}

// wait blocks until the replica has stopped and returns what its run
// returned; unlike a receive from done it can be called again.
func (r *replica) wait() error {
	r.once.Do(func() { r.err = <-r.done })
	return r.err
}

func (h *harness) startReplica(t *testing.T, name string) *replica {
	t.Helper()
	env := map[string]string{}
	for k, v := range h.env {
		env[k] = v
	}
	env["TALLY_INSTANCE_ID"] = name
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.NewFromEnv(ctx, lookupMap(env), zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)).Named(name))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &replica{app: a, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		r.stop()
		if err := r.wait(); err != nil {
			t.Errorf("%s stopped with an error: %v", name, err)
		}
	})
	return r
}

// TestThreeReplicas runs three tallies on one Postgres and one Slack (three
// Socket Mode connections): one scheduler leads and another takes over when
// it stops; a reminder tick on all three at once sends one DM per person;
// the same click on every replica makes one confirmation.
func TestThreeReplicas(t *testing.T) {
	t.Parallel()
	h := startHarness(t, harnessOpts{scheduler: true, fakes: true})
	now := time.Now()
	seedWeek(t, h, now)
	reps := []*replica{{app: h.app}, h.startReplica(t, "replica-b"), h.startReplica(t, "replica-c")}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := h.slack.WaitForConnections(ctx, 3); err != nil {
		t.Fatalf("three socket mode connections: %v", err)
	}
	leaders := func() []int {
		var out []int
		for i, r := range reps {
			if r.app.IsLeader(ctx) {
				out = append(out, i)
			}
		}
		return out
	}
	eventuallyFor(t, 30*time.Second, "one leader", func() bool { return len(leaders()) == 1 })
	leader := leaders()[0]
	if leader != 0 {
		reps[leader].stop()
		if err := reps[leader].wait(); err != nil {
			t.Errorf("leader stopped with an error: %v", err)
		}
	} else if err := h.shutdown(); err != nil {
		t.Errorf("leader stopped with an error: %v", err)
	}
	eventuallyFor(t, 30*time.Second, "another replica to take the lease", func() bool {
		l := leaders()
		return len(l) == 1 && l[0] != leader
	})
	var live []*replica
	for i, r := range reps {
		if i != leader {
			live = append(live, r)
		}
	}

	// A reminder tick on both live replicas at once: one DM per person.
	friday := model.WeekOf(now).Start.AddDate(0, 0, 4).Add(23 * time.Hour)
	var wg sync.WaitGroup
	for _, r := range live {
		wg.Add(1)
		go func(r *replica) {
			defer wg.Done()
			if _, err := r.app.RemindDue(ctx, friday); err != nil {
				t.Errorf("reminder tick: %v", err)
			}
		}(r)
	}
	wg.Wait()
	for _, u := range []string{"U1", "U2"} {
		if n := len(h.slack.DMs(u)); n != 1 {
			t.Errorf("%s got %d reminder DMs from two replicas; want 1", u, n)
		}
	}

	// The same click delivered to every live connection: one confirmation.
	hash := entryHash(t, h, 1001)
	var eph sandbox.SlackMessage
	if _, err := h.slack.SlashCommand(ctx, "U1", "/timesheet", ""); err != nil {
		t.Fatal(err)
	}
	eph = lastEphemeral(t, h, "U1")
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = h.slack.BlockAction(ctx, "U1", sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmEntry, Value: blocks.EntryValue(1001, hash), ChannelID: eph.Channel, MessageTS: eph.TS})
		}()
	}
	wg.Wait()
	if c, a := h.count(`SELECT count(*) FROM confirmations WHERE entry_id = 1001`), h.count(`SELECT count(*) FROM audit_log WHERE action = 'entry.confirm'`); c != 1 || a != 1 {
		t.Fatalf("%d confirmations and %d audit rows across replicas", c, a)
	}
	if n := h.count(`SELECT count(*) FROM (SELECT job, slot FROM job_claims GROUP BY 1, 2 HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d job slots ran twice", n)
	}
}
