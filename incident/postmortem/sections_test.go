package postmortem

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/golden"
)

// sectionsInput is fullInput with everything the newer sections read:
// alerts with links, a matched runbook, earlier incidents, the incident's
// alert key, item updates, the five whys and an extra section.
func sectionsInput(t testing.TB) Input {
	in := fullInput(t)
	in.Alerts = []incident.Alert{{ID: "A1", Summary: "HTTP 5xx ratio 7.2% on POST /v2/orders (threshold 5%)",
		Details: map[string]any{
			"runbook_url": "https://wiki.example.com/orders/5xx",
			"dashboard":   "javascript:alert(1)", // refused: not http(s)
			"links":       []any{map[string]any{"href": "https://grafana.example.com/d/orders", "text": "Orders dashboard"}},
			"threshold":   "5%",
		}}}
	in.Runbooks = []RunbookLinks{{Title: "orders-rollback", Links: []Link{
		{Label: "Deploy history", URL: "https://deploys.example.com/orders-api"},
		{Label: "Same dashboard again", URL: "https://grafana.example.com/d/orders"}, // shown once
	}}}
	in.AlertKeys = []string{"orders-5xx"}
	day := 24 * time.Hour
	created := in.Incident.CreatedAt
	in.Related = []Candidate{
		{Incident: incident.Incident{ID: "QOLD1", Number: 4100, Title: "Orders API 5xx after deploy 4.10", CreatedAt: created.Add(-20 * day),
			Service: incident.Ref{ID: "PORD", Name: "orders-api"}, URL: "https://acme.pagerduty.com/incidents/QOLD1"},
			Draft: "2026-02-13-4100-orders-api-5xx-after-deploy-4-10.md"},
		{Incident: incident.Incident{ID: "QKEY", Number: 4150, Title: "Checkout errors", CreatedAt: created.Add(-5 * day),
			Service: incident.Ref{ID: "PCHK", Name: "checkout"}}, AlertKeys: []string{"orders-5xx"}},
		{Incident: incident.Incident{ID: "QTOO", Number: 3000, Title: "Too old", CreatedAt: created.Add(-91 * day),
			Service: incident.Ref{ID: "PORD", Name: "orders-api"}}},
		{Incident: incident.Incident{ID: "QOTHER", Number: 4200, Title: "Other service", CreatedAt: created.Add(-day),
			Service: incident.Ref{ID: "PPAY", Name: "payments"}}, AlertKeys: []string{"payments-5xx"}},
		{Incident: incident.Incident{ID: "QLATER", Number: 4300, Title: "After this one", CreatedAt: created.Add(day),
			Service: incident.Ref{ID: "PORD", Name: "orders-api"}}},
		{Incident: in.Incident}, // itself
	}
	in.Timeline = append(in.Timeline,
		incident.Event{ID: "IU1", Kind: incident.KindItemUpdate, At: ut("17:40:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Sent,
			Fields: map[string]string{"item": "I1", "change": "linked", "ticket": "https://jira.example.com/browse/OPS-42"}},
		incident.Event{ID: "IU2", Kind: incident.KindItemUpdate, At: ut("17:41:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Sent,
			Fields: map[string]string{"item": "I2", "change": "linked", "ticket": "javascript:alert(1)"}}, // refused
		incident.Event{ID: "IU3", Kind: incident.KindItemUpdate, At: ut("17:42:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Sent,
			Fields: map[string]string{"item": "I1", "change": "done"}},
	)
	in.FiveWhys = true
	in.Sections = []Section{{Title: "Commands run", Markdown: "- `kubectl get pods` exited 0\n",
		HTML: "<ul><li><code>kubectl get pods</code> exited 0</li></ul>", Key: "commands", Value: []string{"kubectl get pods"}}}
	return in
}

func renderHTML(t testing.TB, in Input) string {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSectionsMarkdownGolden(t *testing.T) {
	got := renderMD(t, sectionsInput(t))
	golden.AssertString(t, "sections.md.golden", got)
	checkStructure(t, got)
	for _, want := range []string{
		"## Related incidents\n\nEarlier incidents",
		"| #4150 | 2026-02-28 16:52:00 | Checkout errors | same alert key | none |\n",
		"| #4100 <https://acme.pagerduty.com/incidents/QOLD1> | 2026-02-13 16:52:00 | Orders API 5xx after deploy 4.10 | same service | " +
			"[2026-02-13-4100-orders-api-5xx-after-deploy-4-10.md](2026-02-13-4100-orders-api-5xx-after-deploy-4-10.md) |\n",
		"- Deploy history (from runbook orders-rollback): <https://deploys.example.com/orders-api>\n",
		"- Same dashboard again (from runbook orders-rollback): <https://grafana.example.com/d/orders>\n",
		"- runbook_url (from alert HTTP 5xx ratio 7.2% on POST /v2/orders (threshold 5%)): <https://wiki.example.com/orders/5xx>\n",
		"| Add a canary stage to orders-api deploys _(done)_ | prevent | Ravi Kumar | 2026-03-19 | <https://jira.example.com/browse/OPS-42> |\n",
		"| Investigate why the 4.12 tests passed | process | _<owner: a person or team>_ | _<due: a date>_ | _<ticket: link>_ |\n",
		"## Five whys\n\n", "5. _<why:",
		"## Commands run\n\n- `kubectl get pods` exited 0\n\n## Action items",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	for _, bad := range []string{"Too old", "Other service", "After this one", "javascript", "Orders dashboard"} {
		if strings.Contains(got, bad) {
			t.Errorf("draft contains %q", bad)
		}
	}
}

func TestSectionsJSON(t *testing.T) {
	var r Report
	dec := json.NewDecoder(strings.NewReader(renderJSON(t, sectionsInput(t))))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	var related []string
	for _, x := range r.Related {
		related = append(related, x.ID+":"+x.Why)
	}
	if !slices.Equal(related, []string{"QKEY:same alert key", "QOLD1:same service"}) {
		t.Errorf("related = %v", related)
	}
	if len(r.SupportingLinks) != 3 || r.ActionItems[0].Ticket != "https://jira.example.com/browse/OPS-42" ||
		r.ActionItems[0].State != "done" || r.ActionItems[1].Ticket != "" || len(r.FiveWhys) != 5 {
		t.Errorf("links %+v, items %+v, five whys %d", r.SupportingLinks, r.ActionItems, len(r.FiveWhys))
	}
	if r.Trigger.Alert == "" || r.Trigger.Source != "Datadog" || r.Resolution.MitigatedBy != "Jane Doe" || r.Resolution.ResolvedBy != "Jane Doe" {
		t.Errorf("trigger %+v, resolution %+v", r.Trigger, r.Resolution)
	}
	if got, ok := r.Sections["commands"].([]any); !ok || len(got) != 1 || got[0] != "kubectl get pods" {
		t.Errorf("sections = %#v", r.Sections)
	}
	if len(r.NotificationSteps) != 2 || r.NotificationSteps[1].Step != 2 || r.NotificationSteps[1].People[0].Name != "Ravi Kumar" {
		t.Errorf("notification steps = %+v", r.NotificationSteps)
	}
	if r.People.Authors == nil || r.People.Reviewers == nil || r.People.Attendees == nil {
		t.Errorf("people lists must be present: %+v", r.People)
	}
}

// TestHTMLGolden checks the HTML draft against its golden file and with a
// real HTML parser: well-formed, self-contained, every table's rows as
// wide as its header.
func TestHTMLGolden(t *testing.T) {
	got := renderHTML(t, sectionsInput(t))
	golden.AssertString(t, "sections.html.golden", got)
	doc := parseHTML(t, got)
	checkHTML(t, doc)
	text := textOf(doc)
	for _, want := range []string{"Orders API 5xx after deploy 4.12", "Notified at step 2: Ravi Kumar by phone call",
		"Same dashboard again", "https://jira.example.com/browse/OPS-42", "kubectl get pods"} {
		if !strings.Contains(text, want) {
			t.Errorf("HTML text lacks %q", want)
		}
	}
}

// Hostile titles, notes, names and links come out as text.
func TestHTMLHostileText(t *testing.T) {
	in := sectionsInput(t)
	in.Incident.Title = `</title><script>alert(1)</script><img src=x onerror=alert(2)>`
	in.Incident.Service.Name = `<style>body{display:none}</style>`
	in.Timeline = append(in.Timeline, incident.Event{ID: "H1", Kind: incident.KindNote, At: ut("17:50:00"),
		Actor: `"><a href="javascript:alert(3)">x</a>`, Summary: `<iframe src="https://evil.example.com"></iframe> & <b>bold</b>`, Origin: incident.Remote})
	in.Related[0].Draft = `javascript:alert(4)`
	got := renderHTML(t, in)
	doc := parseHTML(t, got)
	checkHTML(t, doc)
	text := textOf(doc)
	for _, want := range []string{in.Incident.Title, `<iframe src="https://evil.example.com"></iframe> & <b>bold</b>`} {
		if !strings.Contains(text, want) {
			t.Errorf("hostile text not shown literally: %q", want)
		}
	}
}

func parseHTML(t *testing.T, s string) *html.Node {
	t.Helper()
	if !strings.HasPrefix(s, "<!DOCTYPE html>") {
		t.Error("no doctype")
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// checkHTML walks a draft's tree: only the elements the template writes
// (so no script, no iframe, nothing that loads), no event handlers, links
// only to http(s) or a relative path, one style element, and tables with
// rows as wide as their header.
func checkHTML(t *testing.T, doc *html.Node) {
	t.Helper()
	allowed := map[string]bool{"html": true, "head": true, "body": true, "meta": true, "title": true, "style": true,
		"h1": true, "h2": true, "h3": true, "p": true, "ul": true, "ol": true, "li": true, "strong": true, "em": true,
		"span": true, "a": true, "code": true, "table": true, "tbody": true, "tr": true, "th": true, "td": true, "blockquote": true}
	styles := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if !allowed[n.Data] {
				t.Errorf("element <%s> in the draft", n.Data)
			}
			if n.Data == "style" {
				styles++
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "src" || a.Key == "style" {
					t.Errorf("attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
				if a.Key == "href" && !strings.HasPrefix(a.Val, "https://") && !strings.HasPrefix(a.Val, "http://") &&
					(strings.Contains(a.Val, ":") || a.Val == "") {
					t.Errorf("link to %q", a.Val)
				}
			}
			if n.Data == "table" {
				width := -1
				for tr := range n.Descendants() {
					if tr.Type != html.ElementNode || tr.Data != "tr" {
						continue
					}
					cells := 0
					for c := range tr.ChildNodes() {
						if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
							cells++
						}
					}
					if width < 0 {
						width = cells
					} else if cells != width {
						t.Errorf("table row with %d cells, header has %d", cells, width)
					}
				}
			}
		}
		for c := range n.ChildNodes() {
			walk(c)
		}
	}
	walk(doc)
	if styles != 1 {
		t.Errorf("%d style elements, want the one inline style sheet", styles)
	}
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
