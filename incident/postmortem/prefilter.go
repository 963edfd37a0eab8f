package postmortem

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// A prefilter tells, for one regular expression, whether a text can hold a
// match at all: it lists strings, one of which every match contains, read
// from the expression's own literals ("human error", "operator error", ...
// for the human-error rule). Go's regexp engine tries every alternative at
// every position, which made the lint the largest cost of a long draft;
// most text holds none of the strings, and a substring search settles it.
//
// The strings are folded as fold folds the text, so a match found with
// (?i) still contains them. A prefilter never refuses a text the
// expression matches (FuzzPrefilter checks it against the expressions);
// it may pass one it does not match, and the expression then decides.
type prefilter struct {
	any  bool     // nothing to require: every text passes
	need []string // folded; a text passes when it contains one of them
	// byFirst are the needed strings by their first byte, so that one walk
	// over the text tries at each byte only the strings that start with it.
	byFirst *[256][]string
}

func newPrefilter(need []string) prefilter {
	var by [256][]string
	for _, n := range need {
		by[n[0]] = append(by[n[0]], n)
	}
	return prefilter{need: need, byFirst: &by}
}

// pass reports whether folded (fold(s)) may hold a match.
func (p prefilter) pass(folded string) bool {
	if p.any {
		return true
	}
	for i := 0; i < len(folded); i++ {
		for _, n := range p.byFirst[folded[i]] {
			if strings.HasPrefix(folded[i:], n) {
				return true
			}
		}
	}
	return false
}

// fold lowercases s as the prefilters' strings are: strings.ToLower, and
// the long s (ſ), which (?i) matches as 's' and ToLower keeps, as 's'. (The
// Kelvin sign, the other non-ASCII rune (?i) matches as an ASCII letter,
// ToLower already makes 'k'.) Rune by rune, so a string the expression
// matches in s folds to a string found in fold(s).
func fold(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "ſ", "s")
}

var prefilters sync.Map // *regexp.Regexp -> prefilter

// prefilterOf returns re's prefilter, derived once per expression.
func prefilterOf(re *regexp.Regexp) prefilter {
	if p, ok := prefilters.Load(re); ok {
		return p.(prefilter)
	}
	p := derivePrefilter(re.String())
	prefilters.Store(re, p)
	return p
}

// derivePrefilter reads the strings a match of expr must contain; an
// expression it cannot read gets a prefilter that passes everything.
func derivePrefilter(expr string) prefilter {
	re, err := syntax.Parse(expr, syntax.Perl) // the flags regexp.Compile uses
	if err != nil {
		return prefilter{any: true}
	}
	need, ok := required(facts(re.Simplify()))
	if !ok {
		return prefilter{any: true}
	}
	return newPrefilter(need)
}

// Bounds that keep the sets small: the strings of an exact set, and the
// length of each.
const (
	maxExact    = 64
	maxExactLen = 64
)

// info is what is known of the strings a part of an expression matches:
// exact, all of them (when few), or need, strings one of which each
// contains. Neither known: anything.
type info struct {
	exact   []string
	isExact bool
	need    []string
	hasNeed bool
}

// required turns i into strings one of which every match contains, if
// there are such strings and none of them is empty.
func required(i info) ([]string, bool) {
	if i.isExact && !slices.Contains(i.exact, "") {
		return i.exact, true
	}
	if i.hasNeed && !slices.Contains(i.need, "") {
		return i.need, true
	}
	return nil, false
}

func exactly(ss ...string) info { return info{exact: ss, isExact: true} }

func facts(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return exactly("")
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 && !ascii(re.Rune) {
			return info{} // folding outside ASCII is not fold's
		}
		return exactly(fold(string(re.Rune)))
	case syntax.OpCharClass:
		var ss []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(ss) == 8 {
					return info{} // a wide class: anything
				}
				if s := fold(string(r)); !slices.Contains(ss, s) {
					ss = append(ss, s)
				}
			}
		}
		return exactly(ss...)
	case syntax.OpCapture:
		return facts(re.Sub[0])
	case syntax.OpQuest:
		if sub := facts(re.Sub[0]); sub.isExact && len(sub.exact) < maxExact {
			return exactly(union(sub.exact, []string{""})...)
		}
		return info{}
	case syntax.OpPlus:
		if need, ok := required(facts(re.Sub[0])); ok {
			return info{need: need, hasNeed: true}
		}
		return info{}
	case syntax.OpRepeat:
		if re.Min >= 1 {
			if need, ok := required(facts(re.Sub[0])); ok {
				return info{need: need, hasNeed: true}
			}
		}
		return info{}
	case syntax.OpConcat:
		return concat(re.Sub)
	case syntax.OpAlternate:
		return alternate(re.Sub)
	}
	return info{} // any character, star: anything
}

// concat joins neighbouring exact sets while they stay small; of the
// requirements found along the way it keeps the most selective, the one
// whose shortest string is longest.
func concat(subs []*syntax.Regexp) info {
	run := []string{""} // the exact strings of the current stretch
	allExact := true
	var best []string
	consider := func(need []string) {
		if need != nil && (best == nil || shortest(need) > shortest(best)) {
			best = need
		}
	}
	for _, sub := range subs {
		f := facts(sub)
		if f.isExact {
			if joined, ok := product(run, f.exact); ok {
				run = joined
				continue
			}
		}
		allExact = false
		if need, ok := required(exactly(run...)); ok {
			consider(need)
		}
		run = []string{""}
		if f.isExact {
			run = f.exact // too many to join: start a new stretch with it
			continue
		}
		if need, ok := required(f); ok {
			consider(need)
		}
	}
	if allExact {
		return exactly(run...)
	}
	if need, ok := required(exactly(run...)); ok {
		consider(need)
	}
	if best == nil {
		return info{}
	}
	return info{need: best, hasNeed: true}
}

// alternate: every branch exact makes an exact union while it stays
// small; otherwise every branch must require something, and a match
// contains one of the union of those.
func alternate(subs []*syntax.Regexp) info {
	fs := make([]info, len(subs))
	allExact := true
	for i, sub := range subs {
		fs[i] = facts(sub)
		allExact = allExact && fs[i].isExact
	}
	if allExact {
		var exact []string
		for _, f := range fs {
			exact = union(exact, f.exact)
		}
		if len(exact) <= maxExact {
			return exactly(exact...)
		}
	}
	var need []string
	for _, f := range fs {
		n, ok := required(f)
		if !ok {
			return info{} // this branch may match text holding none of them
		}
		need = union(need, n)
	}
	return info{need: need, hasNeed: true}
}

func product(a, b []string) ([]string, bool) {
	if len(a)*len(b) > maxExact {
		return nil, false
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			if len(x)+len(y) > maxExactLen {
				return nil, false
			}
			out = append(out, x+y)
		}
	}
	return out, true
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func shortest(ss []string) int {
	n := -1
	for _, s := range ss {
		if l := utf8.RuneCountInString(s); n < 0 || l < n {
			n = l
		}
	}
	return n
}

func ascii(rs []rune) bool {
	return !slices.ContainsFunc(rs, func(r rune) bool { return r >= utf8.RuneSelf })
}
