package model

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// Money is an amount in integer minor units (cents) of an ISO 4217 currency.
// Floats never hold money in tally.
type Money struct {
	Minor    int64
	Currency string
}

// currencyExponents lists the ISO 4217 currencies tally accepts with the
// number of minor-unit digits each uses. A rate in any other currency is
// rejected as a roster problem rather than guessed at.
var currencyExponents = map[string]int{
	"USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "NZD": 2,
	"SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "RON": 2,
	"BGN": 2, "INR": 2, "SGD": 2, "HKD": 2, "CNY": 2, "BRL": 2, "MXN": 2,
	"ZAR": 2, "ILS": 2, "TRY": 2, "UAH": 2, "AED": 2, "PHP": 2, "THB": 2,
	"MYR": 2, "IDR": 2, "ARS": 2, "CLP": 0, "COP": 2, "JPY": 0, "KRW": 0,
	"VND": 0, "ISK": 0, "KWD": 3, "BHD": 3, "TND": 3,
}

// KnownCurrency reports whether code is an ISO 4217 currency tally prices in.
func KnownCurrency(code string) bool {
	_, ok := currencyExponents[code]
	return ok
}

// CurrencyExponent returns the number of minor-unit digits of a currency
// (2 for USD, 0 for JPY). Unknown currencies report 2.
func CurrencyExponent(code string) int {
	if e, ok := currencyExponents[code]; ok {
		return e
	}
	return 2
}

// ParseMoney parses a decimal amount such as "125.50" or "125" in the given
// currency into minor units. It rejects negative, non-numeric and
// over-precise amounts and unknown currencies.
func ParseMoney(amount, currency string) (Money, error) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if !KnownCurrency(currency) {
		return Money{}, fmt.Errorf("unknown currency %q", currency)
	}
	s := strings.TrimSpace(amount)
	if s == "" {
		return Money{}, fmt.Errorf("empty amount")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return Money{}, fmt.Errorf("amount %q is not a number", amount)
	}
	if r.Sign() < 0 {
		return Money{}, fmt.Errorf("amount %q is negative", amount)
	}
	exp := CurrencyExponent(currency)
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
	r.Mul(r, scale)
	if !r.IsInt() {
		return Money{}, fmt.Errorf("amount %q has more than %d decimals for %s", amount, exp, currency)
	}
	if !r.Num().IsInt64() {
		return Money{}, fmt.Errorf("amount %q is too large", amount)
	}
	return Money{Minor: r.Num().Int64(), Currency: currency}, nil
}

// String formats the amount with its currency, e.g. "1,234.50 USD".
func (m Money) String() string {
	return FormatMinor(m.Minor, m.Currency) + " " + m.Currency
}

// FormatMinor formats minor units as a decimal with thousands separators.
func FormatMinor(minor int64, currency string) string {
	exp := CurrencyExponent(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	div := int64(1)
	for i := 0; i < exp; i++ {
		div *= 10
	}
	whole, frac := minor/div, minor%div
	ws := fmt.Sprintf("%d", whole)
	var b strings.Builder
	for i, c := range ws {
		if i > 0 && (len(ws)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if exp > 0 {
		out += fmt.Sprintf(".%0*d", exp, frac)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Amounts is a sum of money in several currencies, keyed by currency code.
type Amounts map[string]int64

// Add adds m to the sum.
func (a Amounts) Add(m Money) {
	if m.Currency == "" {
		return
	}
	a[m.Currency] += m.Minor
}

// String renders the sum as "1,200.00 EUR + 300.00 USD", currencies sorted;
// an empty sum renders as "0".
func (a Amounts) String() string {
	if len(a) == 0 {
		return "0"
	}
	codes := make([]string, 0, len(a))
	for c := range a {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = Money{Minor: a[c], Currency: c}.String()
	}
	return strings.Join(parts, " + ")
}

// PriceMinor prices a duration at an hourly rate: seconds × rate / 3600,
// rounded half away from zero to whole minor units. Integer arithmetic only;
// this is the rounding rule documented in the README and used by the SQL
// pricing view.
func PriceMinor(seconds int64, hourlyRateMinor int64) int64 {
	if seconds <= 0 || hourlyRateMinor <= 0 {
		return 0
	}
	n := new(big.Int).Mul(big.NewInt(seconds), big.NewInt(hourlyRateMinor))
	q, r := new(big.Int).QuoRem(n, big.NewInt(3600), new(big.Int))
	if r.Int64()*2 >= 3600 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}
