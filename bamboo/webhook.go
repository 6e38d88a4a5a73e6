package bamboo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tallyhq/tally/storage"
)

// WebhookPath is the one route the listener serves.
const WebhookPath = "/webhooks/bamboohr"

// MaxWebhookBody is the largest body the listener reads; larger → 413.
const MaxWebhookBody = 1 << 20

// BambooHR retries a delivery answered with a 5xx five times, 5, 10, 20,
// 40 and 80 minutes apart (2 h 35 min in all), and never retries a 4xx
// (Webhooks, "Webhook Retries": https://documentation.bamboohr.com/docs/webhooks).
// Whether a retry carries a new X-BambooHR-Timestamp is not documented, so
// a correctly signed delivery is accepted for as long as BambooHR may still
// be retrying it with its first timestamp, plus a margin.
const (
	// DefaultMaxAge is how old a delivery's timestamp may be: the retry
	// schedule (155 minutes) plus 25 minutes of margin for BambooHR's queue.
	DefaultMaxAge = 3 * time.Hour
	// DefaultMaxFuture is how far ahead of tally's clock a timestamp may
	// be (clock skew between BambooHR and tally).
	DefaultMaxFuture = 5 * time.Minute
)

// The headers BambooHR signs its deliveries with.
const (
	HeaderSignature = "X-BambooHR-Signature"
	HeaderTimestamp = "X-BambooHR-Timestamp"
)

// WebhookOptions configure the webhook handler.
type WebhookOptions struct {
	// Secret is the webhook's private key from BambooHR. Required unless
	// Insecure is set.
	Secret []byte
	// Insecure accepts unsigned deliveries: development and the sandbox
	// demo only (TALLY_DEV_INSECURE_WEBHOOK). A warning is logged.
	Insecure bool
	// MaxAge is how far X-BambooHR-Timestamp may lie in the past; default
	// DefaultMaxAge (BambooHR's retries). Older deliveries are refused 401:
	// they can never be accepted, so BambooHR need not retry them.
	MaxAge time.Duration
	// MaxFuture is how far the timestamp may lie ahead; default
	// DefaultMaxFuture.
	MaxFuture time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OnStored, when set, is called after a new delivery is stored, e.g.
	// Processor.Wake so the worker drains it at once.
	OnStored   func()
	Logger     *zap.Logger
	Registerer prometheus.Registerer // default: a private registry
}

// webhookHandler verifies, stores and acknowledges BambooHR deliveries.
type webhookHandler struct {
	q          storage.Querier
	opts       WebhookOptions
	log        *zap.Logger
	requests   *prometheus.CounterVec
	duplicates prometheus.Counter
}

// NewWebhookHandler returns the http.Handler of the webhook listener. It
// serves only POST /webhooks/bamboohr, JSON or form-post bodies, verifies
// the signature (over the raw body bytes either way) and the timestamp
// window (MaxAge back, MaxFuture ahead),
// stores each valid delivery once in the webhook inbox through q (normally
// the pool) and only then answers 200; 503 when it cannot store, so
// BambooHR retries. Without a secret it refuses to be built unless
// opts.Insecure is set.
func NewWebhookHandler(q storage.Querier, opts WebhookOptions) (http.Handler, error) {
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	log = log.Named("webhook")
	if len(opts.Secret) == 0 {
		if !opts.Insecure {
			return nil, errors.New("bamboohr webhook: BAMBOO_WEBHOOK_SECRET is required (the listener refuses to start without it)")
		}
		log.Warn("webhook listener accepts UNSIGNED deliveries: development mode, never use in production")
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.MaxFuture <= 0 {
		opts.MaxFuture = DefaultMaxFuture
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	reg := opts.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	h := &webhookHandler{q: q, opts: opts, log: log,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tally_bamboo_webhook_requests_total",
			Help: "BambooHR webhook requests by HTTP status answered.",
		}, []string{"code"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tally_bamboo_webhook_duplicates_total",
			Help: "Signed BambooHR deliveries received again after they were stored (retries, replays); each changed nothing.",
		})}
	for _, c := range []prometheus.Collector{h.requests, h.duplicates} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register webhook metrics: %w", err)
		}
	}
	return h, nil
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code, reason, extra := h.serve(r)
	h.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	if code == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	if code == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	resp := map[string]any{"ok": code == http.StatusOK}
	if reason != "" {
		resp["error"] = reason
	}
	for k, v := range extra {
		resp[k] = v
	}
	_ = json.NewEncoder(w).Encode(resp)
}

// serve decides the answer; nothing is stored unless the signature holds.
func (h *webhookHandler) serve(r *http.Request) (int, string, map[string]any) {
	if r.URL.Path != WebhookPath {
		return http.StatusNotFound, "not found", nil
	}
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, "method not allowed", nil
	}
	if r.ContentLength > MaxWebhookBody {
		return http.StatusRequestEntityTooLarge, "body larger than 1 MiB", nil
	}
	sig, ts := r.Header.Get(HeaderSignature), r.Header.Get(HeaderTimestamp)
	secure := len(h.opts.Secret) > 0
	if secure && (sig == "" || ts == "") {
		return http.StatusUnauthorized, "missing " + HeaderSignature + " or " + HeaderTimestamp, nil
	}
	now := h.opts.Now()
	signedAt := now
	if ts != "" || secure {
		secs, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return http.StatusUnauthorized, "timestamp is not unix seconds", nil
		}
		signedAt = time.Unix(secs, 0)
		if d := now.Sub(signedAt); d > h.opts.MaxAge || d < -h.opts.MaxFuture {
			return http.StatusUnauthorized, "timestamp outside the accepted window", nil
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxWebhookBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return http.StatusRequestEntityTooLarge, "body larger than 1 MiB", nil
		}
		return http.StatusBadRequest, "could not read body", nil
	}
	if secure && !ValidSignature(h.opts.Secret, body, ts, sig) {
		h.log.Info("webhook signature mismatch", zap.String("remote", r.RemoteAddr))
		return http.StatusUnauthorized, "invalid signature", nil
	}
	sum := sha256.Sum256(body)
	d := storage.InboxDelivery{DedupeKey: hex.EncodeToString(sum[:]), SignedAt: signedAt, Body: body, ReceivedAt: now}
	changes, perr := ParsePayload(body)
	if perr != nil {
		d.Status, d.LastError = storage.InboxInvalid, perr.Error()
	}
	// Storing must not be cut short by a client that hangs up: BambooHR
	// would retry and the dedupe key makes the retry harmless.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	id, dup, err := storage.InsertInbox(ctx, h.q, d)
	if err != nil {
		h.log.Warn("cannot store webhook delivery", zap.Error(err))
		return http.StatusServiceUnavailable, "cannot store the delivery now; retry later", nil
	}
	if perr != nil {
		h.log.Info("signed webhook with an invalid payload", zap.String("reason", perr.Error()))
		return http.StatusBadRequest, perr.Error(), nil
	}
	if dup {
		h.duplicates.Inc()
		h.log.Info("webhook delivery received again; stored once, nothing changes", zap.Int64("inbox_id", id),
			zap.Time("signed_at", signedAt))
	}
	if !dup && h.opts.OnStored != nil {
		h.opts.OnStored()
	}
	h.log.Debug("webhook stored", zap.Int64("inbox_id", id), zap.Bool("duplicate", dup), zap.Int("changes", len(changes)))
	return http.StatusOK, "", map[string]any{"duplicate": dup}
}
