package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// resolvedOpen resolves the first triggered incident through the TUI
// and leaves its detail view open, showing it resolved.
func resolvedOpen(t *testing.T, h *harness) incident.Incident {
	t.Helper()
	target := h.firstTriggered()
	h.keys("enter", "R", "y")
	if snap, _ := h.sim.Incident(target.ID); snap.Status != "resolved" {
		t.Fatalf("setup: the simulator has #%d %s, want resolved", target.Number, snap.Status)
	}
	if got := h.model().detail.inc.Status; got != incident.Resolved {
		t.Fatalf("setup: the detail view shows %s, want resolved", got)
	}
	return target
}

// journaledKinds counts the incident's journal entries by kind.
func journaledKinds(t *testing.T, h *harness, id string) map[incident.Kind]int {
	t.Helper()
	ev, err := h.journal.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	n := map[incident.Kind]int{}
	for _, e := range ev {
		n[e.Kind]++
	}
	return n
}

// TestAcknowledgeOnResolvedOffersReopen: the acknowledge key on a resolved
// incident journals nothing and sends nothing (PagerDuty would reopen the
// incident silently); it names the reopen and what it does, and asks.
func TestAcknowledgeOnResolvedOffersReopen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, size[0], size[1])
			target := resolvedOpen(t, h)
			h.keys("a")
			h.wantScreen(fmt.Sprintf("Reopen resolved #%d? PagerDuty assigns it to you and it pages again. y/n", target.Number))
			if got := journaledKinds(t, h, target.ID); got[incident.KindAcknowledge] != 0 || got[incident.KindReopen] != 0 {
				t.Errorf("the acknowledge key journaled %v", got)
			}
			if r := h.sim.Reopens(); len(r) != 0 {
				t.Errorf("the acknowledge key reopened: %+v", r)
			}
		})
	}
}

// TestConfirmedReopenReopensOnce: y journals one reopen and the outbox
// sends it: the simulator reopens the incident once, as the token's user.
func TestConfirmedReopenReopensOnce(t *testing.T) {
	h := newHarness(t, 120, 40)
	target := resolvedOpen(t, h)
	h.keys("a", "y")
	r := h.sim.Reopens()
	if len(r) != 1 || r[0].IncidentID != target.ID {
		t.Fatalf("reopens %+v, want one of %s", r, target.ID)
	}
	if r[0].ByEmail != pdsim.DemoUserEmail {
		t.Errorf("reopened by %q, want the token's user %q", r[0].ByEmail, pdsim.DemoUserEmail)
	}
	if snap, _ := h.sim.Incident(target.ID); snap.Status == "resolved" {
		t.Error("the simulator still has the incident resolved")
	}
	got := journaledKinds(t, h, target.ID)
	if got[incident.KindReopen] != 1 || got[incident.KindAcknowledge] != 0 {
		t.Errorf("journal kinds %v, want one reopen and no acknowledge", got)
	}
	ev, _ := h.journal.Events(target.ID)
	for _, e := range ev {
		if e.Kind == incident.KindReopen && e.State != incident.Sent {
			t.Errorf("reopen state %s (%s), want sent", e.State, e.Error)
		}
	}
	h.wantScreen(fmt.Sprintf("reopen sent for #%d", target.Number))
	if st := h.model().detail.inc.Status; st == incident.Resolved {
		t.Error("the detail view still shows the incident resolved")
	}
	// A later poll sends nothing more.
	h.send(detailTickMsg{id: target.ID, gen: h.model().detail.gen})
	if r := h.sim.Reopens(); len(r) != 1 {
		t.Errorf("%d reopens after a poll, want 1", len(r))
	}
}

// TestCancelledReopenSendsNothing: n (or any key but y) leaves the incident
// resolved and the journal without a reopen.
func TestCancelledReopenSendsNothing(t *testing.T) {
	for _, k := range []string{"n", "esc", "a"} {
		t.Run(k, func(t *testing.T) {
			h := newHarness(t, 120, 40)
			target := resolvedOpen(t, h)
			h.keys("a", k)
			h.wantScreen(fmt.Sprintf("cancelled; #%d unchanged", target.Number))
			if r := h.sim.Reopens(); len(r) != 0 {
				t.Errorf("cancel reopened: %+v", r)
			}
			if snap, _ := h.sim.Incident(target.ID); snap.Status != "resolved" {
				t.Errorf("the simulator has %s after cancel, want resolved", snap.Status)
			}
			if got := journaledKinds(t, h, target.ID); got[incident.KindReopen] != 0 || got[incident.KindAcknowledge] != 0 {
				t.Errorf("cancel journaled %v", got)
			}
		})
	}
}

// TestReadOnlyOffersNoReopen: in read-only mode the acknowledge key is off,
// so a resolved incident is neither offered a reopen nor reopened by y.
func TestReadOnlyOffersNoReopen(t *testing.T) {
	h := newHarness(t, 120, 40)
	target := resolvedOpen(t, h)
	m := h.model()
	m.opts.ReadOnly = true
	m.keys.ReadOnly()
	h.m = m
	h.keys("a")
	if s := h.screen(); strings.Contains(s, "Reopen") {
		t.Fatalf("read-only offered a reopen:\n%s", s)
	}
	h.keys("y")
	if r := h.sim.Reopens(); len(r) != 0 {
		t.Errorf("read-only reopened: %+v", r)
	}
	if got := journaledKinds(t, h, target.ID); got[incident.KindReopen] != 0 {
		t.Errorf("read-only journaled %v", got)
	}
}
