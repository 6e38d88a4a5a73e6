package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tallyhq/tally/clock"
)

// BambooWebhookSender posts webhook deliveries the way BambooHR does:
// X-BambooHR-Timestamp (Unix seconds) and X-BambooHR-Signature (lowercase
// hex HMAC-SHA256 of the raw body followed by the timestamp string).
type BambooWebhookSender struct {
	URL    string // the listener's full URL, …/webhooks/bamboohr
	Secret []byte
	Client *http.Client
	Now    func() time.Time
	// Form posts deliveries URL-encoded (application/x-www-form-urlencoded)
	// instead of as JSON, as an admin may choose for either payload
	// family; bodies given as JSON are converted (BambooFormBody).
	Form bool
	// Sleep waits between Deliver's retries (default clock.Sleep); a test
	// passes one that advances its clock instead.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewBambooWebhookSender returns a sender to url signing with secret.
func NewBambooWebhookSender(url string, secret []byte) *BambooWebhookSender {
	return &BambooWebhookSender{URL: url, Secret: secret, Client: &http.Client{Timeout: 10 * time.Second}, Now: time.Now, Sleep: clock.Sleep}
}

// BambooRetrySchedule is when BambooHR retries a delivery that was answered
// with a 5xx (or not answered): 5 times, 5, 10, 20, 40 and 80 minutes after
// the previous attempt; a 4xx is never retried (Webhooks, "Webhook
// Retries": https://documentation.bamboohr.com/docs/webhooks).
var BambooRetrySchedule = []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute}

// BambooAttempt is one attempt of a delivery.
type BambooAttempt struct {
	At   time.Time // the sender's clock when it was sent
	Code int       // the status answered; 0 when the request failed
	Err  error
}

// Deliver sends body as BambooHR delivers a webhook: once, then, while the
// answer is a 5xx or none, again on BambooRetrySchedule; never after a 4xx
// or a 2xx. Every retry carries the first attempt's timestamp and signature
// (whether BambooHR stamps retries anew is not documented; this is the
// strict case). It returns every attempt; the error is only for a ctx
// that ended.
func (s *BambooWebhookSender) Deliver(ctx context.Context, body []byte) ([]BambooAttempt, error) {
	body, err := s.encode(body)
	if err != nil {
		return nil, err
	}
	sleep := s.Sleep
	if sleep == nil {
		sleep = clock.Sleep
	}
	ts := strconv.FormatInt(s.Now().Unix(), 10)
	headers := map[string]string{"X-BambooHR-Timestamp": ts, "X-BambooHR-Signature": BambooSign(s.Secret, body, ts)}
	var out []BambooAttempt
	for i := 0; ; i++ {
		code, err := s.post(ctx, body, headers)
		out = append(out, BambooAttempt{At: s.Now(), Code: code, Err: err})
		if (err == nil && code < 500) || i == len(BambooRetrySchedule) {
			return out, nil
		}
		if err := sleep(ctx, BambooRetrySchedule[i]); err != nil {
			return out, err
		}
	}
}

// encode converts a JSON body to a form body when the sender posts forms.
func (s *BambooWebhookSender) encode(body []byte) ([]byte, error) {
	if !s.Form || len(body) == 0 || body[0] != '{' {
		return body, nil
	}
	return BambooFormBody(body)
}

// BambooFormBody encodes a JSON delivery as BambooHR's form post: nested
// keys in brackets, list items by index, e.g. type=employee.updated&
// data[employeeId]=67890&data[changedFields][0]=firstName (Event-Based
// Webhooks, "Form Post Format": https://documentation.bamboohr.com/docs/event-based-webhooks).
func BambooFormBody(jsonBody []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(jsonBody, &v); err != nil {
		return nil, fmt.Errorf("form body: %w", err)
	}
	vals := url.Values{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		key := func(k string) string {
			if prefix == "" {
				return k
			}
			return prefix + "[" + k + "]"
		}
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(key(k), c)
			}
		case []any:
			for i, c := range x {
				walk(key(strconv.Itoa(i)), c)
			}
		case nil:
			vals.Set(prefix, "")
		case string:
			vals.Set(prefix, x)
		default:
			b, _ := json.Marshal(x)
			vals.Set(prefix, string(b))
		}
	}
	walk("", v)
	return []byte(vals.Encode()), nil
}

