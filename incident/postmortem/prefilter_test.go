package postmortem

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// lintExpressions are the expressions the lint runs behind a prefilter.
func lintExpressions() []*regexp.Regexp {
	out := []*regexp.Regexp{roleSubject(), namedSubject(), afterName()}
	for _, r := range phraseRules() {
		out = append(out, r.re)
	}
	return out
}

// corpusTexts are the lint corpus's sentences, blameful and blameless.
func corpusTexts(t testing.TB) []string {
	f, err := os.Open("testdata/lint_corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, text, ok := strings.Cut(sc.Text(), "\t"); ok && !strings.HasPrefix(sc.Text(), "#") {
			out = append(out, text)
		}
	}
	return out
}

// checkPrefilters fails when an expression matches s but its prefilter
// refuses s: the lint would then miss a finding.
func checkPrefilters(t *testing.T, s string) {
	t.Helper()
	folded := fold(s)
	for _, re := range lintExpressions() {
		if re.MatchString(s) && !prefilterOf(re).pass(folded) {
			t.Errorf("%q matches %s, but its prefilter %q refuses it", s, re, prefilterOf(re).need)
		}
	}
}

// FuzzPrefilter: no text an expression of the lint matches is refused by
// the prefilter derived from it, in any case and with the runes (?i) folds
// onto ASCII letters (ſ, the Kelvin sign).
func FuzzPrefilter(f *testing.F) {
	for _, s := range corpusTexts(f) {
		f.Add(s)
	}
	for _, s := range []string{"HUMAN ERROR", "human errorſ", "Ravi forgot", "juſt had to", "the on-call Kind of forgot", "PEBKAC",
		"It was Bob'ſ fault", "she KEEPS sloppy", "we ſhould have", "Dropped The Ball"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkPrefilters(t, s) })
}

// TestPrefilterCorpus: every corpus sentence, in its own case, upper case,
// and with s and k written as ſ and the Kelvin sign, passes the prefilter
// of each expression that matches it; and the prefilters refuse most of
// the blameless ones, or they would spare no work.
func TestPrefilterCorpus(t *testing.T) {
	exprs := lintExpressions()
	var tried, refused int
	for _, s := range corpusTexts(t) {
		for _, v := range []string{s, strings.ToUpper(s), strings.NewReplacer("s", "ſ", "k", "\u212a").Replace(s)} {
			checkPrefilters(t, v)
		}
		folded := fold(s)
		for _, re := range exprs {
			if !re.MatchString(s) {
				tried++
				if !prefilterOf(re).pass(folded) {
					refused++
				}
			}
		}
	}
	if refused*10 < tried*8 {
		t.Errorf("the prefilters refused %d of %d texts their expression does not match: fewer than 80%%", refused, tried)
	}
	t.Logf("refused %d of %d non-matching (text, expression) pairs", refused, tried)
}

// TestPrefilterReadsLiterals pins down what is derived from a few
// expressions, including ones it cannot read and must pass everything for.
func TestPrefilterReadsLiterals(t *testing.T) {
	for _, tc := range []struct {
		expr       string
		pass, fail []string
	}{
		{`(?i)\b(?:human|operator) errors?\b`, []string{"a HUMAN ERROR here", "operator error"}, []string{"the error rate", "human-error"}},
		{`(?i)fat[- ]finger`, []string{"fat-finger", "FAT FINGER"}, []string{"fat_finger", "finger"}},
		{`(?i)\bclearly\b(?: \p{L}+)?`, []string{"Clearly"}, []string{"clear"}},
		{`(?:^|[.;:!?]\s*)simply\b`, []string{"simply"}, []string{"simple"}},
		{`(?i)(?:should|could) (?:not )?have`, []string{"could not have", "SHOULD HAVE"}, []string{"we have", "should not"}},
		{`a*`, []string{"", "b"}, nil},
		{`(?:x|y*)z?`, []string{"", "q"}, nil},
		{`.+`, []string{"q"}, nil},
		{`\p{Lu}\p{Ll}+`, []string{"Ab", "ab"}, nil},
		{`(?i)σ`, []string{"ς", "Σ"}, nil}, // folding outside ASCII: not read
	} {
		p := derivePrefilter(tc.expr)
		re := regexp.MustCompile(tc.expr)
		for _, s := range tc.pass {
			if !p.pass(fold(s)) {
				t.Errorf("%s: %q refused (need %q)", tc.expr, s, p.need)
			}
		}
		for _, s := range tc.fail {
			if re.MatchString(s) {
				t.Fatalf("%s matches %q: a bad case", tc.expr, s)
			}
			if p.pass(fold(s)) {
				t.Errorf("%s: %q passed (need %q)", tc.expr, s, p.need)
			}
		}
	}
}
