package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Envelopes: pushing one to a socket, waiting for its ack, re-sending it.

// ErrSlackAckTimeout is returned by the driver methods when no ack arrived
// within AckTimeout (after AckRetries re-sends).
var ErrSlackAckTimeout = errors.New("slack fake: envelope not acked in time")

// ErrSlackClosed is returned by the driver methods once the fake is closed.
var ErrSlackClosed = errors.New("slack fake: closed")

// Ack is a client's acknowledgement of one envelope.
type Ack struct {
	EnvelopeID string
	// Payload is the ack's payload, nil when it carried none.
	Payload json.RawMessage
	// Latency is the time from writing the envelope to reading its ack.
	Latency time.Duration
	// Attempt is the retry_attempt of the envelope the ack answered (0 unless retried).
	Attempt int
	// SentOn and AckedOn are the sockets (numbered from 1 as they open)
	// the envelope went out on and its ack came back on.
	SentOn, AckedOn int
}

// ResponseAction returns the payload's response_action ("errors", "update",
// "push", "clear"), or "".
func (a *Ack) ResponseAction() string {
	var p struct {
		ResponseAction string `json:"response_action"`
	}
	_ = json.Unmarshal(a.Payload, &p)
	return p.ResponseAction
}

// Errors returns the payload's view-submission errors keyed by block_id, or nil.
func (a *Ack) Errors() map[string]string {
	var p struct {
		Errors map[string]string `json:"errors"`
	}
	_ = json.Unmarshal(a.Payload, &p)
	return p.Errors
}

// Text returns the payload's "text" (a slash command's immediate answer), or "".
func (a *Ack) Text() string {
	var p struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(a.Payload, &p)
	return p.Text
}

// Blocks returns the payload's "blocks" as raw JSON, or nil.
func (a *Ack) Blocks() json.RawMessage {
	var p struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	_ = json.Unmarshal(a.Payload, &p)
	return p.Blocks
}

type slackAckMsg struct {
	payload json.RawMessage
	at      time.Time
	conn    int // the socket it came on
}

type slackEnvelope struct {
	EnvelopeID             string `json:"envelope_id"`
	Type                   string `json:"type"`
	AcceptsResponsePayload bool   `json:"accepts_response_payload"`
	RetryAttempt           int    `json:"retry_attempt"`
	RetryReason            string `json:"retry_reason"`
}

// encode is the envelope's JSON carrying payload. The payload, valid JSON
// already, is spliced in as it is: encoding/json would check and compact
// it again, and a payload carries a whole message or view.
func (env slackEnvelope) encode(payload json.RawMessage) ([]byte, error) {
	head, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("marshal envelope: %w", err)
	}
	if len(payload) == 0 {
		payload = json.RawMessage("null")
	}
	return slackSplice(head, "payload", payload), nil
}

func (s *Slack) handleAck(c *slackConn, data []byte) {
	at := time.Now()
	if len(data) >= slackMaxAckBytes {
		s.mu.Lock()
		s.sock.droppedAcks++
		s.mu.Unlock()
		s.log.Debug("ack dropped: too large", zap.Int("conn", c.id), zap.Int("bytes", len(data)))
		return
	}
	var msg struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(data, &msg); err != nil || msg.EnvelopeID == "" {
		s.mu.Lock()
		s.sock.strayAcks++
		s.mu.Unlock()
		s.log.Debug("unreadable ack", zap.Int("conn", c.id), zap.ByteString("data", data))
		return
	}
	s.mu.Lock()
	ch, ok := s.sock.pending[msg.EnvelopeID]
	delete(s.sock.pending, msg.EnvelopeID)
	if !ok {
		s.sock.strayAcks++
	}
	s.mu.Unlock()
	if !ok {
		s.log.Debug("ack for unknown or expired envelope", zap.String("envelope_id", msg.EnvelopeID))
		return
	}
	if string(msg.Payload) == "null" {
		msg.Payload = nil
	}
	ch <- slackAckMsg{payload: msg.Payload, at: at, conn: c.id}
}

// AckLatencies returns the latency of every ack received so far, in order.
func (s *Slack) AckLatencies() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.sock.latencies...)
}

