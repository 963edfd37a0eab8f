package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbooks"
)

func withShippedRunbooks(t *testing.T) func(*Options) {
	set, diags, err := runbook.LoadFS(runbooks.FS)
	if err != nil || runbook.HasErrors(diags) {
		t.Fatalf("shipped runbooks: %v %v", err, diags)
	}
	return func(o *Options) { o.Runbooks = set }
}

// openRunbook opens the demo's checkout incident on its runbook pane.
func openRunbook(t *testing.T, h *harness) incident.Incident {
	t.Helper()
	snap, _ := h.sim.IncidentByKey(pdsim.DemoCheckout)
	for i, in := range h.model().list.incidents {
		if in.ID == snap.ID {
			h.list(i)
			break
		}
	}
	h.keys("enter", "tab", "tab")
	if h.model().detail.focus != paneRunbook {
		t.Fatal("tab twice did not reach the runbook pane")
	}
	return h.model().detail.inc
}

func (h *harness) list(i int) {
	m := h.model()
	m.list.MoveTo(i)
	h.m = m
}

func TestRunbookStepIsJournaledAndSurvivesARestart(t *testing.T) {
	rbs := withShippedRunbooks(t)
	h := newHarness(t, 120, 40, rbs)
	in := openRunbook(t, h)
	h.wantScreen("Runbook 1/", "checkout-api: 5xx on order placement", "matched on service checkout-api")
	rb, step, ok := h.model().detail.rb.Selected()
	if !ok || step.Kind != runbook.Check {
		t.Fatalf("first selected step = %+v", step)
	}
	h.keys("x")
	ev, _ := h.journal.Events(in.ID)
	if len(ev) != 1 || ev[0].Kind != incident.KindRunbookStep || ev[0].Fields["runbook"] != rb.ID ||
		ev[0].Fields["step_key"] != step.Key || ev[0].Fields["step"] != step.Text || ev[0].State != incident.Sent {
		t.Fatalf("journal = %+v", ev)
	}
	h.keys("tab", "tab") // past the state pane, back to the timeline
	h.wantScreen("Runbook " + rb.ID + ": done " + step.Text[:20])

	// A new program on the same journal sees the tick.
	h2 := &harness{t: t, sim: h.sim, journal: h.journal, clock: h.clock}
	m := h.model()
	opts := m.opts
	h2.m = New(opts)
	h2.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h2.run(h2.m.Init())
	openRunbook(t, h2)
	if !h2.model().detail.rb.ticked[step.Key] {
		t.Fatal("the tick did not survive a restart")
	}
	h2.wantScreen("[x] " + step.Text[:20])
}

func TestRunbookCommandCopyAndDocument(t *testing.T) {
	h := newHarness(t, 120, 40, withShippedRunbooks(t))
	in := openRunbook(t, h)
	for {
		_, step, ok := h.model().detail.rb.Selected()
		if !ok {
			t.Fatal("no command step in the runbook")
		}
		if step.Kind == runbook.Command {
			break
		}
		h.keys("j")
	}
	_, step, _ := h.model().detail.rb.Selected()
	h.keys("y")
	h.wantScreen("copied " + strings.Split(step.Text, "\n")[0][:20])
	ev, _ := h.journal.Events(in.ID)
	if len(ev) != 1 || ev[0].Fields["action"] != "copied" || ev[0].Fields["command"] != step.Text || ev[0].State != incident.LocalOnly {
		t.Fatalf("copy journaled as %+v", ev)
	}
	h.keys("v")
	h.wantScreen("document · v for steps", "## Meaning", "## Diagnosis")
	h.keys("]")
	if h.model().detail.rb.cur != 1 {
		t.Fatal("] did not move to the next match")
	}
}

func TestAlertLinksStandInForMissingRunbooks(t *testing.T) {
	h := newHarness(t, 120, 40) // no runbooks loaded
	h.keys("enter", "tab", "tab")
	ms := h.model().detail.rb.matches
	if len(ms) == 0 {
		h.wantScreen("No runbook matches this incident")
		return
	}
	for _, m := range ms {
		if m.Runbook != nil {
			t.Fatalf("a runbook matched with none loaded: %+v", m)
		}
	}
	h.wantScreen("linked from an alert: https://")
}
