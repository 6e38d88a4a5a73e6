package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// slackMemo remembers the results of a pure function of some content,
// keyed by that content: what the fake reads or writes again and again
// while people type in a picker (the surface's elements, the message sent
// with each keystroke, the answer's options) is worked out once. It has
// its own lock and is dropped whole when it holds slackMemoMax results.
type slackMemo[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

const slackMemoMax = 1024

// get returns the result for key, computing it on first use. Two callers
// racing on a new key may both compute it; they store the same thing.
func (mm *slackMemo[V]) get(key string, compute func() V) V {
	mm.mu.Lock()
	v, ok := mm.m[key]
	mm.mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	mm.mu.Lock()
	if mm.m == nil || len(mm.m) >= slackMemoMax {
		mm.m = make(map[string]V)
	}
	mm.m[key] = v
	mm.mu.Unlock()
	return v
}

// slackEncoded is a JSON value the fake has already encoded (valid and
// compact): slackPayloadJSON splices it into a payload as it is instead of
// having encoding/json check and compact it again.
type slackEncoded []byte

// MarshalJSON returns the encoded value, for payloads marshalled whole.
func (e slackEncoded) MarshalJSON() ([]byte, error) { return e, nil }

// slackPayloadJSON encodes an envelope payload: the map's plain values
// through encoding/json, its slackEncoded values spliced in as they are.
func slackPayloadJSON(payload map[string]any) (json.RawMessage, error) {
	plain := make(map[string]any, len(payload))
	var encoded []string
	for k, v := range payload {
		if _, ok := v.(slackEncoded); ok {
			encoded = append(encoded, k)
			continue
		}
		plain[k] = v
	}
	b, err := json.Marshal(plain)
	if err != nil {
		return nil, fmt.Errorf("marshal payload: %w", err)
	}
	slices.Sort(encoded)
	for _, k := range encoded {
		b = slackSplice(b, k, payload[k].(slackEncoded))
	}
	return b, nil
}

// slackSplice adds "key":raw to the encoded object obj.
func slackSplice(obj []byte, key string, raw []byte) []byte {
	name, _ := json.Marshal(key) // a string always encodes
	out := make([]byte, 0, len(obj)+len(name)+len(raw)+2)
	out = append(out, obj[:len(obj)-1]...)
	if len(obj) > 2 {
		out = append(out, ',')
	}
	out = append(out, name...)
	out = append(out, ':')
	out = append(out, raw...)
	return append(out, '}')
}
