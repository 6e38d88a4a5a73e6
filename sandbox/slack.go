package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"
)

// SlackOptions configures the Slack fake. The zero value is usable: every
// field has a default.
type SlackOptions struct {
	// AppToken is the app-level token apps.connections.open accepts
	// (default "xapp-1-A0SANDBOX-1-sandbox").
	AppToken string
	// BotToken is the bot token every other Web API method accepts
	// (default "xoxb-1-sandbox").
	BotToken string
	// TeamID is the workspace id (default "T0SANDBOX").
	TeamID string
	// AppID is the app id sent in hello and payloads (default "A0SANDBOX").
	AppID string
	// BotUserID is the bot's own user id returned by auth.test (default "U0TALLYBOT").
	BotUserID string
	// PingInterval is how often each socket gets a WebSocket ping frame
	// (default 5 s; slack-go gives up after 30 s without one).
	PingInterval time.Duration
	// AckTimeout is how long a pushed envelope waits for its ack (default 3 s,
	// as Slack).
	AckTimeout time.Duration
	// AckRetries is how many times an unacked envelope is re-sent with
	// retry_attempt+1 and retry_reason "timeout" before the send fails
	// (default 0: fail after the first timeout).
	AckRetries int
	// TriggerTTL is how long a trigger_id can open a modal (default 3 s, as Slack).
	TriggerTTL time.Duration
	// DisconnectGrace is how long a socket that was sent a disconnect message
	// stays open before the fake closes it itself (default 10 s).
	DisconnectGrace time.Duration
	// ChannelPostRate limits chat.postMessage per channel (Slack: about 1/s);
	// 0 disables the limit (default).
	ChannelPostRate rate.Limit
	// ChannelPostBurst is the burst of the per-channel limit (default 1).
	ChannelPostBurst int
	// WorkspacePostsPerMinute limits chat.postMessage across the workspace;
	// 0 disables the limit (default).
	WorkspacePostsPerMinute int
	// Scopes are the bot scopes the app was granted (default
	// DefaultSlackScopes, the manifest's). A method needing another scope
	// answers missing_scope. Wiring should pass bot.ManifestScopes().
	Scopes []string
	// NoRateTiers turns off the per-method rate-limit tiers (Tier 1 1+/min,
	// Tier 2 20+/min, Tier 3 50+/min, Tier 4 100+/min, answered with 429 and
	// Retry-After). They run on Now, so a simulated clock refills them; load
	// tests that exceed a tier on purpose set this (or SetRateTiers(false)).
	NoRateTiers bool
	// Now is the clock used for message ts, event times, response_url
	// expiry and the rate tiers (default time.Now). The chat.postMessage
	// limiters and ack timeouts use real time.
	Now func() time.Time
	// Logger receives debug lines about the fake's traffic (default no-op).
	Logger *zap.Logger
}

func (o *SlackOptions) setDefaults() {
	if o.AppToken == "" {
		o.AppToken = "xapp-1-A0SANDBOX-1-sandbox"
	}
	if o.BotToken == "" {
		o.BotToken = "xoxb-1-sandbox"
	}
	if o.TeamID == "" {
		o.TeamID = "T0SANDBOX"
	}
	if o.AppID == "" {
		o.AppID = "A0SANDBOX"
	}
	if o.BotUserID == "" {
		o.BotUserID = "U0TALLYBOT"
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 5 * time.Second
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 3 * time.Second
	}
	if o.TriggerTTL <= 0 {
		o.TriggerTTL = 3 * time.Second
	}
	if o.DisconnectGrace <= 0 {
		o.DisconnectGrace = 10 * time.Second
	}
	if o.ChannelPostBurst <= 0 {
		o.ChannelPostBurst = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.Scopes) == 0 {
		o.Scopes = DefaultSlackScopes
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
}

// SlackUser is a member of the fake workspace's directory.
type SlackUser struct {
	ID       string
	Name     string // handle, e.g. "ada"
	RealName string
	Email    string
	TZ       string // IANA name, e.g. "Europe/Berlin"
	TZOffset int    // seconds east of UTC
	Deleted  bool
	IsBot    bool
}

// Slack is a protocol-faithful fake of Slack's Socket Mode and Web API. Use
// NewSlack, point slack-go at URL(), drive it with SlashCommand, OpenHome,
// BlockAction and ViewSubmission, and assert on Calls, Messages, DMs,
// HomeViews and friends. All methods are safe for concurrent use.
type Slack struct {
	opts SlackOptions
	log  *zap.Logger
	srv  *httptest.Server
	base string // http://127.0.0.1:PORT/

	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu            sync.Mutex
	seq           int64
	lastTSMicros  int64
	users         map[string]*SlackUser
	dmByUser      map[string]string
	userByDM      map[string]string
	calls         []SlackCall
	messages      map[string][]*SlackMessage
	ephemerals    map[string][]SlackMessage // by target user
	homeViews     map[string][]json.RawMessage
	homeViewIDs   map[string]string
	homeHashes    map[string]string
	homeFull      map[string]json.RawMessage // user → view as Slack returns it
	modals        map[string]*SlackView
	modalFull     map[string]json.RawMessage
	modalHashes   map[string]string
	modalOrder    []string
	files         map[string]*SlackFile
	fileOrder     []string
	responseURLs  map[string]*slackResponseURL
	responsePosts map[string][]ResponseURLPost
	triggers      map[string]slackTrigger
	limits        slackLimits
	tiers         slackTiers
	scopes        map[string]bool
	sock          slackSocket
	suggestions   []SlackSuggestion

	// Memos of what people typing in a picker make the fake read or
	// write again and again, each with its own lock (read outside mu).
	surfaces    slackMemo[[]slackSurfaceBlock] // a surface's elements, by its blocks
	messageJSON slackMemo[slackEncoded]        // a message object's JSON, by its content
	answers     slackMemo[slackOptionsRead]    // an options answer read, by its bytes
	objJSON     slackMemo[slackEncoded]        // users' and the team's objects, by content
}

// NewSlack starts the fake on a random port of 127.0.0.1.
func NewSlack(opts SlackOptions) (*Slack, error) {
	opts.setDefaults()
	s := &Slack{
		opts:          opts,
		log:           opts.Logger.Named("slack_fake"),
		done:          make(chan struct{}),
		users:         make(map[string]*SlackUser),
		dmByUser:      make(map[string]string),
		userByDM:      make(map[string]string),
		messages:      make(map[string][]*SlackMessage),
		ephemerals:    make(map[string][]SlackMessage),
		homeViews:     make(map[string][]json.RawMessage),
		homeViewIDs:   make(map[string]string),
		homeHashes:    make(map[string]string),
		homeFull:      make(map[string]json.RawMessage),
		modals:        make(map[string]*SlackView),
		modalFull:     make(map[string]json.RawMessage),
		modalHashes:   make(map[string]string),
		files:         make(map[string]*SlackFile),
		responseURLs:  make(map[string]*slackResponseURL),
		responsePosts: make(map[string][]ResponseURLPost),
		triggers:      make(map[string]slackTrigger),
	}
	s.limits.init(opts)
	s.tiers.init(opts.NoRateTiers)
	s.scopes = make(map[string]bool, len(opts.Scopes))
	for _, sc := range opts.Scopes {
		s.scopes[strings.TrimSpace(sc)] = true
	}
	s.sock.init()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveWebAPI)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("/upload/", s.serveUpload)
	mux.HandleFunc("/response/", s.serveResponseURL)
	s.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	s.srv.Start()
	s.base = s.srv.URL + "/"
	return s, nil
}

