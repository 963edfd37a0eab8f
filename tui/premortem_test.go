package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/premortems"
)

// shippedPremortems loads the pre-mortems that ship for the demo.
func shippedPremortems(t *testing.T) *premortem.Set {
	t.Helper()
	set, diags, err := premortem.LoadFS(premortems.FS)
	if err != nil || premortem.HasErrors(diags) {
		t.Fatalf("shipped pre-mortems: %v %v", err, diags)
	}
	return set
}

var pmStart = time.Date(2026, 11, 21, 2, 54, 0, 0, time.UTC)

// demoPayments is the demo's payments incident as the list shows it.
func demoPayments() incident.Incident {
	return incident.Incident{ID: "QPAY", Title: "payments-gateway: upstream timeouts to card processor", Status: incident.Triggered,
		Urgency: incident.High, Priority: "P2", Service: incident.Ref{ID: "PPAY", Name: pdsim.ServicePayments}, CreatedAt: pmStart}
}

// paneFor builds the banner and the tab for the demo's payments incident.
func paneFor(t *testing.T, keys *KeyMap) (foreseenBanner, premortemPane, []premortem.Match) {
	t.Helper()
	st := DefaultStyles(true)
	ms := shippedPremortems(t).Match(demoPayments(), nil, time.UTC)
	if len(ms) != 1 || ms[0].Failure.ID != "card-processor-timeouts" {
		t.Fatalf("the demo's payments incident matched %v", ms)
	}
	b := newForeseenBanner(&st, keys).SetMatches(ms)
	p := newPremortemPane(&st, keys).SetMatches(ms)
	return b, p, ms
}

// run applies a key and returns the message its command produces.
func pmKey(t *testing.T, p premortemPane, k string) (premortemPane, tea.Msg) {
	t.Helper()
	p, cmd := p.Update(keyPress(k))
	if cmd == nil {
		return p, nil
	}
	return p, cmd()
}

// TestPremortemPaneGolden: the banner (failure, rated impact, workshop)
// over the tab (warning signs, the during checklist with a tick read from
// the journal, the after follow-ups), at 80x24 and 160x48.
func TestPremortemPaneGolden(t *testing.T) {
	keys := DefaultKeyMap()
	b, p, ms := paneFor(t, &keys)
	f := ms[0].Failure
	var during premortem.Countermeasure
	for _, c := range f.Countermeasures {
		if c.Phase == premortem.During {
			during = c
			break
		}
	}
	ev, err := incident.NewCountermeasure(f.Premortem.ID, f.ID, "during", during.Action, during.Key, incident.ChangeDone)
	if err != nil {
		t.Fatal(err)
	}
	ev.IncidentID, ev.At = "QPAY", pmStart.Add(time.Minute)
	p = p.SetTicks("QPAY", []incident.Event{ev})
	p, _ = pmKey(t, p, "down")
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		banner := ansi.Strip(b.SetSize(w, 1).View())
		pane := ansi.Strip(p.SetSize(w, h-1).View())
		if !strings.Contains(banner, "Foreseen, impact 5/5: Card payments") || !strings.Contains(banner, "Payments pre-mortem, Q4") {
			t.Errorf("banner %q", banner)
		}
		if !strings.Contains(pane, "[x] Check the processor's status page") {
			t.Errorf("the journaled tick does not show:\n%s", pane)
		}
		if n := strings.Count(pane, "\n") + 1; n > h-1 {
			t.Errorf("%dx%d: the pane has %d lines", w, h, n)
		}
		golden(t, fmt.Sprintf("premortem-pane-%dx%d", w, h), banner+"\n"+pane)
	}
	if v := newForeseenBanner(b.st, &keys).SetSize(80, 1).View(); v != "" {
		t.Errorf("a banner without a match shows %q", v)
	}
}

