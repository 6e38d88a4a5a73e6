package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// slackResult is a Web API method's answer: extra fields merged into
// {"ok":true} or, when err is set, {"ok":false,"error":err}.
type slackResult struct {
	fields map[string]any
	err    string
}

func slackOK(fields map[string]any) slackResult { return slackResult{fields: fields} }
func slackFail(err string) slackResult          { return slackResult{err: err} }

// slackMethod handles one Web API method with Slack.mu held.
type slackMethod func(s *Slack, p map[string]string) slackResult

var slackMethods = map[string]slackMethod{
	"apps.connections.open":        (*Slack).appsConnectionsOpenLocked,
	"auth.test":                    (*Slack).authTestLocked,
	"chat.postMessage":             (*Slack).chatPostMessageLocked,
	"chat.update":                  (*Slack).chatUpdateLocked,
	"chat.delete":                  (*Slack).chatDeleteLocked,
	"chat.postEphemeral":           (*Slack).chatPostEphemeralLocked,
	"conversations.open":           (*Slack).conversationsOpenLocked,
	"conversations.history":        (*Slack).conversationsHistoryLocked,
	"users.info":                   (*Slack).usersInfoLocked,
	"users.lookupByEmail":          (*Slack).usersLookupByEmailLocked,
	"users.list":                   (*Slack).usersListLocked,
	"views.publish":                (*Slack).viewsPublishLocked,
	"views.open":                   (*Slack).viewsOpenLocked,
	"views.update":                 (*Slack).viewsUpdateLocked,
	"files.getUploadURLExternal":   (*Slack).filesGetUploadURLLocked,
	"files.completeUploadExternal": (*Slack).filesCompleteUploadLocked,
}

// serveWebAPI answers POST {URL}{method}.
func (s *Slack) serveWebAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	params, bearer, perr := slackParseParams(r)
	token := params["token"]
	if token == "" || method == "apps.connections.open" {
		// apps.connections.open takes the app-level token only in the
		// Authorization header (https://api.slack.com/methods/
		// apps.connections.open: "token ... passed as an HTTP Authorization
		// header"); one in the body or query does not authenticate.
		token = bearer
	}
	delete(params, "token")

	s.mu.Lock()
	call := SlackCall{Method: method, Params: params, At: s.opts.Now()}
	status, retryAfter, res := s.dispatchLocked(method, token, params, perr)
	call.Error = res.err
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	s.log.Debug("web api call", zap.String("method", method), zap.String("error", res.err), zap.Int("status", status))
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	body := map[string]any{"ok": res.err == ""}
	if res.err != "" {
		body["error"] = res.err
	}
	for k, v := range res.fields {
		body[k] = v
	}
	slackWriteJSON(w, status, body)
}

// dispatchLocked runs the checks Slack runs, in its order: method, injected
// failures, auth, scope, rate limits, then the method itself.
func (s *Slack) dispatchLocked(method, token string, p map[string]string, perr error) (int, time.Duration, slackResult) {
	h, ok := slackMethods[method]
	if !ok {
		return http.StatusOK, 0, slackFail("unknown_method")
	}
	if d, ok := s.limits.takeRateFailureLocked(method); ok {
		return http.StatusTooManyRequests, d, slackFail("ratelimited")
	}
	if e := s.limits.takeErrorFailureLocked(method); e != "" {
		return http.StatusOK, 0, slackFail(e)
	}
	if perr != nil {
		return http.StatusOK, 0, slackFail("invalid_form_data")
	}
	if res, ok := s.authLocked(method, token); !ok {
		return http.StatusOK, 0, res
	}
	if res, ok := s.scopeLocked(method); !ok {
		return http.StatusOK, 0, res
	}
	if d, limited := s.tiers.takeLocked(method, s.opts.Now()); limited {
		return http.StatusTooManyRequests, d, slackFail("ratelimited")
	}
	if method == "chat.postMessage" {
		if d, limited := s.limits.postLimitedLocked(s.resolvePostChannelLocked(p["channel"])); limited {
			return http.StatusTooManyRequests, d, slackFail("ratelimited")
		}
	}
	return http.StatusOK, 0, h(s, p)
}

