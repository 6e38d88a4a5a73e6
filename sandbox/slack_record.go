package sandbox

import (
	"encoding/json"
	"time"
)

// What the fake recorded, for assertions.

// SlackCall is one Web API request the fake received.
type SlackCall struct {
	Method string
	// Params holds the request's parameters: form values as sent, JSON body
	// fields as their raw JSON text when not strings (e.g. "view", "blocks").
	Params map[string]string
	// Error is the Slack error string answered ("" when ok, "ratelimited"
	// for an HTTP 429).
	Error string
	At    time.Time
}

// SlackMessage is a message as it currently stands in a channel.
type SlackMessage struct {
	Channel  string
	TS       string
	ThreadTS string
	User     string // the bot's user id, or the target user of an ephemeral
	Text     string
	Blocks   json.RawMessage // JSON array, nil when the message has none
	Metadata json.RawMessage // {"event_type","event_payload"} as posted; nil when none
	Updates  int             // how many times chat.update or replace_original changed it
	Deleted  bool            // removed through a response_url delete_original
	PostedAt time.Time
}

// SlackView is a modal opened with views.open, at its latest version.
type SlackView struct {
	ID        string
	UserID    string
	TriggerID string
	View      json.RawMessage // the view object as last sent (views.open or views.update)
	Updates   int
	Closed    bool // submitted without response_action "errors"/"update"/"push"
	OpenedAt  time.Time
}

// SlackFile is a file uploaded through files.getUploadURLExternal, the upload
// URL and files.completeUploadExternal.
type SlackFile struct {
	ID             string
	Name           string
	Title          string
	Length         int // as announced in files.getUploadURLExternal
	Content        []byte
	Channel        string
	InitialComment string
	ThreadTS       string
	Completed      bool
}

// ResponseURLPost is one POST the bot made to a response_url the fake issued.
type ResponseURLPost struct {
	UserID          string
	URL             string
	Body            json.RawMessage
	Text            string
	Blocks          json.RawMessage
	ResponseType    string // "ephemeral" (default) or "in_channel"
	ReplaceOriginal bool
	DeleteOriginal  bool
	Error           string // "" when accepted, else the error answered
	At              time.Time
}

// Calls returns the Web API requests received for method ("" for all), oldest first.
func (s *Slack) Calls(method string) []SlackCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SlackCall
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// CallCount returns how many requests method received ("" for all).
func (s *Slack) CallCount(method string) int { return len(s.Calls(method)) }

// Messages returns the messages of a channel in ts order, each at its latest
// content.
func (s *Slack) Messages(channelID string) []SlackMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SlackMessage, 0, len(s.messages[channelID]))
	for _, m := range s.messages[channelID] {
		out = append(out, *m)
	}
	return out
}

// DMs returns the messages in the bot's DM channel with userID.
func (s *Slack) DMs(userID string) []SlackMessage {
	return s.Messages(s.DMChannel(userID))
}

// Ephemerals returns the ephemeral messages shown to userID (chat.postEphemeral
// and ephemeral response_url answers), oldest first.
func (s *Slack) Ephemerals(userID string) []SlackMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SlackMessage(nil), s.ephemerals[userID]...)
}

// HomeViews returns every Home tab view published for userID, latest last.
func (s *Slack) HomeViews(userID string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]json.RawMessage(nil), s.homeViews[userID]...)
}

// OpenedViews returns the modals opened with views.open, in opening order,
// each at its latest version.
func (s *Slack) OpenedViews() []SlackView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SlackView, 0, len(s.modalOrder))
	for _, id := range s.modalOrder {
		out = append(out, *s.modals[id])
	}
	return out
}

// Files returns the uploaded files in upload order.
func (s *Slack) Files() []SlackFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SlackFile, 0, len(s.fileOrder))
	for _, id := range s.fileOrder {
		f := *s.files[id]
		f.Content = append([]byte(nil), f.Content...)
		out = append(out, f)
	}
	return out
}

// ResponseURLPosts returns the POSTs made to response_urls issued for userID.
func (s *Slack) ResponseURLPosts(userID string) []ResponseURLPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ResponseURLPost(nil), s.responsePosts[userID]...)
}
