package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/state"
)

// stateTimeline is a long incident worked by four responders: Alice on
// this machine, Bob, Carol and Dan read back from PagerDuty's notes.
func stateTimeline(t *testing.T, t0 time.Time) (incident.Incident, incident.Timeline) {
	t.Helper()
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	ev := func(id string, min int, actor string, origin incident.Origin) func(incident.Event, error) incident.Event {
		return func(e incident.Event, err error) incident.Event {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			e.ID, e.At, e.Actor, e.Origin, e.IncidentID = id, at(min), actor, origin, "PINC"
			return e
		}
	}
	L, R := incident.Local, incident.Remote
	inc := incident.Incident{ID: "PINC", Number: 1045, Title: "Checkout 5xx", Status: incident.Acknowledged,
		Urgency: incident.High, Priority: "P1", CreatedAt: t0, Service: incident.Ref{Name: "checkout-api"},
		Assignees: []incident.Responder{{ID: "PA", Name: "Alice"}}}
	tl := incident.Timeline{
		{ID: "Q0", Kind: incident.KindTrigger, At: at(0), Actor: "checkout-api", Origin: R, Summary: "Triggered"},
		ev("r1", 3, "Alice", L)(incident.NewRole("ic", "Alice")),
		ev("r2", 4, "Alice", L)(incident.NewRoleMarked("liaison", "Vendor Vic", incident.RoleMarks{External: true})),
		ev("s1", 5, "Alice", L)(incident.NewStatusUpdate("Investigating elevated checkout errors.")),
		ev("d1", 8, "Alice", L)(incident.NewDecision("roll back checkout-api to 4.11", "5xx began with 4.12", "Bob")),
		ev("t1", 9, "Alice", L)(incident.NewTask("Bob", "roll back and report", 10*time.Minute, at(9))),
		ev("t2", 10, "Alice", L)(incident.NewTask("Carol", "check replica lag on db-inv-2", 10*time.Minute, at(10))),
		ev("t3", 40, "Dan", R)(incident.NewTask("Dan", "resize the connection pool", 30*time.Minute, at(40))),
		ev("k1", 12, "Bob", R)(incident.NewRunbookStep("checkout-5xx", "s1", "Check the deploy log", "", incident.StepDone)),
		ev("k2", 13, "Bob", R)(incident.NewRunbookStep("checkout-5xx", "s2", "Roll back", "", incident.StepDone)),
		{ID: "n1", Kind: incident.KindNote, At: at(14), Actor: "Dan", Origin: R, Summary: "Ruled out: the CDN; its error rate is flat"},
		ev("u1", 18, "Bob", R)(incident.NewItemUpdate("t1", incident.ChangeDone)),
		ev("s2", 21, "Bob", R)(incident.NewStatusUpdate("Rolled back; errors falling.")),
		ev("m1", 24, "Bob", R)(incident.NewMitigated()),
		ev("a1", 26, "Carol", R)(incident.NewActionItem("alert on deploy error rate", "checkout team", "2026-11-28", "detect", at(26))),
		ev("d2", 28, "Carol", R)(incident.NewDecision("freeze deploys until the pool is resized", "", "")),
		ev("r3", 30, "Carol", R)(incident.NewRole("ic", "Carol")),
		ev("h1", 50, "Carol", R)(incident.NewHandoff("ic", "Carol", "Dan", "replica lag is the open question")),
		ev("r4", 52, "Dan", R)(incident.NewRoleMarked("ic", "Dan", incident.RoleMarks{Taken: true})),
	}
	return inc, tl
}

func stateDoc(t *testing.T) state.Doc {
	t0 := time.Date(2026, 11, 21, 3, 0, 0, 0, zone)
	inc, tl := stateTimeline(t, t0)
	return state.Derive(state.Input{Incident: inc, Timeline: tl, Now: t0.Add(55 * time.Minute), Cadence: 20 * time.Minute,
		Runbook: "checkout-5xx", RunbookSteps: 5})
}

