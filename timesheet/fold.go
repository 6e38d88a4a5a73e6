package timesheet

import (
	"strings"
	gosync "sync"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// letters that carry no combining mark to drop but that people type
// without it ("Malmo" for "Malmø", "Lodz" for "Łódź").
var plainLetters = strings.NewReplacer(
	"ø", "o", "đ", "d", "ł", "l", "æ", "ae", "œ", "oe", "ı", "i", "ħ", "h", "ŧ", "t", "þ", "th", "ð", "d",
)

// folders hold fold's transformer chains: a chain keeps buffers of a few
// KB, and a search folds the query typed at every keystroke.
var folders = gosync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC, cases.Fold())
}}

// fold makes text comparable the way people search: accents dropped
// (é → e), case folded (ß → ss), runs of spaces and punctuation kept as
// typed. "Crème Brûlée" and "creme brulee" fold alike.
func fold(s string) string {
	t := folders.Get().(transform.Transformer)
	defer folders.Put(t)
	out, _, err := transform.String(t, s) // resets t first
	if err != nil {
		out = strings.ToLower(s)
	}
	return plainLetters.Replace(out)
}
