package premortem

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/golden"
)

var draftNow = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

// TestDraftMatched: the section for a foreseen incident (golden): the
// failure and workshop, impact then beside what happened, before ones with
// a prompt, during ones ticked from the journal (the last word wins), and
// the JSON object with the same content.
func TestDraftMatched(t *testing.T) {
	s := loadGood(t)
	in := incident.Incident{ID: "Q1", Title: "Invoice batch failing", Service: billing, Urgency: incident.High, Priority: "P1",
		CreatedAt: day15, ResolvedAt: day15.Add(42 * time.Minute)}
	matches := s.Match(in, nil, nil)
	f, _ := s.Failure("invoices-not-issued")
	rerun, pause := f.Countermeasures[1], f.Countermeasures[2]
	ev := func(c Countermeasure, change string, at time.Time, incID string) incident.Event {
		e, err := incident.NewCountermeasure("billing-2026-q4", f.ID, string(c.Phase), c.Action, c.Key, change)
		if err != nil {
			t.Fatal(err)
		}
		e.IncidentID, e.At = incID, at
		return e
	}
	journal := []incident.Event{
		ev(pause, incident.ChangeUndone, day15.Add(20*time.Minute), "Q1"), // later in time, listed first
		ev(rerun, incident.ChangeDone, day15.Add(5*time.Minute), "Q1"),
		ev(pause, incident.ChangeDone, day15.Add(10*time.Minute), "Q1"),
		ev(rerun, incident.ChangeUndone, day15.Add(6*time.Minute), "Q7"), // another incident
	}
	d := NewDraft(in, matches, journal, nil, draftNow)
	if !d.Foreseen || d.Stub != "" || len(d.Failures) != 2 || d.Failures[0].ID != "invoices-not-issued" {
		t.Fatalf("draft %+v", d)
	}
	during := d.Failures[0].During
	if !*during[0].Ticked || *during[1].Ticked {
		t.Errorf("ticks: rerun %v, pause %v; want true, false", *during[0].Ticked, *during[1].Ticked)
	}
	if d.Happened != (Happened{Minutes: 42, DayOfMonth: 15, Urgency: "high", Priority: "P1"}) {
		t.Errorf("happened %+v", d.Happened)
	}
	md := d.Markdown()
	if strings.Contains(md, "<all>") || strings.Contains(md, " & ") {
		t.Errorf("outside text reached the Markdown unescaped:\n%s", md)
	}
	golden.AssertString(t, "golden/draft-matched.md", md)
	html := d.HTML()
	if strings.Contains(html, "<all>") || !strings.Contains(html, "&lt;all&gt; customers &amp; partners") {
		t.Errorf("outside text reached the HTML unescaped:\n%s", html)
	}
	golden.AssertString(t, "golden/draft-matched.html", html)
	js, err := json.MarshalIndent(map[string]any{"premortem": d}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertString(t, "golden/draft-matched.json", string(js)+"\n")
}

// TestDraftUnmatched: an incident nobody foresaw gets "not foreseen" and
// a stub (golden), in Markdown and JSON.
func TestDraftUnmatched(t *testing.T) {
	s := loadGood(t)
	in := incident.Incident{ID: "Q2", Title: "Exports ```time out``` <b>badly</b>", Service: incident.Ref{ID: "PEXP", Name: "exports"},
		Urgency: incident.Low, CreatedAt: day15.Add(-2 * time.Hour)}
	d := NewDraft(in, s.Match(in, nil, nil), nil, nil, draftNow)
	if d.Foreseen || len(d.Failures) != 0 || d.Stub == "" || !d.Happened.Ongoing || d.Happened.Minutes != 270 {
		t.Fatalf("draft %+v", d)
	}
	md := d.Markdown()
	if strings.Contains(md, "\n```yaml") {
		t.Errorf("a three-backtick fence would be closed by the title:\n%s", md)
	}
	golden.AssertString(t, "golden/draft-unmatched.md", md)
	if html := d.HTML(); strings.Contains(html, "<b>") || !strings.Contains(html, "&lt;b&gt;badly&lt;/b&gt;") {
		t.Errorf("the title reached the HTML unescaped:\n%s", html)
	} else {
		golden.AssertString(t, "golden/draft-unmatched.html", html)
	}
	js, err := json.MarshalIndent(map[string]any{"premortem": d}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertString(t, "golden/draft-unmatched.json", string(js)+"\n")
}

// TestStubParsesBack: the stub pasted under failures: is a valid failure
// with the incident's service, title and period, even for awkward titles.
func TestStubParsesBack(t *testing.T) {
	for _, title := range []string{
		"Checkout 5xx on POST /orders",
		"key: value # not a comment",
		"- [ ] looks like a list",
		"'quoted' \"twice\" {braces} &anchor *alias",
		"",
		"ünïcödé ✓ \x1b[31mred",
		strings.Repeat("very long title ", 20),
	} {
		in := incident.Incident{ID: "Q9", Title: title, Service: incident.Ref{ID: "PCHK", Name: "checkout-api"}, CreatedAt: day15, ResolvedAt: day15.Add(95 * time.Minute)}
		stub := Stub(in, nil, draftNow)
		var b strings.Builder
		b.WriteString("---\nid: next\ntitle: Next workshop\nfailures:\n")
		for _, l := range strings.Split(strings.TrimRight(stub, "\n"), "\n") {
			b.WriteString("  " + l + "\n")
		}
		b.WriteString("---\n")
		pm, diags := Parse("next.md", []byte(b.String()))
		if pm == nil || len(pm.Failures) != 1 {
			t.Fatalf("title %q: stub does not parse back:\n%s\n%v", title, b.String(), diags)
		}
		f := pm.Failures[0]
		if f.Service != "checkout-api" || f.Impact != 3 || f.Period != "95 minutes, on day 15 of the month" || f.Failure != (func() string {
			if c := clean(title); c != "" {
				return c
			}
			return "unnamed failure"
		})() {
			t.Errorf("title %q: came back as %+v", title, f)
		}
		if got := NewSetMatch(t, pm, in); !got {
			t.Errorf("title %q: the stub's failure does not match the incident it came from", title)
		}
	}
}

// NewSetMatch reports whether the single failure of pm matches in.
func NewSetMatch(t *testing.T, pm *Premortem, in incident.Incident) bool {
	t.Helper()
	s, diags := NewSet(pm)
	if HasErrors(diags) {
		t.Fatal(diags)
	}
	return len(s.Match(in, nil, nil)) == 1
}
