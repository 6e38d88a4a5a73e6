package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage"
)

// stageRoster reads the organisation from BambooHR, then lets webhooks
// bring a few changes: hires, a promotion with a rate change, a backdated
// rate change and a termination.
func (d *demo) stageRoster(ctx context.Context) error {
	rep, err := d.app.Reconcile(ctx)
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
	if err := d.waitInboxDrained(ctx); err != nil {
		return err
	}
	roster, err := d.app.DB().RosterSummary(ctx)
	if err != nil {
		return err
	}
	d.printf("webhooks: 3 hires, a promotion (%s %s, rate %s → %s %s), a rate backdated to %s (%s %s), a termination (%s %s) — stored, then applied\n",
		promoted.FirstName, promoted.LastName, promoted.Rate, bumpRate(promoted.Rate, 1.15), promoted.Currency,
		d.week.Prev().Start.Format("2 Jan"), backdated.FirstName, backdated.LastName, leaver.FirstName, leaver.LastName)
	d.printf("roster: %d active (%d contractors, %d managers), %d linked to Slack\n", roster.Active, roster.Contractors, roster.Managers, roster.LinkedToSlack)
	return nil
}

// waitInboxDrained waits until the webhook deliveries sent so far are
// handled: each sender.Send returned once its delivery was stored, so a
// drain of the inbox worker that starts afterwards sees every one of them.
// A delivery left pending failed and waits for a retry: that is an error
// here (the sandbox does not fail).
func (d *demo) waitInboxDrained(ctx context.Context) error {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := d.app.DrainInbox(wctx); err != nil {
		return fmt.Errorf("webhook inbox not drained: %w", err)
	}
	pending, _, err := storage.InboxCounts(ctx, d.app.DB())
	if err != nil {
		return err
	}
	if pending > 0 {
		return fmt.Errorf("webhook inbox not drained: %d deliveries left pending", pending)
	}
	return nil
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
	res, err := d.app.SyncFull(ctx)
	if err != nil {
		return err
	}
	rep, err := d.app.Reconcile(ctx)
	if err != nil {
		return err
	}
	d.printf("full sync of %s–%s: %d entries read in %d pages (%d requests, %d of the hourly quota), %d stored, %d running timers skipped\n",
		res.From.Format("2 Jan"), res.To.Format("2 Jan"), res.Seen, res.Pages, res.Requests, res.QuotaUsed, res.Inserted, res.Skipped)
	d.printf("Toggl identities linked by email: %d; open roster problems: %d\n", rep.TogglChanged, len(rep.OpenProblems))
	again, err := d.app.SyncFull(ctx)
	if err != nil {
		return err
	}
	d.printf("a second full sync rewrote %d rows (inserted %d, updated %d): nothing changed, nothing written\n", again.Inserted+again.Updated, again.Inserted, again.Updated)
	h, err := d.app.DB().HoursSummary(ctx, d.week.Start, d.week.End())
	if err != nil {
		return err
	}
	d.facts.unallocatedBefore, d.facts.unallocatedHours = share(h.Unallocated, h.Total), h.Unallocated/3600
	d.printf("unallocated: %.1f%% of this week's hours (%.2f h) have no project\n", d.facts.unallocatedBefore, d.facts.unallocatedHours)
	return nil
}
