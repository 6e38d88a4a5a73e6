package bamboo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Sign returns BambooHR's webhook signature: the lowercase hex HMAC-SHA256,
// keyed by the webhook's private key, of the raw body followed directly by
// the X-BambooHR-Timestamp string (no separator).
func Sign(secret, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	m.Write([]byte(timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// ValidSignature reports, in constant time, whether sig is the signature of
// body and timestamp under secret.
func ValidSignature(secret, body []byte, timestamp, sig string) bool {
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	m.Write([]byte(timestamp))
	return hmac.Equal(got, m.Sum(nil))
}
