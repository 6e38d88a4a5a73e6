package roster_test

import (
	"testing"

	"github.com/tallyhq/tally/sandbox"
)

// TestRetriesResumeWhenBambooHRAnswersAgain: a delivery refused while
// BambooHR answered 503 waits out its backoff only while BambooHR is down;
// the first delivery processed after it answers again brings it forward, in
// the same drain, without the clock moving.
func TestRetriesResumeWhenBambooHRAnswersAgain(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	first := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Grace", LastName: "Hopper", WorkEmail: "grace.hopper@example.com"})
	second := r.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Alan", LastName: "Kay", WorkEmail: "alan.kay@example.com"})
	for _, id := range []string{first, second} {
		_ = r.bamboo.SetRate(id, r.clock.Now(), "90", "USD")
	}

	r.send(t, sandbox.BambooEventPayload("created", first, r.clock.Now()))
	r.bamboo.FailNext(3, 503, "") // every try of the client's one attempt
	r.drain(t)
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE status = 'pending' AND next_attempt_at > $1`, r.clock.Now()); n != 1 {
		t.Fatalf("refused delivery waiting out a backoff: %d rows, want 1", n)
	}

	// BambooHR answers again: the next delivery is processed, and so is the
	// one that was waiting.
	r.send(t, sandbox.BambooEventPayload("created", second, r.clock.Now()))
	r.drain(t)
	if n := count(t, r.db, `SELECT count(*) FROM webhook_inbox WHERE status = 'done'`); n != 2 {
		t.Fatalf("%d deliveries done after BambooHR answered again, want 2", n)
	}
	for _, id := range []string{first, second} {
		if e := employee(t, r.db, id); e.Email == "" {
			t.Fatalf("employee %s not applied", id)
		}
	}
}
