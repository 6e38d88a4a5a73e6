package bot

// Manifest returns the Slack app manifest (YAML) to create tally's app from:
// Socket Mode on (no public request URL), the two slash commands, the App
// Home tab with its app_home_opened event, interactivity for buttons and
// modals, and only the bot scopes tally calls (ManifestScopes).
func Manifest() string { return manifest }

// ManifestScopes returns the bot scopes the manifest grants, in manifest
// order. A Web API method needing any other scope is refused by Slack with
// missing_scope.
func ManifestScopes() []string {
	return []string{
		"chat:write",
		"commands",
		"im:write",
		"im:history",
		"users:read",
		"users:read.email",
		"files:write",
	}
}

// manifest is the YAML Manifest returns.
const manifest = `display_information:
  name: tally
  description: Confirm your week's hours in one click.
  background_color: "#1f3a5f"
features:
  app_home:
    home_tab_enabled: true
    messages_tab_enabled: true
    messages_tab_read_only_enabled: true
  bot_user:
    display_name: tally
    always_online: true
  slash_commands:
    - command: /timesheet
      description: Show a week of your Toggl time with confirm buttons
      usage_hint: "[this week | last week | YYYY-MM-DD | help]"
      should_escape: false
    - command: /confirm-all
      description: Confirm every unconfirmed entry of a week
      usage_hint: "[this week | last week]"
      should_escape: false
oauth_config:
  scopes:
    bot:
      - chat:write        # DMs, message updates
      - commands          # /timesheet, /confirm-all
      - im:write          # conversations.open for DMs
      - im:history        # find a reminder already sent after a crash
      - users:read        # users.info, users.list (time zones)
      - users:read.email  # users.lookupByEmail, emails in users.list
      - files:write       # CSV exports sent as a DM
settings:
  event_subscriptions:
    bot_events:
      - app_home_opened
  interactivity:
    is_enabled: true
  org_deploy_enabled: false
  socket_mode_enabled: true
  token_rotation_enabled: false
`
