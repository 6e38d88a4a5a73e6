package storage

import (
	"strings"
	"unicode"
)

// suggestTarget is an unallocated entry with the projects of its nearest
// allocated neighbours that day (0: none).
type suggestTarget struct {
	id, employee  int64
	team          string // supervisor's BambooHR id; "" none
	description   string
	before, after int64
}

// suggestProject is an active project.
type suggestProject struct{ name, client string }

// suggestUses counts uses per project.
type suggestUses map[int64]int

type suggestPersonKey struct {
	employee int64
	text     string
}

type suggestTeamKey struct{ team, words string }

// suggestHistory is the counted evidence of SuggestProjects.
type suggestHistory struct {
	same    map[suggestPersonKey]suggestUses // person, exact description
	similar map[suggestPersonKey]suggestUses // person, description words
	habit   map[int64]suggestUses            // person
	team    map[suggestTeamKey]suggestUses   // supervisor, description words
	words   map[string]string                // description → its words, computed once
}

func newSuggestHistory() *suggestHistory {
	return &suggestHistory{same: map[suggestPersonKey]suggestUses{}, similar: map[suggestPersonKey]suggestUses{},
		habit: map[int64]suggestUses{}, team: map[suggestTeamKey]suggestUses{}, words: map[string]string{}}
}

// add records n uses of project by the employee for the description.
func (h *suggestHistory) add(employee int64, team, description string, project int64, n int) {
	w := h.wordsOf(description)
	bump := func(u suggestUses, ok bool) suggestUses {
		if !ok {
			u = suggestUses{}
		}
		u[project] += n
		return u
	}
	k := suggestPersonKey{employee, description}
	u, ok := h.same[k]
	h.same[k] = bump(u, ok)
	k.text = w
	u, ok = h.similar[k]
	h.similar[k] = bump(u, ok)
	u, ok = h.habit[employee]
	h.habit[employee] = bump(u, ok)
	if team != "" {
		tk := suggestTeamKey{team, w}
		u, ok = h.team[tk]
		h.team[tk] = bump(u, ok)
	}
}

// wordsOf returns the description's words: lower case, letters only, ticket
// keys like "CHK-123" dropped, so "CHK-12 Fix checkout." is "fix checkout".
func (h *suggestHistory) wordsOf(description string) string {
	if w, ok := h.words[description]; ok {
		return w
	}
	w := DescriptionWords(description)
	h.words[description] = w
	return w
}

// DescriptionWords reduces a time entry description to its words, as the
// similar-description rule of SuggestProjects compares them: ticket keys
// ("CHK-123") and everything but letters dropped, lower case, one space
// between words.
func DescriptionWords(description string) string {
	fields := strings.FieldsFunc(description, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == ';' || r == ':' })
	var b strings.Builder
	for _, f := range fields {
		if isTicketKey(f) {
			continue
		}
		for _, word := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.ToLower(word))
		}
	}
	return b.String()
}

// isTicketKey reports whether f looks like "ABC-123" (letters, dash,
// digits), optionally followed by punctuation.
func isTicketKey(f string) bool {
	f = strings.TrimRightFunc(f, unicode.IsPunct)
	letters, digits, ok := strings.Cut(f, "-")
	if !ok || letters == "" || digits == "" {
		return false
	}
	return strings.IndexFunc(letters, func(r rune) bool { return !unicode.IsLetter(r) }) < 0 &&
		strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// majority returns the active project with at least SuggestMinSupport uses
// and SuggestMinShare of all of them (archived and unknown projects count
// in the total), if any. The share is above one half, so it is unique.
func majority(u suggestUses, active map[int64]suggestProject) (int64, int) {
	total := 0
	for _, n := range u {
		total += n
	}
	for p, n := range u {
		if _, ok := active[p]; ok && n >= SuggestMinSupport && float64(n) >= SuggestMinShare*float64(total) {
			return p, n
		}
	}
	return 0, 0
}

// decide applies the rules of SuggestProjects, in order, to one entry.
func (h *suggestHistory) decide(t suggestTarget, active map[int64]suggestProject) Suggestion {
	words := h.wordsOf(t.description)
	if p, n := majority(h.same[suggestPersonKey{t.employee, t.description}], active); p != 0 {
		return Suggestion{ProjectID: p, Reason: SuggestSameDescription, Support: n}
	}
	similar := h.similar[suggestPersonKey{t.employee, words}]
	if p, n := majority(similar, active); p != 0 {
		return Suggestion{ProjectID: p, Reason: SuggestSimilarDescription, Support: n}
	}
	before, after := t.before, t.after
	if _, ok := active[before]; !ok {
		before = 0
	}
	if _, ok := active[after]; !ok {
		after = 0
	}
	habit := h.habit[t.employee]
	switch {
	case before != 0 && before == after:
		return Suggestion{ProjectID: before, Reason: SuggestNeighbours, Support: 2}
	case (before == 0) != (after == 0):
		// A lone neighbour is trusted when the person used its project for
		// these words before, or it takes a fair share of their time.
		p := before + after
		total := 0
		for _, n := range habit {
			total += n
		}
		if similar[p] > 0 || float64(habit[p]) >= SuggestNeighbourHabitShare*float64(total) && habit[p] > 0 {
			return Suggestion{ProjectID: p, Reason: SuggestNeighbour, Support: 1}
		}
	case before == 0 && after == 0:
		if p, n := majority(habit, active); p != 0 {
			return Suggestion{ProjectID: p, Reason: SuggestHabit, Support: n}
		}
	}
	// Neighbours that day that disagree with the team are evidence against it.
	if t.team != "" {
		p, n := majority(h.team[suggestTeamKey{t.team, words}], active)
		if p != 0 && (before == 0 || before == p) && (after == 0 || after == p) {
			return Suggestion{ProjectID: p, Reason: SuggestTeam, Support: n}
		}
	}
	return Suggestion{}
}
