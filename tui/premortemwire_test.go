package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/premortem"
)

func withShippedPremortems(t *testing.T) func(*Options) {
	set := shippedPremortems(t)
	return func(o *Options) { o.Premortems = set }
}

// openByKey opens one of the demo's incidents from the list.
func openByKey(t *testing.T, h *harness, demoKey string) incident.Incident {
	t.Helper()
	snap, ok := h.sim.IncidentByKey(demoKey)
	if !ok {
		t.Fatalf("no demo incident %s", demoKey)
	}
	for i, in := range h.model().list.incidents {
		if in.ID == snap.ID {
			h.list(i)
			h.keys("enter")
			return h.model().detail.inc
		}
	}
	t.Fatalf("demo incident %s is not listed", demoKey)
	return incident.Incident{}
}

// toPremortemTab presses tab until the Pre-mortem tab has focus.
func toPremortemTab(t *testing.T, h *harness) {
	t.Helper()
	for range paneCount {
		if h.model().detail.focus == panePremortem {
			return
		}
		h.keys("tab")
	}
	t.Fatal("tab never reached the Pre-mortem tab")
}

// TestPremortemForeseenInTheRunningProgram: the demo's payments incident
// shows the "foreseen" banner and, on its tab, the warning signs and the
// checklist; at 80x24 and 160x48 (golden), and a checkout incident no
// workshop foresaw shows no banner.
func TestPremortemForeseenInTheRunningProgram(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, hgt := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, hgt), func(t *testing.T) {
			h := newHarness(t, w, hgt, withShippedPremortems(t), withShippedRunbooks(t))
			openByKey(t, h, pdsim.DemoPayments)
			h.wantScreen("⚑ Foreseen, impact 5/5: Card payments", "Payments pre-mortem, Q4")
			toPremortemTab(t, h)
			h.wantScreen("Pre-mortem 1/1: Card payments time out", "processor p99 latency above 2s",
				"[ ] Check the processor's status page", "→ Email customers whose orders failed")
			golden(t, fmt.Sprintf("premortem-detail-%dx%d", w, hgt), h.screen())

			h.keys("esc")
			openByKey(t, h, pdsim.DemoSearch)
			if s := h.screen(); strings.Contains(s, "Foreseen") {
				t.Errorf("an incident no pre-mortem matched has a banner:\n%s", s)
			}
		})
	}
}

// TestNoPremortemsNoTab: without pre-mortems the tab is not offered, so
// tab cycles the four panes as before.
func TestNoPremortemsNoTab(t *testing.T) {
	h := newHarness(t, 120, 40)
	openByKey(t, h, pdsim.DemoPayments)
	for range paneCount + 1 {
		if h.model().detail.focus == panePremortem {
			t.Fatal("the Pre-mortem tab is offered with no pre-mortems loaded")
		}
		h.keys("tab")
	}
	if s := h.screen(); strings.Contains(s, "Pre-mortem") || strings.Contains(s, "Foreseen") {
		t.Errorf("pre-mortem text with none loaded:\n%s", s)
	}
}

