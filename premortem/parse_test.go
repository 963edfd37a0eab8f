package premortem

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, name string) *Premortem {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	pm, diags := Parse(name, data)
	if pm == nil || HasErrors(diags) {
		t.Fatalf("%s: %v", name, diags)
	}
	return pm
}

// TestParseGood: every field of the documented format lands where it
// belongs, with the lines lint and the TUI point at.
func TestParseGood(t *testing.T) {
	pm := mustParse(t, "testdata/good/billing.md")
	if pm.ID != "billing-2026-q4" || pm.Title != "Billing pre-mortem, Q4" || pm.ReviewEveryDays != 90 ||
		!pm.HeldOn.Equal(time.Date(2026, 10, 14, 0, 0, 0, 0, time.UTC)) || len(pm.Participants) != 3 {
		t.Errorf("workshop: %+v", pm)
	}
	if len(pm.Failures) != 3 {
		t.Fatalf("%d failures", len(pm.Failures))
	}
	f := pm.Failures[0]
	if f.ID != "invoices-not-issued" || f.Service != "billing-api" || f.Impact != 5 || f.Likelihood != 2 ||
		f.Period != "30 minutes, mid-month" || *f.Days != (DayRange{10, 20}) || len(f.WarningSigns) != 2 || f.Line != 8 || f.Premortem != pm {
		t.Errorf("failure: %+v", f)
	}
	if len(f.Countermeasures) != 4 {
		t.Fatalf("%d countermeasures", len(f.Countermeasures))
	}
	c := f.Countermeasures[3]
	if c.Phase != After || c.Status != Planned || c.Owner != "cs-lead" || !c.RemindAt.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || c.Line != 31 {
		t.Errorf("countermeasure: %+v", c)
	}
	if r := f.Countermeasures[1]; r.Runbook != "billing-invoice-rerun" || r.Cost != "" || !strings.HasPrefix(r.Key, "invoices-not-issued/during/") {
		t.Errorf("during: %+v", r)
	}
	if f.Countermeasures[1].Key == f.Countermeasures[2].Key {
		t.Error("two countermeasures share a key")
	}
	if !strings.Contains(pm.Body, "finance cannot close") || pm.BodyLine != 52 {
		t.Errorf("body at %d: %q", pm.BodyLine, pm.Body)
	}
}

// TestParseKeysStable: a countermeasure keeps its key when others are
// added before it, so a tick journaled yesterday still finds it.
func TestParseKeysStable(t *testing.T) {
	doc := func(extra string) string {
		return "---\nid: p\ntitle: t\nfailures:\n  - id: f\n    service: s\n    failure: x\n    impact: 1\n    countermeasures:\n" + extra +
			"      - {phase: during, action: Restart it, status: done}\n      - {phase: during, action: Restart it, status: done}\n---\n"
	}
	a, _ := Parse("a.md", []byte(doc("")))
	b, _ := Parse("b.md", []byte(doc("      - {phase: during, action: Something new, status: idea}\n")))
	ka, kb := a.Failures[0].Countermeasures, b.Failures[0].Countermeasures
	if ka[0].Key != kb[1].Key || ka[1].Key != kb[2].Key || ka[0].Key == ka[1].Key || !strings.HasSuffix(ka[1].Key, "-2") {
		t.Errorf("keys %s %s vs %s %s", ka[0].Key, ka[1].Key, kb[1].Key, kb[2].Key)
	}
}

const okFailure = "failures:\n  - id: f\n    service: s\n    failure: x\n    impact: 3\n"

