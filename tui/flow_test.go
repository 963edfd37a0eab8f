package tui

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// TestRespondToAnIncident walks the main path: list, open, acknowledge,
// note; and checks the simulator, the journal and the screen agree.
func TestRespondToAnIncident(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.wantScreen("oncall", "active:", "STATUS", "TITLE")
	m := h.model()
	if len(m.list.incidents) == 0 {
		t.Fatal("no incidents listed")
	}
	for _, in := range m.list.incidents {
		h.wantScreen(fmt.Sprintf("#%d", in.Number))
		if !in.Active() {
			t.Errorf("list shows inactive incident %s (%s)", in.ID, in.Status)
		}
	}

	target := h.firstTriggered()
	h.keys("enter")
	h.wantScreen(fmt.Sprintf("#%d %s", target.Number, target.Title), "Timeline", "triggered")
	if got := h.model().screen; got != screenDetail {
		t.Fatalf("screen = %v, want detail", got)
	}

	h.keys("a")
	snap, ok := h.sim.Incident(target.ID)
	if !ok || snap.Status != "acknowledged" {
		t.Fatalf("simulator status = %q, want acknowledged", snap.Status)
	}
	h.wantScreen("acked sent for #")

	h.keys("n")
	h.typeText("rolled back 4.12; q and R typed here are text")
	if h.quit {
		t.Fatal("typing q in the note quit the program")
	}
	h.keys("enter")
	notes := h.sim.Notes(target.ID)
	var landed int
	for _, n := range notes {
		text, localID := incident.SplitNoteTag(n.Content)
		if text == "rolled back 4.12; q and R typed here are text" && localID != "" {
			landed++
		}
	}
	if landed != 1 {
		t.Fatalf("note landed %d times on the simulator, want once; notes: %+v", landed, notes)
	}
	if got := strings.Count(h.screen(), "rolled back 4.12"); got != 1 {
		t.Errorf("note shown %d times on the timeline, want once:\n%s", got, h.screen())
	}

	local, err := h.journal.Events(target.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range local {
		kinds = append(kinds, string(e.Kind)+":"+string(e.State))
	}
	if got, want := strings.Join(kinds, ","), "acknowledge:sent,note:sent"; got != want {
		t.Errorf("journal = %s, want %s", got, want)
	}

	h.keys("esc")
	if h.model().screen != screenList {
		t.Fatal("esc did not return to the list")
	}
	h.keys("q")
	if !h.quit {
		t.Fatal("q did not quit")
	}
}

func TestResolveAsksFirst(t *testing.T) {
	h := newHarness(t, 120, 40)
	target := h.firstTriggered()
	h.keys("R")
	h.wantScreen(fmt.Sprintf("Resolve #%d", target.Number), "y to resolve")
	h.keys("n")
	if snap, _ := h.sim.Incident(target.ID); snap.Status == "resolved" {
		t.Fatal("resolved although the confirm was declined")
	}
	h.wantScreen("cancelled; #")

	h.keys("R", "y")
	if snap, _ := h.sim.Incident(target.ID); snap.Status != "resolved" {
		t.Fatalf("status = %q after confirming, want resolved", snap.Status)
	}
	for _, in := range h.model().list.incidents {
		if in.ID == target.ID {
			t.Error("resolved incident still in the active list after refresh")
		}
	}
}

func TestHelpComesFromTheKeyMap(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {40, 12}} {
		h := newHarness(t, size[0], size[1])
		h.keys("?")
		// Page through: every binding is on some page, whole.
		seen := h.screen()
		for range h.model().helpPages() {
			h.keys("j")
			seen += h.screen()
		}
		for _, g := range DefaultKeyMap().groups() {
			for _, b := range g.Bindings {
				if !strings.Contains(seen, b.Help().Key) || !strings.Contains(seen, b.Help().Desc) && size[0] >= 80 {
					t.Errorf("%dx%d: help never shows %q %q", size[0], size[1], b.Help().Key, b.Help().Desc)
				}
			}
		}
		h.keys("?")
		h.wantScreen("STATUS")
	}
}

