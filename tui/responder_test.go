package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
)

// TestQuitAsksWhileActionsAreUnsent: with an action still on its way to
// PagerDuty, q asks first and says how many; q in an incident goes back
// instead of quitting; quitting cancels the program's context.
func TestQuitAsksWhileActionsAreUnsent(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	h.sim.FailFor(503, time.Hour)
	h.keys("n")
	h.typeText("written while PagerDuty was down")
	h.keys("enter")
	h.wantScreen("[queued]")

	h.keys("q")
	if h.quit || h.model().screen != screenList {
		t.Fatalf("q in an incident: quit %v, screen %v; want back on the list", h.quit, h.model().screen)
	}
	h.keys("q")
	if h.quit {
		t.Fatal("q quit with an action unsent")
	}
	h.wantScreen("1 action is not yet sent to PagerDuty", "Quit? y/n/esc")
	h.keys("n")
	if h.quit {
		t.Fatal("n quit")
	}
	h.wantScreen("not quitting")
	h.keys("ctrl+c")
	h.wantScreen("1 action is not yet sent")
	h.keys("y")
	if !h.quit {
		t.Fatal("y did not quit")
	}
	if h.model().ctx.Err() == nil {
		t.Error("quitting left the program's context alive")
	}
}

// TestQuitAtOnceWhenNothingIsUnsent: with nothing in flight q quits from
// the list, and a second ctrl+c is never needed.
func TestQuitAtOnceWhenNothingIsUnsent(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter", "a", "esc") // an action that was sent
	h.keys("q")
	if !h.quit {
		t.Fatalf("q did not quit with nothing unsent:\n%s", h.screen())
	}
}

// TestResolvedIncidentsCanBeOpened: the status filter reaches resolved
// incidents, one opens, and a note can still be added to it.
func TestResolvedIncidentsCanBeOpened(t *testing.T) {
	h := newHarness(t, 120, 40)
	target := h.firstTriggered()
	h.keys("R", "y")
	if snap, _ := h.sim.Incident(target.ID); snap.Status != "resolved" {
		t.Fatalf("simulator status %q after R y", snap.Status)
	}
	h.keys("S", "S", "S") // triggered, acknowledged, resolved
	h.wantScreen("resolved (last 7 days)")
	var found bool
	for i, in := range h.model().list.incidents {
		if in.Status != incident.Resolved {
			t.Errorf("#%d is %s under the resolved filter", in.Number, in.Status)
		}
		if in.ID == target.ID {
			found = true
			h.list(i)
		}
	}
	if !found {
		t.Fatalf("the resolved incident is not listed:\n%s", h.screen())
	}
	h.keys("enter")
	h.wantScreen(fmt.Sprintf("#%d", target.Number), "resolved ·")
	h.keys("n")
	h.typeText("root cause found after the fact")
	h.keys("enter")
	landed := false
	for _, n := range h.sim.Notes(target.ID) {
		if text, _ := incident.SplitNoteTag(n.Content); text == "root cause found after the fact" {
			landed = true
		}
	}
	if !landed {
		t.Fatal("the note on the resolved incident did not reach PagerDuty")
	}
	h.keys("esc", "S")
	if f := h.model().filter; len(f.Statuses) != 0 {
		t.Fatalf("S after resolved leaves statuses %v, want all active", f.Statuses)
	}
}

// TestOpenAtStart: Options.Open starts on that incident, resolved or not,
// and esc leads to the list.
func TestOpenAtStart(t *testing.T) {
	probe := newHarness(t, 120, 40)
	want := probe.model().list.incidents[2]
	h := newHarness(t, 120, 40, func(o *Options) { o.Open = want.ID })
	if h.model().screen != screenDetail {
		t.Fatalf("screen %v at start, want the incident", h.model().screen)
	}
	h.wantScreen(fmt.Sprintf("#%d %s", want.Number, want.Title), "Timeline (")
	h.keys("esc")
	h.wantScreen("STATUS", "TITLE")
}

// TestSnoozeAndReassignShowOnce: PagerDuty logs a snooze and a reassign
// itself; the timeline shows each once, not also the local copy.
func TestSnoozeAndReassignShowOnce(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.firstTriggered()
	h.keys("enter", "a")
	h.keys("z")
	h.typeText("30m")
	h.keys("enter")
	h.keys("A")
	h.typeText("hannah")
	h.keys("enter")
	var snoozed, assigned int
	for _, e := range h.model().detail.timeline {
		switch e.Kind {
		case incident.KindSnooze:
			snoozed++
		case incident.KindReassign:
			assigned++
		case incident.KindAssign:
			if strings.Contains(e.Summary, "Hannah") {
				assigned++
			}
		}
	}
	if snoozed != 1 || assigned != 1 {
		t.Fatalf("timeline shows the snooze %d times and the reassign %d times, want once each:\n%s", snoozed, assigned, h.screen())
	}
}

