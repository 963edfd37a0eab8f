package runbook_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook"
)

func mustSet(t testing.TB, files map[string]string) *runbook.Set {
	t.Helper()
	var rbs []*runbook.Runbook
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		rb, diags := runbook.Parse(name, []byte(files[name]))
		if rb == nil {
			t.Fatalf("%s: %v", name, diags)
		}
		rbs = append(rbs, rb)
	}
	set, diags := runbook.NewSet(rbs...)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	return set
}

func fm(keys string) string {
	return "---\n" + keys + "\nowners: [t]\n---\n## Do\n- [ ] something\n"
}

var checkout = incident.Incident{
	ID: "Q1", Title: "checkout-api: 5xx rate above 5% on POST /v2/orders", Urgency: incident.High, Priority: "P1",
	Service: incident.Ref{ID: "PSV1CKO", Name: "checkout-api"},
}

var checkoutAlerts = []incident.Alert{
	{ID: "A1", Summary: "HTTP 5xx ratio 7.2% on POST /v2/orders", Details: map[string]any{
		"runbook_url": "https://runbooks.example.com/checkout/high-5xx", "component": "orders-handler",
		"class": "http_errors", "source": "prometheus/prod-us-east-1",
	}},
	{ID: "A2", Summary: "POST /v2/orders p99 latency 2.4s", Details: map[string]any{
		"runbook_url": "https://runbooks.example.com/checkout/high-latency", "component": "orders-handler",
		"class": "latency", "p99_ms": float64(2400),
	}},
}

func ids(ms []runbook.Match) []string {
	var out []string
	for _, m := range ms {
		if m.Runbook != nil {
			out = append(out, fmt.Sprintf("%s:%d", m.Runbook.ID, m.Score))
		} else {
			out = append(out, m.URL)
		}
	}
	return out
}

func TestMatchRanking(t *testing.T) {
	set := mustSet(t, map[string]string{
		"service.md":      fm("id: service-only\ntitle: S\nservices: [checkout-api]"),
		"by-id.md":        fm("id: by-service-id\ntitle: S\nservices: [psv1cko]"),
		"regex.md":        fm("id: service-and-title\ntitle: S\nservices: [checkout-api]\nmatch: {title: '(?i)5xx'}"),
		"full.md":         fm("id: service-title-alert\ntitle: S\nservices: [checkout-api]\nmatch: {title: '5xx', component: orders-handler, class: http_errors, min_priority: P2}"),
		"latency.md":      fm("id: latency-alert\ntitle: S\nservices: [checkout-api]\nmatch: {class: latency, summary: 'p99'}"),
		"same-alert.md":   fm("id: same-alert-only\ntitle: S\nservices: [checkout-api]\nmatch: {class: latency, summary: '5xx'}"),
		"wrong-title.md":  fm("id: wrong-title\ntitle: S\nservices: [checkout-api]\nmatch: {title: 'timeout'}"),
		"other.md":        fm("id: other-service\ntitle: S\nservices: [search]"),
		"unscoped.md":     fm("id: any-service-5xx\ntitle: S\nmatch: {title: '5xx'}"),
		"unscoped-two.md": fm("id: any-high-p1\ntitle: S\nmatch: {urgency: high, min_priority: P1}"),
		"low.md":          fm("id: low-urgency\ntitle: S\nservices: [checkout-api]\nmatch: {urgency: low}"),
		"nothing.md":      fm("id: matches-nothing\ntitle: S"),
		"links.md":        fm("id: lists-the-link\ntitle: S\nservices: [PSV1CKO]\nlinks: {wiki: 'https://runbooks.example.com/checkout/high-5xx'}"),
	})
	got := ids(set.Match(checkout, checkoutAlerts))
	want := []string{
		"service-title-alert:5",
		"latency-alert:3",
		"service-and-title:2",
		"any-high-p1:2", // as many criteria, but not scoped to the service
		"by-service-id:1",
		"lists-the-link:1",
		"service-only:1",
		"any-service-5xx:1",
		"https://runbooks.example.com/checkout/high-latency", // high-5xx is listed by lists-the-link
	}
	if !slices.Equal(got, want) {
		t.Errorf("matches\n got %q\nwant %q", got, want)
	}
	// Without alerts, alert criteria cannot hold.
	got = ids(set.Match(checkout, nil))
	if slices.Contains(got, "service-title-alert:5") || slices.Contains(got, "latency-alert:3") || got[0] != "service-and-title:2" {
		t.Errorf("without alerts: %q", got)
	}
	// A nil set still lists the alerts' links.
	if got := ids((*runbook.Set)(nil).Match(checkout, checkoutAlerts)); len(got) != 2 {
		t.Errorf("nil set: %q", got)
	}
}

