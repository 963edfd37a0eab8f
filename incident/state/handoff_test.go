package state

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/golden"
)

// scripted is a long incident worked by four responders: Alice (this
// machine) and Bob, Carol and Dan (read back from PagerDuty).
func scripted(t *testing.T) Input {
	L, R := incident.Local, incident.Remote
	inc := openIncident()
	inc.Priority, inc.Service = "P1", incident.Ref{ID: "PSVC", Name: "checkout-api"}
	inc.URL, inc.Bridge = "https://acme.pagerduty.com/incidents/PINC", "https://meet.example.com/checkout"
	inc.Title = "Checkout 5xx [EU] \x1b[31m*hot*\x1b[0m"
	tl := incident.Timeline{
		{ID: "Q0", Kind: incident.KindTrigger, At: at(0), Actor: "checkout-api", Origin: R, Summary: "Triggered through the API"},
		{ID: "Q1", Kind: incident.KindAcknowledge, At: at(2), Actor: "Alice", Origin: R, Summary: "Acknowledged by Alice"},
		ev(t, "r1", 3, "Alice", L)(incident.NewRole("ic", "Alice")),
		ev(t, "r2", 4, "Alice", L)(incident.NewRoleMarked("liaison", "Vendor Vic", incident.RoleMarks{External: true})),
		ev(t, "s1", 5, "Alice", L)(incident.NewStatusUpdate("Investigating elevated checkout errors.")),
		ev(t, "d1", 8, "Alice", L)(incident.NewDecision("roll back checkout-api to 4.11", "5xx began with 4.12", "Bob")),
		ev(t, "t1", 9, "Alice", L)(incident.NewTask("Bob", "roll back and report", 10*time.Minute, at(9))),
		ev(t, "t2", 10, "Alice", L)(incident.NewTask("Carol", "check replica lag", 10*time.Minute, at(10))),
		ev(t, "k1", 12, "Bob", R)(incident.NewRunbookStep("checkout-5xx", "s1", "Check the deploy log", "", incident.StepDone)),
		{ID: "n1", Kind: incident.KindNote, At: at(14), Actor: "Dan", Origin: R, Summary: "Ruled out: the CDN; its error rate is flat"},
		ev(t, "u1", 18, "Bob", R)(incident.NewItemUpdate("t1", incident.ChangeDone, incident.ItemLabel("roll back and report"))),
		ev(t, "s2", 21, "Bob", R)(incident.NewStatusUpdate("Rolled back; errors falling.")),
		ev(t, "m1", 24, "Bob", R)(incident.NewMitigated()),
		ev(t, "a1", 26, "Carol", R)(incident.NewActionItem("alert on deploy error rate", "checkout team", "2026-11-28", "detect", at(26))),
		ev(t, "r3", 30, "Carol", R)(incident.NewRole("ic", "Carol")),
		ev(t, "h1", 50, "Carol", R)(incident.NewHandoff("ic", "Carol", "Dan", "Replica lag is the open question; Carol's task is overdue.")),
		ev(t, "r4", 52, "Dan", R)(incident.NewRoleMarked("ic", "Dan", incident.RoleMarks{Taken: true})),
	}
	return Input{Incident: inc, Timeline: tl, Now: at(55), Cadence: 20 * time.Minute, Runbook: "checkout-5xx", RunbookSteps: 5}
}

func TestHandoffMarkdownGolden(t *testing.T) {
	in := scripted(t)
	h := HandoffDoc{Doc: Derive(in), Cadence: in.Cadence}
	var b bytes.Buffer
	if err := h.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "handoff.md", b.Bytes())
	s := b.String()
	for _, want := range []string{
		"incident commander: **Dan** since 2026-11-21 03:50 UTC (took it)",
		"before: Alice, 2026-11-21 03:03 UTC to 2026-11-21 03:30 UTC",
		"before: Carol, 2026-11-21 03:30 UTC to 2026-11-21 03:50 UTC",
		"handoff of incident commander from Carol to Dan at 2026-11-21 03:50 UTC",
		"liaison: **Vendor Vic** since 2026-11-21 03:04 UTC (not in PagerDuty)",
		"#2 check replica lag; owner Carol; due 2026-11-21 03:20 UTC **OVERDUE**",
		"> Replica lag is the open question",
		"- Next due: 2026-11-21 03:41 UTC, **overdue by 14m**",
		"ruled out: the CDN",
		"checkout-5xx: 1 of 5 steps ticked",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the handoff lacks %q", want)
		}
	}
	if strings.Contains(s, "\x1b") || strings.Contains(s, "roll back and report;") {
		t.Errorf("the handoff carries an escape sequence or a done task")
	}
}

// TestHandoffJSONKeys: the JSON handoff has every key README documents,
// and a given message wins over the recorded one.
func TestHandoffJSONKeys(t *testing.T) {
	in := scripted(t)
	h := HandoffDoc{Doc: Derive(in), Cadence: in.Cadence, Message: "watch db-2"}
	var b bytes.Buffer
	if err := h.JSON(&b); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "handoff.json", b.Bytes())
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"schema", "generated_at", "incident", "summary", "impact", "open_seconds", "snoozed_until", "mitigated_at",
		"command_post", "roles", "handoffs", "decisions", "tried", "hypotheses", "open_tasks", "open_follow_ups",
		"status_update", "runbook", "responders", "recent_events", "message"}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("keys\n got %v\nwant %v", got, want)
	}
	// README documents every key (its own section's table).
	if readme, err := os.ReadFile(filepath.Join("..", "..", "README.md")); err == nil {
		for _, k := range got {
			if !strings.Contains(string(readme), "| `"+k+"`") && !strings.Contains(string(readme), ", `"+k+"` |") {
				t.Errorf("README's handoff table lacks %q", k)
			}
		}
	} else {
		t.Errorf("README: %v", err)
	}
	if string(m["message"]) != `"watch db-2"` || string(m["open_seconds"]) != "3300" {
		t.Errorf("message %s open_seconds %s", m["message"], m["open_seconds"])
	}
	var tasks []jsonItem
	json.Unmarshal(m["open_tasks"], &tasks)
	if len(tasks) != 1 || tasks[0].Number != 2 || !tasks[0].Overdue {
		t.Errorf("open tasks %+v", tasks)
	}
	var recent []jsonEvent
	json.Unmarshal(m["recent_events"], &recent)
	if len(recent) != RecentLimit || recent[RecentLimit-1].ID != "r4" {
		t.Errorf("recent events %+v", recent)
	}
}
