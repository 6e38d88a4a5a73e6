package schedule

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"go.uber.org/goleak"

	"github.com/tallyhq/tally/storage"
	"github.com/tallyhq/tally/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var t0 = time.Date(2026, 11, 27, 15, 58, 30, 0, time.UTC)

// runs records which replica ran which slot, and how many ran at once.
type runs struct {
	mu      sync.Mutex
	bySlot  map[string][]string
	running int
	maxRun  int
}

func newRuns() *runs { return &runs{bySlot: map[string][]string{}} }

func (r *runs) job(name, instance string, clock clockwork.Clock, body func(ctx context.Context) error) Job {
	s := Every(time.Minute)
	return Job{Name: name, Schedule: s, Run: func(ctx context.Context) error {
		r.mu.Lock()
		slot := s.Slot(clock.Now())
		r.bySlot[slot] = append(r.bySlot[slot], instance)
		r.running++
		r.maxRun = max(r.maxRun, r.running)
		r.mu.Unlock()
		defer func() {
			r.mu.Lock()
			r.running--
			r.mu.Unlock()
		}()
		if body != nil {
			return body(ctx)
		}
		return nil
	}}
}

func (r *runs) count(slot string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bySlot[slot])
}

func (r *runs) snapshot() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]string{}
	for k, v := range r.bySlot {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// runEvent is one run a replica recorded (Options.OnRun).
type runEvent struct {
	instance, job, slot string
	err                 error
}

// events collects the signals of a test's replicas: runs recorded and
// leadership gained or lost. Tests wait on them instead of polling.
type events struct {
	runs   chan runEvent
	leader chan leaderEvent
}

type leaderEvent struct {
	instance string
	leading  bool
}

func newEvents() *events {
	return &events{runs: make(chan runEvent, 1000), leader: make(chan leaderEvent, 100)}
}

// signalTimeout bounds every wait on a signal, so a broken scheduler fails
// the test instead of hanging it.
const signalTimeout = 10 * time.Second

// waitRun waits for the run of slot (any job, any replica).
func (ev *events) waitRun(t *testing.T, slot string) runEvent {
	t.Helper()
	deadline := time.After(signalTimeout)
	for {
		select {
		case r := <-ev.runs:
			if r.slot == slot {
				return r
			}
		case <-deadline:
			t.Fatalf("no run of slot %s recorded", slot)
		}
	}
}

// waitLeader waits until some replica reports it leads and returns it.
func (ev *events) waitLeader(t *testing.T) string {
	t.Helper()
	deadline := time.After(signalTimeout)
	for {
		select {
		case l := <-ev.leader:
			if l.leading {
				return l.instance
			}
		case <-deadline:
			t.Fatal("no replica became leader")
		}
	}
}

// newLeader returns a replica that became leader since the last call, if any.
func (ev *events) newLeader() (string, bool) {
	for {
		select {
		case l := <-ev.leader:
			if l.leading {
				return l.instance, true
			}
		default:
			return "", false
		}
	}
}

// replica is one scheduler running in the background.
type replica struct {
	t      *testing.T
	s      *Scheduler
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, db *storage.DB, clock clockwork.Clock, ev *events, instance string, jobs ...Job) *replica {
	t.Helper()
	s, err := New(Options{DB: db, Instance: instance, Clock: clock, LeaseTTL: 15 * time.Second, StopTimeout: 5 * time.Second,
		OnRun:          func(job, slot string, err error) { ev.runs <- runEvent{instance, job, slot, err} },
		OnLeaderChange: func(leading bool) { ev.leader <- leaderEvent{instance, leading} },
	}, jobs...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{t: t, s: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) stop() {
	r.cancel()
	if r.done != nil {
		if err := <-r.done; err != nil {
			r.t.Errorf("replica stopped with an error: %v", err)
		}
		r.done = nil
	}
}

func leaders(rs []*replica) []int {
	var out []int
	for i, r := range rs {
		if r.done != nil && r.s.IsLeader(context.Background()) == nil {
			out = append(out, i)
		}
	}
	return out
}

// settle waits until every live replica is parked on the fake clock (its
// lease timer and its job's timer): whatever the last advance woke is done.
func settle(t *testing.T, clock *clockwork.FakeClock, waiters int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), signalTimeout)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, waiters); err != nil {
		t.Fatalf("replicas did not park on the clock: %v", err)
	}
}

