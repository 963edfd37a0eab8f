package postmortem

import (
	"bufio"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestNameSubjectsMatchTheExpression holds the name scan to the expression
// it stands for, (?i)(?:^|[^\p{L}\p{N}])(?:NAMES)ADVERB\s+(?:VERBS)\b with
// the names longest first: the same matches, at the same offsets, on every
// corpus sentence and on edge cases (a name opening the text, inside a
// word, in another case, twice, a longer name failing where a shorter one
// matches, non-ASCII text). The scan exists so that no expression is
// compiled per draft; this test is what keeps it the same rule.
func TestNameSubjectsMatchTheExpression(t *testing.T) {
	names := []string{"Alex Moreno", "Bob Lee", "Priya Shah", "Sam", "Zoë Ångström"}
	l := newLinter(names)
	var alts []string
	for _, n := range l.names {
		alts = append(alts, regexp.QuoteMeta(n))
	}
	want := regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(?:` + strings.Join(alts, "|") + `)` + adverb + `\s+(?:` + failureVerbs + `)\b`)

	texts := []string{
		"Alex forgot the flag",
		"alex moreno accidentally broke the deploy, then Sam missed the page",
		"Samantha forgot nothing; Sam forgot it",
		"xAlex broke it",
		"Alex Moreno's laptop broke; Alex Moreno broke it",
		"BOB LEE IGNORED THE ALERT",
		"(Priya) just skipped the check",
		"Alex Moreno was too slow",
		"Alex Morenox broke it, Alex broke it",
		"zoë ångström forgot the rollback — ZOË ÅNGSTRÖM forgot it again",
		"Sam\tforgot",
		"1Sam forgot",
		"Sam",
		"",
	}
	f, err := os.Open("testdata/lint_corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, text, ok := strings.Cut(sc.Text(), "\t"); ok {
			texts = append(texts, text)
		}
	}
	matched := 0
	for _, s := range texts {
		got, exp := l.nameSubjects(s), want.FindAllStringIndex(s, -1)
		if len(got) == 0 && len(exp) == 0 {
			continue
		}
		matched++
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%q: scan %v, expression %v", s, got, exp)
		}
	}
	if matched < 12 {
		t.Errorf("only %d texts name a person as a subject: the comparison proves little", matched)
	}
}