// TestTimelineFollowsNewEvents advances the simulator's scenario while an
// incident is open and checks that a poll brings the new events in.
func TestTimelineFollowsNewEvents(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	m := h.model()
	id, before := m.detail.inc.ID, len(m.detail.timeline)
	for range 40 { // ten minutes of scenario, in 15 s steps
		h.clock.Advance(15 * time.Second)
		h.send(detailTickMsg{id: id, gen: h.model().detail.gen})
		h.send(listTickMsg{})
	}
	if after := len(h.model().detail.timeline); after <= before {
		t.Fatalf("the scenario added no events to %s in ten minutes (%d events)", id, before)
	}
	tl := h.model().detail.timeline
	for i := 1; i < len(tl); i++ {
		if tl[i].At.Before(tl[i-1].At) {
			t.Fatalf("timeline out of order at %d: %v before %v", i, tl[i].At, tl[i-1].At)
		}
	}
}

func TestStaleAnswersAreDropped(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	m := h.model()
	stale := detailMsg{id: m.detail.inc.ID, gen: m.detail.gen - 1, inc: incident.Incident{ID: m.detail.inc.ID, Title: "STALE"}}
	h.send(stale)
	if strings.Contains(h.screen(), "STALE") {
		t.Fatal("an answer from an earlier generation was shown")
	}
	h.send(incidentsMsg{gen: -1, list: nil})
	if len(h.model().list.incidents) == 0 {
		t.Fatal("an older list answer replaced a newer one")
	}
}

func TestSmallTerminalsDoNotPanic(t *testing.T) {
	h := newHarness(t, 120, 40)
	for _, size := range [][2]int{{0, 0}, {1, 1}, {19, 5}, {20, 6}, {40, 10}, {79, 23}, {300, 100}} {
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for _, k := range []string{"enter", "j", "k", "G", "g", "?", "?", "n", "esc", "esc"} {
			h.keys(k)
			lines := strings.Split(h.screen(), "\n")
			if size[1] >= 6 && len(lines) != size[1] {
				t.Fatalf("%dx%d after %q: %d lines", size[0], size[1], k, len(lines))
			}
		}
	}
}

func TestGoldenViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {160, 48}} {
		name := fmt.Sprintf("%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, size[0], size[1], withShippedRunbooks(t))
			golden(t, "list-"+name, h.screen())
			h.keys("/")
			h.typeText("checkout")
			golden(t, "search-"+name, h.screen())
			h.keys("esc", "enter")
			golden(t, "detail-"+name, h.screen())
			h.keys("?")
			golden(t, "help-"+name, h.screen())
			h.keys("?", "R")
			golden(t, "confirm-"+name, h.screen())
			h.keys("n", "n")
			h.typeText("pool is at 98%")
			golden(t, "note-"+name, h.screen())
			h.keys("esc", "d")
			h.typeText("roll back")
			golden(t, "decision-"+name, h.screen())
			h.keys("esc", "A")
			h.typeText("pri")
			golden(t, "picker-"+name, h.screen())
			// Every other prompt, empty, as it first appears.
			for _, p := range []struct{ key, name string }{
				{"f", "action-item"}, {"o", "role"}, {"E", "escalate"}, {"T", "task"},
				{"u", "status-update"}, {"+", "responders"}, {"M", "mitigated"},
			} {
				h.keys("esc", p.key)
				golden(t, p.name+"-"+name, h.screen())
			}
			h.keys("esc", "tab", "tab")
			golden(t, "runbook-"+name, h.screen())
		})
	}
}

