package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
	"github.com/tallyhq/tally/export"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/sandbox"
)

// stageRoster reads the organisation from BambooHR, then lets webhooks
// bring a few changes: hires, a promotion with a rate change, a backdated
// rate change and a termination.
func (d *demo) stageRoster(ctx context.Context) error {
	rep, err := d.app.workers.reconciler.Run(ctx)
	if err != nil {
		return err
	}
	d.printf("reconciliation: %d employees from BambooHR (%d created), %d rates, %d Slack identities matched by email, %d BambooHR call(s), %d Slack users listed\n",
		rep.Employees, rep.Created, rep.RatesWritten, rep.SlackChanged, rep.BambooCalls, rep.SlackUsers)

	sender := sandbox.NewBambooWebhookSender(d.app.WebhookURL(), []byte("sandbox-demo-secret"))
	sender.Now = d.clock.Now
	send := func(body []byte) error {
		status, err := sender.Send(ctx, body)
		if err != nil {
			return err
		}
		if status != 200 {
			return fmt.Errorf("webhook answered %d", status)
		}
		return nil
	}
	devs := d.developers()
	if len(devs) < 4 {
		return fmt.Errorf("organisation too small for the roster stage")
	}
	manager := d.people[0]
	for _, p := range d.people {
		if p.Manager {
			manager = p
			break
		}
	}
	// Three hires, each with Slack and Toggl accounts on the same email.
	for i, name := range [][2]string{{"Noor", "Haddad"}, {"Pavel", "Novak"}, {"Imani", "Okafor"}} {
		email := strings.ToLower(name[0]+"."+name[1]) + ".new@example.com"
		id := d.bamboo.AddEmployee(sandbox.BambooEmployee{FirstName: name[0], LastName: name[1], WorkEmail: email,
			JobTitle: "Software Engineer", Department: manager.Department, SupervisorID: manager.BambooID,
			EmploymentStatus: "Full-Time", HireDate: d.week.Start.Format(time.DateOnly)})
		if err := d.bamboo.SetRate(id, d.week.Start, "105.00", "EUR"); err != nil {
			return err
		}
		slackID := fmt.Sprintf("U0NEWHIRE%d", i+1)
		d.slack.AddUser(sandbox.SlackUser{ID: slackID, Name: strings.ToLower(name[0]), RealName: name[0] + " " + name[1], Email: email, TZ: "Europe/Berlin", TZOffset: zoneOffset("Europe/Berlin", d.clock.Now())})
		d.toggl.AddUser(sandbox.TogglUser{ID: int64(9_000_001 + i), Email: email, FirstName: name[0], LastName: name[1], Timezone: "Europe/Berlin", OffsetSecs: zoneOffset("Europe/Berlin", d.clock.Now())})
		if err := send(sandbox.BambooEventPayload("created", id, d.clock.Now())); err != nil {
			return err
		}
	}
	// A promotion with a rate change, field-based.
	promoted := devs[0]
	if err := d.bamboo.UpdateEmployee(promoted.BambooID, func(e *sandbox.BambooEmployee) { e.JobTitle = "Senior " + e.JobTitle }); err != nil {
		return err
	}
	if err := d.bamboo.SetRate(promoted.BambooID, d.week.Start, bumpRate(promoted.Rate, 1.15), promoted.Currency); err != nil {
		return err
	}
	rateField := d.bamboo.RateField()
	promo := d.bamboo.FieldChangeFor(promoted.BambooID, "Updated", "Job Title", rateField)
	promo.Fields["Effective Date"] = d.week.Start.Format(time.DateOnly)
	if err := send(sandbox.BambooFieldPayload(d.clock.Now(), promo)); err != nil {
		return err
	}
	// A rate change recorded late for the previous week: it re-prices
	// entries already synced, without a re-sync.
	backdated := devs[1]
	if err := d.bamboo.SetRate(backdated.BambooID, d.week.Prev().Start, bumpRate(backdated.Rate, 1.10), backdated.Currency); err != nil {
		return err
	}
	late := d.bamboo.FieldChangeFor(backdated.BambooID, "Updated", rateField)
	late.Fields["Effective Date"] = d.week.Prev().Start.Format(time.DateOnly)
	late.Wrapped = true
	if err := send(sandbox.BambooFieldPayload(d.clock.Now(), late)); err != nil {
		return err
	}
	// A termination, event-based (no values: tally fetches the record).
	leaver := devs[2]
	if err := d.bamboo.Terminate(leaver.BambooID, d.week.Start.AddDate(0, 0, 2)); err != nil {
		return err
	}
	if err := send(sandbox.BambooEventPayload("updated", leaver.BambooID, d.clock.Now(), "status", "terminationDate")); err != nil {
		return err
	}
	if err := d.waitInboxDrained(ctx, 6); err != nil {
		return err
	}
	var active, contractors, managers, slackOK int
	err = d.app.db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE active), count(*) FILTER (WHERE active AND is_contractor),
		count(DISTINCT supervisor_bamboo_id) FILTER (WHERE supervisor_bamboo_id <> ''), count(*) FILTER (WHERE active AND slack_user_id IS NOT NULL)
		FROM employees WHERE deleted_at IS NULL`).Scan(&active, &contractors, &managers, &slackOK)
	if err != nil {
		return err
	}
	d.printf("webhooks: 3 hires, a promotion (%s %s, rate %s → %s %s), a rate backdated to %s (%s %s), a termination (%s %s) — stored, then applied\n",
		promoted.FirstName, promoted.LastName, promoted.Rate, bumpRate(promoted.Rate, 1.15), promoted.Currency,
		d.week.Prev().Start.Format("2 Jan"), backdated.FirstName, backdated.LastName, leaver.FirstName, leaver.LastName)
	d.printf("roster: %d active (%d contractors, %d managers), %d linked to Slack\n", active, contractors, managers, slackOK)
	return nil
}

// waitInboxDrained waits until n webhook deliveries are stored and none is
// pending.
func (d *demo) waitInboxDrained(ctx context.Context, n int) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var total, pending int
		if err := d.app.db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'pending') FROM webhook_inbox`).Scan(&total, &pending); err != nil {
			return err
		}
		if total >= n && pending == 0 {
			return nil
		}
		d.app.workers.processor.Wake()
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("webhook inbox not drained in 30s")
}

