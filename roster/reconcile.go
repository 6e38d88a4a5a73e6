package roster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/tallyhq/tally/clock"
	"golang.org/x/time/rate"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/bamboo"
	"github.com/tallyhq/tally/model"
	"github.com/tallyhq/tally/storage"
)

// RosterReader is the part of the BambooHR API the reconciliation reads
// (*bamboo.Client).
type RosterReader interface {
	CustomReport(ctx context.Context, fields []string) ([]bamboo.Record, error)
	Table(ctx context.Context, employeeID, table string) ([]bamboo.Record, error)
	TableLister
}

// MaxSlackPageSize is the largest users.list page the reconciliation asks
// for: Slack's users.list reference recommends a limit of no more than 200
// (https://api.slack.com/methods/users.list, "limit"), following
// next_cursor for the rest.
const MaxSlackPageSize = 200

// MaxSlackLookups is how many people a run looks up one by one instead of
// listing the directory: a minute of users.lookupByEmail (Tier 3, 50+ a
// minute, EXTERNAL-APIS.md), against 50 users.list calls (Tier 2, 20+ a
// minute) for 10,000 people.
const MaxSlackLookups = 50

// Slack's documented limits for the two calls, which the reconciliation
// paces itself under instead of meeting 429s: users.list is Tier 2 (20+
// calls a minute), users.lookupByEmail Tier 3 (50+). A 429 still waits out
// its Retry-After.
const (
	slackListPerMinute   = 20
	slackLookupPerMinute = 50
)

// ReconcilerOptions tune the reconciliation.
type ReconcilerOptions struct {
	Now func() time.Time
	// Slack lists Slack users for the bulk identity match; nil skips Slack
	// (no_slack problems are then left as they are).
	Slack SlackDirectory
	// SlackPageSize is users.list's limit per page; default and maximum
	// MaxSlackPageSize, so 10,000 people take 50 calls.
	SlackPageSize int
	// SlackDirectoryEvery is how often the whole Slack directory is listed
	// (which also catches changed time zones and deactivated accounts).
	// A run sooner than that after the last listing looks up only the
	// people it created or changed who have no Slack identity
	// (users.lookupByEmail), when they are at most MaxSlackLookups; more,
	// and one listing costs fewer calls. Default 20 h: the nightly run
	// lists the directory, runs in between (a restart, tally roster by
	// hand) do not. New hires arriving by webhook are looked up as they
	// arrive (Processor).
	SlackDirectoryEvery time.Duration
	Cache               EmployeeCache
	Logger              *zap.Logger
}

// Reconciler reads every employee from BambooHR (active and inactive) and
// corrects whatever drift the webhooks missed, then re-joins identities.
// It writes one audit row per real change and none when nothing changed.
type Reconciler struct {
	db       *storage.DB
	src      RosterReader
	settings Settings
	opts     ReconcilerOptions
	log      *zap.Logger
	// listPace and lookupPace keep the Slack calls under their tiers.
	listPace, lookupPace *rate.Limiter
}

// ReconcileReport says what one reconciliation did.
type ReconcileReport struct {
	Employees        int // employees BambooHR reported
	Created          int
	Updated          int
	Deleted          int // stored employees BambooHR no longer has
	RatesWritten     int
	SlackChanged     int // employees whose Slack identity changed
	TogglChanged     int // employees whose Toggl identity changed
	ProblemsOpened   int
	ProblemsResolved int
	OpenProblems     []storage.RosterProblem
	BambooCalls      int // BambooHR API calls made (before retries)
	SlackUsers       int // Slack users listed (0 when the directory was not listed)
	SlackLookups     int // people looked up by email instead
	SlackCalls       int // users.list and users.lookupByEmail calls made, refused ones included
	Duration         time.Duration
}

// NewReconciler builds the reconciliation. src is normally the
// *bamboo.Client.
func NewReconciler(db *storage.DB, src RosterReader, s Settings, opts ReconcilerOptions) *Reconciler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SlackPageSize <= 0 || opts.SlackPageSize > MaxSlackPageSize {
		opts.SlackPageSize = MaxSlackPageSize
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if opts.SlackDirectoryEvery <= 0 {
		opts.SlackDirectoryEvery = 20 * time.Hour
	}
	return &Reconciler{db: db, src: src, settings: s, opts: opts, log: log.Named("reconcile"),
		listPace:   slackPace(slackListPerMinute),
		lookupPace: slackPace(slackLookupPerMinute)}
}

