package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) LookupFunc {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func valid() map[string]string {
	return map[string]string{ //nolint:gosec // G101: fake values that the tests look for in output
		"SLACK_APP_TOKEN":       "xapp-1-A1-secretapp",
		"SLACK_BOT_TOKEN":       "xoxb-1-secretbot",
		"TOGGL_API_TOKEN":       "toggltokensecret",
		"TOGGL_WORKSPACE_ID":    "123",
		"BAMBOO_COMPANY_DOMAIN": "acme",
		"BAMBOO_API_KEY":        "bamboosecret",
		"BAMBOO_WEBHOOK_SECRET": "whsecret",
		"BAMBOO_RATE_FIELD":     "customBillableRate",
		"DATABASE_URL":          "postgres://u:pgsecret@localhost:5432/tally",
		"HR_ADMIN_SLACK_IDS":    "U111, W222",
	}
}

func TestLoadValid(t *testing.T) {
	t.Parallel()
	c, err := Load(env(valid()), All)
	if err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	if c.SlackAPIURL != "https://slack.com/api/" || c.AdminAddr != "127.0.0.1:9090" || c.ListenAddr != ":8080" {
		t.Fatalf("defaults not applied: %+v", c)
	}
	if c.BambooAPIURL != "https://acme.bamboohr.com/api/v1/" {
		t.Fatalf("bamboo url %q", c.BambooAPIURL)
	}
	if c.ConfirmedTag != "confirmed" || c.ReminderTime != "16:00" || c.ReminderWeekday.String() != "Friday" {
		t.Fatalf("reminder/tag defaults: %+v", c)
	}
	if !c.IsHRAdmin("W222") || c.IsHRAdmin("U999") {
		t.Fatalf("hr admins %v", c.HRAdminSlackIDs)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"bad token prefixes", map[string]string{"SLACK_APP_TOKEN": "xoxb-x", "SLACK_BOT_TOKEN": "xapp-y"},
			[]string{"SLACK_APP_TOKEN must start with xapp-", "SLACK_BOT_TOKEN must start with xoxb-"}},
		{"bad urls and ids", map[string]string{"SLACK_API_URL": "ftp://x", "TOGGL_WORKSPACE_ID": "abc", "DATABASE_URL": "mysql://x"},
			[]string{"SLACK_API_URL", "TOGGL_WORKSPACE_ID \"abc\" must be a positive integer", "DATABASE_URL must be a postgres:// URL"}},
		{"bad schedule values", map[string]string{"REMINDER_WEEKDAY": "Funday", "REMINDER_TIME": "25:00", "DEFAULT_TZ": "Mars/Base"},
			[]string{"REMINDER_WEEKDAY", "REMINDER_TIME", "DEFAULT_TZ"}},
		{"missing webhook secret", map[string]string{"BAMBOO_WEBHOOK_SECRET": ""},
			[]string{"BAMBOO_WEBHOOK_SECRET is required"}},
		{"bad log settings", map[string]string{"LOG_LEVEL": "loud", "LOG_FORMAT": "xml"},
			[]string{"LOG_LEVEL", "LOG_FORMAT"}},
		{"bad hr ids and redis", map[string]string{"HR_ADMIN_SLACK_IDS": "alice", "REDIS_URL": "http://x"},
			[]string{"HR_ADMIN_SLACK_IDS", "REDIS_URL"}},
		{"pool size beyond int32", map[string]string{"DB_MAX_CONNS": "4294967296"},
			[]string{"DB_MAX_CONNS 4294967296 is too large"}},
		{"more Socket Mode connections than Slack allows", map[string]string{"SLACK_CONNECTIONS": "11"},
			[]string{"SLACK_CONNECTIONS 11: Slack allows an app at most 10 Socket Mode connections"}},
		{"no Socket Mode connection", map[string]string{"SLACK_CONNECTIONS": "0"},
			[]string{"SLACK_CONNECTIONS \"0\" must be a positive integer"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := valid()
			for k, v := range tc.set {
				m[k] = v
			}
			_, err := Load(env(m), All)
			if err == nil {
				t.Fatal("invalid config accepted")
			}
			errs, ok := err.(Errors)
			if !ok {
				t.Fatalf("error type %T", err)
			}
			if len(errs) < len(tc.want) {
				t.Fatalf("got %d problems, want at least %d: %v", len(errs), len(tc.want), errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
			for _, secret := range []string{"secretapp", "secretbot", "toggltokensecret", "bamboosecret", "whsecret", "pgsecret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks a secret: %v", err)
				}
			}
		})
	}
}

func TestInsecureWebhookFlagAllowsNoSecret(t *testing.T) {
	t.Parallel()
	m := valid()
	delete(m, "BAMBOO_WEBHOOK_SECRET")
	m["TALLY_DEV_INSECURE_WEBHOOK"] = "1"
	if _, err := Load(env(m), All); err != nil {
		t.Fatalf("dev flag should allow a missing secret: %v", err)
	}
}

func TestConfirmedTagCanBeDisabled(t *testing.T) {
	t.Parallel()
	m := valid()
	m["CONFIRMED_TAG"] = ""
	c, err := Load(env(m), All)
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfirmedTag != "" {
		t.Fatalf("empty CONFIRMED_TAG should disable tagging, got %q", c.ConfirmedTag)
	}
}

func TestNeedLimitsValidation(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://localhost/x"}), Need{Database: true})
	if err != nil {
		t.Fatalf("migrate-style need rejected: %v", err)
	}
	if c.DatabaseURL == "" {
		t.Fatal("database url lost")
	}
	if _, err := Load(env(map[string]string{}), Need{Database: true}); err == nil || !strings.Contains(err.Error(), "DATABASE_URL is required") {
		t.Fatalf("missing DATABASE_URL not reported: %v", err)
	}
}

func TestStringMasksSecrets(t *testing.T) {
	t.Parallel()
	c, err := Load(env(valid()), All)
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, secret := range []string{"secretapp", "secretbot", "toggltokensecret", "bamboosecret", "whsecret", "pgsecret"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() leaks %q:\n%s", secret, s)
		}
	}
	if !strings.Contains(s, "SLACK_BOT_TOKEN=xoxb-****") || !strings.Contains(s, "TOGGL_WORKSPACE_ID=123") {
		t.Errorf("String() lost the shape:\n%s", s)
	}
}

func TestStringListsEveryVariable(t *testing.T) {
	t.Parallel()
	c, err := Load(env(valid()), All)
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, v := range Vars {
		if !strings.Contains(s, v.Name+"=") {
			t.Errorf("String() lacks %s", v.Name)
		}
	}
}

func TestDefaultLocationParsedOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tz      string
		want    string
		problem bool
	}{
		{"", "UTC", false}, // the documented default
		{"Europe/Berlin", "Europe/Berlin", false},
		{"America/New_York", "America/New_York", false},
		{"Mars/Base", "UTC", true},
	} {
		m := valid()
		if tc.tz != "" {
			m["DEFAULT_TZ"] = tc.tz
		}
		c, err := Load(env(m), All)
		if got := err != nil && strings.Contains(err.Error(), "DEFAULT_TZ"); got != tc.problem {
			t.Errorf("DEFAULT_TZ %q: problem reported %v, want %v (%v)", tc.tz, got, tc.problem, err)
		}
		if c.DefaultLocation == nil || c.DefaultLocation.String() != tc.want {
			t.Errorf("DEFAULT_TZ %q: DefaultLocation %v, want %s", tc.tz, c.DefaultLocation, tc.want)
		}
	}
}