func bumpRate(rate string, factor float64) string {
	var v float64
	if _, err := fmt.Sscanf(rate, "%f", &v); err != nil {
		return rate
	}
	return fmt.Sprintf("%.2f", v*factor)
}

// developers are the generated people who are not managers.
func (d *demo) developers() []sandbox.BambooPerson {
	var out []sandbox.BambooPerson
	for _, p := range d.people {
		if !p.Manager {
			out = append(out, p)
		}
	}
	return out
}

// stageSync runs the nightly full sync, then links Toggl identities.
func (d *demo) stageSync(ctx context.Context) error {
	res, err := d.app.workers.engine.RunFull(ctx)
	if err != nil {
		return err
	}
	rep, err := d.app.workers.reconciler.Run(ctx)
	if err != nil {
		return err
	}
	d.printf("full sync of %s–%s: %d entries read in %d pages (%d requests, %d of the hourly quota), %d stored, %d running timers skipped\n",
		res.From.Format("2 Jan"), res.To.Format("2 Jan"), res.Seen, res.Pages, res.Requests, res.QuotaUsed, res.Inserted, res.Skipped)
	d.printf("Toggl identities linked by email: %d; open roster problems: %d\n", rep.TogglChanged, len(rep.OpenProblems))
	again, err := d.app.workers.engine.RunFull(ctx)
	if err != nil {
		return err
	}
	d.printf("a second full sync rewrote %d rows (inserted %d, updated %d): nothing changed, nothing written\n", again.Inserted+again.Updated, again.Inserted, again.Updated)
	d.facts.unallocatedBefore, err = d.unallocatedShare(ctx)
	if err != nil {
		return err
	}
	d.printf("unallocated: %.1f%% of this week's hours have no project\n", d.facts.unallocatedBefore)
	return nil
}

