//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/clock"
	"github.com/tallyhq/tally/sandbox"
)

// entryRef is a confirmable entry: allocated, with the hash its button carries.
type entryRef struct {
	id   int64
	hash string
}

// clicker drives people's Confirm clicks through the Slack fake's Socket
// Mode, on the ephemeral week message /timesheet showed each of them, and
// keeps what Slack saw acknowledged.
type clicker struct {
	w       *world
	users   []string
	entries map[string][]entryRef // Slack user → confirmable entries of w.week
	msgs    map[string]sandbox.SlackMessage
	pause   time.Duration // between one person's clicks

	mu          sync.Mutex
	sent        int
	acked       map[int64]int   // entry → acked clicks
	allAcked    map[string]bool // user → an acked Confirm all
	unacked     []clickSpec     // sent, never acknowledged (Slack gave up)
	notSent     int             // the button was gone (already confirmed and redrawn)
	redelivered int             // acknowledged only after Slack re-sent the envelope
}

// clickSpec is one click to repeat: an entry's Confirm (id != 0) or Confirm all.
type clickSpec struct {
	user string
	ref  entryRef
}

func newClicker(t *testing.T, w *world) *clicker {
	t.Helper()
	c := &clicker{w: w, entries: map[string][]entryRef{}, msgs: map[string]sandbox.SlackMessage{},
		acked: map[int64]int{}, allAcked: map[string]bool{}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := w.db.Query(ctx, `SELECT e.slack_user_id, t.id, t.content_hash FROM time_entries t JOIN employees e ON e.id = t.employee_id
		WHERE t.local_date >= $1 AND t.local_date < $1::date + 7 AND t.project_id IS NOT NULL AND t.deleted_at IS NULL
		ORDER BY e.slack_user_id, t.start_at`, w.week.Start)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var user string
		var r entryRef
		if err := rows.Scan(&user, &r.id, &r.hash); err != nil {
			t.Fatal(err)
		}
		if len(c.entries[user]) == 0 {
			c.users = append(c.users, user)
		}
		c.entries[user] = append(c.entries[user], r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(c.users) == 0 {
		t.Fatal("no confirmable entries")
	}
	return c
}

// openTimesheets runs /timesheet <week> for every user and keeps the
// ephemeral week message the buttons are clicked on.
func (c *clicker) openTimesheets(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(c.users))
	sem := make(chan struct{}, 8)
	for _, u := range c.users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ack, err := c.w.slack.SlashCommand(ctx, u, "/timesheet", c.w.week.Start.Format("2006-01-02"))
			if err != nil {
				errs <- fmt.Errorf("/timesheet for %s: %w", u, err)
				return
			}
			// A week message of 20 KB or more comes through response_url
			// after an empty ack.
			var ms []sandbox.SlackMessage
			tick := time.NewTicker(50 * time.Millisecond)
			deadline := time.After(20 * time.Second)
		wait:
			for {
				if ms = c.w.slack.Ephemerals(u); len(ms) > 0 {
					break
				}
				select {
				case <-tick.C:
				case <-deadline:
					break wait
				}
			}
			tick.Stop()
			if len(ms) == 0 {
				errs <- fmt.Errorf("no week message for %s: ack %.300s; %d response_url posts", u, ack.Payload, len(c.w.slack.ResponseURLPosts(u)))
				return
			}
			c.mu.Lock()
			c.msgs[u] = ms[len(ms)-1]
			c.mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// click sends one Confirm click (or Confirm all when ref.id is 0) and
// records the outcome.
func (c *clicker) click(ctx context.Context, s clickSpec) {
	c.mu.Lock()
	m := c.msgs[s.user]
	c.mu.Unlock()
	spec := sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmAll, ChannelID: m.Channel, MessageTS: m.TS}
	if s.ref.id != 0 {
		spec.ActionID = blocks.ActionConfirmEntry
		spec.BlockID = fmt.Sprintf("entry_%d", s.ref.id)
		spec.Value = blocks.EntryValue(s.ref.id, s.ref.hash)
	}
	ack, err := c.w.slack.BlockAction(ctx, s.user, spec)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil && strings.Contains(err.Error(), "slack fake: no element"):
		c.notSent++ // redrawn without the button: the entry was confirmed by an earlier click
	case err != nil:
		c.sent++
		c.unacked = append(c.unacked, s)
	default:
		c.sent++
		if ack.Attempt > 0 {
			c.redelivered++
		}
		if s.ref.id != 0 {
			c.acked[s.ref.id]++
		} else {
			c.allAcked[s.user] = true
		}
	}
}

