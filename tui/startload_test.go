package tui

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/premortems"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbooks"
)

// shippedLibrary is the demo's runbooks and pre-mortems as the view reads
// them, with complaints added when problems is set; calls counts the
// reads.
func shippedLibrary(t *testing.T, calls *atomic.Int32, problems bool) func() Library {
	t.Helper()
	return func() Library {
		calls.Add(1)
		rbs, rdiags, err := runbook.LoadFS(runbooks.FS)
		if err != nil || runbook.HasErrors(rdiags) {
			t.Errorf("shipped runbooks: %v %v", err, rdiags)
		}
		pms, pdiags, err := premortem.LoadFS(premortems.FS)
		if err != nil || premortem.HasErrors(pdiags) {
			t.Errorf("shipped pre-mortems: %v %v", err, pdiags)
		}
		lib := Library{Runbooks: rbs, Premortems: pms}
		if problems {
			lib.RunbookProblems = []string{"broken.md:3: unknown field servics"}
			lib.PremortemProblems = []string{"q1.md:7: impact must be 1..5"}
		}
		return lib
	}
}

// startHeld builds the real model as the program does (the real adapter
// over HTTP against the simulator, a journal file), with the library read
// by load, and sizes it; it returns the harness and Init's command, not
// yet run, so that the test sees the first frame as the program draws it
// (the renderer draws once Init has returned, before its commands answer).
func startHeld(t *testing.T, w, h int, load func() Library, tweak ...func(*Options)) (*harness, tea.Cmd) {
	t.Helper()
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	withLoad := append([]func(*Options){func(o *Options) { o.LoadLibrary = load }}, tweak...)
	hs, _, init := buildHarness(t, sim, srv.URL, clk, pdsim.DemoToken, w, h, withLoad...)
	return hs, init
}

// runHolding runs cmd as harness.run does, except that the library's
// answer is kept back and returned, for the test to deliver when it
// chooses: the files can be slower than PagerDuty or the keys.
func (h *harness) runHolding(cmd tea.Cmd) (held []tea.Msg) {
	h.t.Helper()
	return h.runHoldingIf(cmd, func(msg tea.Msg) bool { _, ok := msg.(libraryMsg); return ok })
}

// runHoldingIf runs cmd as harness.run does, keeping back and returning
// the answers hold picks, in the order they came.
func (h *harness) runHoldingIf(cmd tea.Cmd, hold func(tea.Msg) bool) (held []tea.Msg) {
	h.t.Helper()
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			held = append(held, h.runHoldingIf(c, hold)...)
		}
	default:
		if hold(msg) {
			return append(held, msg)
		}
		h.send(msg)
	}
	return held
}

// heldLibrary runs Init's command and returns the one library answer it
// kept back.
func heldLibrary(t *testing.T, h *harness, initCmd tea.Cmd) tea.Msg {
	t.Helper()
	held := h.runHolding(initCmd)
	if len(held) != 1 {
		t.Fatalf("Init started %d library reads, want 1", len(held))
	}
	return held[0]
}