func TestMatchSaysWhy(t *testing.T) {
	set := mustSet(t, map[string]string{
		"a.md": fm("id: a\ntitle: A\nservices: [checkout-api]\nmatch: {title: '(?i)5xx', summary: 'p99', component: [ORDERS-HANDLER], min_priority: P2, urgency: high}"),
	})
	ms := set.Match(checkout, checkoutAlerts)
	if len(ms) < 1 || ms[0].Runbook == nil {
		t.Fatalf("no match: %+v", ms)
	}
	want := []string{
		"service checkout-api",
		"title matches (?i)5xx",
		"alert A2: summary matches p99",
		"alert A2: component orders-handler",
		"urgency high",
		"priority P1 (P2 or higher)",
	}
	if !slices.Equal(ms[0].Why, want) || ms[0].Score != len(want) {
		t.Errorf("why %q (score %d), want %q", ms[0].Why, ms[0].Score, want)
	}
	if ms[0].Title() != "A" {
		t.Errorf("Title %q", ms[0].Title())
	}
	link := ms[len(ms)-1]
	if link.Runbook != nil || link.Title() != "https://runbooks.example.com/checkout/high-latency" || !slices.Equal(link.Why, []string{"alert A2: runbook_url"}) {
		t.Errorf("link entry %+v", link)
	}
}

func TestMatchPriority(t *testing.T) {
	set := mustSet(t, map[string]string{"p2.md": fm("id: p2\ntitle: P\nmatch: {min_priority: p2}")})
	for prio, want := range map[string]bool{"P1": true, "P2": true, "P3": false, "": false, "urgent": false, "SEV-2": true} {
		inc := incident.Incident{Priority: prio}
		if got := len(set.Match(inc, nil)) == 1; got != want {
			t.Errorf("priority %q: matched %v, want %v", prio, got, want)
		}
	}
}

func TestAlertLinks(t *testing.T) {
	alerts := []incident.Alert{
		{ID: "A1", Details: map[string]any{
			"runbook_url":  "https://runbooks.example.com/a",
			"SOP":          "https://wiki.example.com/sop",
			"Play-Book":    "http://wiki.example.com/play",
			"dashboard":    "https://grafana.example.com/d/x", // not a runbook key
			"runbook":      "file:///etc/passwd",              // not http(s)
			"sop_url":      "javascript:alert(1)",
			"runbook_link": "https://evil.example.com/\x1b]52;c;x\x07",
			"playbook_url": "https://ok.example.com/a b",
			"nested":       map[string]any{"runbook_url": "https://runbooks.example.com/nested", "deeper": map[string]any{"runbook": "https://too.deep.example.com"}},
			"count":        float64(3),
		}},
		{ID: "A2", Details: map[string]any{"runbook_url": "https://runbooks.example.com/a"}}, // repeat
		{ID: "A3"},
	}
	var got []string
	for _, l := range runbook.AlertLinks(alerts) {
		got = append(got, l.AlertID+" "+l.Key+" "+l.URL)
	}
	want := []string{
		"A1 Play-Book http://wiki.example.com/play",
		"A1 SOP https://wiki.example.com/sop",
		"A1 nested.runbook_url https://runbooks.example.com/nested",
		"A1 runbook_url https://runbooks.example.com/a",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("links\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