func (d *demo) unallocatedShare(ctx context.Context) (float64, error) {
	var unalloc, total float64
	err := d.app.db.QueryRow(ctx, `SELECT coalesce(sum(duration_secs) FILTER (WHERE project_id IS NULL), 0), coalesce(sum(duration_secs), 0)
		FROM time_entries WHERE deleted_at IS NULL AND local_date BETWEEN $1 AND $2`, d.week.Start, d.week.End()).Scan(&unalloc, &total)
	return share(unalloc, total), err
}

// stageDevelopers has one developer go through the week by hand — the
// /timesheet view, two Confirm clicks, a project pick, /confirm-all — and
// the rest act on their Friday DM: most pick projects and confirm all,
// some only confirm, some ignore it.
func (d *demo) stageDevelopers(ctx context.Context) error {
	d.clock.Set(d.week.Start.AddDate(0, 0, 4).Add(17 * time.Hour))
	devs := d.activeDevelopers(ctx)
	if len(devs) == 0 {
		return fmt.Errorf("no developers to act")
	}
	star := devs[0]
	msg, surface, err := d.slash(ctx, star.SlackID, "/timesheet", "")
	if err != nil {
		return err
	}
	d.printf("%s %s types /timesheet and sees (ephemeral):\n", star.FirstName, star.LastName)
	d.indent(blocks.RenderText(msg))
	confirmed := 0
	for _, el := range findElements(msg, blocks.ActionConfirmEntry) {
		if confirmed == 2 {
			break
		}
		if _, err := d.slack.BlockAction(ctx, star.SlackID, sandbox.BlockActionSpec{ActionID: blocks.ActionConfirmEntry, BlockID: el.blockID, ChannelID: surface.Channel, MessageTS: surface.TS}); err != nil {
			return err
		}
		confirmed++
	}
	picked := 0
	for _, el := range findElements(msg, blocks.ActionAssignProject) {
		if len(el.options) == 0 {
			continue
		}
		if _, err := d.slack.BlockAction(ctx, star.SlackID, sandbox.BlockActionSpec{ActionID: blocks.ActionAssignProject, BlockID: el.blockID, SelectedOption: el.options[0], ChannelID: surface.Channel, MessageTS: surface.TS}); err != nil {
			return err
		}
		picked++
		break
	}
	d.printf("…clicks Confirm on %d entries and picks a project for %d unallocated entry; the message redraws in place.\n", confirmed, picked)
	if msg, _, err = d.slash(ctx, star.SlackID, "/confirm-all", ""); err != nil {
		return err
	}
	d.printf("then /confirm-all answers:\n")
	d.indent(firstLines(blocks.RenderText(msg), 6))
	d.facts.confirmedBy++
	d.facts.projectsAssigned += picked

	rng := rand.New(rand.NewPCG(d.opts.seed, 42)) //nolint:gosec // G404: seeded on purpose so a demo run is reproducible
	var assignedAll, confirmOnly, ignored int
	for _, p := range devs[1:] {
		r := rng.Float64()
		switch {
		case r < 0.15:
			ignored++
			continue
		case r < 0.25:
			confirmOnly++
		default:
			n, err := d.assignAllProjects(ctx, p.SlackID)
			if err != nil {
				return err
			}
			d.facts.projectsAssigned += n
			assignedAll++
		}
		if _, err := d.slack.SlashCommand(ctx, p.SlackID, "/confirm-all", ""); err != nil {
			return err
		}
		d.facts.confirmedBy++
	}
	d.facts.ignored = ignored
	d.printf("the other %d developers: %d picked projects for every unallocated entry and confirmed all, %d only confirmed what they could, %d ignored tally this week\n",
		len(devs)-1, assignedAll, confirmOnly, ignored)
	d.printf("projects assigned from Slack: %d (each queued for Toggl)\n", d.facts.projectsAssigned)
	return nil
}

