package postmortem

import (
	"slices"
	"strings"
	"testing"
)

func rules(hs []Hint) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Rule)
	}
	slices.Sort(out)
	return out
}

func TestLintPhrases(t *testing.T) {
	l := newLinter([]string{"Ravi Kumar", "Jane Doe", "Al"})
	for _, c := range []struct {
		text string
		want []string
	}{
		{"Root cause: human error during the failover", []string{"blame-phrase"}},
		{"It was Ravi's fault", []string{"blame-phrase"}},
		{"operator error again", []string{"blame-phrase"}},
		{"We should have rolled back sooner", []string{"hindsight"}},
		{"the on-call shouldn't have restarted it", []string{"hindsight"}},
		{"a careless config push", []string{"judgment"}},
		{"someone dropped the ball on the cert renewal", []string{"judgment"}},
		{"Ravi forgot to renew the certificate", []string{"person-subject"}},
		{"Ravi Kumar accidentally broke the build", []string{"person-subject"}},
		{"jane doe misconfigured the pool", []string{"person-subject"}},
		{"She missed the alert", []string{"person-subject"}},
		{"the engineer ignored the warning", []string{"person-subject"}},
		{"Ravi's mistake took down checkout", []string{"blame-phrase"}},
		// Systems as subjects, and people doing their work, are fine.
		{"The deploy broke the checkout flow", nil},
		{"Redis failed over to the replica", nil},
		{"Ravi rolled back 4.12 and the error rate recovered", nil},
		{"Jane paged the database team", nil},
		{"Alert fired at 10:02; Al broke nothing", nil}, // names under 3 letters are not matched
		{"No single root cause; several contributing factors", nil},
		{"the faulty disk was replaced", nil},
	} {
		if got := rules(l.text(c.text, "test", 0)); !slices.Equal(got, c.want) {
			t.Errorf("%q: rules %v, want %v", c.text, got, c.want)
		}
	}
}

func TestLintActionItems(t *testing.T) {
	l := newLinter(nil)
	for _, c := range []struct {
		item ActionItem
		want []string
	}{
		{ActionItem{Title: "Add an alert on card processor timeouts", Owner: "payments", Due: "2026-04-01"}, nil},
		{ActionItem{Title: "Tweak the pool timeout", Owner: "db", Due: "2026-04-01"}, nil}, // unknown verb, object after it
		{ActionItem{Title: "Investigate the latency spike", Owner: "db", Due: "2026-04-01"}, []string{"open-ended"}},
		{ActionItem{Title: "Look into retries", Owner: "db", Due: "2026-04-01"}, []string{"open-ended"}},
		{ActionItem{Title: "Better alerting for queues", Owner: "db", Due: "2026-04-01"}, []string{"not-a-verb"}},
		{ActionItem{Title: "Monitoring of the pool", Owner: "db", Due: "2026-04-01"}, []string{"not-a-verb"}},
		{ActionItem{Title: "The runbook", Owner: "db", Due: "2026-04-01"}, []string{"not-a-verb"}},
		{ActionItem{Title: "Add a canary stage"}, []string{"no-due", "no-owner"}},
		{ActionItem{Title: "Add a canary stage", Owner: "_<owner: a person or team>_", Due: "—"}, []string{"no-due", "no-owner"}},
		{ActionItem{Title: "Make sure Ravi never forgot the canary again", Owner: "x", Due: "2026-04-01"}, []string{"person-subject"}},
	} {
		if c.item.Title == "Make sure Ravi never forgot the canary again" {
			l = newLinter([]string{"Ravi Kumar"})
		}
		if got := rules(l.actionItem(c.item, "test", 0)); !slices.Equal(got, c.want) {
			t.Errorf("%+v: rules %v, want %v", c.item, got, c.want)
		}
	}
}

// A blameless incident makes a draft the lint has nothing to say about,
// in the draft and in the file.
func TestCleanDraftHasNoHints(t *testing.T) {
	in := resolvedInput()
	if hs := Lint(in); len(hs) != 0 {
		t.Errorf("Lint = %+v", hs)
	}
	if hs := LintMarkdown([]byte(renderMD(t, in))); len(hs) != 0 {
		t.Errorf("LintMarkdown of a clean draft = %+v", hs)
	}
}