// Run reconciles the whole roster once.
func (r *Reconciler) Run(ctx context.Context) (ReconcileReport, error) {
	start := r.opts.Now()
	var rep ReconcileReport
	records, err := r.src.CustomReport(ctx, r.settings.Fields())
	rep.BambooCalls++
	if err != nil {
		return rep, err
	}
	h, err := resolveHistory(ctx, r.src, r.settings)
	if r.settings.RateTable == "" {
		rep.BambooCalls++
	}
	if err != nil {
		return rep, err
	}
	// tables[table][employee id] are the employee's rows of a history table.
	tables := map[string]map[string][]bamboo.Record{}
	for _, hs := range h.sources() {
		rows, err := r.src.Table(ctx, "all", hs.table)
		rep.BambooCalls++
		if err != nil {
			return rep, err
		}
		byEmp := map[string][]bamboo.Record{}
		for _, row := range rows {
			id := row.Get("employeeId")
			byEmp[id] = append(byEmp[id], row)
		}
		tables[hs.table] = byEmp
	}
	rep.Employees = len(records)
	changedEmps, err := r.applyRecords(ctx, records, h, tables, start, &rep)
	if err != nil {
		return rep, err
	}
	changedIDs := make(map[string]bool, len(changedEmps))
	for _, e := range changedEmps {
		changedIDs[e.BambooID] = true
	}
	if err := r.identities(ctx, start, changedIDs, &rep); err != nil {
		return rep, err
	}
	if r.opts.Cache != nil {
		for _, e := range changedEmps {
			logCacheError(r.log, r.opts.Cache.EmployeeChanged(ctx, e), e.BambooID)
		}
	}
	rep.OpenProblems, err = storage.ListRosterProblems(ctx, r.db, false)
	if err != nil {
		return rep, err
	}
	rep.Duration = r.opts.Now().Sub(start)
	r.log.Info("roster reconciled", zap.Int("employees", rep.Employees), zap.Int("created", rep.Created),
		zap.Int("updated", rep.Updated), zap.Int("deleted", rep.Deleted), zap.Int("rates", rep.RatesWritten),
		zap.Int("slack_changed", rep.SlackChanged), zap.Int("toggl_changed", rep.TogglChanged),
		zap.Int("open_problems", len(rep.OpenProblems)), zap.Duration("took", rep.Duration))
	return rep, nil
}