// TestAlertsRefreshWhenPagerDutyRecovers: an incident opened during an
// outage has no alerts; once a poll succeeds again they are fetched
// without r.
func TestAlertsRefreshWhenPagerDutyRecovers(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter", "esc") // cache the incident's timeline
	h.sim.FailFor(503, time.Hour)
	h.keys("enter")
	if n := len(h.model().detail.alerts); n != 0 {
		t.Fatalf("%d alerts fetched during the outage", n)
	}
	h.sim.FailFor(0, 0)
	id := h.model().detail.inc.ID
	h.send(detailTickMsg{id: id, gen: h.model().detail.gen})
	if n := len(h.model().detail.alerts); n == 0 {
		t.Fatal("alerts still empty after PagerDuty answered again")
	}
	h.wantScreen("Alerts (1)")
}

// TestRefreshClearsItsOwnStatus: r says "refreshing…" and the answer
// clears it.
func TestRefreshClearsItsOwnStatus(t *testing.T) {
	h := newHarness(t, 120, 40)
	m, _ := h.m.Update(keyPress("r"))
	if s := ansi.Strip(m.View().Content); !strings.Contains(s, "refreshing…") {
		t.Fatalf("r did not say refreshing:\n%s", s)
	}
	h.keys("r")
	if strings.Contains(h.screen(), "refreshing…") {
		t.Fatalf("refreshing… stayed after the refresh answered:\n%s", h.screen())
	}
}

// TestKeysThatDoNothingSaySo: a key with no use where it is pressed says
// where it acts.
func TestKeysThatDoNothingSaySo(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("x")
	h.wantScreen("x (tick) does nothing in the list; it acts in: runbook")
	h.keys("enter", "v")
	h.wantScreen("v (document) does nothing on the timeline; it acts in: runbook")
	h.keys("Z")
	h.wantScreen("Z does nothing on the timeline (? lists the keys)")
}

// TestLongTimelines: paging keys move a screenful, / searches the
// timeline and t narrows it to notes, each saying so on screen.
func TestLongTimelines(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("enter")
	in := h.model().detail.inc
	events := benchEvents(in.ID, 300)
	h.send(detailMsg{id: in.ID, gen: h.model().detail.gen, inc: in, haveInc: true, remote: events})
	d := h.model().detail
	last := len(d.timeline) - 1
	if d.sel != last {
		t.Fatalf("selection %d, want the newest (%d)", d.sel, last)
	}
	h.send(keyPressCode("pgup"))
	if d := h.model().detail; d.sel >= last || last-d.sel > d.height || d.follow {
		t.Fatalf("pgup: selection %d of %d (page %d), follow %v", d.sel, last, d.height, d.follow)
	}
	h.wantScreen("scrolled back")
	before := h.model().detail.scroll
	h.send(keyPressCtrl('u'))
	if d := h.model().detail; d.scroll >= before || before-d.scroll > d.height/2+1 {
		t.Fatalf("ctrl+u: scroll %d from %d", d.scroll, before)
	}
	h.send(keyPressCtrl('d'))
	h.send(keyPressCode("pgdown"))
	h.send(keyPressCode("pgdown"))
	if d := h.model().detail; !d.follow || d.sel != last {
		t.Fatalf("pgdn to the end: follow %v, selection %d", d.follow, d.sel)
	}

	h.keys("/")
	h.typeText(events[10].Summary)
	h.keys("enter")
	if d := h.model().detail; len(d.timeline) != 1 || d.timeline[0].ID != events[10].ID {
		t.Fatalf("search left %d events", len(d.timeline))
	}
	h.wantScreen("1 of ", "timeline narrowed")
	h.keys("esc")
	if d := h.model().detail; len(d.timeline) != len(d.full) || h.model().screen != screenDetail {
		t.Fatalf("esc after a search: %d of %d shown, screen %v", len(d.timeline), len(d.full), h.model().screen)
	}

	h.keys("t")
	h.wantScreen("notes only")
	for _, e := range h.model().detail.timeline {
		if !kindsNotes.keeps(e.Kind) {
			t.Fatalf("notes only shows a %s", e.Kind)
		}
	}
	h.keys("t")
	h.wantScreen("people only")
	h.keys("t")
	if d := h.model().detail; len(d.timeline) != len(d.full) {
		t.Fatalf("t three times shows %d of %d", len(d.timeline), len(d.full))
	}
}

