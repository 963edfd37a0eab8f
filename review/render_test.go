package review

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/internal/golden"
)

// hostile are titles and names a provider might send: Markdown and HTML
// structure, a terminal escape, a table-breaking pipe.
var hostile = []string{
	`<script>alert(1)</script> checkout | down`,
	`"><img src=x onerror=alert(1)> [click](javascript:alert(1))`,
	"</title><svg onload=alert(1)> \x1b[31mred\x1b[0m # not a heading",
}

// sampleData is a week with something in every section, hostile text
// included.
func sampleData() (Data, Options) {
	o := opts()
	o.SLOs = map[string]postmortem.SLO{"checkout": {Target: 0.999, Window: 28 * 24 * time.Hour}}
	a := inc("P1", 201, hostile[0], "checkout", since.Add(26*time.Hour), 3*time.Minute, 45*time.Minute, time.Minute, 2*time.Minute)
	a.Incident.Priority = "P1"
	a.Incident.URL = "https://example.pagerduty.com/incidents/P1"
	b := inc("P2", 202, hostile[1], "search", since.Add(3*24*time.Hour+23*time.Hour), 12*time.Minute, 3*time.Hour, 0)
	b.Incident.Service.Name = hostile[2]
	b.Incident.URL = `javascript:alert(1)`
	c := inc("P3", 203, "High latency on checkout-api (pod 7f3a)", "checkout", since.Add(5*24*time.Hour+14*time.Hour), time.Minute, 0, 30*time.Second)
	c.Timeline = append(c.Timeline, incident.Event{ID: "ai1", Kind: incident.KindActionItem, At: since.Add(5*24*time.Hour + 15*time.Hour),
		Origin: incident.Local, State: incident.Sent,
		Fields: map[string]string{incident.FieldTitle: hostile[1], incident.FieldOwner: hostile[0], incident.FieldDue: "2026-11-20"}})
	// A decision of last week's meeting, with its copy read back from
	// PagerDuty: one minute.
	minute := incident.Event{ID: "dec1", Kind: incident.KindDecision, At: since.Add(6 * 24 * time.Hour), Origin: incident.Local,
		State: incident.Sent, Actor: "Priya <b>", Fields: map[string]string{incident.FieldWhat: "retire the legacy processor | now",
			incident.FieldContext: incident.ContextReview}}
	copied := minute
	copied.ID, copied.LocalID, copied.Origin, copied.State = "PDN1", "dec1", incident.Remote, ""
	a.Timeline = append(a.Timeline, minute, copied)
	d := Data{
		Incidents: []Item{a, b, c},
		Earlier: []incident.Incident{{ID: "E1", Number: 190, Title: "High latency on checkout-api (pod 1b2c)",
			Service: incident.Ref{ID: "SCHECKOUT", Name: "checkout"}, CreatedAt: since.Add(-6 * 24 * time.Hour), Status: incident.Resolved,
			ResolvedAt: since.Add(-6*24*time.Hour + time.Hour)}},
		Drafts: []Draft{
			{Path: "postmortems/2026-11-10-190-high-latency.md", Number: 190, Version: 1, Edited: true},
			{Path: "postmortems/2026-11-17-201-script.md", Number: 201, Version: 1,
				Hints: []postmortem.Hint{{Line: 12, Where: "line 12", Rule: "blame-phrase", Message: "names a person as the cause <b>"}}},
		},
	}
	o.Foreseen = func(in incident.Incident, _ incident.Timeline) (string, bool) {
		if in.ID == "P1" {
			return "checkout launch <pre-mortem>", true
		}
		return "", false
	}
	return d, o
}

func sampleReport(t *testing.T) Report {
	t.Helper()
	d, o := sampleData()
	return Compute(d, o)
}

// TestMarkdownGolden: the agenda as Markdown, fixed; and no outside text
// reaches it unescaped.
func TestMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "review.md.golden", b.Bytes())
	out := b.String()
	for _, bad := range []string{"<script>", "<img", "](javascript", "<svg", "| down", "# not"} {
		if unescaped(out, bad) {
			t.Errorf("Markdown carries raw outside text %q", bad)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("a terminal escape reached the Markdown")
	}
	// The method is stated beside the numbers.
	if !strings.Contains(out, "nearest rank") {
		t.Error("the percentile method is not stated")
	}
	// Every table row has as many cells as its header: a pipe in a title
	// cannot add one.
	var cols int
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(line, "|") - strings.Count(line, `\|`)
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row with %d cells under a header of %d: %s", n-1, cols-1, line)
		}
	}
}

// unescaped reports whether s occurs in out without a backslash before
// its first character (which would make that character literal).
func unescaped(out, s string) bool {
	for i := 0; ; {
		j := strings.Index(out[i:], s)
		if j < 0 {
			return false
		}
		if at := i + j; at == 0 || out[at-1] != '\\' {
			return true
		}
		i += j + 1
	}
}