// applyRecords writes employee, deletion and rate drift in one transaction.
func (r *Reconciler) applyRecords(ctx context.Context, records []bamboo.Record, h history, tables map[string]map[string][]bamboo.Record, now time.Time, rep *ReconcileReport) ([]model.Employee, error) {
	today := dayOf(now)
	var changed []model.Employee
	err := r.db.InTx(ctx, func(tx storage.Tx) error {
		stored, err := storage.ListEmployees(ctx, tx)
		if err != nil {
			return err
		}
		byID := make(map[string]*storage.StoredEmployee, len(stored))
		for i := range stored {
			byID[stored[i].BambooID] = &stored[i]
		}
		if len(records) == 0 && len(stored) > 0 {
			return fmt.Errorf("bamboohr reported no employees while %d are stored: refusing to delete everyone", len(stored))
		}
		emps, dupProblems := r.employees(records, byID, today)
		var writes []storage.EmployeeWrite
		for _, e := range emps {
			st := byID[e.BambooID]
			if st != nil && st.DeletedAt == nil && sameEmployee(st.Employee, e) {
				continue
			}
			writes = append(writes, storage.EmployeeWrite{Before: st, After: e})
			if st == nil {
				rep.Created++
			} else {
				rep.Updated++
			}
			changed = append(changed, e)
		}
		ids, err := storage.SaveEmployees(ctx, tx, writes, rosterActor)
		if err != nil {
			return err
		}
		idOf := make(map[string]int64, len(stored)+len(ids))
		for _, s := range stored {
			idOf[s.BambooID] = s.ID
		}
		for i, w := range writes {
			idOf[w.After.BambooID] = ids[i]
		}
		inReport := make(map[string]bool, len(emps))
		for _, e := range emps {
			inReport[e.BambooID] = true
		}
		for _, s := range stored {
			if s.DeletedAt == nil && !inReport[s.BambooID] {
				ok, err := storage.MarkEmployeeDeleted(ctx, tx, s.BambooID, now, rosterActor)
				if err != nil {
					return err
				}
				if ok {
					rep.Deleted++
				}
			}
		}
		history, err := storage.ListRates(ctx, tx)
		if err != nil {
			return err
		}
		var rateWrites []storage.RateWrite
		problems := dupProblems
		for i, e := range emps {
			id := idOf[e.BambooID]
			hs, ok := h.of(r.settings, e)
			obs := r.settings.observeRates(e, records[i], hs, ok, tables[hs.table][e.BambooID], today, "reconcile")
			rateWrites = append(rateWrites, planRates(id, e.BambooID, history[id], firstRateFromHire(history[id], obs.rows, e.HireDate))...)
			if obs.problem != nil && e.Active {
				problems = append(problems, storage.RosterProblem{Kind: obs.problem.kind, Subject: e.BambooID, EmployeeID: id, Detail: obs.problem.detail})
			}
		}
		for i := range problems {
			problems[i].EmployeeID = idOf[problems[i].Subject]
		}
		if err := storage.SaveRates(ctx, tx, rateWrites, rosterActor); err != nil {
			return err
		}
		rep.RatesWritten = len(rateWrites)
		kinds := append([]string{storage.ProblemDuplicateEmail}, rateKinds...)
		opened, resolved, err := storage.SyncRosterProblems(ctx, tx, storage.ProblemScope{Kinds: kinds}, problems, now)
		rep.ProblemsOpened += opened
		rep.ProblemsResolved += resolved
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile employees: %w", err)
	}
	return changed, nil
}

// employees maps report records to employees, in the report's order. When
// several people share a work email, the one already holding it (else the
// lowest id) keeps it and the others are stored without one and listed as
// duplicate_email problems.
func (r *Reconciler) employees(records []bamboo.Record, stored map[string]*storage.StoredEmployee, today time.Time) ([]model.Employee, []storage.RosterProblem) {
	emps := make([]model.Employee, len(records))
	byEmail := map[string][]int{}
	for i, rec := range records {
		emps[i] = employeeFromRecord(rec.Get("id"), rec, today)
		if emps[i].Email != "" {
			byEmail[emps[i].Email] = append(byEmail[emps[i].Email], i)
		}
	}
	var problems []storage.RosterProblem
	for email, idx := range byEmail {
		if len(idx) < 2 {
			continue
		}
		sort.Slice(idx, func(a, b int) bool {
			ea, eb := emps[idx[a]], emps[idx[b]]
			ha := stored[ea.BambooID] != nil && stored[ea.BambooID].Email == email
			hb := stored[eb.BambooID] != nil && stored[eb.BambooID].Email == email
			if ha != hb {
				return ha
			}
			return numericLess(ea.BambooID, eb.BambooID)
		})
		for _, i := range idx[1:] {
			emps[i].Email = ""
			problems = append(problems, storage.RosterProblem{Kind: storage.ProblemDuplicateEmail, Subject: emps[i].BambooID,
				Detail: fmt.Sprintf("work email %s is also used by BambooHR employee %s", email, emps[idx[0]].BambooID)})
		}
	}
	return emps, problems
}

func numericLess(a, b string) bool {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	if ea == nil && eb == nil {
		return na < nb
	}
	return a < b
}

// identities joins every live employee to Slack (slackIdentities) and
// Toggl (toggl_users) by work email and syncs the identity problems.
func (r *Reconciler) identities(ctx context.Context, now time.Time, changed map[string]bool, rep *ReconcileReport) error {
	checkSlack := r.opts.Slack != nil
	if checkSlack {
		if err := r.slackIdentities(ctx, now, changed, rep); err != nil {
			return err
		}
	}
	var err error
	if err := r.db.InTx(ctx, func(tx storage.Tx) error {
		rep.TogglChanged, err = storage.LinkTogglUsers(ctx, tx, nil, rosterActor)
		return err
	}); err != nil {
		return err
	}
	emps, err := storage.ListEmployees(ctx, r.db)
	if err != nil {
		return err
	}
	kinds := []string{storage.ProblemNoToggl}
	if checkSlack {
		kinds = append(kinds, storage.ProblemNoSlack)
	}
	opened, resolved, err := storage.SyncRosterProblems(ctx, r.db, storage.ProblemScope{Kinds: kinds}, identityProblems(emps, checkSlack), now)
	rep.ProblemsOpened += opened
	rep.ProblemsResolved += resolved
	return err
}

// slackPace paces calls at perMinute, all but one of them at once: Slack's
// bucket starts counting at the first call it receives, which reaches it
// later than this one starts (a new connection is opened first), so
// pacing on the nose meets a 429 for the call after the burst. The spare
// call is the margin.
func slackPace(perMinute int) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(float64(perMinute)/60), perMinute-1)
}

