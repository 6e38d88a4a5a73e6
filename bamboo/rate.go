package bamboo

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tallyhq/tally/model"
)

// ParseRate reads a billable rate as BambooHR renders it: "125.00 USD",
// "USD 125", "125" (in defaultCurrency), a number, or an object
// {"value": "125", "currency": "EUR"}. missing is true when there is no
// value at all.
func ParseRate(raw json.RawMessage, defaultCurrency string) (m model.Money, missing bool, err error) {
	raw = unwrapValue(raw)
	var obj struct {
		Value    json.RawMessage `json:"value"`
		Currency string          `json:"currency"`
	}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &obj); err != nil {
			return model.Money{}, false, fmt.Errorf("rate %s is not a value", raw)
		}
		cur := defaultCurrency
		if obj.Currency != "" {
			cur = obj.Currency
		}
		return ParseRate(obj.Value, cur)
	}
	s := rawString(raw)
	if s == "" {
		return model.Money{}, true, nil
	}
	amount, cur := s, defaultCurrency
	if parts := strings.Fields(s); len(parts) == 2 {
		if isCurrencyCode(parts[1]) {
			amount, cur = parts[0], parts[1]
		} else if isCurrencyCode(parts[0]) {
			amount, cur = parts[1], parts[0]
		}
	}
	amount = strings.ReplaceAll(amount, ",", "")
	m, err = model.ParseMoney(amount, cur)
	if err != nil {
		return model.Money{}, false, fmt.Errorf("rate %q: %w", s, err)
	}
	return m, false, nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			if r < 'a' || r > 'z' {
				return false
			}
		}
	}
	return true
}