// TestTimelineTimesAndDays: times of day with the time since the
// trigger, and a line when the day changes.
func TestTimelineTimesAndDays(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	in := h.model().detail.inc
	next := in.CreatedAt.In(zone).Add(24 * time.Hour)
	late := incident.Event{ID: "late", Kind: incident.KindNote, At: next, Origin: incident.Remote, Summary: "a day later"}
	h.send(detailMsg{id: in.ID, gen: h.model().detail.gen, incremental: true, remote: []incident.Event{late}})
	h.wantScreen(
		"── "+in.CreatedAt.In(zone).Format("Mon Jan 2, 2006"),
		"── "+next.Format("Mon Jan 2, 2006"),
		next.Format("15:04:05")+" T+1d00h note      a day later",
	)
	if strings.Contains(h.screen(), "UTC offset shown") {
		t.Error("the offset line is still there")
	}
}

// TestListAt80Columns: the title loses a prefix that repeats the service,
// each priority level has its own colour, and the selected row keeps its
// status colour.
func TestListAt80Columns(t *testing.T) {
	h := newHarness(t, 80, 24)
	for _, in := range h.model().list.incidents {
		if strings.HasPrefix(in.Title, in.Service.Name+":") && strings.Contains(h.screen(), fmt.Sprintf("#%d %s", in.Number, in.Service.Name)) {
			t.Errorf("#%d still repeats its service in the title:\n%s", in.Number, h.screen())
		}
	}
	st := DefaultStyles(true)
	seen := map[string]int{}
	for p := 1; p <= 5; p++ {
		seen[st.priority(fmt.Sprintf("P%d", p)).Render("P")]++
	}
	if len(seen) != 5 {
		t.Errorf("the five priority levels share colours: %d distinct", len(seen))
	}
	raw := h.m.View().Content
	sel := h.model().list.incidents[h.model().list.cursor]
	want := statusStyle(&st, sel.Status).Inherit(st.Selected).Render(fit(string(sel.Status), 12))
	if !strings.Contains(raw, want) {
		t.Errorf("the selected row lost its status colour; want %q in\n%q", want, raw)
	}
}

func TestWithoutService(t *testing.T) {
	for _, c := range []struct{ title, service, want string }{
		{"checkout-api: 5xx spike", "checkout-api", "5xx spike"},
		{"[checkout-api] 5xx spike", "checkout-api", "5xx spike"},
		{"Checkout-API - 5xx spike", "checkout-api", "5xx spike"},
		{"checkout-apis are slow", "checkout-api", "checkout-apis are slow"},
		{"checkout-api", "checkout-api", "checkout-api"},
		{"5xx on checkout-api", "checkout-api", "5xx on checkout-api"},
		{"anything", "", "anything"},
	} {
		if got := withoutService(c.title, c.service); got != c.want {
			t.Errorf("withoutService(%q, %q) = %q, want %q", c.title, c.service, got, c.want)
		}
	}
}

// keyPressCode is a key Bubble Tea names by a code, not a letter.
func keyPressCode(k string) tea.KeyPressMsg {
	switch k {
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	panic("keyPressCode: " + k)
}

// TestPlaceholdersShowWhole: an empty prompt shows its whole placeholder,
// not one letter that reads as typed.
func TestPlaceholdersShowWhole(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("/")
	h.wantScreen("/type to filter by number, title or service")
	h.keys("esc", "enter", "/")
	h.wantScreen("/type to search the timeline")
	h.keys("esc", "A")
	h.wantScreen("filter> type part of a name")
}

// TestStatePaneInTheDetail: the state pane is the detail's fourth tab,
// derived from the merged timeline, so a decision and a role taken here
// show there at once.
func TestStatePaneInTheDetail(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			h := newHarness(t, size.w, size.h)
			h.keys("enter", "d")
			h.typeText("roll back to 4.11")
			h.keys("enter", "enter", "enter")
			h.keys("o") // Dana is not in PagerDuty: typed, marked so
			h.typeText("Dana Kim")
			h.keys("enter")
			h.typeText("ic")
			h.keys("enter")
			h.keys("tab", "tab", "tab")
			if d := h.model().detail; d.focus != paneState {
				t.Fatalf("three tabs reach %v, want the state pane", d.focus)
			}
			h.wantScreen("roll back to 4.11", "Dana Kim")
			golden(t, fmt.Sprintf("state-%dx%d", size.w, size.h), h.screen())
		})
	}
}