func TestStatePaneGolden(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	for _, size := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		p := newStatePane(&st, &keys).SetSize(size.w, size.h).SetDoc(stateDoc(t))
		view := ansi.Strip(p.View())
		lines := strings.Split(view, "\n")
		if len(lines) != size.h {
			t.Errorf("%dx%d: %d lines", size.w, size.h, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w != size.w {
				t.Errorf("%dx%d: line %d is %d cells", size.w, size.h, i, w)
			}
		}
		name := "statepane-" + map[int]string{80: "80x24", 160: "160x48"}[size.w]
		golden(t, name, view)
		for _, want := range []string{
			"incident commander: Dan since 03:50 · took it",
			"03:50 incident commander from Carol to Dan",
			"before: Alice, Carol",
			"liaison: Vendor Vic (not in PagerDuty)",
			"OVERDUE task 2 · Carol: check replica lag",
			"status update overdue by 14m",
			"last 03:21 by Bob: Rolled back; errors falling.",
			"mitigated 03:24 by Bob",
			"checkout-5xx 2/5",
		} {
			if !strings.Contains(view, want) {
				t.Errorf("%dx%d lacks %q", size.w, size.h, want)
			}
		}
		if strings.Contains(view, "task 1 · Bob") {
			t.Errorf("%dx%d shows a task that is done", size.w, size.h)
		}
	}
}

// TestStatePaneScrolls: at 80x24 what does not fit is reached by
// scrolling, and scrolling stops at the end.
func TestStatePaneScrolls(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	p := newStatePane(&st, &keys).SetSize(80, 10).SetDoc(stateDoc(t))
	if strings.Contains(ansi.Strip(p.View()), "freeze deploys") {
		t.Fatal("the last decision fits without scrolling; the test needs a smaller pane")
	}
	for range 100 {
		p, _ = p.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	v := ansi.Strip(p.View())
	if !strings.Contains(v, "Ruled out") && !strings.Contains(v, "ruled out") {
		t.Errorf("scrolled to the end, the pane shows:\n%s", v)
	}
	if p.scroll != p.maxScroll() {
		t.Errorf("scroll %d past its end %d", p.scroll, p.maxScroll())
	}
	for range 100 {
		p, _ = p.Update(tea.KeyPressMsg{Code: tea.KeyUp})
	}
	if p.scroll != 0 || !strings.HasPrefix(ansi.Strip(p.View()), "STATUS") {
		t.Errorf("scrolled back, the pane starts:\n%s", ansi.Strip(p.View()))
	}
	// Tiny and empty sizes draw without panicking.
	for _, s := range [][2]int{{0, 0}, {1, 1}, {5, 2}} {
		_ = p.SetSize(s[0], s[1]).View()
	}
}

// TestClockTextNeverDropped: at any width the clock says something, and
// the longest form that fits.
func TestClockTextNeverDropped(t *testing.T) {
	now := time.Date(2026, 11, 21, 3, 30, 0, 0, time.UTC)
	due := state.UpdateClock{NextDue: now.Add(12 * time.Minute)}
	late := state.UpdateClock{NextDue: now.Add(-3 * time.Minute), Overdue: true}
	cases := []struct {
		c     state.UpdateClock
		width int
		want  string
	}{
		{due, 80, "status update due in 12m"},
		{due, 24, "status update due in 12m"},
		{due, 23, "update due 12m"},
		{due, 10, "upd 12m"},
		{due, 6, "12m"},
		{due, 0, "12m"},
		{late, 80, "status update overdue by 3m"},
		{late, 16, "upd -3m"},
		{late, 17, "update overdue 3m"},
		{late, 2, "-3m"},
		{state.UpdateClock{}, 80, ""},
	}
	for _, c := range cases {
		if got := clockText(c.c, now, c.width); got != c.want {
			t.Errorf("clockText(width %d) = %q; want %q", c.width, got, c.want)
		}
	}
}