// TestFirstFrameFromTheCacheReadsNoFile: New reads no file; the first
// frame holds the cached rows and claims nothing about runbooks or
// pre-mortems (no complaints, no reminders); once the library is read the
// title bar counts the reminders due and the status line gives the
// runbooks' complaint, as when they were read before the view started.
func TestFirstFrameFromTheCacheReadsNoFile(t *testing.T) {
	var calls atomic.Int32
	cached := []incident.Incident{
		{ID: "PCACHE1", Number: 501, Title: "cached: checkout latency above SLO", Status: incident.Triggered, Urgency: incident.High,
			Service: incident.Ref{ID: "PSVC1", Name: "checkout"}, CreatedAt: epoch.Add(-time.Hour)},
		{ID: "PCACHE2", Number: 502, Title: "cached: search p95 degraded", Status: incident.Acknowledged, Urgency: incident.Low,
			Service: incident.Ref{ID: "PSVC2", Name: "search"}, CreatedAt: epoch.Add(-2 * time.Hour)},
	}
	h, initCmd := startHeld(t, 120, 40, shippedLibrary(t, &calls, true), func(o *Options) {
		o.Cached, o.CachedAt = cached, epoch.Add(-10*time.Minute)
	})
	if n := calls.Load(); n != 0 {
		t.Fatalf("New read the library %d time(s) before the first frame", n)
	}
	first := h.screen()
	for _, want := range []string{"#501", "cached: checkout latency above SLO", "#502"} {
		if !strings.Contains(first, want) {
			t.Fatalf("the first frame lacks the cached row %q:\n%s", want, first)
		}
	}
	for _, claim := range []string{"reminder(s) due", "problem(s)", "No runbook", "no pre-mortems"} {
		if strings.Contains(first, claim) {
			t.Errorf("the first frame says %q before the files were read:\n%s", claim, first)
		}
	}

	lib := heldLibrary(t, h, initCmd)
	if n := calls.Load(); n != 1 {
		t.Fatalf("the library was read %d times, want once", n)
	}
	// PagerDuty answered first: the list is the simulator's now, and
	// still nothing is claimed about the files.
	if s := h.screen(); strings.Contains(s, "reminder(s) due") || strings.Contains(s, "problem(s)") {
		t.Errorf("before the library answered:\n%s", s)
	}
	h.send(lib)
	due := len(shippedPremortems(t).Due(epoch))
	if due == 0 {
		t.Fatal("the shipped pre-mortems have no reminder due at the test's clock; the count is untested")
	}
	h.wantScreen(fmt.Sprintf("⏰ %d pre-mortem reminder(s) due", due),
		"1 runbook problem(s), broken files skipped: broken.md:3: unknown field servics")
	h.keys("P")
	if h.model().screen != screenRegister {
		t.Fatal("the register key did not open the risk register once the pre-mortems were read")
	}
}

// TestRegisterWhileReading: the register key before the pre-mortems are
// read says so, instead of saying none are loaded.
func TestRegisterWhileReading(t *testing.T) {
	var calls atomic.Int32
	h, initCmd := startHeld(t, 120, 40, shippedLibrary(t, &calls, false))
	lib := heldLibrary(t, h, initCmd)
	h.keys("P")
	if h.model().screen != screenList {
		t.Fatal("the register opened before the pre-mortems were read")
	}
	h.wantScreen("reading the pre-mortems…")
	if s := h.screen(); strings.Contains(s, "no pre-mortems loaded") {
		t.Errorf("says none are loaded while reading:\n%s", s)
	}
	h.send(lib)
	h.keys("P")
	if h.model().screen != screenRegister {
		t.Fatal("the register key did nothing once the pre-mortems were read")
	}
}

// TestOpenIncidentPaneFillsWhenTheLibraryArrives: oncall INCIDENT opens
// straight on the incident. Before the files are read its runbook pane
// shows only what the alerts link, says it is reading (never that no
// runbook matches), the tab counts nothing yet, and no banner shows; when
// the library arrives the same pane, still focused, shows the best match
// from the files, and the "foreseen" banner appears for the incident a
// workshop foresaw, without a key pressed. Incidents opened later match
// too.
func TestOpenIncidentPaneFillsWhenTheLibraryArrives(t *testing.T) {
	for _, tc := range []struct {
		key, runbook, banner, later, laterRunbook string
		w, h                                      int
	}{
		{pdsim.DemoCheckout, "checkout-api: 5xx on order placement", "", pdsim.DemoPayments, "payments-gateway: card processor timeouts", 120, 40},
		{pdsim.DemoPayments, "payments-gateway: card processor timeouts", "⚑ Foreseen, impact 5/5: Card payments", pdsim.DemoCheckout, "checkout-api: 5xx on order placement", 160, 48},
	} {
		t.Run(fmt.Sprintf("%s-%dx%d", tc.key, tc.w, tc.h), func(t *testing.T) {
			var calls atomic.Int32
			want, ok := pdsim.New(pdsim.Options{}).IncidentByKey(tc.key)
			if !ok {
				t.Fatalf("no demo incident %s", tc.key)
			}
			h, initCmd := startHeld(t, tc.w, tc.h, shippedLibrary(t, &calls, false), func(o *Options) { o.Open = want.ID })
			lib := heldLibrary(t, h, initCmd)
			if !h.model().detail.shows(want.ID) || h.model().detail.inc.Title != want.Title {
				t.Fatalf("the view did not open %s", want.ID)
			}
			toRunbookPane(t, h)
			h.wantScreen("Runbook (…)", "linked from an alert", "Reading runbooks… more may match.")
			if s := h.screen(); strings.Contains(s, "No runbook matches") || strings.Contains(s, "Foreseen") || strings.Contains(s, tc.runbook) {
				t.Fatalf("claims about the files before they were read:\n%s", s)
			}

			h.send(lib)
			h.wantScreen("Runbook 1/", tc.runbook)
			if tc.banner != "" {
				h.wantScreen(tc.banner)
			}
			if s := h.screen(); strings.Contains(s, "Reading runbooks") || strings.Contains(s, "(…)") {
				t.Errorf("still reading once the library is in:\n%s", s)
			}

			h.keys("esc")
			openByKey(t, h, tc.later)
			toRunbookPane(t, h)
			h.wantScreen("Runbook 1/", tc.laterRunbook)
		})
	}
}