// TestErrorsReachTheStatusLine checks that a bad token and a dead API give
// a one-line error, not a crash.
func TestErrorsReachTheStatusLine(t *testing.T) {
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return epoch }})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	dead := httptest.NewServer(sim)
	deadURL := dead.URL
	dead.Close() // its address now refuses connections
	cases := []struct {
		name, token, url, want string
	}{
		{"bad token", "wrong", srv.URL, "rejected the token from env PAGERDUTY_TOKEN (401)"},
		{"unreachable", pdsim.DemoToken, deadURL, "cannot reach"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := pagerduty.New(pagerduty.Config{Token: c.token, APIURL: c.url, TokenSource: "env PAGERDUTY_TOKEN", Timeout: 5 * time.Second, RequestsPerMinute: -1})
			if err != nil {
				t.Fatal(err)
			}
			j, err := store.Open(filepath.Join(t.TempDir(), "j.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			h := &harness{t: t, clock: pdsim.NewClock(epoch)}
			h.m = New(Options{Source: src, Journal: j, Outbox: outbox.New(j, src, outbox.Options{}), Now: h.clock.Now, Location: zone,
				every: func(time.Duration, tea.Msg) tea.Cmd { return nil }})
			h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
			h.run(h.m.Init())
			h.wantScreen(c.want)
			if strings.Contains(h.screen(), c.token+"\n") || (c.token == "wrong" && strings.Contains(h.screen(), "wrong")) {
				t.Error("the token appears on screen")
			}
		})
	}
}

// TestActionsWaitOutAnOutage: with PagerDuty down, an action stays queued
// in the journal and on screen; when PagerDuty is back the background
// drainer sends it, once.
func TestActionsWaitOutAnOutage(t *testing.T) {
	h := newHarness(t, 120, 40)
	target := h.firstTriggered()
	h.keys("enter")
	h.sim.FailFor(503, time.Hour)
	h.keys("n")
	h.typeText("written while PagerDuty was down")
	h.keys("enter")
	h.wantScreen("queued, retrying", "[queued]")
	ev, _ := h.journal.Events(target.ID)
	if len(ev) != 1 || ev[0].State != incident.Queued {
		t.Fatalf("journal during the outage: %+v", ev)
	}

	h.sim.FailFor(0, 0)
	// What the background drainer does once the settle period has passed
	// (a 503 may have been applied, so the outbox checks before it sends).
	settled := outbox.New(h.journal, h.model().opts.Source, outbox.Options{Now: func() time.Time { return time.Now().Add(time.Minute) }})
	rep, err := settled.Flush(t.Context(), target.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		h.send(OutboxNotice(r))
	}
	h.wantScreen("note sent for #")
	if strings.Contains(h.screen(), "[queued]") {
		t.Errorf("still marked queued after it was sent:\n%s", h.screen())
	}
	landed := 0
	for _, n := range h.sim.Notes(target.ID) {
		if text, _ := incident.SplitNoteTag(n.Content); text == "written while PagerDuty was down" {
			landed++
		}
	}
	if landed != 1 {
		t.Fatalf("note landed %d times, want exactly once", landed)
	}
}

// TestRateLimitShowsAWaitNotACrash: a 429 with ratelimit-reset makes the
// adapter wait and retry; the status line says so, and the list arrives.
func TestRateLimitShowsAWaitNotACrash(t *testing.T) {
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return epoch }})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	var notices []tea.Msg
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, RequestsPerMinute: -1,
		OnWait: func(d time.Duration, reason string) { notices = append(notices, WaitNotice(d, reason)) }})
	if err != nil {
		t.Fatal(err)
	}
	j, err := store.Open(filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	sim.Inject(pdsim.Fault{Route: "GET /incidents", Status: 429, Reset: time.Second})
	h := &harness{t: t, clock: pdsim.NewClock(epoch)}
	h.m = New(Options{Source: src, Journal: j, Outbox: outbox.New(j, src, outbox.Options{}), Now: h.clock.Now, Location: zone,
		every: func(time.Duration, tea.Msg) tea.Cmd { return nil }})
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h.run(h.m.Init()) // the adapter waits out the reset inside this call
	if len(notices) == 0 {
		t.Fatal("the adapter reported no wait")
	}
	for _, n := range notices {
		h.send(n)
	}
	h.wantScreen("rate limited, retrying in 1s")
	if len(h.model().list.all) == 0 {
		t.Fatal("no incidents after the retry")
	}
}

