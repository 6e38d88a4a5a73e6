package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
)

// Socket Mode limits as Slack documents them.
const (
	slackMaxConnections = 10
	slackMaxAckBytes    = 20 * 1024
	slackTicketTTL      = 30 * time.Second
	slackWriteTimeout   = 5 * time.Second
)

// slackSocket is the Socket Mode side of the fake; guarded by Slack.mu.
type slackSocket struct {
	conns       []*slackConn
	nextConnID  int
	rr          int
	tickets     map[string]time.Time
	pending     map[string]chan slackAckMsg
	changed     chan struct{}
	closed      bool
	latencies   []time.Duration
	droppedAcks int
	strayAcks   int
}

func (k *slackSocket) init() {
	k.tickets = make(map[string]time.Time)
	k.pending = make(map[string]chan slackAckMsg)
	k.changed = make(chan struct{})
}

// slackConn is one Socket Mode WebSocket.
type slackConn struct {
	id        int
	ws        *websocket.Conn
	writeMu   sync.Mutex
	ready     bool // hello written; guarded by Slack.mu
	draining  bool // sent a disconnect; guarded by Slack.mu
	done      chan struct{}
	closeOnce sync.Once
	grace     *time.Timer // guarded by Slack.mu
}

func (c *slackConn) write(data []byte) error {
	_, err := c.writeTimed(data)
	return err
}

// writeTimed writes data and returns when the write began: the moment the
// envelope went onto the socket, after any wait for the socket's other
// writers (that wait is Slack's own queue, not the app's time).
func (c *slackConn) writeTimed(data []byte) (time.Time, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	at := time.Now()
	_ = c.ws.SetWriteDeadline(at.Add(slackWriteTimeout))
	return at, c.ws.WriteMessage(websocket.TextMessage, data)
}

// close drops the TCP connection without a close frame, as a network failure would.
func (c *slackConn) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

// notifyLocked wakes everyone waiting for a change in the connection set.
func (s *Slack) notifyLocked() {
	close(s.sock.changed)
	s.sock.changed = make(chan struct{})
}

// issueTicketLocked returns a single-use WebSocket URL, or the error
// too_many_websockets when the app already has the maximum number of
// connections (what Slack answers then is unconfirmed; slack-go backs off and
// retries on any non-auth error).
func (s *Slack) issueTicketLocked() (string, error) {
	if len(s.sock.conns) >= slackMaxConnections {
		return "", errors.New("too_many_websockets")
	}
	now := time.Now()
	for t, at := range s.sock.tickets {
		if now.Sub(at) > slackTicketTTL {
			delete(s.sock.tickets, t)
		}
	}
	ticket := slackRandomHex(16)
	s.sock.tickets[ticket] = now
	return "ws" + strings.TrimPrefix(s.base, "http") + "link/?ticket=" + ticket + "&app_id=" + s.opts.AppID, nil
}

var slackUpgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	CheckOrigin:     func(*http.Request) bool { return true },
}

// slackSocketBufferBytes sizes the fake's socket buffers: a burst of
// envelopes or acks (200 picker answers of 3 KB) fits, with room to spare.
const slackSocketBufferBytes = 4 << 20

// slackSocketBuffers gives a socket buffers the size of a burst. Slack's
// servers read and write on their own machines, at once; the fake shares
// the app's CPUs and its reading goroutine waits for one like any other.
// With the kernel's default buffers a burst of acks closes the TCP window
// while the fake waits, and the app's next ack then waits for Linux's
// 200 ms zero-window probe: a delay Slack never adds, measured as if the
// app had been slow (BenchmarkPickerSuggest saw it in one run of five).
func slackSocketBuffers(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	// Best effort: the kernel caps them at net.core.rmem_max / wmem_max.
	_ = tc.SetReadBuffer(slackSocketBufferBytes)
	_ = tc.SetWriteBuffer(slackSocketBufferBytes)
}

// serveSocket is the Socket Mode WebSocket endpoint behind the URL that
// apps.connections.open hands out.
func (s *Slack) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	issued, ok := s.sock.tickets[ticket]
	delete(s.sock.tickets, ticket)
	if s.sock.closed || !ok || time.Since(issued) > slackTicketTTL {
		s.mu.Unlock()
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := slackUpgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Debug("websocket upgrade failed", zap.Error(err))
		return
	}
	ws.SetReadLimit(1 << 20)
	slackSocketBuffers(ws.NetConn())
	c := &slackConn{ws: ws, done: make(chan struct{})}

	s.mu.Lock()
	if s.sock.closed {
		s.mu.Unlock()
		c.close()
		return
	}
	s.sock.nextConnID++
	c.id = s.sock.nextConnID
	s.sock.conns = append(s.sock.conns, c)
	n := len(s.sock.conns)
	s.mu.Unlock()

	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": n,
		"debug_info": map[string]any{
			"host":                        "applink-sandbox",
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": s.opts.AppID},
	})
	if err := c.write(hello); err != nil {
		s.removeConn(c)
		return
	}
	// Only now may envelopes go to this socket: a client reads hello first.
	s.mu.Lock()
	c.ready = true
	s.notifyLocked()
	s.mu.Unlock()
	s.log.Debug("socket connected", zap.Int("conn", c.id), zap.Int("num_connections", n))

	s.wg.Add(1)
	go s.pingLoop(c)
	s.readLoop(c)
	s.removeConn(c)
}

