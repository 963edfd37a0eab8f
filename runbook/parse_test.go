package runbook

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

const sample = `---
id: checkout-high-5xx
title: "checkout-api: 5xx on order placement"
owners: [team-checkout, alex]
services:
  - checkout-api
  - PSV1CKO
match:
  title: '(?i)5xx'
  summary: 'POST /v2/orders'
  component: orders-handler
  class: [http_errors, http_5xx]
  source: prometheus/prod-us-east-1
  urgency: HIGH
  min_priority: P2
impact: Orders fail.
links:
  wiki: https://runbooks.example.com/checkout/high-5xx
  dashboard: https://grafana.example.com/d/checkout
last_reviewed: 2026-10-28
review_every_days: 90
---
# Checkout 5xx

Intro text.

## Diagnosis
- [ ] Check the last deploy
- [x] Already done
  in the file
* [ ] Star bullet
1. [ ] Numbered item
- [] not a step
- [ ]
` + "```sh" + `
kubectl -n checkout rollout history deploy/checkout-api
` + "```" + `

### Deeper
- [ ] Nested under Diagnosis
  ` + "```bash" + `
  kubectl get pods
    indented more
  ` + "```" + `

## Mitigation
` + "~~~~" + `
## not a heading
- [ ] not a step
` + "~~~~" + `
- [ ] Roll back
`

func TestParseFrontMatter(t *testing.T) {
	rb, diags := Parse("c.md", []byte(sample))
	if rb == nil || len(diags) != 0 {
		t.Fatalf("Parse: runbook %v, diagnostics %v", rb, diags)
	}
	if rb.ID != "checkout-high-5xx" || rb.Title != "checkout-api: 5xx on order placement" || rb.Impact != "Orders fail." {
		t.Errorf("id %q title %q impact %q", rb.ID, rb.Title, rb.Impact)
	}
	if !slices.Equal(rb.Owners, []string{"team-checkout", "alex"}) || !slices.Equal(rb.Services, []string{"checkout-api", "PSV1CKO"}) {
		t.Errorf("owners %q services %q", rb.Owners, rb.Services)
	}
	c := rb.Match
	if c.Title.String() != "(?i)5xx" || c.Summary.String() != "POST /v2/orders" ||
		!slices.Equal(c.Component, []string{"orders-handler"}) || !slices.Equal(c.Class, []string{"http_errors", "http_5xx"}) ||
		!slices.Equal(c.Source, []string{"prometheus/prod-us-east-1"}) || c.Urgency != incident.High || c.MinPriority != 2 {
		t.Errorf("criteria %+v", c)
	}
	wantLinks := []Link{{"wiki", "https://runbooks.example.com/checkout/high-5xx"}, {"dashboard", "https://grafana.example.com/d/checkout"}}
	if !slices.Equal(rb.Links, wantLinks) {
		t.Errorf("links %v, want %v (file order)", rb.Links, wantLinks)
	}
	if !rb.LastReviewed.Equal(time.Date(2026, 10, 28, 0, 0, 0, 0, time.UTC)) || rb.ReviewEveryDays != 90 {
		t.Errorf("last_reviewed %v every %d", rb.LastReviewed, rb.ReviewEveryDays)
	}
	if rb.BodyLine != 23 || !strings.HasPrefix(rb.Body, "# Checkout 5xx\n") {
		t.Errorf("body starts at line %d with %q", rb.BodyLine, rb.Body[:min(20, len(rb.Body))])
	}
}

func TestParseSteps(t *testing.T) {
	rb, diags := Parse("c.md", []byte(sample))
	if rb == nil {
		t.Fatal(diags)
	}
	type step struct {
		Kind    StepKind
		Text    string
		Lang    string
		Checked bool
		Section string
		Line    int
	}
	want := []step{
		{Check, "Check the last deploy", "", false, "Diagnosis", 28},
		{Check, "Already done in the file", "", true, "Diagnosis", 29},
		{Check, "Star bullet", "", false, "Diagnosis", 31},
		{Check, "Numbered item", "", false, "Diagnosis", 32},
		{Command, "kubectl -n checkout rollout history deploy/checkout-api", "sh", false, "Diagnosis", 35},
		{Check, "Nested under Diagnosis", "", false, "Diagnosis", 40},
		{Command, "kubectl get pods\n  indented more", "bash", false, "Diagnosis", 41},
		{Command, "## not a heading\n- [ ] not a step", "", false, "Mitigation", 47},
		{Check, "Roll back", "", false, "Mitigation", 51},
	}
	var got []step
	for _, s := range rb.Steps {
		got = append(got, step{s.Kind, s.Text, s.Lang, s.Checked, s.Section, s.Line})
	}
	if !slices.Equal(got, want) {
		t.Errorf("steps:\n got %+v\nwant %+v", got, want)
	}
	var titles []string
	for _, s := range rb.Sections {
		titles = append(titles, fmt.Sprintf("%s@%d", s.Title, s.Line))
	}
	if want := []string{"Checkout 5xx@23", "Diagnosis@27", "Mitigation@46"}; !slices.Equal(titles, want) {
		t.Errorf("sections %q, want %q", titles, want)
	}
	if s := rb.Sections[2].Markdown; !strings.HasPrefix(s, "## Mitigation\n~~~~\n") || !strings.HasSuffix(s, "- [ ] Roll back") {
		t.Errorf("Mitigation section Markdown %q", s)
	}
	if s := rb.Sections[1].Markdown; !strings.Contains(s, "### Deeper") {
		t.Errorf("a level-3 heading should stay inside its section: %q", s)
	}
}