// TestPremortemTickIsJournaledAndMirrored: x on a during countermeasure
// writes a countermeasure event to the journal, the outbox sends it (so
// PagerDuty's timeline carries it back, typed, to every responder), a
// second x unticks it, and a new program on the same journal shows the
// last word.
func TestPremortemTickIsJournaledAndMirrored(t *testing.T) {
	h := newHarness(t, 120, 40, withShippedPremortems(t), withShippedRunbooks(t))
	in := openByKey(t, h, pdsim.DemoPayments)
	toPremortemTab(t, h)
	c, ok := h.model().detail.pm.Selected()
	if !ok || c.Phase != premortem.During {
		t.Fatalf("selected %+v", c)
	}
	h.keys("x")
	ev, err := h.journal.Events(in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || ev[0].Kind != incident.KindCountermeasure || ev[0].Fields[incident.FieldStepKey] != c.Key ||
		ev[0].Fields[incident.FieldChange] != incident.ChangeDone || ev[0].State != incident.Sent {
		t.Fatalf("journal after the tick: %+v", ev)
	}
	h.wantScreen("[x] Check the processor's status page", fmt.Sprintf("premortem sent for #%d", in.Number))

	remote, err := h.model().opts.Source.Events(t.Context(), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	mirrored := false
	for _, e := range remote {
		if e.Kind == incident.KindCountermeasure && e.Fields[incident.FieldStepKey] == c.Key {
			mirrored = true
		}
	}
	if !mirrored {
		t.Fatalf("PagerDuty's timeline lacks the countermeasure: %+v", remote)
	}

	h.keys("x")
	ev, _ = h.journal.Events(in.ID)
	if len(ev) != 2 || ev[1].Fields[incident.FieldChange] != incident.ChangeUndone {
		t.Fatalf("journal after the second tick: %+v", ev)
	}
	if !strings.Contains(h.screen(), "[ ] Check the processor's status page") {
		t.Errorf("untick does not show:\n%s", h.screen())
	}
	h.keys("x") // done again: the restart must see this last word

	h2 := &harness{t: t, sim: h.sim, journal: h.journal, clock: h.clock}
	h2.m = New(h.model().opts)
	h2.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h2.run(h2.m.Init())
	openByKey(t, h2, pdsim.DemoPayments)
	toPremortemTab(t, h2)
	h2.wantScreen("[x] Check the processor's status page")
}

// TestPremortemReadOnly: in read-only mode the tab shows, but ticking
// and recording follow-ups journal nothing and their keys are not offered.
func TestPremortemReadOnly(t *testing.T) {
	h := newHarness(t, 120, 40, withShippedPremortems(t), func(o *Options) { o.ReadOnly = true })
	in := openByKey(t, h, pdsim.DemoPayments)
	toPremortemTab(t, h)
	h.keys("x", "down", "down", "down", "f")
	if ev, _ := h.journal.Events(in.ID); len(ev) != 0 {
		t.Fatalf("read-only journaled %+v", ev)
	}
	if h.model().prompt != promptNone {
		t.Error("read-only opened a form")
	}
	keyLine := h.screen()[strings.LastIndex(h.screen(), "\n")+1:]
	if strings.Contains(keyLine, h.model().keys.Tick.Help().Key) {
		t.Errorf("read-only key line offers the tick: %q", keyLine)
	}
}

// TestPremortemCountermeasureOpensItsRunbook: enter on a during
// countermeasure that names a runbook shows that runbook in the runbook
// pane.
func TestPremortemCountermeasureOpensItsRunbook(t *testing.T) {
	h := newHarness(t, 120, 40, withShippedPremortems(t), withShippedRunbooks(t))
	openByKey(t, h, pdsim.DemoPayments)
	toPremortemTab(t, h)
	h.keys("enter")
	d := h.model().detail
	if d.focus != paneRunbook {
		t.Fatalf("focus %v after enter", d.focus)
	}
	rb, ok := d.rb.current()
	if !ok || rb.ID != "payments-processor-timeouts" {
		t.Fatalf("runbook shown %+v", rb)
	}
	h.wantScreen("runbook payments-processor-timeouts, named by the pre-mortem")
}

// TestPremortemNamedRunbookIsOffered: a runbook a matched failure names
// is offered even when its own rules do not match the incident, so the
// jump lands; without the runbook loaded the jump says so.
func TestPremortemNamedRunbookIsOffered(t *testing.T) {
	h := newHarness(t, 120, 40, withShippedPremortems(t))
	openByKey(t, h, pdsim.DemoPayments)
	toPremortemTab(t, h)
	h.keys("enter")
	if h.model().detail.focus != panePremortem {
		t.Fatal("the jump left the tab for a runbook that is not loaded")
	}
	h.wantScreen("runbook payments-processor-timeouts is not loaded")

	d := newDetail(h.model().st, h.model().keys, detailDeps{premortems: shippedPremortems(t), runbooks: nil})
	d.inc = demoPayments()
	d.rematch()
	if len(d.rb.matches) != 0 {
		t.Errorf("runbooks offered with none loaded: %+v", d.rb.matches)
	}
}

// TestPremortemFollowUpIsAnActionItem: f on an after countermeasure
// opens the action-item form filled with its action and owner; saving
// it journals an action item like any other.
func TestPremortemFollowUpIsAnActionItem(t *testing.T) {
	h := newHarness(t, 120, 40, withShippedPremortems(t))
	in := openByKey(t, h, pdsim.DemoPayments)
	toPremortemTab(t, h)
	h.keys("down", "down", "down") // past the three during ones
	if c, _ := h.model().detail.pm.Selected(); c.Phase != premortem.After {
		t.Fatalf("selected %+v", c)
	}
	h.keys("f")
	if h.model().prompt != promptForm || h.model().form.kind != incident.KindActionItem {
		t.Fatalf("f opened prompt %v", h.model().prompt)
	}
	h.wantScreen("Email customers whose orders failed, with a discount code", "cs-lead")
	h.keys("tab", "tab", "tab") // title, owner, due: kept as filled
	h.typeText("process")
	h.keys("enter")
	ev, _ := h.journal.Events(in.ID)
	if len(ev) != 1 || ev[0].Kind != incident.KindActionItem ||
		ev[0].Fields[incident.FieldTitle] != "Email customers whose orders failed, with a discount code" ||
		ev[0].Fields[incident.FieldOwner] != "cs-lead" || ev[0].Fields[incident.FieldType] != "process" {
		t.Fatalf("journal %+v", ev)
	}
}

// TestRegisterFromTheList: the list says reminders have come; the
// register key opens the risk register (worst first, with the payments
// failure matched by the incident listed); back returns to the list.
func TestRegisterFromTheList(t *testing.T) {
	h := newHarness(t, 120, 40, withShippedPremortems(t))
	due := len(shippedPremortems(t).Due(epoch))
	if due == 0 {
		t.Fatal("the shipped pre-mortems have no reminder due at the test's clock; the mark is untested")
	}
	h.wantScreen(fmt.Sprintf("⏰ %d pre-mortem reminder(s) due", due), fmt.Sprintf("P %d pre-mortem reminder(s) due", due))
	h.keys("P")
	if h.model().screen != screenRegister {
		t.Fatal("P did not open the register")
	}
	if due == 1 {
		h.wantScreen("Risk register · ", "1 countermeasure reminder has come")
	} else {
		h.wantScreen("Risk register · ", fmt.Sprintf("%d countermeasure reminders have come", due))
	}
	var matched int
	for _, r := range h.model().pre.register.rows {
		if r.Failure.ID == "card-processor-timeouts" {
			matched = r.Matched
		}
	}
	if matched != 1 {
		t.Errorf("card-processor-timeouts matched %d incidents in the register, want the listed one", matched)
	}
	if s := h.screen(); strings.Contains(s, "pre-mortem reminder(s) due") {
		t.Error("the list's mark shows on the register itself")
	}
	h.keys("esc")
	if h.model().screen != screenList {
		t.Fatal("esc did not go back to the list")
	}

	// At 80 columns the title bar gives the mark up; the key line keeps it.
	narrow := newHarness(t, 80, 24, withShippedPremortems(t))
	if keyLine := narrow.screen()[strings.LastIndex(narrow.screen(), "\n")+1:]; !strings.Contains(keyLine, fmt.Sprintf("P %d pre-mortem reminder(s) due", due)) {
		t.Errorf("the 80-column key line lacks the reminders: %q", keyLine)
	}

	none := newHarness(t, 120, 40)
	none.keys("P")
	if none.model().screen != screenList {
		t.Fatal("the register opened with no pre-mortems")
	}
	none.wantScreen("no pre-mortems loaded")
}

// TestDraftCarriesThePremortemSection: a draft written when the open
// incident resolves has the section "Foreseen in a pre-mortem?": the
// failure and the during checklist as ticked for a foreseen incident,
// "Not foreseen" and a stub for another.
func TestDraftCarriesThePremortemSection(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, 120, 40, withShippedPremortems(t), func(o *Options) { o.PostmortemsDir = dir })
	in := openByKey(t, h, pdsim.DemoPayments)
	toPremortemTab(t, h)
	h.keys("x", "R", "y")
	h.wantScreen("postmortem draft in " + dir)
	body := readDraft(t, dir, in.Number)
	for _, want := range []string{"## Foreseen in a pre-mortem?", "**Foreseen:** Card payments time out",
		"`card-processor-timeouts`", "- [x] Check the processor's status page"} {
		if !strings.Contains(body, want) {
			t.Errorf("foreseen draft lacks %q:\n%s", want, body)
		}
	}

	h.keys("esc")
	other := openByKey(t, h, pdsim.DemoSearch)
	h.keys("R", "y")
	body = readDraft(t, dir, other.Number)
	for _, want := range []string{"## Foreseen in a pre-mortem?", "**Not foreseen.**", "A failure for the next workshop", "\n- id: search-p95"} {
		if !strings.Contains(body, want) {
			t.Errorf("unforeseen draft lacks %q:\n%s", want, body)
		}
	}
}

func readDraft(t *testing.T, dir string, number int) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("*-%d-*.md", number)))
	if len(files) != 1 {
		all, _ := filepath.Glob(filepath.Join(dir, "*"))
		t.Fatalf("drafts for #%d: %v (all: %v)", number, files, all)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