// burst makes every user click: each entry in turn (every third one double
// clicked), and for every fourth user Confirm all halfway through. It
// returns when all clicks are answered or given up on.
func (c *clicker) burst(ctx context.Context) {
	var wg sync.WaitGroup
	for i, u := range c.users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refs := c.entries[u]
			for k, r := range refs {
				if ctx.Err() != nil {
					return
				}
				s := clickSpec{user: u, ref: r}
				if k%3 == 0 {
					var dw sync.WaitGroup
					dw.Add(2)
					go func() { defer dw.Done(); c.click(ctx, s) }()
					go func() { defer dw.Done(); c.click(ctx, s) }()
					dw.Wait()
				} else {
					c.click(ctx, s)
				}
				_ = clock.Sleep(ctx, c.pause) // a person's pace between clicks
				if i%4 == 0 && k == len(refs)/2 {
					c.click(ctx, clickSpec{user: u})
				}
			}
		}()
	}
	wg.Wait()
}

// ackedCount is how many clicks Slack saw acknowledged.
func (c *clicker) ackedCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.allAcked)
	for _, k := range c.acked {
		n += k
	}
	return n
}

// clickOutcome is what verify found.
type clickOutcome struct {
	accepted   int // acknowledged clicks
	lost       int // acknowledged, not saved, and the person was not told
	told       int // acknowledged with "your click was not saved, try again"
	duplicated int // entries with two confirmations or two tag writes queued
	unacked    int
}

// verify checks the database against what Slack saw acknowledged.
func (c *clicker) verify(t *testing.T) clickOutcome {
	t.Helper()
	live := c.liveConfirmations(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	var o clickOutcome
	o.unacked = len(c.unacked)
	missing := map[string]int{}
	for _, u := range c.users {
		for _, r := range c.entries[u] {
			n := c.acked[r.id]
			o.accepted += n
			if (n > 0 || c.allAcked[u]) && !live[r.id] {
				missing[u]++
			}
		}
		if c.allAcked[u] {
			o.accepted++
		}
	}
	for u, n := range missing {
		told := c.w.toldNotSaved(u)
		o.told += min(n, told)
		if n > told {
			o.lost += n - told
			t.Logf("%s: %d acknowledged clicks not saved, told %d times", u, n, told)
		}
	}
	o.duplicated = c.w.duplicateConfirmations(t)
	if n := c.w.untaggedConfirmations(); n > 0 {
		t.Logf("%d confirmations without a queued Toggl tag write", n)
		o.lost += n
	}
	return o
}

// liveConfirmations returns the entries with a live confirmation.
func (c *clicker) liveConfirmations(t *testing.T) map[int64]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := c.w.db.Query(ctx, `SELECT entry_id FROM confirmations WHERE voided_at IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out[id] = true
	}
	return out
}

// retryUnsaved is the person trying again, as Slack (unacknowledged
// envelopes) or tally's reply ("not saved, try again") asks: every entry
// clicked before and still unconfirmed is clicked once more. It returns how
// many such entries are still unconfirmed afterwards.
func (c *clicker) retryUnsaved(t *testing.T) (retried, stillMissing int) {
	t.Helper()
	live := c.liveConfirmations(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	c.mu.Lock()
	var todo []clickSpec
	for _, u := range c.users {
		for _, r := range c.entries[u] {
			if !live[r.id] {
				todo = append(todo, clickSpec{user: u, ref: r})
			}
		}
	}
	c.mu.Unlock()
	sem := make(chan struct{}, 8)
	for _, s := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c.click(ctx, s)
		}()
	}
	wg.Wait()
	live = c.liveConfirmations(t)
	for _, s := range todo {
		if !live[s.ref.id] {
			stillMissing++
		}
	}
	return len(todo), stillMissing
}

// toldNotSaved counts the replies telling user a click failed and to try
// again ("your click was not saved", "something went wrong … try again").
func (w *world) toldNotSaved(user string) int {
	n := 0
	for _, p := range w.slack.ResponseURLPosts(user) {
		if isRetryReply(p.Text) {
			n++
		}
	}
	for _, m := range w.slack.DMs(user) {
		if isRetryReply(m.Text) {
			n++
		}
	}
	return n
}

func isRetryReply(text string) bool {
	return strings.Contains(text, "not saved") || strings.Contains(text, "try again")
}

// duplicateConfirmations counts entries confirmed twice (no entry is edited
// in these scenarios, so every entry has at most one confirmation row) or
// with two confirmed-tag writes queued.
func (w *world) duplicateConfirmations(t *testing.T) int {
	t.Helper()
	return w.count(`SELECT count(*) FROM (SELECT entry_id FROM confirmations GROUP BY entry_id HAVING count(*) > 1) d`) +
		w.count(`SELECT count(*) FROM (SELECT entry_id FROM toggl_outbox WHERE op = 'tag_add' GROUP BY entry_id HAVING count(*) > 1) d`)
}

// untaggedConfirmations counts live confirmations whose confirmed-tag write
// to Toggl was never queued (a lost write-back).
func (w *world) untaggedConfirmations() int {
	return w.count(`SELECT count(*) FROM confirmations c WHERE c.voided_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM toggl_outbox o WHERE o.entry_id = c.entry_id AND o.op = 'tag_add')`)
}