// TestHostileTitleRendersSafely: escape sequences, a right-to-left
// override and 10,000 characters in a title stay inert and within width.
func TestHostileTitleRendersSafely(t *testing.T) {
	h := newHarness(t, 80, 24)
	hostile := "\x1b]0;pwned\x07\x1b[2J\u202eevil\u202c db down " + strings.Repeat("界", 5000) + strings.Repeat("x", 5000)
	if _, err := h.sim.AddIncident(pdsim.IncidentSpec{Title: hostile, Service: pdsim.ServiceSearch, Priority: "P1"}); err != nil {
		t.Fatal(err)
	}
	h.keys("r")
	check := func(where string) {
		t.Helper()
		screen := h.screen()
		if strings.ContainsAny(screen, "\x1b\u202e\u202c\x07") {
			t.Fatalf("%s: a control or bidi character reached the screen", where)
		}
		for i, line := range strings.Split(screen, "\n") {
			if w := ansi.StringWidth(line); w > 80 {
				t.Fatalf("%s: line %d is %d cells wide", where, i, w)
			}
		}
		if strings.Contains(h.m.View().Content, "\x1b]0;") || strings.Contains(h.m.View().Content, "\x1b[2J") {
			t.Fatalf("%s: the title's escape sequences are in the view", where)
		}
	}
	check("list")
	if !strings.Contains(h.screen(), "evil db down 界") {
		t.Fatalf("the hostile incident is not listed:\n%s", h.screen())
	}
	for i, in := range h.model().list.incidents {
		if strings.Contains(in.Title, "pwned") {
			h.list(i)
		}
	}
	h.keys("enter")
	check("detail")
}

