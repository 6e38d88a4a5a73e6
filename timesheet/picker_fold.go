package timesheet

import (
	"strings"
	"unicode/utf8"
)

// searchFold is fold for the picker's search, with a fast path: ASCII text
// has no accent to drop and no special case to fold, so lower-casing it is
// all fold would do. Project names and queries are mostly ASCII, and a
// catalog of thousands of projects is folded on every reload.
func searchFold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return fold(s)
		}
	}
	return strings.ToLower(s)
}
