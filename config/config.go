// Package config parses tally's configuration from the environment once,
// validates it with every problem reported together, and prints it with its
// secrets masked.
package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is every setting tally reads from the environment.
type Config struct {
	SlackAppToken string
	SlackBotToken string
	SlackAPIURL   string
	// SlackConnections is how many Socket Mode connections this process
	// keeps open (1–10; Slack allows an app 10 across all its processes).
	SlackConnections int

	TogglAPIToken       string
	TogglWorkspaceID    int64
	TogglAPIURL         string
	TogglRequestsPerSec float64
	TogglPageSize       int
	SyncIncremental     time.Duration
	SyncFullCron        string
	SyncFullWeeks       int

	BambooCompanyDomain       string
	BambooAPIKey              string
	BambooAPIURL              string
	BambooWebhookSecret       string
	BambooWebhookInsecure     bool
	BambooRateField           string
	BambooContractorRateField string
	BambooRateCurrency        string
	BambooRateTable           string
	RosterCron                string

	DatabaseURL string
	DBMaxConns  int32
	RedisURL    string

	ListenAddr string
	AdminAddr  string

	ReminderWeekday time.Weekday
	ReminderTime    string // HH:MM
	DigestWeekday   time.Weekday
	DigestTime      string // HH:MM
	DefaultTZ       string
	// DefaultLocation is DEFAULT_TZ parsed once; every component that
	// needs the default zone reads it here instead of parsing DefaultTZ.
	DefaultLocation     *time.Location
	SlackMessagesPerMin int

	HRAdminSlackIDs []string
	ConfirmedTag    string

	LogLevel   string
	LogFormat  string
	InstanceID string
}

// Var documents one environment variable for `tally help` and the README.
type Var struct {
	Name    string
	Default string
	Secret  bool
	Help    string
}

// Vars lists every variable tally reads, in the order `tally help` prints them.
var Vars = []Var{
	{"SLACK_APP_TOKEN", "", true, "Slack app-level token (xapp-…) with connections:write, for Socket Mode"},
	{"SLACK_BOT_TOKEN", "", true, "Slack bot token (xoxb-…)"},
	{"SLACK_API_URL", "https://slack.com/api/", false, "Slack Web API base URL (ends with /); point at the sandbox for tests"},
	{"SLACK_CONNECTIONS", "2", false, "Socket Mode connections per process, 1–10; Slack allows an app 10 in all, so replicas × this ≤ 10"},
	{"TOGGL_API_TOKEN", "", true, "Toggl Track API token (an admin's, to tag others' entries)"},
	{"TOGGL_WORKSPACE_ID", "", false, "Toggl workspace id (a positive integer)"},
	{"TOGGL_API_URL", "https://api.track.toggl.com/", false, "Toggl base URL; /api/v9 and /reports/api/v3 are appended"},
	{"TOGGL_REQUESTS_PER_SECOND", "1", false, "pace of Toggl requests, below Toggl's leaky bucket"},
	{"TOGGL_PAGE_SIZE", "50", false, "rows asked for per Reports API page (Toggl may return fewer)"},
	{"SYNC_INCREMENTAL_EVERY", "1h", false, "how often the incremental Toggl sync runs"},
	{"SYNC_FULL_CRON", "30 2 * * *", false, "cron (UTC) of the nightly full-window Toggl sync"},
	{"SYNC_FULL_WEEKS", "2", false, "weeks the full sync re-reads (current and previous by default)"},
	{"BAMBOO_COMPANY_DOMAIN", "", false, "BambooHR company subdomain"},
	{"BAMBOO_API_KEY", "", true, "BambooHR API key"},
	{"BAMBOO_API_URL", "https://{domain}.bamboohr.com/api/v1/", false, "BambooHR API base URL"},
	{"BAMBOO_WEBHOOK_SECRET", "", true, "private key of the BambooHR webhook (required unless TALLY_DEV_INSECURE_WEBHOOK=1)"},
	{"TALLY_DEV_INSECURE_WEBHOOK", "0", false, "development only: start the webhook listener without a secret (logs a warning)"},
	{"BAMBOO_RATE_FIELD", "", false, "field alias holding the billable hourly rate (payRate is a cost, not a billable rate)"},
	{"BAMBOO_CONTRACTOR_RATE_FIELD", "", false, "field alias holding contractors' billable rate; empty uses BAMBOO_RATE_FIELD"},
	{"BAMBOO_RATE_CURRENCY", "USD", false, "currency of a rate field that carries a bare number"},
	{"BAMBOO_RATE_TABLE", "", false, "optional effective-dated BambooHR table (e.g. compensation) read as rate history"},
	{"ROSTER_CRON", "0 2 * * *", false, "cron (UTC) of the nightly BambooHR reconciliation"},
	{"DATABASE_URL", "", true, "PostgreSQL URL"},
	{"DB_MAX_CONNS", "20", false, "size of the Postgres pool"},
	{"REDIS_URL", "", true, "optional Redis URL; without it tally runs on one replica from Postgres alone"},
	{"LISTEN_ADDR", ":8080", false, "webhook listener (serves only POST /webhooks/bamboohr)"},
	{"ADMIN_ADDR", "127.0.0.1:9090", false, "admin listener: /healthz, /readyz, /metrics"},
	{"REMINDER_WEEKDAY", "Friday", false, "weekday of the weekly DM, in each person's time zone"},
	{"REMINDER_TIME", "16:00", false, "local time of the weekly DM"},
	{"DIGEST_WEEKDAY", "Monday", false, "weekday of the managers' digest"},
	{"DIGEST_TIME", "09:00", false, "local time of the managers' digest"},
	{"DEFAULT_TZ", "UTC", false, "IANA time zone for people whose Slack zone is unknown"},
	{"SLACK_MESSAGES_PER_MINUTE", "300", false, "pace of reminder DMs, under chat.postMessage's workspace limit"},
	{"HR_ADMIN_SLACK_IDS", "", false, "comma-separated Slack user ids of HR admins"},
	{"CONFIRMED_TAG", "confirmed", false, "Toggl tag mirrored on confirmed entries; set empty to disable"},
	{"LOG_LEVEL", "info", false, "debug, info, warn or error"},
	{"LOG_FORMAT", "json", false, "json or console"},
	{"TALLY_INSTANCE_ID", "hostname-pid", false, "name of this replica in leases and claims"},
}