// TestHTMLWellFormedAndEscaped: the page parses, every element that opens
// closes in order, nothing is loaded or run (no script, no src, no event
// handler, no javascript: link), and the hostile titles are there as text.
func TestHTMLWellFormedAndEscaped(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := html.Parse(bytes.NewReader(b.Bytes())); err != nil {
		t.Fatal(err)
	}
	void := map[string]bool{"meta": true, "br": true, "img": true, "link": true, "input": true, "hr": true}
	var stack []string
	var texts strings.Builder
	svgs := 0
	z := html.NewTokenizer(bytes.NewReader(b.Bytes()))
loop:
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatal(z.Err())
			}
			break loop
		case html.TextToken:
			texts.Write(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "object", "embed", "link", "img", "base", "form":
				t.Errorf("element <%s> in the page", tok.Data)
			case "svg":
				svgs++
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(a.Key, "on") || a.Key == "src" || strings.HasPrefix(v, "javascript:") || strings.Contains(v, "url(") {
					t.Errorf("<%s %s=%q>: loads or runs something", tok.Data, a.Key, a.Val)
				}
				if a.Key == "href" && !strings.HasPrefix(v, "https://") {
					t.Errorf("link to %q", a.Val)
				}
			}
			if tt == html.StartTagToken && !void[tok.Data] {
				stack = append(stack, tok.Data)
			}
		case html.EndTagToken:
			tok := z.Token()
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				t.Fatalf("</%s> closes %v", tok.Data, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements: %v", stack)
	}
	if svgs != 4 {
		t.Errorf("%d inline SVG charts, want 4", svgs)
	}
	text := texts.String()
	for _, h := range []string{`<script>alert(1)</script> checkout | down`, `"><img src=x onerror=alert(1)>`, `</title><svg onload=alert(1)>`, "checkout launch <pre-mortem>"} {
		if !strings.Contains(text, h) {
			t.Errorf("the page does not show %q as text", h)
		}
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Error("a terminal escape reached the page")
	}
}

// TestReadDrafts reads a drafts directory: names as postmortem writes
// them, versions, whether a person took the draft on, the lint's hints,
// and a file too big to read skipped with a warning.
func TestReadDrafts(t *testing.T) {
	dir := t.TempDir()
	in := postmortem.Input{Incident: incident.Incident{ID: "P1", Number: 201, Title: "Checkout down", Status: incident.Resolved,
		CreatedAt: since, ResolvedAt: since.Add(time.Hour), Priority: "P1"}, Now: now}
	p1, err := postmortem.WriteDraft(dir, in)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := os.ReadFile(p1)
	edited := strings.Replace(string(src), "- **Status:** Draft", "- **Status:** Reviewed", 1)
	head, rest, _ := strings.Cut(edited, "\n## ")
	section, rest, _ := strings.Cut(rest, "\n")
	edited = head + "\n## " + section + "\n\nIt was human error, Bob's fault.\n" + rest
	if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(filepath.Base(p1), ".md")+"-2.md"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := postmortem.Write(dir, postmortem.Input{Incident: incident.Incident{ID: "P2", Number: 202, Title: "x", CreatedAt: since}, Now: now}, postmortem.FormatJSON); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "2026-11-16-203-big.md")
	if err := os.WriteFile(big, bytes.Repeat([]byte("a"), maxDraftBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a draft"), 0o644)

	drafts, warnings, err := ReadDrafts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "203-big.md") {
		t.Errorf("warnings = %v, want the big file named", warnings)
	}
	var names []string
	for _, d := range drafts {
		names = append(names, filepath.Base(d.Path))
	}
	if len(drafts) != 3 {
		t.Fatalf("drafts = %v", names)
	}
	first, second, js := drafts[0], drafts[1], drafts[2]
	if first.Number != 201 || first.Version != 1 || first.Edited {
		t.Errorf("generated draft = %+v", first)
	}
	if second.Number != 201 || second.Version != 2 || !second.Edited || len(second.Hints) == 0 {
		t.Errorf("edited draft = %+v, want version 2, edited, with the blame hint", second)
	}
	if js.Number != 202 || js.Edited {
		t.Errorf("JSON draft = %+v", js)
	}
	if d, ok := newestDraft(drafts, 201); !ok || d.Version != 2 {
		t.Errorf("newest draft of 201 = %+v", d)
	}
	if drafts, _, err := ReadDrafts(filepath.Join(dir, "missing")); err != nil || drafts != nil {
		t.Errorf("a missing directory: %v, %v", drafts, err)
	}
	// The postmortems section reads the states.
	d := Data{Incidents: []Item{inc("P1", 201, "Checkout down", "checkout", since, time.Minute, time.Hour)}, Drafts: drafts}
	d.Incidents[0].Incident.Priority = "P1"
	r := Compute(d, opts())
	if len(r.Postmortems) != 1 || r.Postmortems[0].State != "edited" || r.Postmortems[0].Hints == 0 || r.Postmortems[0].ReviewOverdue {
		t.Errorf("postmortems = %+v", r.Postmortems)
	}
	d.Drafts = slices.DeleteFunc(slices.Clone(drafts), func(x Draft) bool { return x.Version == 2 })
	r = Compute(d, opts())
	// Resolved on the 16th at 01:00, P1: due on the 19th; still a draft on
	// the 23rd, so overdue.
	if p := r.Postmortems[0]; p.State != "draft" || p.ReviewDue != "2026-11-19" || !p.ReviewOverdue {
		t.Errorf("still a draft: %+v", p)
	}
}