func (s *Slack) authLocked(method, token string) (slackResult, bool) {
	switch {
	case token == "":
		return slackFail("not_authed"), false
	case s.limits.authErr != "":
		return slackFail(s.limits.authErr), false
	case method == "apps.connections.open":
		if token == s.opts.AppToken {
			return slackResult{}, true
		}
		if token == s.opts.BotToken {
			return slackFail("not_allowed_token_type"), false
		}
	case token == s.opts.BotToken:
		return slackResult{}, true
	case token == s.opts.AppToken:
		return slackFail("not_allowed_token_type"), false
	}
	return slackFail("invalid_auth"), false
}

// slackParseParams reads a method's parameters from the query, a
// form-encoded body or a JSON body, and the Bearer token if any.
func slackParseParams(r *http.Request) (map[string]string, string, error) {
	params := map[string]string{}
	bearer := ""
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		bearer = strings.TrimPrefix(a, "Bearer ")
	}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return params, bearer, err
	}
	switch {
	case len(strings.TrimSpace(string(body))) == 0:
	case ct == "application/json":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return params, bearer, err
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
			} else if string(v) != "null" {
				params[k] = string(v)
			}
		}
	default:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return params, bearer, err
		}
		for k, v := range vals {
			params[k] = v[0]
		}
	}
	return params, bearer, nil
}

func slackWriteJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Slack) appsConnectionsOpenLocked(map[string]string) slackResult {
	u, err := s.issueTicketLocked()
	if err != nil {
		return slackFail(err.Error())
	}
	return slackOK(map[string]any{"url": u})
}

func (s *Slack) authTestLocked(map[string]string) slackResult {
	return slackOK(map[string]any{
		"url":                   "https://tally-sandbox.slack.com/",
		"team":                  "Tally Sandbox",
		"user":                  "tally",
		"team_id":               s.opts.TeamID,
		"user_id":               s.opts.BotUserID,
		"bot_id":                "B0SANDBOX",
		"is_enterprise_install": false,
	})
}

// userObjFullLocked renders a user as users.info does.
func (s *Slack) userObjFullLocked(u *SlackUser) map[string]any {
	label := ""
	if loc, err := time.LoadLocation(u.TZ); err == nil && u.TZ != "" {
		label, _ = s.opts.Now().In(loc).Zone()
	}
	return map[string]any{
		"id":        u.ID,
		"team_id":   s.opts.TeamID,
		"name":      u.Name,
		"deleted":   u.Deleted,
		"color":     "9f69e7",
		"real_name": u.RealName,
		"tz":        u.TZ,
		"tz_label":  label,
		"tz_offset": u.TZOffset,
		"profile": map[string]any{
			"real_name":               u.RealName,
			"real_name_normalized":    u.RealName,
			"display_name":            u.Name,
			"display_name_normalized": u.Name,
			"email":                   u.Email,
			"team":                    s.opts.TeamID,
		},
		"is_admin":            false,
		"is_owner":            false,
		"is_primary_owner":    false,
		"is_restricted":       false,
		"is_ultra_restricted": false,
		"is_bot":              u.IsBot,
		"is_app_user":         false,
		"is_email_confirmed":  true,
		"updated":             s.opts.Now().Unix(),
	}
}

func (s *Slack) usersInfoLocked(p map[string]string) slackResult {
	if ids := p["users"]; ids != "" {
		var out []any
		for _, id := range strings.Split(ids, ",") {
			u, ok := s.users[strings.TrimSpace(id)]
			if !ok {
				return slackFail("users_not_found")
			}
			out = append(out, s.userObjFullLocked(u))
		}
		return slackOK(map[string]any{"users": out})
	}
	u, ok := s.users[p["user"]]
	if !ok {
		return slackFail("user_not_found")
	}
	return slackOK(map[string]any{"user": s.userObjFullLocked(u)})
}