// BambooSign computes BambooHR's signature of body at timestamp.
func BambooSign(secret, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	m.Write([]byte(timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// Send signs body with the current time and posts it once, returning the
// status (as a form when Form is set).
func (s *BambooWebhookSender) Send(ctx context.Context, body []byte) (int, error) {
	body, err := s.encode(body)
	if err != nil {
		return 0, err
	}
	ts := strconv.FormatInt(s.Now().Unix(), 10)
	return s.SendRaw(ctx, body, map[string]string{
		"X-BambooHR-Timestamp": ts,
		"X-BambooHR-Signature": BambooSign(s.Secret, body, ts),
	})
}

// SendRaw posts body with exactly the given headers (for tampered, stale or
// unsigned deliveries).
func (s *BambooWebhookSender) SendRaw(ctx context.Context, body []byte, headers map[string]string) (int, error) {
	return s.post(ctx, body, headers)
}

func (s *BambooWebhookSender) post(ctx context.Context, body []byte, headers map[string]string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if len(body) > 0 && body[0] != '{' {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "BambooHR-Webhook")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post webhook: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// SendAll sends bodies in order; with duplicateEvery > 0 every nth delivery
// is sent twice, and with shuffleSeed != 0 the order is shuffled first
// (BambooHR delivers at least once and in no guaranteed order). It returns
// the statuses in sending order.
func (s *BambooWebhookSender) SendAll(ctx context.Context, bodies [][]byte, duplicateEvery int, shuffleSeed uint64) ([]int, error) {
	order := append([][]byte(nil), bodies...)
	if shuffleSeed != 0 {
		r := rand.New(rand.NewPCG(shuffleSeed, shuffleSeed^0x9e3779b97f4a7c15)) //nolint:gosec // G404: seeded on purpose: a reproducible delivery order
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	var out []int
	for i, b := range order {
		n := 1
		if duplicateEvery > 0 && (i+1)%duplicateEvery == 0 {
			n = 2
		}
		for k := 0; k < n; k++ {
			code, err := s.Send(ctx, b)
			if err != nil {
				return out, err
			}
			out = append(out, code)
		}
	}
	return out, nil
}

// BambooEventPayload builds an event-based delivery (no values):
// {"type":"employee.<kind>","timestamp":…,"data":{"companyId","employeeId","changedFields"}}.
func BambooEventPayload(kind, employeeID string, at time.Time, changedFields ...string) []byte {
	if changedFields == nil {
		changedFields = []string{}
	}
	b, _ := json.Marshal(map[string]any{
		"type":      "employee." + kind,
		"timestamp": at.UTC().Format(time.RFC3339),
		"data":      map[string]any{"companyId": "12345", "employeeId": employeeID, "changedFields": changedFields},
	})
	return b
}

// BambooFieldChange is one employee of a field-based delivery.
type BambooFieldChange struct {
	ID            string
	Action        string // Created, Updated or Deleted
	ChangedFields []string
	Fields        map[string]any // field name → value
	// Wrapped sends each value as {"value": …} instead of plain.
	Wrapped bool
}

// BambooFieldPayload builds a field-based (legacy) delivery:
// {"employees":[{"id","action","changedFields","fields","timestamp"}]}.
func BambooFieldPayload(at time.Time, changes ...BambooFieldChange) []byte {
	emps := make([]map[string]any, 0, len(changes))
	for _, c := range changes {
		fields := map[string]any{}
		for k, v := range c.Fields {
			if c.Wrapped {
				fields[k] = map[string]any{"value": v}
			} else {
				fields[k] = v
			}
		}
		if c.ChangedFields == nil {
			c.ChangedFields = []string{}
		}
		emps = append(emps, map[string]any{"id": c.ID, "action": c.Action, "changedFields": c.ChangedFields,
			"fields": fields, "timestamp": at.UTC().Format(time.RFC3339)})
	}
	b, _ := json.Marshal(map[string]any{"employees": emps})
	return b
}

// FieldChangeFor builds a field-based change carrying the person's current
// values under BambooHR's display names (plus the rate field by alias).
func (b *Bamboo) FieldChangeFor(id, action string, changed ...string) BambooFieldChange {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := BambooFieldChange{ID: id, Action: action, ChangedFields: changed, Fields: map[string]any{}}
	if e, ok := b.emps[id]; ok {
		c.Fields = map[string]any{
			"First name": e.FirstName, "Last name": e.LastName, "Work Email": e.WorkEmail,
			"Job Title": e.JobTitle, "Status": e.Status, "Employment Status": e.EmploymentStatus,
		}
		if v, ok := b.rateValueLocked(e, true); ok {
			c.Fields[b.rateFieldLocked(e)] = v
		}
	}
	return c
}
