//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/clock"
	"github.com/tallyhq/tally/sandbox"
)

// delivery is one BambooHR webhook body and what applying it must leave.
type delivery struct {
	body     []byte
	bambooID string
	created  bool   // a hire: the employee must exist afterwards
	title    string // an update: the job title must be this afterwards
}

// webhookLoad is a burst of signed deliveries, each retried the way
// BambooHR retries (any answer but 2xx, or no answer, is tried again later).
type webhookLoad struct {
	w          *world
	deliveries []delivery

	mu        sync.Mutex
	accepted  map[int]bool // index → answered 200
	attempts  int
	refused   int // non-200 answers and connection errors, all retried
	firstFail map[int]int
	gaveUp    []int
}

// newWebhookLoad adds hires hires to the BambooHR and Slack fakes and
// changes the job title of updates existing people, returning the
// deliveries announcing them.
func newWebhookLoad(w *world, hires, updates int) *webhookLoad {
	l := &webhookLoad{w: w, accepted: map[int]bool{}, firstFail: map[int]int{}}
	// Bodies carry the event time in whole seconds; distinct times keep
	// distinct events' bodies distinct (identical bodies are one delivery).
	n := hires + updates
	at := func(i int) time.Time { return time.Now().Add(-time.Duration(n-i) * time.Second) }
	for i := 0; i < hires; i++ {
		email := fmt.Sprintf("hire%03d@example.com", i)
		id := w.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: "Hire", LastName: fmt.Sprintf("N%03d", i), WorkEmail: email,
			JobTitle: "Engineer", Department: "Platform", EmploymentStatus: "Full-Time", HireDate: "2024-01-01"})
		_ = w.bamboo.SetRate(id, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "100.00", "EUR")
		w.slack.AddUser(sandbox.SlackUser{ID: fmt.Sprintf("UH%05d", i), Name: fmt.Sprintf("hire%d", i), RealName: "Hire " + id, Email: email, TZ: "UTC"})
		l.deliveries = append(l.deliveries, delivery{body: sandbox.BambooEventPayload("created", id, at(i)), bambooID: id, created: true})
	}
	for i := 0; i < updates; i++ {
		p := w.people[i%len(w.people)]
		title := fmt.Sprintf("Engineer grade %d", i)
		_ = w.bamboo.UpdateEmployee(p.BambooID, func(e *sandbox.BambooEmployee) { e.JobTitle = title })
		l.deliveries = append(l.deliveries, delivery{body: sandbox.BambooEventPayload("updated", p.BambooID, at(hires+i), "jobTitle"),
			bambooID: p.BambooID, title: title})
	}
	// Only the last update of a person decides their title.
	last := map[string]int{}
	for i, d := range l.deliveries {
		if d.title != "" {
			last[d.bambooID] = i
		}
	}
	for i := range l.deliveries {
		if d := &l.deliveries[i]; d.title != "" && last[d.bambooID] != i {
			d.title = ""
		}
	}
	return l
}

// send delivers everything to url with workers senders, each pausing
// between deliveries; a refused delivery is retried with jittered backoff,
// at most for retryFor.
func (l *webhookLoad) send(ctx context.Context, url string, workers int, pause, retryFor time.Duration) {
	sender := sandbox.NewBambooWebhookSender(url, []byte(webhookSecret))
	sender.Client.Timeout = 5 * time.Second
	queue := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				l.deliver(ctx, sender, i, retryFor)
				_ = clock.Sleep(ctx, pause) // pacing the load
			}
		}()
	}
	for i := range l.deliveries {
		select {
		case queue <- i:
		case <-ctx.Done():
		}
	}
	close(queue)
	wg.Wait()
}

func (l *webhookLoad) deliver(ctx context.Context, sender *sandbox.BambooWebhookSender, i int, retryFor time.Duration) {
	deadline := time.Now().Add(retryFor)
	backoff := 200 * time.Millisecond
	for attempt := 1; ctx.Err() == nil && time.Now().Before(deadline); attempt++ {
		code, err := sender.Send(ctx, l.deliveries[i].body)
		l.mu.Lock()
		l.attempts++
		if err == nil && code == 200 {
			l.accepted[i] = true
			l.mu.Unlock()
			return
		}
		l.refused++
		if _, ok := l.firstFail[i]; !ok {
			l.firstFail[i] = code
		}
		l.mu.Unlock()
		_ = clock.Sleep(ctx, backoff/2+rand.N(backoff/2)) // the sender's backoff, as BambooHR's
		backoff = min(2*backoff, 2*time.Second)
	}
	l.mu.Lock()
	l.gaveUp = append(l.gaveUp, i)
	l.mu.Unlock()
}

func (l *webhookLoad) acceptedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accepted)
}

// applied reports whether every accepted delivery is processed (done in
// the inbox).
func (l *webhookLoad) applied() bool {
	l.mu.Lock()
	bodies := make([][]byte, 0, len(l.accepted))
	for i := range l.accepted {
		bodies = append(bodies, l.deliveries[i].body)
	}
	l.mu.Unlock()
	n, err := l.w.tryCount(`SELECT count(*) FROM webhook_inbox WHERE status = 'done' AND body = ANY($1)`, bodies)
	return err == nil && n >= len(bodies)
}

// verify checks each delivery answered 200 is in the inbox exactly once,
// processed, and applied.
func (l *webhookLoad) verify(t *testing.T) (accepted, lost, duplicated int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, d := range l.deliveries {
		if !l.accepted[i] {
			continue
		}
		accepted++
		rows := l.w.count(`SELECT count(*) FROM webhook_inbox WHERE body = $1`, d.body)
		done := l.w.count(`SELECT count(*) FROM webhook_inbox WHERE body = $1 AND status = 'done'`, d.body)
		switch {
		case rows == 0 || done == 0:
			lost++
			t.Logf("delivery %d (%s): %d inbox rows, %d done", i, d.bambooID, rows, done)
			continue
		case rows > 1:
			duplicated += rows - 1
		}
		if d.created && l.w.count(`SELECT count(*) FROM employees WHERE bamboo_id = $1 AND slack_user_id IS NOT NULL`, d.bambooID) != 1 {
			lost++
			t.Logf("hire %s not applied", d.bambooID)
		}
		if d.title != "" && l.w.count(`SELECT count(*) FROM employees WHERE bamboo_id = $1 AND job_title = $2`, d.bambooID, d.title) != 1 {
			lost++
			t.Logf("job title of %s not applied (want %q)", d.bambooID, d.title)
		}
	}
	if parked := l.w.count(`SELECT count(*) FROM webhook_inbox WHERE status <> 'done'`); parked > 0 {
		t.Logf("%d inbox rows not done", parked)
	}
	return accepted, lost, duplicated
}

// refusedSummary says how deliveries were refused before being accepted.
func (l *webhookLoad) refusedSummary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	codes := map[int]int{}
	for _, c := range l.firstFail {
		codes[c]++
	}
	var parts []string
	for c, n := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%d first refused with %s", n, name))
	}
	if len(parts) == 0 {
		return "none refused"
	}
	return strings.Join(parts, ", ")
}