// assignAllProjects opens the person's week and picks a project for every
// unallocated entry (their most recent project first, as the picker offers).
func (d *demo) assignAllProjects(ctx context.Context, slackID string) (int, error) {
	msg, surface, err := d.slash(ctx, slackID, "/timesheet", "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, el := range findElements(msg, blocks.ActionAssignProject) {
		if len(el.options) == 0 {
			continue
		}
		if _, err := d.slack.BlockAction(ctx, slackID, sandbox.BlockActionSpec{ActionID: blocks.ActionAssignProject, BlockID: el.blockID, SelectedOption: el.options[0], ChannelID: surface.Channel, MessageTS: surface.TS}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// activeDevelopers are the developers still employed and linked to Slack.
func (d *demo) activeDevelopers(ctx context.Context) []sandbox.BambooPerson {
	rows, err := d.app.db.Query(ctx, `SELECT bamboo_id FROM employees WHERE active AND deleted_at IS NULL AND slack_user_id IS NOT NULL AND toggl_user_id IS NOT NULL`)
	if err != nil {
		return nil
	}
	ok := map[string]bool{}
	for rows.Next() {
		var id string
		if rows.Scan(&id) == nil {
			ok[id] = true
		}
	}
	rows.Close()
	var out []sandbox.BambooPerson
	for _, p := range d.developers() {
		if ok[p.BambooID] {
			out = append(out, p)
		}
	}
	return out
}

// stageWriteback drains the Toggl outbox: confirmed tags in bulk PATCHes,
// project changes as PUTs.
func (d *demo) stageWriteback(ctx context.Context) error {
	total := 0
	for i := 0; i < 50; i++ {
		n, err := d.app.workers.writeback.RunOnce(ctx)
		if err != nil {
			return err
		}
		total += n
		var pending int
		if err := d.app.db.QueryRow(ctx, `SELECT count(*) FROM toggl_outbox WHERE status = 'pending'`).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			break
		}
	}
	writes := d.toggl.Writes()
	var patches, puts int
	for _, w := range writes {
		if w.Method == "PATCH" {
			patches++
		} else {
			puts++
		}
	}
	d.facts.togglWrites = len(writes)
	d.printf("%d outbox rows written to Toggl with %d bulk PATCH and %d PUT requests (confirmed tags, project changes)\n", total, patches, puts)
	// Toggl now returns the assigned projects; the next incremental sync
	// sees them and keeps the confirmations (same content).
	res, err := d.app.workers.engine.RunIncremental(ctx)
	if err != nil {
		return err
	}
	d.printf("incremental sync afterwards: %d requests, %d entries updated, %d confirmations voided\n", res.Requests, res.Updated, res.Voided)
	return nil
}

// stageApprovals has a manager open their home, approve three confirmed
// weeks and reject one with a reason; then HR opens theirs.
func (d *demo) stageApprovals(ctx context.Context) error {
	d.clock.Set(d.week.Next().Start.Add(10 * time.Hour))
	type candidate struct {
		manager sandbox.BambooPerson
		ready   []int64 // reports with a fully confirmed week
		other   []int64
	}
	var best candidate
	for _, m := range d.people {
		if !m.Manager {
			continue
		}
		rows, err := d.app.db.Query(ctx, `
			SELECT e.id, bool_and(c.id IS NOT NULL) AND count(te.id) > 0
			FROM employees e
			JOIN time_entries te ON te.employee_id = e.id AND te.deleted_at IS NULL AND te.local_date BETWEEN $2 AND $3
			LEFT JOIN confirmations c ON c.entry_id = te.id AND c.voided_at IS NULL AND c.content_hash = te.content_hash
			WHERE e.supervisor_bamboo_id = $1 AND e.active
			GROUP BY e.id ORDER BY e.id`, m.BambooID, d.week.Start, d.week.End())
		if err != nil {
			return err
		}
		c := candidate{manager: m}
		for rows.Next() {
			var id int64
			var ready bool
			if err := rows.Scan(&id, &ready); err != nil {
				rows.Close()
				return err
			}
			if ready {
				c.ready = append(c.ready, id)
			} else {
				c.other = append(c.other, id)
			}
		}
		rows.Close()
		if len(c.ready) > len(best.ready) {
			best = c
		}
	}
	if len(best.ready) < 2 {
		return fmt.Errorf("no manager has confirmed weeks to approve")
	}
	m := best.manager
	if _, err := d.slack.OpenHome(ctx, m.SlackID); err != nil {
		return err
	}
	if _, err := d.waitHome(ctx, m.SlackID, 1); err != nil {
		return err
	}
	// It is Monday: the home opens on the new week; last week is one click back.
	if _, err := d.slack.BlockAction(ctx, m.SlackID, sandbox.BlockActionSpec{ActionID: blocks.ActionHomeWeekPrev, Home: true}); err != nil {
		return err
	}
	home, err := d.waitHome(ctx, m.SlackID, 2)
	if err != nil {
		return err
	}
	d.printf("%s %s (manager) opens the App Home on Monday and steps back to last week:\n", m.FirstName, m.LastName)
	d.indent(firstLines(blocks.RenderText(home), 28))
	approveN := 3
	if len(best.ready) <= approveN {
		approveN = len(best.ready) - 1
	}
	for _, id := range best.ready[:approveN] {
		value := blocks.PersonWeekValue(id, d.week)
		if _, err := d.slack.BlockAction(ctx, m.SlackID, sandbox.BlockActionSpec{ActionID: blocks.ActionApproveWeek, Value: value, Home: true}); err != nil {
			return err
		}
		d.facts.approved++
	}
	reject := best.ready[approveN]
	value := blocks.PersonWeekValue(reject, d.week)
	if _, err := d.slack.BlockAction(ctx, m.SlackID, sandbox.BlockActionSpec{ActionID: blocks.ActionRejectWeek, Value: value, Home: true}); err != nil {
		return err
	}
	views := d.slack.OpenedViews()
	if len(views) == 0 {
		return fmt.Errorf("reject modal did not open")
	}
	reason := "Thursday's 'support' block belongs to the Apollo project, not Internal — please move it and confirm again."
	ack, err := d.slack.ViewSubmission(ctx, m.SlackID, views[len(views)-1].ID, blocks.CallbackRejectWeek, value,
		map[string]map[string]string{blocks.RejectReasonBlockID: {blocks.RejectReasonActionID: reason}})
	if err != nil {
		return err
	}
	if ack.ResponseAction() == "errors" {
		return fmt.Errorf("reject refused: %s", ack.Payload)
	}
	d.facts.rejected++
	d.printf("…approves %d confirmed weeks and rejects one with a reason (a modal; the reason is required).\n", d.facts.approved)
	if dm, ok := d.lastDMTo(ctx, reject); ok {
		d.printf("the developer whose week was sent back gets this DM:\n")
		d.indent(firstLines(blocks.RenderText(dm), 8))
	}
	if _, err := d.slack.OpenHome(ctx, demoHRAdmin); err != nil {
		return err
	}
	if _, err := d.waitHome(ctx, demoHRAdmin, 1); err != nil {
		return err
	}
	if _, err := d.slack.BlockAction(ctx, demoHRAdmin, sandbox.BlockActionSpec{ActionID: blocks.ActionHomeWeekPrev, Home: true}); err != nil {
		return err
	}
	hr, err := d.waitHome(ctx, demoHRAdmin, 2)
	if err != nil {
		return err
	}
	d.printf("HR opens the App Home and steps back to last week:\n")
	d.indent(firstLines(blocks.RenderText(hr), 30))
	return nil
}

// waitHome waits for the n-th published home view of a user and returns
// its blocks.
func (d *demo) waitHome(ctx context.Context, userID string, n int) ([]slack.Block, error) {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if views := d.slack.HomeViews(userID); len(views) >= n {
			return viewBlocks(views[len(views)-1])
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, fmt.Errorf("no home view published for %s", userID)
}

// lastDMTo returns the newest DM tally sent to an employee.
func (d *demo) lastDMTo(ctx context.Context, employeeID int64) ([]slack.Block, bool) {
	var slackID string
	if err := d.app.db.QueryRow(ctx, `SELECT coalesce(slack_user_id, '') FROM employees WHERE id = $1`, employeeID).Scan(&slackID); err != nil || slackID == "" {
		return nil, false
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if dms := d.slack.DMs(slackID); len(dms) > 0 {
			var bs slack.Blocks
			if json.Unmarshal(dms[len(dms)-1].Blocks, &bs) == nil && strings.Contains(string(dms[len(dms)-1].Blocks), "rejected") {
				return bs.BlockSet, true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, false
}

// stageExport writes the billing CSV of the week and summarises it.
func (d *demo) stageExport(ctx context.Context) error {
	// A fresh file with a random suffix: a fixed name in a shared temporary
	// directory could be a symlink planted by another user.
	f, err := os.CreateTemp("", "tally-demo-export-"+d.week.String()+"-*.csv")
	if err != nil {
		return err
	}
	path := f.Name()
	sum, err := export.Write(ctx, d.app.db, f, export.Options{From: d.week.Start, To: d.week.End()})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	d.facts.exportPath, d.facts.exportRows = path, sum.Rows
	d.printf("tally export --from %s --to %s → %s: %d rows, %s hours, %s confirmed; invoiceable (confirmed) %s of %s\n",
		d.week.Start.Format(time.DateOnly), d.week.End().Format(time.DateOnly), path, sum.Rows,
		export.Hours(sum.Seconds), export.Hours(sum.ConfirmedSeconds), sum.Confirmed, sum.All)
	d.facts.billable, err = d.billableByClient(ctx)
	return err
}

// billableByClient sums confirmed billable amounts per client and currency.
func (d *demo) billableByClient(ctx context.Context) (map[string]model.Amounts, error) {
	rows, err := d.app.db.Query(ctx, `
		SELECT coalesce(nullif(p.client_name, ''), '(no client)'), pe.currency, sum(pe.amount_minor)
		FROM priced_entries pe
		JOIN confirmations c ON c.entry_id = pe.id AND c.voided_at IS NULL AND c.content_hash = pe.content_hash
		LEFT JOIN toggl_projects p ON p.id = pe.project_id
		WHERE pe.deleted_at IS NULL AND pe.local_date BETWEEN $1 AND $2 AND pe.amount_minor > 0
		GROUP BY 1, 2`, d.week.Start, d.week.End())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]model.Amounts{}
	for rows.Next() {
		var client, cur string
		var minor int64
		if err := rows.Scan(&client, &cur, &minor); err != nil {
			return nil, err
		}
		if out[client] == nil {
			out[client] = model.Amounts{}
		}
		out[client][cur] += minor
	}
	return out, rows.Err()
}

// report prints what a manager would want to know at the end.
func (d *demo) report() {
	ctx := context.Background()
	after, _ := d.unallocatedShare(ctx)
	var total, confirmed float64
	_ = d.app.db.QueryRow(ctx, `
		SELECT coalesce(sum(te.duration_secs), 0), coalesce(sum(te.duration_secs) FILTER (WHERE c.id IS NOT NULL), 0)
		FROM time_entries te LEFT JOIN confirmations c ON c.entry_id = te.id AND c.voided_at IS NULL AND c.content_hash = te.content_hash
		WHERE te.deleted_at IS NULL AND te.local_date BETWEEN $1 AND $2`, d.week.Start, d.week.End()).Scan(&total, &confirmed)
	stats := d.app.workers.toggl.Stats()
	d.printf("━━ report for week %s\n", d.week.Label())
	d.printf("  unallocated hours     %5.1f%% after the sync → %5.1f%% now\n", d.facts.unallocatedBefore, after)
	d.printf("  confirmed hours       %5.1f%% (%d developers confirmed, %d ignored tally)\n", share(confirmed, total), d.facts.confirmedBy, d.facts.ignored)
	d.printf("  reminders             %d Friday DMs sent (%d people needed none), %d Monday digests\n", d.facts.remindersSent, d.facts.remindersSkipped, d.facts.digestsSent)
	d.printf("  approvals             %d approved, %d rejected with a reason\n", d.facts.approved, d.facts.rejected)
	d.printf("  invoiceable (confirmed billable) by client:\n")
	clients := make([]string, 0, len(d.facts.billable))
	for c := range d.facts.billable {
		clients = append(clients, c)
	}
	sort.Strings(clients)
	for _, c := range clients {
		d.printf("    %-28s %s\n", c, d.facts.billable[c])
	}
	d.printf("  Toggl                 %d requests (%d counted against the hourly quota), %d write-backs\n", stats.Requests, stats.QuotaUsed, d.facts.togglWrites)
	d.printf("  Slack                 %d Web API calls\n", d.slackCalls())
	d.printf("  export                %s (%d rows)\n", d.facts.exportPath, d.facts.exportRows)
	d.printf("  stages:\n")
	for _, s := range d.stages {
		d.printf("    %-48s %6.2fs\n", s.name, s.took.Seconds())
	}
}

// slackMethods are the Web API methods tally calls.
var slackMethods = []string{"auth.test", "apps.connections.open", "chat.postMessage", "chat.update", "chat.postEphemeral",
	"conversations.open", "conversations.history", "users.info", "users.lookupByEmail", "users.list", "views.publish",
	"views.open", "views.update", "files.getUploadURLExternal", "files.completeUploadExternal"}

func (d *demo) slackCalls() int {
	n := 0
	for _, m := range slackMethods {
		n += d.slack.CallCount(m)
	}
	return n
}

// slash types a slash command as a user and returns the ephemeral answer
// they see — from the ack, or from response_url when the answer was too
// big for an ack.
func (d *demo) slash(ctx context.Context, userID, command, text string) ([]slack.Block, sandbox.SlackMessage, error) {
	before := len(d.slack.Ephemerals(userID))
	if _, err := d.slack.SlashCommand(ctx, userID, command, text); err != nil {
		return nil, sandbox.SlackMessage{}, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if eph := d.slack.Ephemerals(userID); len(eph) > before {
			m := eph[len(eph)-1]
			var bs slack.Blocks
			if err := json.Unmarshal(m.Blocks, &bs); err != nil {
				return nil, m, fmt.Errorf("read %s answer: %w", command, err)
			}
			return bs.BlockSet, m, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil, sandbox.SlackMessage{}, fmt.Errorf("no answer to %s for %s", command, userID)
}

// viewBlocks reads the blocks of a published view.
func viewBlocks(raw json.RawMessage) ([]slack.Block, error) {
	var v struct {
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("read view: %w", err)
	}
	return v.Blocks.BlockSet, nil
}

// element is an interactive element found on a surface.
type element struct {
	blockID string
	value   string
	options []string
}

// findElements returns the elements with an action id, in order.
func findElements(bs []slack.Block, actionID string) []element {
	var out []element
	for _, b := range bs {
		switch sb := b.(type) {
		case *slack.SectionBlock:
			if sb.Accessory == nil {
				continue
			}
			if btn := sb.Accessory.ButtonElement; btn != nil && btn.ActionID == actionID {
				out = append(out, element{blockID: sb.BlockID, value: btn.Value})
			}
			if sel := sb.Accessory.SelectElement; sel != nil && sel.ActionID == actionID {
				e := element{blockID: sb.BlockID}
				for _, o := range sel.Options {
					e.options = append(e.options, o.Value)
				}
				for _, g := range sel.OptionGroups {
					for _, o := range g.Options {
						e.options = append(e.options, o.Value)
					}
				}
				out = append(out, e)
			}
		case *slack.ActionBlock:
			for _, el := range sb.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
					out = append(out, element{blockID: sb.BlockID, value: btn.Value})
				}
			}
		}
	}
	return out
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n… (%d more lines)", len(lines)-n)
}