// TestParseBad: each broken file gives an error at its line.
func TestParseBad(t *testing.T) {
	cases := []struct {
		name, doc string
		line      int
		want      string
	}{
		{"no front matter", "# just notes\n", 1, "no front matter"},
		{"unclosed", "---\nid: p\n", 1, "no closing"},
		{"broken yaml", "---\nid: p\ntitle: [unclosed\n" + okFailure + "---\n", 3, "front matter:"},
		{"tab indent", "---\nid: p\ntitle: t\nfailures:\n\t- id: f\n---\n", 5, "front matter:"},
		{"not a map", "---\n- a\n- b\n---\n", 2, "must be keys and values"},
		{"unknown top key", "---\nid: p\ntitle: t\nowner: me\n" + okFailure + "---\n", 4, `unknown key "owner"`},
		{"unknown failure key", "---\nid: p\ntitle: t\n" + okFailure + "    severity: 2\n---\n", 9, `unknown key "failures[0].severity"`},
		{"unknown countermeasure key", "---\nid: p\ntitle: t\n" + okFailure + "    countermeasures:\n      - phase: before\n        action: a\n        status: done\n        price: 3\n---\n", 13, `unknown key "failures[0].countermeasures[0].price"`},
		{"unknown match key", "---\nid: p\ntitle: t\n" + okFailure + "    match:\n      title: x\n      colour: red\n---\n", 11, `unknown key "match.colour"`},
		{"bad match regex", "---\nid: p\ntitle: t\n" + okFailure + "    match:\n      urgency: high\n      title: '(unclosed'\n---\n", 11, "invalid regex"},
		{"bad match urgency", "---\nid: p\ntitle: t\n" + okFailure + "    match: {urgency: loud}\n---\n", 9, "must be high or low"},
		{"match not a map", "---\nid: p\ntitle: t\n" + okFailure + "    match: [a]\n---\n", 9, "match must be a map"},
		{"impact high", "---\nid: p\ntitle: t\nfailures:\n  - id: f\n    service: s\n    failure: x\n    impact: 6\n---\n", 8, "impact must be a whole number from 1 to 5"},
		{"impact zero", "---\nid: p\ntitle: t\nfailures:\n  - id: f\n    service: s\n    failure: x\n    impact: 0\n---\n", 8, "from 1 to 5"},
		{"impact text", "---\nid: p\ntitle: t\nfailures:\n  - id: f\n    service: s\n    failure: x\n    impact: severe\n---\n", 8, "from 1 to 5"},
		{"likelihood", "---\nid: p\ntitle: t\n" + okFailure + "    likelihood: 9\n---\n", 9, "likelihood must be a whole number from 1 to 5"},
		{"unknown phase", "---\nid: p\ntitle: t\n" + okFailure + "    countermeasures:\n      - {phase: meanwhile, action: a, status: done}\n---\n", 10, `phase "meanwhile" is not one of before, during, after`},
		{"unknown status", "---\nid: p\ntitle: t\n" + okFailure + "    countermeasures:\n      - phase: during\n        action: a\n        status: maybe\n---\n", 12, `status "maybe" is not one of done, planned, not-feasible, idea`},
		{"unknown cost", "---\nid: p\ntitle: t\n" + okFailure + "    countermeasures:\n      - {phase: during, action: a, status: done, cost: free}\n---\n", 10, `cost "free"`},
		{"missing status", "---\nid: p\ntitle: t\n" + okFailure + "    countermeasures:\n      - {phase: during, action: a}\n---\n", 10, "missing status"},
		{"missing impact", "---\nid: p\ntitle: t\nfailures:\n  - id: f\n    service: s\n    failure: x\n---\n", 5, "missing impact"},
		{"missing service", "---\nid: p\ntitle: t\nfailures:\n  - id: f\n    failure: x\n    impact: 2\n---\n", 5, "missing service"},
		{"missing id", "---\ntitle: t\n" + okFailure + "---\n", 1, "missing id"},
		{"bad id", "---\nid: p q\ntitle: t\n" + okFailure + "---\n", 2, `id "p q" must be`},
		{"bad failure id", "---\nid: p\ntitle: t\nfailures:\n  - id: ../x\n    service: s\n    failure: x\n    impact: 2\n---\n", 5, `failures[0].id "../x"`},
		{"duplicate failure id in file", "---\nid: p\ntitle: t\n" + okFailure + "  - id: f\n    service: s\n    failure: y\n    impact: 1\n---\n", 9, `duplicate failure id "f" (first at line 5)`},
		{"duplicate key", "---\nid: p\nid: q\ntitle: t\n" + okFailure + "---\n", 3, `duplicate key "id"`},
		{"bad date", "---\nid: p\ntitle: t\nheld_on: 14/10/2026\n" + okFailure + "---\n", 4, "is not a date"},
		{"bad remind_at", "---\nid: p\ntitle: t\n" + okFailure + "    countermeasures:\n      - {phase: after, action: a, status: idea, remind_at: soon}\n---\n", 10, "remind_at \"soon\" is not a date"},
		{"bad days", "---\nid: p\ntitle: t\n" + okFailure + "    days_of_month: mid-month\n---\n", 9, "days_of_month"},
		{"days out of range", "---\nid: p\ntitle: t\n" + okFailure + "    days_of_month: 10-32\n---\n", 9, "from 1 to 31"},
		{"failures not a list", "---\nid: p\ntitle: t\nfailures: many\n---\n", 4, "failures must be a list"},
		{"alias", "---\nid: p\ntitle: &t t\nfailures:\n  - id: f\n    service: s\n    failure: *t\n    impact: 2\n---\n", 7, "aliases are not supported"},
		{"control character", "---\nid: p\ntitle: t\x1b[31m\n" + okFailure + "---\n", 3, "control character"},
		{"bidi", "---\nid: p\ntitle: t\n" + okFailure + "---\nnotes \u202e here\n", 10, "control character"},
		{"invalid utf-8", "---\nid: p\ntitle: t\xff\n" + okFailure + "---\n", 3, "invalid UTF-8"},
		{"null impact", "---\nid: p\ntitle: t\nfailures:\n  - id: f\n    service: s\n    failure: x\n    impact:\n---\n", 8, "failures[0].impact is empty"},
		{"empty service", "---\nid: p\ntitle: t\nfailures:\n  - id: f\n    service: ''\n    failure: x\n    impact: 2\n---\n", 6, "failures[0].service is empty"},
		{"null id", "---\nid:\ntitle: t\n" + okFailure + "---\n", 2, "id is empty"},
		{"null status", "---\nid: p\ntitle: t\n" + okFailure + "    countermeasures:\n      - {phase: during, action: a, status: }\n---\n", 10, "status is empty"},
		{"crlf lines", "---\r\nid: p\r\ntitle: t\r\nfailures:\r\n  - id: f\r\n    service: s\r\n    failure: x\r\n    impact: 7\r\n---\r\n", 8, "from 1 to 5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pm, diags := Parse("x.md", []byte(c.doc))
			if pm != nil {
				t.Errorf("parsed despite the error")
			}
			for _, d := range diags {
				if d.Severity == Error && d.Line == c.line && strings.Contains(d.Message, c.want) && d.File == "x.md" {
					return
				}
			}
			t.Errorf("want an error at line %d containing %q; got %v", c.line, c.want, diags)
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	big := make([]byte, MaxSize+1)
	if pm, diags := Parse("big.md", big); pm != nil || !HasErrors(diags) || !strings.Contains(diags[0].Message, "at most") {
		t.Errorf("a file over MaxSize: %v", diags)
	}
}

// FuzzParse: any input gives a result or diagnostics, never a panic; a
// returned pre-mortem is consistent (no errors, lines within the file,
// failures with ids and ratings in range).
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/good/billing.md", "testdata/good/search.md"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("---\nid: p\ntitle: t\n" + okFailure + "    match: {title: '(', min_priority: P0}\n---\n"))
	f.Add([]byte("---\n&a [*a]\n---\n"))
	f.Add([]byte("---\r\n---"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pm, diags := Parse("f.md", data)
		norm := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
		lines := strings.Count(norm, "\n") + 1
		for _, d := range diags {
			if d.Line < 1 || d.Line > lines+1 {
				t.Fatalf("diagnostic line %d outside a %d-line file: %v", d.Line, lines, d)
			}
		}
		if pm == nil {
			if !HasErrors(diags) {
				t.Fatalf("no pre-mortem and no error: %v", diags)
			}
			return
		}
		if HasErrors(diags) {
			t.Fatalf("a pre-mortem returned with errors: %v", diags)
		}
		for _, fl := range pm.Failures {
			if !idRE.MatchString(fl.ID) || fl.Service == "" || fl.Failure == "" || fl.Impact < 1 || fl.Impact > 5 || fl.Likelihood < 0 || fl.Likelihood > 5 || fl.rb == nil {
				t.Fatalf("inconsistent failure %+v", fl)
			}
			for _, c := range fl.Countermeasures {
				if c.Action == "" || c.Key == "" || !slices.Contains(Phases, c.Phase) || !slices.Contains(Statuses, c.Status) {
					t.Fatalf("inconsistent countermeasure %+v", c)
				}
			}
		}
		if pm.ID == "" || pm.Title == "" {
			t.Fatalf("a pre-mortem without id or title: %+v", pm)
		}
	})
}