// LookupFunc reads one environment variable, like os.LookupEnv.
type LookupFunc func(string) (string, bool)

// Errors is every problem found in a configuration.
type Errors []string

func (e Errors) Error() string { return strings.Join(e, "\n") }

// Need says which parts of the configuration a subcommand requires.
type Need struct {
	Slack    bool
	Toggl    bool
	Bamboo   bool
	Webhook  bool // the webhook listener: secret required
	Database bool
}

// All is what `tally run` needs.
var All = Need{Slack: true, Toggl: true, Bamboo: true, Webhook: true, Database: true}

// Load reads and validates the configuration. Problems with parts that need
// does not ask for are ignored; every other problem is reported together.
func Load(lookup LookupFunc, need Need) (Config, error) {
	p := parser{lookup: lookup}
	var c Config
	c.SlackAppToken = p.str("SLACK_APP_TOKEN")
	c.SlackBotToken = p.str("SLACK_BOT_TOKEN")
	c.SlackAPIURL = p.url("SLACK_API_URL", true)
	if need.Slack {
		p.prefix("SLACK_APP_TOKEN", c.SlackAppToken, "xapp-")
		p.prefix("SLACK_BOT_TOKEN", c.SlackBotToken, "xoxb-")
	}
	c.SlackConnections = int(p.int64("SLACK_CONNECTIONS", true))
	if c.SlackConnections > 10 {
		p.fail(fmt.Sprintf("SLACK_CONNECTIONS %d: Slack allows an app at most 10 Socket Mode connections", c.SlackConnections))
	}
	if c.SlackAPIURL != "" && !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}

	c.TogglAPIToken = p.str("TOGGL_API_TOKEN")
	c.TogglWorkspaceID = p.int64("TOGGL_WORKSPACE_ID", need.Toggl)
	c.TogglAPIURL = p.url("TOGGL_API_URL", true)
	c.TogglRequestsPerSec = p.float("TOGGL_REQUESTS_PER_SECOND")
	c.TogglPageSize = int(p.int64("TOGGL_PAGE_SIZE", true))
	c.SyncIncremental = p.duration("SYNC_INCREMENTAL_EVERY")
	c.SyncFullCron = p.str("SYNC_FULL_CRON")
	c.SyncFullWeeks = int(p.int64("SYNC_FULL_WEEKS", true))
	if need.Toggl && c.TogglAPIToken == "" {
		p.fail("TOGGL_API_TOKEN is required")
	}

	c.BambooCompanyDomain = p.str("BAMBOO_COMPANY_DOMAIN")
	c.BambooAPIKey = p.str("BAMBOO_API_KEY")
	c.BambooAPIURL = p.str("BAMBOO_API_URL")
	c.BambooWebhookSecret = p.str("BAMBOO_WEBHOOK_SECRET")
	c.BambooWebhookInsecure = p.bool("TALLY_DEV_INSECURE_WEBHOOK")
	c.BambooRateField = p.str("BAMBOO_RATE_FIELD")
	c.BambooContractorRateField = p.str("BAMBOO_CONTRACTOR_RATE_FIELD")
	c.BambooRateCurrency = strings.ToUpper(p.str("BAMBOO_RATE_CURRENCY"))
	c.BambooRateTable = p.str("BAMBOO_RATE_TABLE")
	c.RosterCron = p.str("ROSTER_CRON")
	if strings.Contains(c.BambooAPIURL, "{domain}") {
		c.BambooAPIURL = strings.ReplaceAll(c.BambooAPIURL, "{domain}", c.BambooCompanyDomain)
	}
	if need.Bamboo {
		if c.BambooCompanyDomain == "" {
			p.fail("BAMBOO_COMPANY_DOMAIN is required")
		} else if strings.ContainsAny(c.BambooCompanyDomain, "./:@ ") {
			p.fail("BAMBOO_COMPANY_DOMAIN must be the bare subdomain, e.g. acme")
		}
		if c.BambooAPIKey == "" {
			p.fail("BAMBOO_API_KEY is required")
		}
		if c.BambooRateField == "" {
			p.fail("BAMBOO_RATE_FIELD is required (the custom field holding the billable rate)")
		}
		p.checkURL("BAMBOO_API_URL", c.BambooAPIURL)
	}
	if c.BambooAPIURL != "" && !strings.HasSuffix(c.BambooAPIURL, "/") {
		c.BambooAPIURL += "/"
	}
	if need.Webhook && c.BambooWebhookSecret == "" && !c.BambooWebhookInsecure {
		p.fail("BAMBOO_WEBHOOK_SECRET is required: the webhook listener refuses to start without it")
	}

	c.DatabaseURL = p.str("DATABASE_URL")
	if n := p.int64("DB_MAX_CONNS", true); n >= 0 && n <= math.MaxInt32 { // p.int64 reports n <= 0
		c.DBMaxConns = int32(n)
	} else {
		p.fail(fmt.Sprintf("DB_MAX_CONNS %d is too large", n))
	}
	if need.Database {
		if c.DatabaseURL == "" {
			p.fail("DATABASE_URL is required")
		} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			p.fail("DATABASE_URL must be a postgres:// URL")
		}
	}
	c.RedisURL = p.str("REDIS_URL")
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			p.fail("REDIS_URL must be a redis:// or rediss:// URL")
		}
	}

	c.ListenAddr = p.addr("LISTEN_ADDR")
	c.AdminAddr = p.addr("ADMIN_ADDR")

	c.ReminderWeekday = p.weekday("REMINDER_WEEKDAY")
	c.ReminderTime = p.clock("REMINDER_TIME")
	c.DigestWeekday = p.weekday("DIGEST_WEEKDAY")
	c.DigestTime = p.clock("DIGEST_TIME")
	c.DefaultTZ = p.str("DEFAULT_TZ")
	c.DefaultLocation = p.location("DEFAULT_TZ", c.DefaultTZ)
	c.SlackMessagesPerMin = int(p.int64("SLACK_MESSAGES_PER_MINUTE", true))

	for _, id := range strings.Split(p.str("HR_ADMIN_SLACK_IDS"), ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if !isSlackUserID(id) {
			p.fail(fmt.Sprintf("HR_ADMIN_SLACK_IDS: %q is not a Slack user id (U… or W…)", id))
			continue
		}
		c.HRAdminSlackIDs = append(c.HRAdminSlackIDs, id)
	}
	c.ConfirmedTag = p.str("CONFIRMED_TAG")

	c.LogLevel = strings.ToLower(p.str("LOG_LEVEL"))
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p.fail(fmt.Sprintf("LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel))
	}
	c.LogFormat = strings.ToLower(p.str("LOG_FORMAT"))
	if c.LogFormat != "json" && c.LogFormat != "console" {
		p.fail(fmt.Sprintf("LOG_FORMAT %q must be json or console", c.LogFormat))
	}
	c.InstanceID = p.str("TALLY_INSTANCE_ID")
	if c.InstanceID == "hostname-pid" {
		h, _ := os.Hostname()
		c.InstanceID = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	if len(p.errs) > 0 {
		return c, p.errs
	}
	return c, nil
}

// IsHRAdmin reports whether a Slack user is a configured HR admin.
func (c Config) IsHRAdmin(slackUserID string) bool {
	for _, id := range c.HRAdminSlackIDs {
		if id == slackUserID {
			return true
		}
	}
	return false
}

// String renders the configuration with secrets masked, for `tally run`'s
// start-up log and for debugging.
func (c Config) String() string {
	var b strings.Builder
	for _, v := range Vars {
		val := c.value(v.Name)
		if v.Secret {
			val = Mask(val)
		}
		fmt.Fprintf(&b, "%s=%s\n", v.Name, val)
	}
	return b.String()
}

// Mask hides a secret, keeping only a recognisable prefix such as xoxb-.
func Mask(s string) string {
	if s == "" {
		return ""
	}
	for _, p := range []string{"xapp-", "xoxb-", "postgres://", "postgresql://", "redis://", "rediss://"} {
		if strings.HasPrefix(s, p) {
			return p + "****"
		}
	}
	return "****"
}

func (c Config) value(name string) string {
	switch name {
	case "SLACK_APP_TOKEN":
		return c.SlackAppToken
	case "SLACK_BOT_TOKEN":
		return c.SlackBotToken
	case "SLACK_API_URL":
		return c.SlackAPIURL
	case "TOGGL_API_TOKEN":
		return c.TogglAPIToken
	case "TOGGL_WORKSPACE_ID":
		return strconv.FormatInt(c.TogglWorkspaceID, 10)
	case "TOGGL_API_URL":
		return c.TogglAPIURL
	case "TOGGL_REQUESTS_PER_SECOND":
		return strconv.FormatFloat(c.TogglRequestsPerSec, 'g', -1, 64)
	case "TOGGL_PAGE_SIZE":
		return strconv.Itoa(c.TogglPageSize)
	case "SYNC_INCREMENTAL_EVERY":
		return c.SyncIncremental.String()
	case "SYNC_FULL_CRON":
		return c.SyncFullCron
	case "SYNC_FULL_WEEKS":
		return strconv.Itoa(c.SyncFullWeeks)
	case "BAMBOO_COMPANY_DOMAIN":
		return c.BambooCompanyDomain
	case "BAMBOO_API_KEY":
		return c.BambooAPIKey
	case "BAMBOO_API_URL":
		return c.BambooAPIURL
	case "BAMBOO_WEBHOOK_SECRET":
		return c.BambooWebhookSecret
	case "TALLY_DEV_INSECURE_WEBHOOK":
		return strconv.FormatBool(c.BambooWebhookInsecure)
	case "BAMBOO_RATE_FIELD":
		return c.BambooRateField
	case "BAMBOO_CONTRACTOR_RATE_FIELD":
		return c.BambooContractorRateField
	case "BAMBOO_RATE_CURRENCY":
		return c.BambooRateCurrency
	case "BAMBOO_RATE_TABLE":
		return c.BambooRateTable
	case "ROSTER_CRON":
		return c.RosterCron
	case "DATABASE_URL":
		return c.DatabaseURL
	case "DB_MAX_CONNS":
		return strconv.Itoa(int(c.DBMaxConns))
	case "REDIS_URL":
		return c.RedisURL
	case "LISTEN_ADDR":
		return c.ListenAddr
	case "ADMIN_ADDR":
		return c.AdminAddr
	case "REMINDER_WEEKDAY":
		return c.ReminderWeekday.String()
	case "REMINDER_TIME":
		return c.ReminderTime
	case "DIGEST_WEEKDAY":
		return c.DigestWeekday.String()
	case "DIGEST_TIME":
		return c.DigestTime
	case "DEFAULT_TZ":
		return c.DefaultTZ
	case "SLACK_MESSAGES_PER_MINUTE":
		return strconv.Itoa(c.SlackMessagesPerMin)
	case "HR_ADMIN_SLACK_IDS":
		return strings.Join(c.HRAdminSlackIDs, ",")
	case "CONFIRMED_TAG":
		return c.ConfirmedTag
	case "LOG_LEVEL":
		return c.LogLevel
	case "LOG_FORMAT":
		return c.LogFormat
	case "TALLY_INSTANCE_ID":
		return c.InstanceID
	}
	return ""
}

func isSlackUserID(s string) bool {
	if len(s) < 3 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s[1:] {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// parser reads variables, applying the defaults of Vars and collecting errors.
type parser struct {
	lookup LookupFunc
	errs   Errors
}

func (p *parser) fail(msg string) { p.errs = append(p.errs, msg) }

func (p *parser) str(name string) string {
	if v, ok := p.lookup(name); ok {
		return strings.TrimSpace(v)
	}
	for _, v := range Vars {
		if v.Name == name {
			return v.Default
		}
	}
	panic("config: undocumented variable " + name)
}

func (p *parser) prefix(name, val, want string) {
	switch {
	case val == "":
		p.fail(name + " is required")
	case !strings.HasPrefix(val, want):
		p.fail(fmt.Sprintf("%s must start with %s", name, want))
	}
}

func (p *parser) url(name string, required bool) string {
	v := p.str(name)
	if v == "" {
		if required {
			p.fail(name + " is required")
		}
		return ""
	}
	p.checkURL(name, v)
	return v
}

func (p *parser) checkURL(name, v string) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(fmt.Sprintf("%s %q must be an http(s) URL", name, v))
	}
}

func (p *parser) int64(name string, required bool) int64 {
	v := p.str(name)
	if v == "" {
		if required {
			p.fail(name + " is required")
		}
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		p.fail(fmt.Sprintf("%s %q must be a positive integer", name, v))
		return 0
	}
	return n
}

func (p *parser) float(name string) float64 {
	v := p.str(name)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		p.fail(fmt.Sprintf("%s %q must be a positive number", name, v))
		return 0
	}
	return f
}