// URL is the Web API base to give slack.OptionAPIURL, ending with "/".
func (s *Slack) URL() string { return s.base + "api/" }

// AppToken is the app-level token the fake accepts.
func (s *Slack) AppToken() string { return s.opts.AppToken }

// BotToken is the bot token the fake accepts.
func (s *Slack) BotToken() string { return s.opts.BotToken }

// TeamID is the fake workspace's id.
func (s *Slack) TeamID() string { return s.opts.TeamID }

// BotUserID is the bot's user id.
func (s *Slack) BotUserID() string { return s.opts.BotUserID }

// Close drops every socket, fails pending sends and stops the server. It
// returns once every goroutine the fake started has ended.
func (s *Slack) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.closeAllSockets()
		s.wg.Wait()
		s.srv.Close()
	})
}

// AddUser adds or replaces a member of the workspace directory.
func (s *Slack) AddUser(u SlackUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := u
	s.users[u.ID] = &cp
}

// SetUserTZ changes a member's time zone; the offset follows from the IANA
// name at the fake's current time. Unknown users and zones are ignored and
// reported false.
func (s *Slack) SetUserTZ(id, tz string) bool {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return false
	}
	u.TZ = tz
	_, u.TZOffset = s.opts.Now().In(loc).Zone()
	return true
}

// DMChannel returns the D… channel id of the bot's DM with userID, the one
// conversations.open answers.
func (s *Slack) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmLocked(userID)
}

// nextIDLocked returns a fresh Slack-looking id such as "V0000000A".
func (s *Slack) nextIDLocked(prefix string) string {
	s.seq++
	return prefix + fmt.Sprintf("%08s", strings.ToUpper(strconv.FormatInt(s.seq, 36)))
}

// nextTSLocked returns a message ts from the clock, strictly increasing even
// when the clock stands still or goes back.
func (s *Slack) nextTSLocked() string {
	us := s.opts.Now().UnixMicro()
	if us <= s.lastTSMicros {
		us = s.lastTSMicros + 1
	}
	s.lastTSMicros = us
	return slackTS(us)
}

// slackTS formats microseconds since the epoch as a Slack ts "1700000000.000100".
func slackTS(us int64) string {
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// dmLocked returns (creating it) the D… channel of userID.
func (s *Slack) dmLocked(userID string) string {
	if d, ok := s.dmByUser[userID]; ok {
		return d
	}
	d := "D" + strings.TrimPrefix(userID, "U")
	if _, taken := s.userByDM[d]; taken || len(userID) < 2 {
		d = s.nextIDLocked("D")
	}
	s.dmByUser[userID] = d
	s.userByDM[d] = userID
	return d
}

// appendMessageLocked stores a new message in ts order.
func (s *Slack) appendMessageLocked(m *SlackMessage) {
	list := append(s.messages[m.Channel], m)
	sort.SliceStable(list, func(i, j int) bool { return slackTSLess(list[i].TS, list[j].TS) })
	s.messages[m.Channel] = list
}

func (s *Slack) findMessageLocked(channel, ts string) *SlackMessage {
	for _, m := range s.messages[channel] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// slackTSLess orders ts strings numerically.
func slackTSLess(a, b string) bool {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) < len(bs)
	}
	if as != bs {
		return as < bs
	}
	return af < bf
}

// slackRandomHex returns n random bytes as hex, for envelope ids and tickets.
func slackRandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