// pingLoop sends WebSocket pings; slack-go reconnects after 30 s without one.
func (s *Slack) pingLoop(c *slackConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(slackWriteTimeout)); err != nil {
				c.close()
				return
			}
		}
	}
}

// readLoop reads acks until the socket fails. Each frame is read into one
// buffer kept for the socket (handleAck copies what it keeps), not into a
// new one grown from 512 bytes for every ack.
func (s *Slack) readLoop(c *slackConn) {
	var buf bytes.Buffer
	for {
		typ, r, err := c.ws.NextReader()
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			s.log.Debug("socket closed", zap.Int("conn", c.id), zap.Error(err))
			return
		}
		if typ != websocket.TextMessage {
			continue
		}
		s.handleAck(c, buf.Bytes())
	}
}

func (s *Slack) removeConn(c *slackConn) {
	c.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.grace != nil {
		c.grace.Stop()
	}
	for i, x := range s.sock.conns {
		if x == c {
			s.sock.conns = append(s.sock.conns[:i], s.sock.conns[i+1:]...)
			s.notifyLocked()
			return
		}
	}
}

func (s *Slack) closeAllSockets() {
	s.mu.Lock()
	s.sock.closed = true
	conns := append([]*slackConn(nil), s.sock.conns...)
	for _, c := range conns {
		if c.grace != nil {
			c.grace.Stop()
		}
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// liveConnsLocked returns the sockets that may receive envelopes.
func (s *Slack) liveConnsLocked() []*slackConn {
	var live []*slackConn
	for _, c := range s.sock.conns {
		if c.ready && !c.draining {
			live = append(live, c)
		}
	}
	return live
}

// pickConn returns the next live socket round-robin, waiting for one to
// appear until ctx ends.
func (s *Slack) pickConn(ctx context.Context) (*slackConn, error) {
	for {
		s.mu.Lock()
		if s.sock.closed {
			s.mu.Unlock()
			return nil, ErrSlackClosed
		}
		if live := s.liveConnsLocked(); len(live) > 0 {
			c := live[s.sock.rr%len(live)]
			s.sock.rr++
			s.mu.Unlock()
			return c, nil
		}
		changed := s.sock.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for a socket: %w", ctx.Err())
		}
	}
}

// Connections returns how many sockets are open and not told to disconnect.
func (s *Slack) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.liveConnsLocked())
}

// WaitForConnections blocks until at least n sockets are live (connected,
// greeted and not told to disconnect) or ctx ends.
func (s *Slack) WaitForConnections(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		if s.sock.closed {
			s.mu.Unlock()
			return ErrSlackClosed
		}
		if len(s.liveConnsLocked()) >= n {
			s.mu.Unlock()
			return nil
		}
		changed := s.sock.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d connections: %w", n, ctx.Err())
		}
	}
}

// Disconnect sends {"type":"disconnect","reason":reason} to every live
// socket ("warning", "refresh_requested", "link_disabled"). Those sockets get
// no more envelopes and are closed after DisconnectGrace if the client has
// not closed them. It returns how many sockets were told.
func (s *Slack) Disconnect(reason string) int {
	msg, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "applink-sandbox"},
	})
	s.mu.Lock()
	live := s.liveConnsLocked()
	for _, c := range live {
		c.draining = true
		c.grace = time.AfterFunc(s.opts.DisconnectGrace, c.close)
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range live {
		if err := c.write(msg); err != nil {
			c.close()
		}
	}
	return len(live)
}

// DropConnection closes the oldest live socket abruptly, as a network
// failure would, and reports whether there was one.
func (s *Slack) DropConnection() bool {
	s.mu.Lock()
	live := s.liveConnsLocked()
	if len(live) == 0 {
		s.mu.Unlock()
		return false
	}
	c := live[0]
	s.mu.Unlock()
	s.removeConn(c)
	return true
}

// DropConnections closes every socket abruptly (no close frame, no
// disconnect message), as a network failure would. It returns how many were dropped.
func (s *Slack) DropConnections() int {
	s.mu.Lock()
	conns := s.sock.conns
	s.sock.conns = nil
	for _, c := range conns {
		if c.grace != nil {
			c.grace.Stop()
		}
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
	return len(conns)
}