// step settles the replicas, then advances the clock.
func step(t *testing.T, clock *clockwork.FakeClock, waiters int, d time.Duration) {
	t.Helper()
	settle(t, clock, waiters)
	clock.Advance(d)
}

func TestThreeReplicasRunEachSlotOnce(t *testing.T) {
	db := storagetest.New(t)
	clock := clockwork.NewFakeClockAt(t0)
	rec := newRuns()
	ev := newEvents()
	var rs []*replica
	for i := range 3 {
		name := fmt.Sprintf("replica-%d", i)
		rs = append(rs, start(t, db, clock, ev, name, rec.job("tick", name, clock, nil)))
	}
	ev.waitLeader(t)

	var slots []string
	for range 5 * 12 { // five minutes in lease-renewal steps
		before := clock.Now()
		step(t, clock, 6, 5*time.Second)
		if clock.Now().Truncate(time.Minute).After(before) {
			slot := clock.Now().Truncate(time.Minute).Format(time.RFC3339)
			slots = append(slots, slot)
			ev.waitRun(t, slot)
		}
		if n := len(leaders(rs)); n != 1 {
			t.Fatalf("%d leaders at %s", n, clock.Now())
		}
	}
	got := rec.snapshot()
	if len(got) != len(slots) {
		t.Errorf("ran %d slots, want %d: %v", len(got), len(slots), got)
	}
	for _, slot := range slots {
		if len(got[slot]) != 1 {
			t.Errorf("slot %s ran %d times (%v)", slot, len(got[slot]), got[slot])
		}
	}
	// OnRun fires once a run is recorded: every claim is finished now.
	claims, err := storage.JobClaims(context.Background(), db, "tick", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) != len(slots) {
		t.Errorf("%d claims, want %d", len(claims), len(slots))
	}
	for _, c := range claims {
		if c.Status != "ok" {
			t.Errorf("claim %+v not finished ok", c)
		}
	}
}

func TestLeaderKilledAnotherTakesOver(t *testing.T) {
	db := storagetest.New(t)
	clock := clockwork.NewFakeClockAt(t0)
	rec := newRuns()
	ev := newEvents()
	var rs []*replica
	for i := range 3 {
		name := fmt.Sprintf("replica-%d", i)
		rs = append(rs, start(t, db, clock, ev, name, rec.job("tick", name, clock, nil)))
	}
	ev.waitLeader(t)
	// Let the first slot run under the first leader.
	for clock.Now().Before(t0.Add(35 * time.Second)) {
		step(t, clock, 6, 5*time.Second)
	}
	first := "2026-11-27T15:59:00Z"
	ev.waitRun(t, first)
	old := leaders(rs)[0]

	// Kill the leader: it stops without releasing its lease.
	rs[old].s.release = false
	killedAt := clock.Now()
	rs[old].stop()
	var tookOver time.Duration
	for tookOver == 0 {
		step(t, clock, 4, 5*time.Second)
		settle(t, clock, 4) // the lease rounds this advance woke are done
		if who, ok := ev.newLeader(); ok {
			if who == fmt.Sprintf("replica-%d", old) {
				t.Fatal("the killed replica leads again")
			}
			tookOver = clock.Now().Sub(killedAt)
		} else if clock.Now().Sub(killedAt) > time.Minute {
			t.Fatal("nobody took over within a minute")
		}
	}
	if tookOver > 15*time.Second {
		t.Errorf("took over after %s, want within the 15s TTL", tookOver)
	}
	for clock.Now().Before(t0.Add(2*time.Minute + 35*time.Second)) {
		step(t, clock, 4, 5*time.Second)
	}
	for _, slot := range []string{"2026-11-27T16:00:00Z", "2026-11-27T16:01:00Z"} {
		if who := ev.waitRun(t, slot).instance; who == fmt.Sprintf("replica-%d", old) {
			t.Errorf("slot %s ran on the killed replica", slot)
		}
		if n := rec.count(slot); n != 1 {
			t.Errorf("slot %s ran %d times", slot, n)
		}
	}
}