// An edited draft: the lint reads prose and the action items table, with
// line numbers, names from the tables, and skips its own hints section.
func TestLintMarkdownEditedDraft(t *testing.T) {
	md := renderMD(t, fullInput(t))
	md = strings.Replace(md, "_<factors: which conditions in the system, its code, configuration, dependencies or process "+
		"made this failure possible or made it worse? List several; there is rarely a single root cause.>_",
		"The deploy pipeline had no canary stage.\nRavi Kumar forgot to watch the dashboard, and it was careless.\n`rm -rf /` should have been blocked, says the code span", 1)
	md = strings.Replace(md, "| _<item: a change that makes this failure less likely or less harmful>_ |",
		"| Better dashboards | detect | _<owner: a person or team>_ | 2026-05-01 | _<ticket: link>_ |\n|", 1)
	hs := LintMarkdown([]byte(md))
	lines := strings.Split(md, "\n")
	got := map[string]int{}
	for _, h := range hs {
		got[h.Rule]++
		if h.Line < 1 || h.Line > len(lines) {
			t.Fatalf("hint %+v has no line", h)
		}
		if strings.HasPrefix(lines[h.Line-1], "- **") && strings.Contains(lines[h.Line-1], "Try:") {
			t.Errorf("the lint flagged its own hint on line %d", h.Line)
		}
	}
	// The note in the timeline (human error, Ravi forgot), the new prose
	// (Ravi Kumar forgot, careless; "should have" hides in a code span but
	// not in the prose after it), and two action items.
	want := map[string]int{"blame-phrase": 1, "person-subject": 2, "judgment": 1, "hindsight": 1,
		"no-owner": 2, "no-due": 1, "open-ended": 1, "not-a-verb": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("rule %s: %d hints, want %d (all: %+v)", k, got[k], v, hs)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected rule %s: %+v", k, hs)
		}
	}
	for _, h := range hs {
		if h.Rule == "judgment" && !strings.Contains(lines[h.Line-1], "careless") {
			t.Errorf("judgment hint on the wrong line %d: %q", h.Line, lines[h.Line-1])
		}
	}
}

func FuzzLintMarkdown(f *testing.F) {
	f.Add([]byte("## Action items\n| Item | Owner |\n|---|---|\n| x \\| y | |\n"))
	f.Add([]byte("```\nhuman error\n"))
	f.Add([]byte("| a |\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		n := strings.Count(string(src), "\n") + 1
		for _, h := range LintMarkdown(src) {
			if h.Line < 1 || h.Line > n {
				t.Fatalf("hint on line %d of %d", h.Line, n)
			}
		}
	})
}

// Headings, list items and tables are read; code spans and fences are not;
// every hint points at the line and the column where its phrase starts.
func TestLintMarkdownWhereAndWhat(t *testing.T) {
	src := "# Postmortem: checkout\n" + // 1
		"\n" + // 2
		"## Why Bob did not follow the runbook\n" + // 3
		"\n" + // 4
		"- The deploy failed at 14:02.\n" + // 5
		"  - Obviously the canary was too small.\n" + // 6
		"\n" + // 7
		"| Time | Who | Event |\n|---|---|---|\n" + // 8, 9
		"| 14:05 | Alex | Alex rolled back; the intern pushed a bad config |\n" + // 10
		"\n" + // 11
		"Run `should have` and ``we simply restart`` to check.\n" + // 12
		"```\n" + // 13
		"Bob forgot the flag # should have been caught\n" + // 14
		"```\n" + // 15
		"~~~~\n" + // 16
		"obviously careless\n" + // 17
		"~~~~\n" // 18
	hs := LintMarkdown([]byte(src))
	type where struct {
		line, col int
		rule      string
	}
	var got []where
	for _, h := range hs {
		got = append(got, where{h.Line, h.Column, h.Rule})
	}
	want := []where{{3, 8, "person-subject"}, {6, 5, "minimiser"}, {10, 36, "person-subject"}}
	if !slices.Equal(got, want) {
		t.Errorf("hints at %v, want %v\n%+v", got, want, hs)
	}
}