// TestRefreshKeepsTheCursor: new incidents arriving above the cursor do
// not move it off the incident the responder is on.
func TestRefreshKeepsTheCursor(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("j", "j", "j")
	sel, _ := h.model().list.Selected()
	before := len(h.model().list.all)
	for _, p := range []string{"P1", "P1", "P2"} {
		if _, err := h.sim.AddIncident(pdsim.IncidentSpec{Title: "new one", Service: pdsim.ServiceAuth, Priority: p}); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(time.Second)
	h.send(listTickMsg{})
	if n := len(h.model().list.all); n != before+3 {
		t.Fatalf("after refresh %d incidents, want %d", n, before+3)
	}
	if now, _ := h.model().list.Selected(); now.ID != sel.ID {
		t.Fatalf("cursor moved from #%d to #%d", sel.Number, now.Number)
	}
	if n := strings.Count(h.screen(), "\n *"); n != 3 {
		t.Errorf("%d rows marked new, want 3:\n%s", n, h.screen())
	}
}

// TestQuietPollIsOneRequest: while nothing happens, polling the open
// incident costs one small request, however long its timeline.
func TestQuietPollIsOneRequest(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	id := h.model().detail.inc.ID
	total := func() int {
		n := 0
		for _, r := range []string{"GET /incidents/{id}", "GET /incidents/{id}/log_entries", "GET /incidents/{id}/notes", "GET /incidents/{id}/alerts"} {
			n += h.sim.Requests(r)
		}
		return n
	}
	before := total()
	h.send(detailTickMsg{id: id, gen: h.model().detail.gen})
	if got := total() - before; got != 1 {
		t.Fatalf("a quiet poll made %d requests, want 1", got)
	}
	// Someone else's note arrives through the same incremental poll.
	other, _ := pagerduty.New(pagerduty.Config{Token: pdsim.UserToken(pdsim.EmailPriya), APIURL: h.url, From: pdsim.EmailPriya, RequestsPerMinute: -1})
	h.clock.Advance(time.Minute)
	if err := other.AddNote(t.Context(), id, "X1", "replica lag back to 0"); err != nil {
		t.Fatal(err)
	}
	h.send(detailTickMsg{id: id, gen: h.model().detail.gen})
	h.wantScreen("replica lag back to 0")
	if n := strings.Count(h.screen(), "replica lag back to 0"); n != 1 {
		t.Fatalf("the new note shows %d times", n)
	}
}

// TestOfflineShowsTheLastKnownState: with PagerDuty down, the list comes
// from the cache and an incident's timeline from its snapshot, both
// marked with their age.
func TestOfflineShowsTheLastKnownState(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	in := h.model().detail.inc
	events := len(h.model().detail.timeline)
	h.keys("esc")

	h.sim.FailFor(503, time.Hour)
	h.clock.Advance(3 * time.Minute)
	h.keys("enter")
	h.wantScreen("PagerDuty cannot be reached: the timeline as of 3m ago", in.Title)
	if got := len(h.model().detail.timeline); got != events {
		t.Fatalf("offline timeline has %d events, the cached one %d", got, events)
	}

	// A new start on the same journal draws the cached list before any
	// answer, marked stale with its age.
	list, at, err := h.journal.Incidents()
	if err != nil || len(list) == 0 {
		t.Fatalf("cache: %d incidents, %v", len(list), err)
	}
	m := New(Options{Source: h.model().opts.Source, Journal: h.journal, Outbox: h.model().opts.Outbox,
		Cached: list, CachedAt: at, Now: h.clock.Now, Location: zone})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	screen := ansi.Strip(next.View().Content)
	for _, want := range []string{"stale: updated 3m ago", "Showing the cached list", fmt.Sprintf("#%d %s", in.Number, withoutService(in.Title, in.Service.Name))} {
		if !strings.Contains(screen, want) {
			t.Errorf("cached start lacks %q:\n%s", want, screen)
		}
	}
}

// TestBrokenRunbooksAreNamedAtStart: the loader's complaints stay on the
// status line (not wiped by the first refresh) so the runbook gets fixed.
func TestBrokenRunbooksAreNamedAtStart(t *testing.T) {
	h := newHarness(t, 160, 40, func(o *Options) {
		o.RunbookProblems = []string{"runbooks/db.md:3: unknown key \"servces\""}
	})
	h.wantScreen(`1 runbook problem(s), broken files skipped: runbooks/db.md:3: unknown key "servces"`)
}

// TestTimelineFollowsUnlessScrolledUp: new events move the selection to
// the newest while following; after the responder moves up, they do not.
func TestTimelineFollowsUnlessScrolledUp(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	id := h.model().detail.inc.ID
	other, _ := pagerduty.New(pagerduty.Config{Token: pdsim.UserToken(pdsim.EmailPriya), APIURL: h.url, From: pdsim.EmailPriya, RequestsPerMinute: -1})
	note := func(text string) {
		h.clock.Advance(time.Minute)
		if err := other.AddNote(t.Context(), id, "", text); err != nil {
			t.Fatal(err)
		}
		h.send(detailTickMsg{id: id, gen: h.model().detail.gen})
	}
	note("first new note")
	if sel, _ := h.model().detail.Selected(); sel.Summary != "first new note" {
		t.Fatalf("following: selected %q, want the new note", sel.Summary)
	}
	h.keys("k")
	held, _ := h.model().detail.Selected()
	note("second new note")
	if sel, _ := h.model().detail.Selected(); sel.ID != held.ID {
		t.Fatalf("scrolled up: the selection moved from %q to %q", held.Summary, sel.Summary)
	}
	h.wantScreen("scrolled back · G/end follows new events")
	h.keys("G")
	if sel, _ := h.model().detail.Selected(); sel.Summary != "second new note" {
		t.Fatalf("after G: selected %q", sel.Summary)
	}
}