func (s *Slack) usersLookupByEmailLocked(p map[string]string) slackResult {
	email := strings.ToLower(strings.TrimSpace(p["email"]))
	if email == "" {
		return slackFail("invalid_arguments")
	}
	for _, u := range s.users {
		if strings.ToLower(u.Email) == email {
			return slackOK(map[string]any{"user": s.userObjFullLocked(u)})
		}
	}
	return slackFail("users_not_found")
}

// slackUsersPage is the most members the fake returns per users.list page.
// Slack recommends a limit of no more than 200 and may return fewer than
// asked even before the end of the list (https://api.slack.com/methods/
// users.list, "limit"; https://api.slack.com/apis/pagination), so a larger
// limit is clamped here and only a client that follows next_cursor reads
// everyone.
const slackUsersPage = 200

// usersListLocked pages the directory by id with opaque cursors, like Slack.
func (s *Slack) usersListLocked(p map[string]string) slackResult {
	limit := slackUsersPage
	if l := p["limit"]; l != "" && l != "0" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return slackFail("invalid_limit")
		}
		limit = min(n, slackUsersPage)
	}
	ids := make([]string, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	start := 0
	if c := p["cursor"]; c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		after, ok := strings.CutPrefix(string(raw), "user:")
		if err != nil || !ok {
			return slackFail("invalid_cursor")
		}
		start = sort.SearchStrings(ids, after)
	}
	end := min(start+limit, len(ids))
	members := make([]any, 0, end-start)
	for _, id := range ids[start:end] {
		members = append(members, s.userObjFullLocked(s.users[id]))
	}
	next := ""
	if end < len(ids) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + ids[end]))
	}
	return slackOK(map[string]any{
		"members":           members,
		"cache_ts":          s.opts.Now().Unix(),
		"response_metadata": map[string]any{"next_cursor": next},
	})
}

func (s *Slack) conversationsOpenLocked(p map[string]string) slackResult {
	if ch := p["channel"]; ch != "" {
		if _, ok := s.userByDM[ch]; !ok && !strings.HasPrefix(ch, "G") {
			return slackFail("channel_not_found")
		}
		return slackOK(map[string]any{"no_op": true, "already_open": true, "channel": map[string]any{"id": ch}})
	}
	var ids []string
	for _, id := range strings.Split(p["users"], ",") {
		if id = strings.TrimSpace(id); id != "" && id != s.opts.BotUserID {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return slackFail("users_list_not_supplied")
	}
	if len(ids) > 8 {
		return slackFail("too_many_users")
	}
	for _, id := range ids {
		u, ok := s.users[id]
		if !ok {
			return slackFail("user_not_found")
		}
		if u.Deleted {
			return slackFail("user_disabled")
		}
	}
	if len(ids) == 1 {
		_, open := s.dmByUser[ids[0]]
		d := s.dmLocked(ids[0])
		return slackOK(map[string]any{"no_op": open, "already_open": open, "channel": map[string]any{
			"id": d, "is_im": true, "user": ids[0], "created": s.opts.Now().Unix(), "is_open": true,
		}})
	}
	sort.Strings(ids)
	key := "mpim:" + strings.Join(ids, ",")
	g, open := s.dmByUser[key]
	if !open {
		g = s.nextIDLocked("G")
		s.dmByUser[key] = g
	}
	return slackOK(map[string]any{"no_op": open, "already_open": open, "channel": map[string]any{
		"id": g, "is_mpim": true, "created": s.opts.Now().Unix(), "is_open": true,
	}})
}

// resolvePostChannelLocked maps a chat.postMessage channel argument to the
// channel it posts in: U… becomes the bot's DM with that user. It returns ""
// for channels that do not exist.
func (s *Slack) resolvePostChannelLocked(ch string) string {
	switch {
	case ch == "":
		return ""
	case strings.HasPrefix(ch, "U") || strings.HasPrefix(ch, "W"):
		if _, ok := s.users[ch]; !ok {
			return ""
		}
		return s.dmLocked(ch)
	case strings.HasPrefix(ch, "D"):
		if _, ok := s.userByDM[ch]; !ok {
			return ""
		}
		return ch
	case strings.HasPrefix(ch, "C") || strings.HasPrefix(ch, "G"):
		return ch
	}
	return ""
}