// TestPremortemPaneKeys: tick toggles a during countermeasure and asks for
// a journal event that reads back; open jumps to its runbook; the action
// item key records an after one; nothing acts on the wrong phase, and read
// only mode disables ticking.
func TestPremortemPaneKeys(t *testing.T) {
	keys := DefaultKeyMap()
	_, p, ms := paneFor(t, &keys)
	c, ok := p.Selected()
	if !ok || c.Phase != premortem.During || c.Runbook != "payments-processor-timeouts" {
		t.Fatalf("first item %+v", c)
	}
	p, msg := pmKey(t, p, "x")
	tick, ok := msg.(PremortemTickMsg)
	if !ok || !tick.Done || tick.Countermeasure.Key != c.Key || tick.Failure != ms[0].Failure {
		t.Fatalf("tick: %#v", msg)
	}
	ev, err := tick.Event()
	if err != nil || ev.Kind != incident.KindCountermeasure || ev.Fields[incident.FieldFailure] != "card-processor-timeouts" ||
		ev.Fields[incident.FieldStepKey] != c.Key || ev.Fields[incident.FieldChange] != incident.ChangeDone || ev.Fields[incident.FieldPremortem] != "payments-2026-q4" {
		t.Fatalf("event %+v %v", ev, err)
	}
	if !strings.Contains(ansi.Strip(p.SetSize(100, 30).View()), "[x] Check the processor") {
		t.Error("the tick does not show at once")
	}
	_, msg = pmKey(t, p, "x")
	if again, ok := msg.(PremortemTickMsg); !ok || again.Done {
		t.Errorf("a second tick should untick: %#v", msg)
	}
	if _, msg = pmKey(t, p, "enter"); msg != (PremortemRunbookMsg{RunbookID: "payments-processor-timeouts"}) {
		t.Errorf("open: %#v", msg)
	}
	if _, msg = pmKey(t, p, "f"); msg != nil {
		t.Errorf("action item on a during countermeasure: %#v", msg)
	}
	// Down to the first after countermeasure.
	for range 3 {
		p, _ = pmKey(t, p, "down")
	}
	c, _ = p.Selected()
	if c.Phase != premortem.After {
		t.Fatalf("after three downs: %+v", c)
	}
	if _, msg = pmKey(t, p, "x"); msg != nil {
		t.Errorf("tick on an after countermeasure: %#v", msg)
	}
	_, msg = pmKey(t, p, "f")
	if fu, ok := msg.(PremortemFollowUpMsg); !ok || fu.Countermeasure.Key != c.Key || fu.Countermeasure.Owner != "cs-lead" {
		t.Errorf("follow-up: %#v", msg)
	}
	for range 10 {
		p, _ = pmKey(t, p, "down")
	}
	if last, _ := p.Selected(); last.Action != "Reconcile captured but unconfirmed payments with finance" {
		t.Errorf("down stops at the last item, got %+v", last)
	}

	ro := DefaultKeyMap()
	ro.ReadOnly()
	_, rp, _ := paneFor(t, &ro)
	if _, msg := pmKey(t, rp, "x"); msg != nil {
		t.Errorf("read-only tick: %#v", msg)
	}
	for _, b := range rp.KeyHelp() {
		if b.Help().Key == ro.Tick.Help().Key {
			t.Error("read-only help offers the tick")
		}
	}
}

// TestRegisterScreenGolden: the register, worst first, with the reminder
// count, narrow and wide.
func TestRegisterScreenGolden(t *testing.T) {
	set := shippedPremortems(t)
	st, keys := DefaultStyles(true), DefaultKeyMap()
	rows := set.Register([]premortem.Seen{{Incident: demoPayments()}}, nil, time.UTC, "")
	due := len(set.Due(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)))
	r := newRegisterScreen(&st, &keys).SetRegister(rows, due)
	r, _ = r.Update(keyPress("down"))
	if sel, _ := r.Selected(); sel.Failure.ID != "card-processor-timeouts" {
		t.Errorf("second row %s", sel.Failure.ID)
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		view := ansi.Strip(r.SetSize(w, h).View())
		if n := strings.Count(view, "\n") + 1; n != h {
			t.Errorf("%dx%d: %d lines", w, h, n)
		}
		if !strings.Contains(view, "2 countermeasure reminders have come") {
			t.Errorf("no reminder line:\n%s", view)
		}
		golden(t, fmt.Sprintf("premortem-register-%dx%d", w, h), view)
	}
}
