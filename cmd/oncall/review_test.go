package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/tui"
)

// TestReviewCommand runs oncall review against the simulator's demo: JSON
// with the promised keys and the demo's incidents, progress on stderr, an
// HTML file written once and never overwritten, and the journal's cache
// filled so that a second run reads from it.
func TestReviewCommand(t *testing.T) {
	_, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	dir := t.TempDir()
	db := filepath.Join(dir, "journal.db")
	args := []string{"review", "--api-url", url, "--db", db, "--since", "2026-11-14", "--until", "2026-11-21", "--zone", "UTC"}

	code, stdout, stderr := cli(t, append(args, "--format", "json")...)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	for _, k := range []string{"period", "incidents", "tta_seconds", "ttr_seconds", "by_service", "pages_by_hours", "repeats", "follow_ups", "error_budgets", "agenda"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	// A date for --until is the end of that day, in --zone.
	if p := doc["period"].(map[string]any); p["since"] != "2026-11-14T00:00:00Z" || p["until"] != "2026-11-22T00:00:00Z" {
		t.Errorf("period = %v, want the 14th to the end of the 21st", p)
	}
	if n, _ := doc["incidents"].(float64); n < 1 {
		t.Errorf("incidents = %v, want the demo's", doc["incidents"])
	}
	if !strings.Contains(stderr, "review: ") || !strings.Contains(stderr, "fetched") {
		t.Errorf("no progress on stderr: %q", stderr)
	}

	j, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range doc["agenda"].([]any) {
		ids = append(ids, a.(map[string]any)["incident"].(map[string]any)["id"].(string))
	}
	cached, err := j.ReviewEntries(ids)
	j.Close()
	if err != nil || len(cached) != len(ids) || len(ids) == 0 {
		t.Errorf("cache holds %d of the %d agenda incidents (%v)", len(cached), len(ids), err)
	}

	page := filepath.Join(dir, "review.html")
	code, stdout, stderr = cli(t, append(args, "--format", "html", "-o", page)...)
	if code != exitOK || !strings.Contains(stdout, page) {
		t.Fatalf("html: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	body, _ := os.ReadFile(page)
	if !strings.HasPrefix(string(body), "<!DOCTYPE html>") || !strings.Contains(string(body), "<svg") {
		t.Errorf("not the review page: %.200s", body)
	}
	os.WriteFile(page, []byte("annotated"), 0o644)
	code, _, stderr = cli(t, append(args, "--format", "html", "-o", page)...)
	if code != exitUsage || !strings.Contains(stderr, "already exists") {
		t.Errorf("second write: exit %d, stderr %q", code, stderr)
	}
	if got, _ := os.ReadFile(page); string(got) != "annotated" {
		t.Error("review overwrote a file")
	}
}

// TestReviewBadInput: each mistake is one line and exit 2, before any
// request.
func TestReviewBadInput(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	db := filepath.Join(t.TempDir(), "j.db")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--since", "yesterday"}, `--since "yesterday"`},
		{[]string{"--since", "2026-11-20", "--until", "2026-11-10"}, "must be before --until"},
		{[]string{"--since", "2024-01-01", "--until", "2026-11-10"}, "at most 400"},
		{[]string{"--format", "pdf"}, `--format "pdf"`},
		{[]string{"--zone", "Mars/Olympus"}, "not a time zone"},
		{[]string{"--work-hours", "18:00-09:00"}, "must end after it starts"},
		{[]string{"--sleep-hours", "25:00-07:00"}, "HH:MM-HH:MM"},
		{[]string{"--tui", "-o", "x.md"}, "writes no file"},
	}
	before := sim.Requests("GET /incidents")
	for _, c := range cases {
		code, _, stderr := cli(t, append([]string{"review", "--api-url", url, "--db", db}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q on one line", c.args, code, stderr, c.want)
		}
	}
	if n := sim.Requests("GET /incidents") - before; n != 0 {
		t.Errorf("bad input made %d requests", n)
	}
}

// TestReviewMinutes: a decision and a follow-up raised in the review are
// journaled against the incident discussed with context=review, and sent
// to PagerDuty as notes whose trailer carries that context.
func TestReviewMinutes(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("PAGERDUTY_FROM", pdsim.DemoUserEmail)
	snap, ok := sim.IncidentByKey(pdsim.DemoCheckout)
	if !ok {
		t.Fatal("no demo checkout incident")
	}
	db := filepath.Join(t.TempDir(), "j.db")
	code, stdout, stderr := cli(t, "review", "decision", snap.ID, "retire the legacy processor", "--why", "three repeats", "--api-url", url, "--db", db)
	if code != exitOK || !strings.Contains(stdout, "sent") {
		t.Fatalf("decision: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = cli(t, "review", "follow-up", snap.ID, "load-test the failover", "--owner", "payments", "--due", "+14d", "--api-url", url, "--db", db)
	if code != exitOK || !strings.Contains(stdout, "sent") {
		t.Fatalf("follow-up: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = cli(t, "review", "follow-up", snap.ID, "no owner", "--due", "+14d", "--api-url", url, "--db", db)
	if code != exitUsage {
		t.Errorf("a follow-up without an owner: exit %d, stderr %q", code, stderr)
	}

	evs := journalOf(t, db, snap.ID)
	kinds := map[incident.Kind]bool{}
	for _, e := range evs {
		if e.Fields[incident.FieldContext] != incident.ContextReview || e.State != incident.Sent {
			t.Errorf("%s: context %q, state %s; want review and sent", e.Kind, e.Fields[incident.FieldContext], e.State)
		}
		kinds[e.Kind] = true
	}
	if len(evs) != 2 || !kinds[incident.KindDecision] || !kinds[incident.KindActionItem] {
		t.Fatalf("journal = %+v, want the decision and the follow-up", evs)
	}
	// Read back from PagerDuty, as a teammate's oncall would: typed, with
	// the context.
	code, stdout, stderr = cli(t, "log", snap.ID, "--json", "--api-url", url, "--db", filepath.Join(t.TempDir(), "other.db"))
	if code != exitOK {
		t.Fatalf("log: exit %d, %q", code, stderr)
	}
	var doc any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("log --json: %v", err)
	}
	n := 0
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if f, ok := v["fields"].(map[string]any); ok && v["origin"] == string(incident.Remote) && f[incident.FieldContext] == incident.ContextReview {
				n++
			}
			for _, sub := range v {
				walk(sub)
			}
		case []any:
			for _, sub := range v {
				walk(sub)
			}
		}
	}
	walk(doc)
	if n != 2 {
		t.Errorf("PagerDuty holds %d notes typed with context review, want 2:\n%s", n, stdout)
	}
}

// TestReviewScreenMarksAFollowUpDone: the review screen's "done" on a
// follow-up is journaled as an item_update (done, context review) naming
// the follow-up, and sent, through the verbs' machinery.
func TestReviewScreenMarksAFollowUpDone(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("PAGERDUTY_FROM", pdsim.DemoUserEmail)
	snap, _ := sim.IncidentByKey(pdsim.DemoCheckout)
	db := filepath.Join(t.TempDir(), "j.db")
	if code, _, stderr := cli(t, "follow-up", snap.ID, "add a canary", "--owner", "payments", "--due", "+7d", "--api-url", url, "--db", db); code != exitOK {
		t.Fatalf("follow-up: %d %q", code, stderr)
	}
	itemID := journalOf(t, db, snap.ID)[0].ID

	g := &globalOptions{apiURL: url, db: db}
	m := reviewModel{f: g.factory(), ctx: t.Context(), actor: "Alex"}
	_, cmd := m.Update(tui.ReviewDoneMsg{IncidentID: snap.ID, ItemID: itemID, Title: "add a canary"})
	if cmd == nil {
		t.Fatal("no command for the done follow-up")
	}
	status, ok := cmd().(reviewStatusMsg)
	if !ok || !strings.Contains(string(status), "sent") {
		t.Fatalf("status = %q", status)
	}
	evs := journalOf(t, db, snap.ID)
	if len(evs) != 2 {
		t.Fatalf("journal = %+v", evs)
	}
	u := evs[1]
	if u.Kind != incident.KindItemUpdate || u.Fields[incident.FieldItem] != itemID || u.Fields[incident.FieldChange] != incident.ChangeDone ||
		u.Fields[incident.FieldContext] != incident.ContextReview || u.State != incident.Sent {
		t.Errorf("update = %+v", u)
	}
}
