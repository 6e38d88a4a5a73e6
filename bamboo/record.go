package bamboo

import (
	"encoding/json"
)

// Record is one employee, or one table row, as the BambooHR API returns it:
// field alias to raw JSON value (usually a string, sometimes null, a number
// or an object).
type Record map[string]json.RawMessage

// Get returns field k as a string ("" when absent or null).
func (r Record) Get(k string) string { return rawString(r[k]) }