// toRunbookPane presses tab until the runbook pane has focus.
func toRunbookPane(t *testing.T, h *harness) {
	t.Helper()
	for range paneCount {
		if h.model().detail.focus == paneRunbook {
			return
		}
		h.keys("tab")
	}
	t.Fatal("tab never reached the runbook pane")
}

// TestMatchedOnTheIncidentsFacts: an incident opened by id is matched
// on its facts once they come, whatever came first: here the library,
// then the alerts (their runbook link), then the incident itself. Its
// runbook pane then shows the runbook its service and title match, and
// the banner of the failure a workshop foresaw.
func TestMatchedOnTheIncidentsFacts(t *testing.T) {
	var calls atomic.Int32
	pay, _ := pdsim.New(pdsim.Options{}).IncidentByKey(pdsim.DemoPayments)
	h, initCmd := startHeld(t, 120, 40, shippedLibrary(t, &calls, false), func(o *Options) { o.Open = pay.ID })
	held := h.runHoldingIf(initCmd, func(msg tea.Msg) bool {
		switch msg.(type) {
		case libraryMsg, detailMsg:
			return true
		}
		return false
	})
	var lib, facts []tea.Msg
	for _, msg := range held {
		if _, ok := msg.(libraryMsg); ok {
			lib = append(lib, msg)
		} else {
			facts = append(facts, msg)
		}
	}
	if len(lib) != 1 || len(facts) != 1 {
		t.Fatalf("held %d library and %d incident answers, want one each", len(lib), len(facts))
	}
	h.send(lib[0])
	toRunbookPane(t, h)
	if s := h.screen(); strings.Contains(s, "Foreseen") || strings.Contains(s, "payments-gateway: card processor timeouts") {
		t.Fatalf("matched before the incident's facts came:\n%s", s)
	}
	h.send(facts[0])
	h.wantScreen("Runbook 1/", "payments-gateway: card processor timeouts", "⚑ Foreseen, impact 5/5: Card payments")
}

// TestDraftWaitsForTheLibrary: an incident resolved before the files are
// read gets its draft once they are, with the pre-mortem section the
// files give it, and not before (a draft written at once would say the
// incident was not foreseen).
func TestDraftWaitsForTheLibrary(t *testing.T) {
	var calls atomic.Int32
	dir := t.TempDir()
	sim := pdsim.New(pdsim.Options{})
	pay, _ := sim.IncidentByKey(pdsim.DemoPayments)
	h, initCmd := startHeld(t, 120, 40, shippedLibrary(t, &calls, false), func(o *Options) {
		o.Open, o.PostmortemsDir = pay.ID, dir
	})
	lib := heldLibrary(t, h, initCmd)
	h.keys("R", "y")
	if st := h.model().detail.inc.Status; st != incident.Resolved {
		t.Fatalf("the incident is %s after R y", st)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Fatalf("a draft was written before the files were read: %v", files)
	}
	h.send(lib)
	h.wantScreen("postmortem draft in " + dir)
	body := readDraft(t, dir, pay.Number)
	if !strings.Contains(body, "**Foreseen:** Card payments time out") {
		t.Errorf("the draft lacks the pre-mortem that foresaw it:\n%s", body)
	}
}