// slackIdentities joins live employees to Slack users by work email: the
// whole directory when it was not listed within SlackDirectoryEvery (or
// too many people need looking up), else a lookup of each person this run
// created or changed (changed holds their BambooHR ids) who has no Slack
// identity. Someone the last listing did not find waits for the next one.
func (r *Reconciler) slackIdentities(ctx context.Context, now time.Time, changed map[string]bool, rep *ReconcileReport) error {
	emps, err := storage.ListEmployees(ctx, r.db)
	if err != nil {
		return err
	}
	var missing []storage.StoredEmployee
	for _, e := range emps {
		if e.DeletedAt == nil && e.Email != "" && e.SlackUserID == "" && changed[e.BambooID] {
			missing = append(missing, e)
		}
	}
	listedAt, listed, err := storage.SlackDirectoryListed(ctx, r.db)
	if err != nil {
		return err
	}
	var desired []storage.SlackIdentity
	if listed && now.Sub(listedAt) < r.opts.SlackDirectoryEvery && len(missing) <= MaxSlackLookups {
		for _, e := range missing {
			if err := r.lookupPace.Wait(ctx); err != nil {
				return fmt.Errorf("slack lookups: %w", err)
			}
			u, found, calls, err := lookupSlackCounted(ctx, r.opts.Slack, e.Email)
			rep.SlackCalls += calls
			if err != nil {
				return err
			}
			rep.SlackLookups++
			if found {
				desired = append(desired, storage.SlackIdentity{EmployeeID: e.ID, UserID: u.ID, TZ: u.TZ})
			}
		}
	} else {
		users, calls, err := r.listSlack(ctx)
		rep.SlackCalls += calls
		if err != nil {
			return fmt.Errorf("slack users.list: %w", err)
		}
		rep.SlackUsers = len(users)
		index := slackByEmail(users)
		desired = make([]storage.SlackIdentity, 0, len(emps))
		for _, e := range emps {
			if e.DeletedAt != nil {
				continue
			}
			id := storage.SlackIdentity{EmployeeID: e.ID}
			if u, ok := index[e.Email]; ok && e.Email != "" {
				id.UserID, id.TZ = u.ID, u.TZ
			}
			desired = append(desired, id)
		}
	}
	return r.db.InTx(ctx, func(tx storage.Tx) error {
		if rep.SlackUsers > 0 {
			if err := storage.RecordSlackDirectory(ctx, tx, now, rep.SlackUsers); err != nil {
				return err
			}
		}
		rep.SlackChanged, err = storage.ApplySlackIdentities(ctx, tx, desired, rosterActor)
		return err
	})
}

// listSlack lists every Slack user a page at a time, paced under
// users.list's tier; a 429 waits out its Retry-After and asks again. It
// returns the users and the calls made.
func (r *Reconciler) listSlack(ctx context.Context) (users []slack.User, calls int, err error) {
	p := r.opts.Slack.GetUsersPaginated(slack.GetUsersOptionLimit(r.opts.SlackPageSize))
	for {
		if err := r.listPace.Wait(ctx); err != nil {
			return nil, calls, err
		}
		next, err := p.Next(ctx)
		calls++
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			if err := clock.Sleep(ctx, rl.RetryAfter); err != nil {
				return nil, calls, err
			}
			continue
		}
		if err != nil {
			return nil, calls, err
		}
		users = append(users, next.Users...)
		if next.Cursor == "" {
			return users, calls, nil
		}
		p = next
	}
}