func TestGracefulStopHandsOverAtOnce(t *testing.T) {
	db := storagetest.New(t)
	clock := clockwork.NewFakeClockAt(t0)
	evA, evB := newEvents(), newEvents()
	a := start(t, db, clock, evA, "a")
	evA.waitLeader(t)
	b := start(t, db, clock, evB, "b")
	a.stop() // releases the lease
	step(t, clock, 1, 5*time.Second)
	evB.waitLeader(t)
	if b.s.IsLeader(context.Background()) != nil {
		t.Fatal("b reported leading but IsLeader says no")
	}
}

func TestJobNeverOverlapsItself(t *testing.T) {
	db := storagetest.New(t)
	clock := clockwork.NewFakeClockAt(t0)
	rec := newRuns()
	ev := newEvents()
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	start(t, db, clock, ev, "solo", rec.job("slow", "solo", clock, func(ctx context.Context) error {
		started <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}))
	ev.waitLeader(t)
	for clock.Now().Before(t0.Add(35 * time.Second)) {
		step(t, clock, 2, 5*time.Second)
	}
	<-started // 15:59 runs and blocks
	for clock.Now().Before(t0.Add(95 * time.Second)) {
		step(t, clock, 3, 5*time.Second) // 16:00 fires while 15:59 still runs (3: its heartbeat too)
	}
	// Parked again means gocron has decided about 16:00 (skipped).
	settle(t, clock, 3)
	close(release)
	if r := ev.waitRun(t, "2026-11-27T15:59:00Z"); r.err != nil {
		t.Fatalf("15:59: %v", r.err)
	}
	// The next slot finds the job idle and runs it.
	next := clock.Now().Truncate(time.Minute).Add(time.Minute)
	for clock.Now().Before(next) {
		step(t, clock, 2, 5*time.Second)
	}
	select {
	case <-started:
	case <-time.After(signalTimeout):
		t.Fatal("the job never ran again after the slow run ended")
	}
	ev.waitRun(t, next.Format(time.RFC3339))
	got := rec.snapshot()
	if len(got["2026-11-27T16:00:00Z"]) != 0 {
		t.Errorf("the 16:00 slot ran while 15:59 was still running: %v", got)
	}
	if len(got["2026-11-27T15:59:00Z"]) != 1 || len(got) != 2 {
		t.Errorf("runs = %v, want 15:59 and one later slot once each", got)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.maxRun != 1 {
		t.Errorf("%d runs at once", rec.maxRun)
	}
}

func TestShutdownWaitsForRunningJobs(t *testing.T) {
	db := storagetest.New(t)
	clock := clockwork.NewFakeClockAt(t0)
	started := make(chan struct{})
	var finished bool
	ev := newEvents()
	s, err := New(Options{DB: db, Instance: "solo", Clock: clock, StopTimeout: 5 * time.Second,
		OnLeaderChange: func(leading bool) { ev.leader <- leaderEvent{"solo", leading} }},
		Job{Name: "long", Schedule: Every(time.Minute), Run: func(ctx context.Context) error {
			close(started)
			<-ctx.Done() // the shutdown context reaches the job
			// Work after cancellation that shutdown must wait for.
			for i := 0; i < 1000; i++ {
				_ = fmt.Sprint(i)
			}
			finished = true
			return ctx.Err()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	ev.waitLeader(t)
	for clock.Now().Before(t0.Add(35 * time.Second)) {
		step(t, clock, 2, 5*time.Second)
	}
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !finished {
		t.Fatal("Run returned before the running job finished")
	}
	claims, err := storage.JobClaims(context.Background(), db, "long", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) != 1 || claims[0].Status != "failed" || claims[0].Error != context.Canceled.Error() || claims[0].FinishedAt == nil {
		t.Fatalf("claims = %+v, want one finished run recorded as cancelled", claims)
	}
}