// startLate builds the model as startHeld does, with the late notice's
// tick answered at once, runs Init and returns the library read and the
// late notice it held back, failing unless Init asked for the notice
// after libraryLate.
func startLate(t *testing.T, tweak func(*Options)) (h *harness, lib, late tea.Msg) {
	t.Helper()
	var calls atomic.Int32
	var lateAfter time.Duration
	h, initCmd := startHeld(t, 120, 40, shippedLibrary(t, &calls, false), tweak, func(o *Options) {
		o.every = func(d time.Duration, msg tea.Msg) tea.Cmd {
			if _, ok := msg.(libraryLateMsg); ok {
				lateAfter = d
				return func() tea.Msg { return msg }
			}
			return nil
		}
	})
	held := h.runHoldingIf(initCmd, func(msg tea.Msg) bool {
		switch msg.(type) {
		case libraryMsg, libraryLateMsg:
			return true
		}
		return false
	})
	for _, msg := range held {
		if _, ok := msg.(libraryMsg); ok {
			lib = msg
		} else {
			late = msg
		}
	}
	if len(held) != 2 || lib == nil || late == nil || lateAfter != libraryLate {
		t.Fatalf("Init held %d answers (want the library and the late notice), the notice after %s", len(held), lateAfter)
	}
	return h, lib, late
}

// TestLateLibraryIsSaid: a library read still going after libraryLate
// (a folder on a stuck mount) is said on the status line, with the drafts
// that wait for it, unless the line holds something that matters more
// (a give-back, an action's held outcome); when the files come at last,
// the drafts are written and the notice goes.
func TestLateLibraryIsSaid(t *testing.T) {
	dir := t.TempDir()
	pay, _ := pdsim.New(pdsim.Options{}).IncidentByKey(pdsim.DemoPayments)
	h, lib, late := startLate(t, func(o *Options) { o.Open, o.PostmortemsDir = pay.ID, dir })
	const notice = "Runbooks still being read after 10s (slow or stuck folder?)"

	// A give-back on the line outranks the notice.
	m := h.model()
	m.say(statusGiveBack, "not recorded: the journal is busy")
	h.m = m
	h.send(late)
	if s := h.screen(); strings.Contains(s, notice) || !strings.Contains(s, "not recorded: the journal is busy") {
		t.Fatalf("the notice replaced a give-back:\n%s", s)
	}
	// Once the line is free, a draft that waits brings the notice, with
	// the drafts counted once each.
	m = h.model()
	m.say(statusInfo, "")
	m.draft(pay.ID)
	m.draft(pay.ID)
	h.m = m
	h.wantScreen(notice + "; 1 postmortem draft(s) wait for them")

	// An action's outcome is held against it.
	h.keys("R", "y")
	h.wantScreen("resolved sent for #1046")
	if s := h.screen(); strings.Contains(s, notice) {
		t.Fatalf("the notice replaced the action's outcome:\n%s", s)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Fatalf("a draft was written before the files were read: %v", files)
	}
	h.send(lib)
	readDraft(t, dir, pay.Number)
	if s := h.screen(); strings.Contains(s, "still being read") {
		t.Fatalf("the notice stayed after the files came:\n%s", s)
	}
	h.send(late) // a notice that comes after the files says nothing
	if s := h.screen(); strings.Contains(s, "still being read") {
		t.Fatalf("a late notice after the files came was shown:\n%s", s)
	}
}

// The notice on the line when the files come gives way to saying so.
func TestLateLibraryNoticeClearsWhenRead(t *testing.T) {
	h, lib, late := startLate(t, func(*Options) {})
	h.send(late)
	h.wantScreen("Runbooks still being read after 10s")
	h.send(lib)
	h.wantScreen("Runbooks and pre-mortems read.")
}
