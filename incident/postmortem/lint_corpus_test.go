package postmortem

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestLintCorpus runs the lint over the labelled sentences in
// testdata/lint_corpus.txt and holds it to its targets: at least 90% of
// the blameful ones flagged, at most 5% of the blameless ones. It prints
// precision and recall (go test -v -run Corpus), and names every miss and
// every false alarm, so a change to a rule shows what it traded.
func TestLintCorpus(t *testing.T) {
	f, err := os.Open("testdata/lint_corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := newLinter([]string{"Alex Moreno", "Bob Lee", "Priya Shah", "Sam"})
	var blame, ok, flaggedBlame, flaggedOK int
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, text, found := strings.Cut(line, "\t")
		if !found {
			t.Fatalf("corpus line %d has no tab: %q", n, line)
		}
		var hs []Hint
		switch label {
		case "blame", "ok":
			hs = l.text(text, "corpus", n)
		case "blame-item", "ok-item":
			parts := strings.Split(text, "|")
			if len(parts) != 3 {
				t.Fatalf("corpus line %d: an item needs TITLE | OWNER | DUE: %q", n, text)
			}
			hs = l.actionItem(ActionItem{Title: strings.TrimSpace(parts[0]), Owner: strings.TrimSpace(parts[1]),
				Due: strings.TrimSpace(parts[2])}, "corpus", n)
		default:
			t.Fatalf("corpus line %d: unknown label %q", n, label)
		}
		for _, h := range hs {
			if h.Message == "" || h.Suggestion == "" {
				t.Errorf("line %d: hint %s without a reason or a rewording: %+v", n, h.Rule, h)
			}
		}
		if strings.HasPrefix(label, "blame") {
			blame++
			if len(hs) > 0 {
				flaggedBlame++
			} else {
				t.Logf("missed (line %d): %s", n, text)
			}
		} else {
			ok++
			if len(hs) > 0 {
				flaggedOK++
				t.Logf("false alarm (line %d): %s: %v", n, text, rules(hs))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if blame+ok < 60 || blame == 0 || ok == 0 {
		t.Fatalf("the corpus has %d blameful and %d blameless entries; it needs 60 or more of both kinds together", blame, ok)
	}
	recall := float64(flaggedBlame) / float64(blame)
	fpRate := float64(flaggedOK) / float64(ok)
	precision := 1.0
	if flaggedBlame+flaggedOK > 0 {
		precision = float64(flaggedBlame) / float64(flaggedBlame+flaggedOK)
	}
	t.Logf("lint corpus: %d blameful, %d blameless; recall %.1f%% (%d/%d), precision %.1f%%, false positives %.1f%% (%d/%d)",
		blame, ok, 100*recall, flaggedBlame, blame, 100*precision, 100*fpRate, flaggedOK, ok)
	if recall < 0.90 {
		t.Errorf("recall %.1f%% is under the 90%% target", 100*recall)
	}
	if fpRate > 0.05 {
		t.Errorf("false positives %.1f%% are over the 5%% target", 100*fpRate)
	}
}