// StrayAcks returns how many acks matched no waiting envelope (unknown,
// duplicate or late) or could not be read.
func (s *Slack) StrayAcks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.strayAcks
}

// DroppedAcks returns how many acks were dropped for being 20 KB or larger.
func (s *Slack) DroppedAcks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.droppedAcks
}

// SendRaw writes raw bytes as one text frame to the next live socket, for
// malformed envelopes. It does not wait for an ack.
func (s *Slack) SendRaw(ctx context.Context, raw []byte) error {
	c, err := s.pickConn(ctx)
	if err != nil {
		return err
	}
	if err := c.write(raw); err != nil {
		return fmt.Errorf("write raw frame: %w", err)
	}
	return nil
}

// SendEnvelope pushes an envelope of any type with payload (marshalled to
// JSON unless already json.RawMessage or []byte) and waits for its ack.
func (s *Slack) SendEnvelope(ctx context.Context, typ string, payload any, acceptsResponse bool) (*Ack, error) {
	var raw json.RawMessage
	switch p := payload.(type) {
	case json.RawMessage:
		raw = p
	case []byte:
		raw = p
	case map[string]any:
		b, err := slackPayloadJSON(p)
		if err != nil {
			return nil, err
		}
		raw = b
	default:
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, fmt.Errorf("marshal payload: %w", err)
		}
		raw = b
	}
	if len(raw) > 0 && !json.Valid(raw) {
		return nil, errors.New("slack fake: envelope payload is not JSON")
	}
	return s.deliver(ctx, typ, raw, acceptsResponse)
}

// deliver pushes one envelope to one socket and waits for its ack, re-sending
// with retry_attempt+1 on timeout when AckRetries allows.
func (s *Slack) deliver(ctx context.Context, typ string, payload json.RawMessage, acceptsResponse bool) (*Ack, error) {
	env := slackEnvelope{
		EnvelopeID:             slackEnvelopeID(),
		Type:                   typ,
		AcceptsResponsePayload: acceptsResponse,
	}
	ch := make(chan slackAckMsg, 1)
	s.mu.Lock()
	s.sock.pending[env.EnvelopeID] = ch
	s.mu.Unlock()
	forget := func() {
		s.mu.Lock()
		delete(s.sock.pending, env.EnvelopeID)
		s.mu.Unlock()
	}

	for attempt := 0; ; {
		env.RetryAttempt = attempt
		if attempt > 0 {
			env.RetryReason = "timeout"
		}
		data, err := env.encode(payload)
		if err != nil {
			forget()
			return nil, err
		}
		c, err := s.pickConn(ctx)
		if err != nil {
			forget()
			return nil, err
		}
		sentAt, err := c.writeTimed(data)
		if err != nil {
			// The socket died under us; Slack would pick another one.
			s.removeConn(c)
			continue
		}
		s.log.Debug("envelope sent", zap.String("type", typ), zap.String("envelope_id", env.EnvelopeID),
			zap.Int("conn", c.id), zap.Int("retry_attempt", attempt))
		timer := time.NewTimer(s.opts.AckTimeout)
		select {
		case a := <-ch:
			timer.Stop()
			lat := a.at.Sub(sentAt)
			s.mu.Lock()
			s.sock.latencies = append(s.sock.latencies, lat)
			s.mu.Unlock()
			return &Ack{EnvelopeID: env.EnvelopeID, Payload: a.payload, Latency: lat, Attempt: attempt, SentOn: c.id, AckedOn: a.conn}, nil
		case <-timer.C:
			if attempt < s.opts.AckRetries {
				attempt++
				continue
			}
			forget()
			return nil, fmt.Errorf("%s envelope %s: %w", typ, env.EnvelopeID, ErrSlackAckTimeout)
		case <-ctx.Done():
			timer.Stop()
			forget()
			return nil, fmt.Errorf("wait for ack: %w", ctx.Err())
		case <-s.done:
			timer.Stop()
			return nil, ErrSlackClosed
		}
	}
}

// slackEnvelopeID returns a UUID-shaped id like Slack's envelope ids.
func slackEnvelopeID() string {
	h := slackRandomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
