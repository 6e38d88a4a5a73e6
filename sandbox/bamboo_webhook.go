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
	"strconv"
	"time"
)

// BambooWebhookSender posts webhook deliveries the way BambooHR does:
// X-BambooHR-Timestamp (Unix seconds) and X-BambooHR-Signature (lowercase
// hex HMAC-SHA256 of the raw body followed by the timestamp string).
type BambooWebhookSender struct {
	URL    string // the listener's full URL, …/webhooks/bamboohr
	Secret []byte
	Client *http.Client
	Now    func() time.Time
}

// NewBambooWebhookSender returns a sender to url signing with secret.
func NewBambooWebhookSender(url string, secret []byte) *BambooWebhookSender {
	return &BambooWebhookSender{URL: url, Secret: secret, Client: &http.Client{Timeout: 10 * time.Second}, Now: time.Now}
}

// BambooSign computes BambooHR's signature of body at timestamp.
func BambooSign(secret, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	m.Write([]byte(timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// Send signs body with the current time and posts it, returning the status.
func (s *BambooWebhookSender) Send(ctx context.Context, body []byte) (int, error) {
	ts := strconv.FormatInt(s.Now().Unix(), 10)
	return s.SendRaw(ctx, body, map[string]string{
		"X-BambooHR-Timestamp": ts,
		"X-BambooHR-Signature": BambooSign(s.Secret, body, ts),
	})
}

// SendRaw posts body with exactly the given headers (for tampered, stale or
// unsigned deliveries).
func (s *BambooWebhookSender) SendRaw(ctx context.Context, body []byte, headers map[string]string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
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
		if v, ok := e.Fields[b.rateFieldLocked(e)]; ok {
			c.Fields[b.rateFieldLocked(e)] = v
		}
	}
	return c
}