func TestHeadingText(t *testing.T) {
	for in, want := range map[string]string{"Verify ##": "Verify", "C#": "C#", "##": "", " Escalate ": "Escalate"} {
		if got := headingText(in); got != want {
			t.Errorf("headingText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseCodeBlockEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string // "lang:text" of the steps
		warn       string
	}{
		{"longer fence holds a shorter one", "````md\n```sh\necho\n```\n````\n", []string{"md:```sh\necho\n```"}, ""},
		{"tilde fence closed by tildes only", "~~~\na\n```\nb\n~~~\n", []string{":a\n```\nb"}, ""},
		{"inline triple backticks are not a fence", "Run ```echo hi``` now.\n", nil, ""},
		{"blank lines around the content are dropped", "```sh\n\nuptime\n\n```\n", []string{"sh:uptime"}, ""},
		{"info string words after the language", "```sh title=check\nuptime\n```\n", []string{"sh:uptime"}, ""},
		{"unclosed runs to the end", "```sh\nuptime\n", []string{"sh:uptime"}, "b.md:7: warning: code block is not closed; it runs to the end of the file"},
		{"empty block", "```\n```\n", []string{":"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "---\nid: b\ntitle: B\n---\n## S\n\n" + tc.body
			rb, diags := Parse("b.md", []byte(src))
			if rb == nil {
				t.Fatal(diags)
			}
			var got []string
			for _, s := range rb.Steps {
				got = append(got, s.Lang+":"+s.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("steps %q, want %q", got, tc.want)
			}
			var warns []string
			for _, d := range diags {
				warns = append(warns, d.String())
			}
			if strings.Join(warns, "\n") != tc.warn {
				t.Errorf("diagnostics %q, want %q", warns, tc.warn)
			}
		})
	}
}

func TestParseCRLFIsLF(t *testing.T) {
	lf, _ := Parse("a.md", []byte(sample))
	crlf, diags := Parse("a.md", []byte(strings.ReplaceAll(sample, "\n", "\r\n")))
	if crlf == nil {
		t.Fatal(diags)
	}
	if !slices.Equal(lf.Steps, crlf.Steps) {
		t.Errorf("CRLF steps differ:\n%+v\n%+v", lf.Steps, crlf.Steps)
	}
	if lf.Body != crlf.Body || lf.BodyLine != crlf.BodyLine || lf.Title != crlf.Title {
		t.Errorf("CRLF body or title differ")
	}
	bom, _ := Parse("a.md", append([]byte("\uFEFF"), sample...))
	if bom == nil || bom.ID != lf.ID || bom.Steps[0].Line != lf.Steps[0].Line {
		t.Errorf("a byte order mark changes the parse")
	}
	// A lone CR (old Mac) is a line break too: the step lands on line 6.
	cr, diags := Parse("a.md", []byte("---\rid: a\rtitle: A\r---\r\r- [ ] step\r"))
	if cr == nil || len(cr.Steps) != 1 || cr.Steps[0].Line != 6 {
		t.Errorf("lone CR: %+v %v", cr, diags)
	}
}

func TestParseNoFrontMatter(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"plain markdown", "# Checkout\n\n- [ ] step\n", "x.md:1: no front matter: a runbook starts with a \"---\" line, then YAML keys (id, title, ...), then another \"---\" line"},
		{"empty file", "", "x.md:1: no front matter: a runbook starts with a \"---\" line, then YAML keys (id, title, ...), then another \"---\" line"},
		{"not closed", "---\nid: a\ntitle: A\n# body\n", "x.md:1: front matter has no closing \"---\" line"},
		{"only the opening line", "---", "x.md:1: front matter has no closing \"---\" line"},
		{"empty front matter", "---\n---\nbody\n", "x.md:1: missing id\nx.md:1: missing title"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rb, diags := Parse("x.md", []byte(tc.src))
			if rb != nil {
				t.Errorf("got a runbook %+v", rb)
			}
			if got := joinDiags(diags); got != tc.want {
				t.Errorf("diagnostics\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestParseHugeFile(t *testing.T) {
	data := bytes.Repeat([]byte("- [ ] a step that is repeated far too often\n"), MaxSize/40)
	data = append([]byte("---\nid: huge\ntitle: Huge\n---\n"), data...)
	rb, diags := Parse("huge.md", data)
	if rb != nil {
		t.Fatal("a file over MaxSize parsed")
	}
	want := fmt.Sprintf("huge.md:1: file is %d bytes; a runbook may be at most 1048576 bytes (1 MiB)", len(data))
	if got := joinDiags(diags); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Just under the limit parses (how long it takes is
	// BenchmarkParseNearMaxSize's to say).
	data = data[:MaxSize]
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	rb, diags = Parse("big.md", data)
	if rb == nil {
		t.Fatal(diags)
	}
	if len(rb.Steps) < 20000 || rb.Steps[1].Key != rb.Steps[0].Key+"-2" {
		t.Errorf("%d steps, keys %q %q", len(rb.Steps), rb.Steps[0].Key, rb.Steps[1].Key)
	}
}

func TestStepKeysAreStable(t *testing.T) {
	base := "---\nid: rb\ntitle: T\n---\n## A\n- [ ] first\n- [ ] second\n```sh\nuptime\n```\n- [ ] first\n"
	edited := "---\nid: rb\ntitle: T   \nowners: [x]\n---\n# New intro\n\n## B\n- [ ] new step\n- [ ]   second  \n```sh\nuptime   \n```\n## A\n- [ ] first\n- [ ] first\n"
	a, _ := Parse("a.md", []byte(base))
	b, _ := Parse("b.md", []byte(edited))
	keys := func(rb *Runbook) map[string]string {
		m := make(map[string]string)
		for _, s := range rb.Steps {
			if prev, dup := m[s.Key]; dup {
				t.Fatalf("key %s used by %q and %q", s.Key, prev, s.Text)
			}
			m[s.Key] = strings.Join(strings.Fields(s.Text), " ")
		}
		return m
	}
	ka, kb := keys(a), keys(b)
	for k, text := range ka {
		if kb[k] != text {
			t.Errorf("step %q (key %s) not found again after the edit", text, k)
		}
	}
	first := a.Steps[0].Key
	if !strings.HasPrefix(first, "rb/") || len(first) != len("rb/")+12 || a.Steps[3].Key != first+"-2" {
		t.Errorf("keys %q and %q", first, a.Steps[3].Key)
	}
	if s, ok := a.StepByKey(a.Steps[2].Key); !ok || s.Text != "uptime" {
		t.Errorf("StepByKey: %+v %v", s, ok)
	}
	// A check and a command with the same text are different steps.
	c, _ := Parse("c.md", []byte("---\nid: rb\ntitle: T\n---\n- [ ] uptime\n```\nuptime\n```\n"))
	if c.Steps[0].Key == c.Steps[1].Key {
		t.Error("a check and a command share a key")
	}
}

func TestParseRejectsControlCharacters(t *testing.T) {
	src := "---\nid: a\ntitle: A\n---\n- [ ] run\n```\necho \x1b]52;c;ZXZpbA==\x07\n```\n- [ ] \u202eevil\n- [ ] \xff\n"
	rb, diags := Parse("a.md", []byte(src))
	if rb != nil {
		t.Fatal("a runbook with control characters parsed")
	}
	want := "a.md:7: control character U+001B; a runbook must be plain text (2 more lines have such characters)"
	if got := joinDiags(diags); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if rb, diags := Parse("t.md", []byte("---\nid: a\ntitle: A\n---\n```make\nall:\n\tgo build\n```\n")); rb == nil {
		t.Errorf("tabs must be allowed: %v", diags)
	}
}

func TestDiagnosticString(t *testing.T) {
	for _, tc := range []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{"a.md", 3, Error, "bad"}, "a.md:3: bad"},
		{Diagnostic{"a.md", 3, Warning, "old"}, "a.md:3: warning: old"},
		{Diagnostic{"a.md", 0, Error, "cannot read: permission denied"}, "a.md: cannot read: permission denied"},
	} {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.d, got, tc.want)
		}
	}
}

func joinDiags(ds []Diagnostic) string {
	var lines []string
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	return strings.Join(lines, "\n")
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte(strings.ReplaceAll(sample, "\n", "\r\n")))
	f.Add([]byte("---\nid: a\ntitle: A\n---\n"))
	f.Add([]byte("---\nid: [\n---\n"))
	f.Add([]byte("---\nmatch: {title: '(', min_priority: x}\nlinks: {a: b}\nx: y\n---\n```\n- [ ] a\n"))
	f.Add([]byte("---\r\n&a x: *a\r\n---\r\n"))
	f.Add([]byte("---\n- a\n---\n"))
	f.Add([]byte("no front matter\n- [ ] x\n  y\n"))
	f.Add([]byte("---\nid: a\ntitle: A\npost_output: false\n---\n## Diagnosis\n- [ ] x\n```sh oncall:read timeout=30s name=n\nls\n```\n```oncall:write name=n timeout=1h\nx\n```\n```sh oncall:x y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rb, diags := Parse("f.md", data)
		lines := strings.Count(normalize(data), "\n") + 1
		for _, d := range diags {
			if d.Line < 1 || d.Line > lines {
				t.Fatalf("diagnostic %q: line %d outside 1..%d", d, d.Line, lines)
			}
			if d.File != "f.md" || d.Message == "" || (d.Severity != Error && d.Severity != Warning) {
				t.Fatalf("malformed diagnostic %+v", d)
			}
		}
		if (rb == nil) != HasErrors(diags) {
			t.Fatalf("runbook %v with diagnostics %v", rb != nil, diags)
		}
		if rb == nil {
			return
		}
		if rb.ID == "" || rb.Title == "" {
			t.Fatalf("runbook without id or title: %+v", rb)
		}
		keys := make(map[string]bool)
		for _, s := range rb.Steps {
			if s.Line < rb.BodyLine || s.Line > lines {
				t.Fatalf("step %+v: line outside %d..%d", s, rb.BodyLine, lines)
			}
			if keys[s.Key] || !strings.HasPrefix(s.Key, rb.ID+"/") {
				t.Fatalf("step key %q repeated or without the id", s.Key)
			}
			keys[s.Key] = true
			if incident.CleanLines(s.Text) != strings.TrimSpace(s.Text) && !strings.Contains(s.Text, "\t") {
				t.Fatalf("step text %q has characters Clean would drop", s.Text)
			}
			if s.Kind == Command && (s.Mode != ModeRead && s.Mode != ModeWrite || s.Timeout < 0 || s.Timeout > MaxTimeout || !s.Marked && s.Mode != ModeWrite) {
				t.Fatalf("command %+v: mode or timeout out of bounds", s)
			}
			if s.Of != "" {
				if item, ok := rb.StepByKey(s.Of); !ok || item.Kind != Check || s.Kind != Command {
					t.Fatalf("step %+v belongs to %q, not a checklist item", s, s.Of)
				}
			}
		}
	})
}

// Keys are journaled: a change to how they are derived would orphan every
// tick already on disk, so they are pinned here.
func TestStepKeysArePinned(t *testing.T) {
	rb, diags := Parse("p.md", []byte("---\nid: rb\ntitle: T\n---\n- [ ] Roll  back\n```sh\nuptime \n```\n- [ ] Roll back\n"))
	if rb == nil {
		t.Fatal(diags)
	}
	var got []string
	for _, s := range rb.Steps {
		got = append(got, s.Key)
	}
	want := []string{"rb/54be2d1e6e36", "rb/b2ac20666493", "rb/54be2d1e6e36-2"}
	if !slices.Equal(got, want) {
		t.Errorf("keys %q, want %q", got, want)
	}
}

func TestParseYAMLErrorLines(t *testing.T) {
	for _, tc := range []struct{ fm, want string }{
		{"id: a\ntitle: [unclosed\nowners: [x]", "y.md:3: front matter: did not find expected ',' or ']'"},
		{"id: a\ntitle: A\nowners", "y.md:4: front matter: could not find expected ':'"},
		{"\tid: a", "y.md:2: front matter: found character that cannot start any token"},
		{"- id: a", "y.md:2: front matter must be keys and values (id: ..., title: ...), not a list"},
		{"id: a\ntitle: A\nmatch: [x]", "y.md:4: match must be a map (title, summary, component, ...), not a list"},
		{"id: &x a\ntitle: *x", "y.md:3: title must be text, not an alias (anchors and aliases are not supported)"},
		{"id: a\ntitle: A\nowners: {a: b}", "y.md:4: owners must be a list, not a map"},
		{"id: a\ntitle: A\nowners: [a, [b]]", "y.md:4: owners: each entry must be non-empty text, not a list"},
	} {
		_, diags := Parse("y.md", []byte("---\n"+tc.fm+"\n---\nbody\n"))
		if got := joinDiags(diags); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.fm, got, tc.want)
		}
	}
}
