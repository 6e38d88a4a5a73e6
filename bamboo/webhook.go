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
	// MaxSkew is how far X-BambooHR-Timestamp may be from now; default 5m.
	MaxSkew time.Duration
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
	q        storage.Querier
	opts     WebhookOptions
	log      *zap.Logger
	requests *prometheus.CounterVec
}

// NewWebhookHandler returns the http.Handler of the webhook listener. It
// serves only POST /webhooks/bamboohr, verifies the signature and timestamp,
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
	if opts.MaxSkew <= 0 {
		opts.MaxSkew = 5 * time.Minute
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
		}, []string{"code"})}
	if err := reg.Register(h.requests); err != nil {
		return nil, fmt.Errorf("register webhook metrics: %w", err)
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
		if d := now.Sub(signedAt); d > h.opts.MaxSkew || d < -h.opts.MaxSkew {
			return http.StatusUnauthorized, "timestamp outside the 5 minute window", nil
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
	if !dup && h.opts.OnStored != nil {
		h.opts.OnStored()
	}
	h.log.Debug("webhook stored", zap.Int64("inbox_id", id), zap.Bool("duplicate", dup), zap.Int("changes", len(changes)))
	return http.StatusOK, "", map[string]any{"duplicate": dup}
}