func (p *parser) bool(name string) bool {
	v := strings.ToLower(p.str(name))
	switch v {
	case "", "0", "false", "no":
		return false
	case "1", "true", "yes":
		return true
	}
	p.fail(fmt.Sprintf("%s %q must be 1 or 0", name, v))
	return false
}

func (p *parser) duration(name string) time.Duration {
	v := p.str(name)
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(fmt.Sprintf("%s %q must be a positive duration like 1h or 15m", name, v))
	}
	return d
}

func (p *parser) addr(name string) string {
	v := p.str(name)
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		p.fail(fmt.Sprintf("%s %q must be host:port", name, v))
	}
	return v
}

func (p *parser) weekday(name string) time.Weekday {
	v := strings.ToLower(p.str(name))
	for d := time.Sunday; d <= time.Saturday; d++ {
		full := strings.ToLower(d.String())
		if v == full || v == full[:3] {
			return d
		}
	}
	p.fail(fmt.Sprintf("%s %q must be a weekday like Friday", name, v))
	return time.Friday
}

// location parses an IANA time zone; on error it reports the problem and
// returns UTC so the rest of Load can go on.
func (p *parser) location(name, v string) *time.Location {
	loc, err := time.LoadLocation(v)
	if err != nil {
		p.fail(fmt.Sprintf("%s %q is not an IANA time zone", name, v))
		return time.UTC
	}
	return loc
}

func (p *parser) clock(name string) string {
	v := p.str(name)
	if _, err := time.Parse("15:04", v); err != nil {
		p.fail(fmt.Sprintf("%s %q must be a time like 16:00", name, v))
	}
	return v
}
