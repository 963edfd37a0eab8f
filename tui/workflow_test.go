package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestIncidentCommanderActions logs a decision, a follow-up, a role and a
// mitigation mark through their forms, and checks each is journaled with
// its fields, mirrored to the simulator once, and shown once.
func TestIncidentCommanderActions(t *testing.T) {
	h := newHarness(t, 140, 50)
	h.keys("enter")
	id := h.model().detail.inc.ID

	h.keys("d")
	h.wantScreen("Log a decision", "Decision", "Why", "Who executes")
	h.keys("enter", "enter", "enter") // nothing typed: the decision is required
	h.wantScreen("Decision is needed")
	h.typeText("roll back checkout-api to 4.11")
	h.keys("tab")
	h.typeText("5xx started with 4.12")
	h.keys("tab")
	h.typeText("Priya")
	h.keys("enter")
	h.wantScreen("Decision: roll back checkout-api to 4.11 (why: 5xx started with 4.12); executes: Priya")

	h.keys("f")
	h.typeText("alert on deploy error rate")
	h.keys("tab")
	h.typeText("checkout team")
	h.keys("tab")
	h.typeText("+7d")
	h.keys("tab")
	h.typeText("sometimes")
	h.keys("enter")
	h.wantScreen("Type: one of mitigate, prevent, detect, process")
	for range len("sometimes") {
		h.send(keyPress("backspace"))
	}
	h.typeText("detect")
	h.keys("enter")
	h.wantScreen("Action item (detect): alert on deploy error rate; owner: checkout team; due 2026-11-28")

	h.keys("o") // the person, picked from PagerDuty's users; then the role
	h.typeText("Alex")
	h.wantScreen("on #1045", "Alex Rivera <", "Alex (not in PagerDuty)")
	h.keys("enter")
	h.wantScreen("Assign a role to Alex Rivera", "on #1045")
	h.typeText("IC")
	h.keys("enter")
	h.wantScreen("Role: Alex Rivera is incident commander")

	h.keys("M")
	h.wantScreen("mitigated (customer impact has stopped)? y to mark")
	h.keys("y")

	local, err := h.journal.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	want := map[incident.Kind]map[string]string{
		incident.KindDecision:   {"what": "roll back checkout-api to 4.11", "why": "5xx started with 4.12", "who": "Priya"},
		incident.KindActionItem: {"title": "alert on deploy error rate", "owner": "checkout team", "due": "2026-11-28", "type": "detect"},
		incident.KindRole:       {"role": "incident commander", "person": "Alex Rivera"},
		incident.KindMitigated:  nil,
	}
	for _, e := range local {
		fields, ok := want[e.Kind]
		if !ok {
			t.Errorf("unexpected journal event %+v", e)
			continue
		}
		delete(want, e.Kind)
		if e.State != incident.Sent {
			t.Errorf("%s state %s (%s)", e.Kind, e.State, e.Error)
		}
		for k, v := range fields {
			if e.Fields[k] != v {
				t.Errorf("%s field %s = %q, want %q", e.Kind, k, e.Fields[k], v)
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("not journaled: %v", want)
	}
	mirrored := 0
	for _, n := range h.sim.Notes(id) {
		if _, localID := incident.SplitNoteTag(n.Content); localID != "" {
			mirrored++
		}
	}
	if mirrored != 4 {
		t.Errorf("%d tagged notes on the simulator, want 4 (one per action)", mirrored)
	}
	if n := strings.Count(h.screen(), "Decision: roll back"); n != 1 {
		t.Errorf("decision shown %d times", n)
	}
}

func TestFormEscapeRecordsNothing(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.keys("enter")
	id := h.model().detail.inc.ID
	h.keys("d")
	h.typeText("q R a d")
	h.keys("esc")
	if h.quit {
		t.Fatal("q typed into a form quit the program")
	}
	if ev, _ := h.journal.Events(id); len(ev) != 0 {
		t.Fatalf("cancelled form journaled %+v", ev)
	}
}

func TestStarMarksTheSelectedEvent(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter", "k") // select the event before the last
	sel, _ := h.model().detail.Selected()
	notesBefore := len(h.sim.Notes(sel.IncidentID))
	h.keys("s")
	if !h.model().detail.starred[sel.ID] {
		t.Fatalf("event %s not starred", sel.ID)
	}
	h.wantScreen("★ ")
	ev, _ := h.journal.Events(h.model().detail.inc.ID)
	if len(ev) != 1 || ev[0].Kind != incident.KindStar || ev[0].Fields[incident.FieldEventID] != sel.ID || ev[0].State != incident.Sent {
		t.Fatalf("journal %+v", ev)
	}
	// A star is the team's record: it reaches PagerDuty as one typed note.
	notes := h.sim.Notes(sel.IncidentID)
	if n := len(notes); n != notesBefore+1 {
		t.Fatalf("%d notes sent for a star, want 1", n-notesBefore)
	}
	if got := incident.ParseNote(notes[len(notes)-1].Content); got.Kind != incident.KindStar || got.Fields[incident.FieldEventID] != sel.ID {
		t.Errorf("the star's note reads back as %+v", got)
	}
}

func TestSearchNarrowsTheList(t *testing.T) {
	h := newHarness(t, 120, 40)
	all := len(h.model().list.incidents)
	h.keys("/")
	h.typeText("payments")
	m := h.model()
	if len(m.list.incidents) != 1 || !strings.Contains(m.list.incidents[0].Title, "payments") {
		t.Fatalf("filter left %d incidents", len(m.list.incidents))
	}
	h.keys("enter") // keep the filter, back to keys
	h.keys("esc")   // clears it
	if got := len(h.model().list.incidents); got != all {
		t.Fatalf("after clearing: %d, want %d", got, all)
	}
	h.keys("esc", "/")
	h.typeText("pgw tmout") // fuzzy: letters in order within a word
	if m := h.model(); len(m.list.incidents) != 1 || !strings.Contains(m.list.incidents[0].Title, "payments-gateway") {
		t.Fatalf("fuzzy filter left %d incidents", len(m.list.incidents))
	}
	h.keys("esc", "/")
	h.typeText("zzzz-no-match")
	// An empty result says the filter did it, and how many it hides.
	h.wantScreen(fmt.Sprintf("No incidents match the filter (%d active)", all), `search "zzzz-no-match"`)
}

func TestReadOnlyRemovesWrites(t *testing.T) {
	h := newHarness(t, 120, 40)
	m := h.model()
	m.opts.ReadOnly = true
	m.keys.ReadOnly()
	h.m = m
	h.wantScreen("read-only")
	target := h.firstTriggered()
	h.keys("a", "R", "y", "n", "enter", "a", "d", "M", "y")
	if snap, _ := h.sim.Incident(target.ID); snap.Status != "triggered" {
		t.Fatalf("read-only changed the incident to %s", snap.Status)
	}
	if ev, _ := h.journal.Events(target.ID); len(ev) != 0 {
		t.Fatalf("read-only journaled %+v", ev)
	}
	help := ansi.Strip(h.model().helpView())
	all := DefaultKeyMap()
	for _, b := range all.writes() {
		entry := fit(b.Help().Key, 8) + " " + b.Help().Desc
		if strings.Contains(help, entry) {
			t.Errorf("help shows %q in read-only mode", entry)
		}
	}
	if !strings.Contains(help, "quit") {
		t.Error("help lost its read bindings too")
	}
}

func TestListFiltersAreRemembered(t *testing.T) {
	h := newHarness(t, 120, 40)
	all := len(h.model().list.all)
	h.keys("m")
	h.wantScreen("mine")
	mine := h.model().list.all
	if len(mine) == 0 || len(mine) >= all {
		t.Fatalf("mine: %d of %d", len(mine), all)
	}
	for _, in := range mine {
		assigned := false
		for _, a := range in.Assignees {
			assigned = assigned || a.ID == pdsim.DemoUserID
		}
		if !assigned {
			t.Errorf("#%d is not assigned to the demo user", in.Number)
		}
	}
	h.keys("m", "m", "U") // back to all, then high urgency
	for _, in := range h.model().list.all {
		if in.Urgency != incident.High {
			t.Errorf("#%d is %s urgency under the high filter", in.Number, in.Urgency)
		}
	}
	f, ok, err := h.journal.Filter()
	if err != nil || !ok || len(f.Urgencies) != 1 || f.Urgencies[0] != incident.High || f.AssignedToMe {
		t.Fatalf("remembered filter %+v ok=%v err=%v", f, ok, err)
	}

	h.keys("U", "U") // any urgency again
	services := h.model().list.services
	for _, want := range services {
		h.keys("V")
		h.wantScreen("service " + want.Name)
		for _, in := range h.model().list.all {
			if in.Service.ID != want.ID {
				t.Fatalf("#%d (%s) listed under the %s filter", in.Number, in.Service.Name, want.Name)
			}
		}
	}
	h.keys("V")
	if f := h.model().filter; len(f.ServiceIDs) != 0 || len(h.model().list.all) != all {
		t.Fatalf("after every service, the filter is %+v with %d incidents", f, len(h.model().list.all))
	}
}

func TestResponderWrites(t *testing.T) {
	h := newHarness(t, 120, 40)
	target := h.firstTriggered()
	h.keys("enter")

	h.keys("z")
	h.wantScreen("snoozes acknowledged incidents only")
	h.keys("a")

	h.keys("A")
	h.wantScreen("Reassign to a person", "policy: ")
	h.typeText("hannah")
	h.keys("enter")
	if snap, _ := h.sim.Incident(target.ID); len(snap.Assignees) != 1 || snap.Assignees[0] != pdsim.EmailHannah {
		t.Fatalf("assignees after reassign: %v", snap.Assignees)
	}
	h.wantScreen("Assigned to Hannah Weber") // PagerDuty's entry; the local copy is absorbed

	h.keys("E")
	h.typeText("0")
	h.keys("enter")
	h.wantScreen("Level: a level number")
	h.send(keyPress("backspace"))
	h.typeText("2")
	h.keys("enter")
	if snap, _ := h.sim.Incident(target.ID); snap.EscalationLevel != 2 {
		t.Fatalf("escalation level %d, want 2", snap.EscalationLevel)
	}

	h.keys("a") // escalating re-triggers; snooze needs it acknowledged again
	h.keys("z")
	h.typeText("2d")
	h.keys("enter")
	if snap, _ := h.sim.Incident(target.ID); snap.SnoozedUntil.IsZero() {
		t.Fatalf("not snoozed: %+v", snap)
	}

	h.keys("+")
	h.typeText("jamal")
	h.keys("enter")
	if reqs := h.sim.ResponderRequests(target.ID); len(reqs) != 1 {
		t.Fatalf("responder requests: %+v", reqs)
	}
	ev, _ := h.journal.Events(target.ID)
	var kinds []string
	for _, e := range ev {
		kinds = append(kinds, string(e.Kind)+":"+string(e.State))
	}
	want := "acknowledge:sent,reassign:sent,escalate:sent,acknowledge:sent,snooze:sent,responder_request:sent"
	if got := strings.Join(kinds, ","); got != want {
		t.Errorf("journal %s\nwant    %s", got, want)
	}
}

func TestEditorNoteRoundTrip(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	id := h.model().detail.inc.ID
	ready := startEditor(id)().(editorReadyMsg)
	if ready.err != nil {
		t.Fatal(ready.err)
	}
	body := "Timeline of the DB failover:\n- 03:01 primary lost\n- 03:04 replica promoted\n"
	if err := os.WriteFile(ready.path, []byte(body+"# a comment line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	note := readNote(id, ready.path)().(editorNoteMsg)
	if note.err != nil || note.text != strings.TrimSpace(body) {
		t.Fatalf("read back %q, %v", note.text, note.err)
	}
	if _, err := os.Stat(ready.path); !os.IsNotExist(err) {
		t.Error("the temp file was left behind")
	}
	h.send(note)
	found := false
	for _, n := range h.sim.Notes(id) {
		text, _ := incident.SplitNoteTag(n.Content)
		found = found || text == strings.TrimSpace(body)
	}
	if !found {
		t.Fatal("the multi-line note did not reach the simulator intact")
	}
}

func TestDraftWrittenWhenTheOpenIncidentResolves(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, 120, 40, func(o *Options) { o.PostmortemsDir = dir })
	target := h.firstTriggered()
	h.keys("enter", "n")
	h.typeText("failover to processor B")
	h.keys("enter", "d")
	h.typeText("shift all traffic to processor B")
	h.keys("enter", "enter", "enter") // through why and who, then save
	h.keys("R", "y")
	h.wantScreen("postmortem draft in " + dir)
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if len(files) != 1 || !strings.Contains(filepath.Base(files[0]), fmt.Sprintf("-%d-", target.Number)) {
		t.Fatalf("drafts %v", files)
	}
	body, _ := os.ReadFile(files[0])
	for _, want := range []string{"failover to processor B", "shift all traffic to processor B"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	// Later polls of the resolved incident write nothing more.
	h.send(detailTickMsg{id: target.ID, gen: h.model().detail.gen})
	if files, _ := filepath.Glob(filepath.Join(dir, "*.md")); len(files) != 1 {
		t.Fatalf("a second draft appeared: %v", files)
	}
}

func TestDraftWrittenWhenSomeoneElseResolves(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, 120, 40, func(o *Options) { o.PostmortemsDir = dir })
	h.keys("enter")
	id := h.model().detail.inc.ID
	other, err := pagerduty.New(pagerduty.Config{Token: pdsim.UserToken(pdsim.EmailPriya), APIURL: h.url, From: pdsim.EmailPriya, RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Resolve(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	h.send(detailTickMsg{id: id, gen: h.model().detail.gen})
	if files, _ := filepath.Glob(filepath.Join(dir, "*.md")); len(files) != 1 {
		t.Fatalf("drafts after another responder resolved: %v", files)
	}
}

// TestJournalNamesThePersonAsPagerDutyDoes: the actor of local events is
// the token user's name, so the timeline and the draft show one person.
func TestJournalNamesThePersonAsPagerDutyDoes(t *testing.T) {
	h := newHarness(t, 120, 40, func(o *Options) { o.WhoAmI = o.Source.(*pagerduty.Client).Me })
	h.keys("enter", "d")
	h.typeText("hold deploys")
	h.keys("enter", "enter", "enter")
	ev, _ := h.journal.Events(h.model().detail.inc.ID)
	if len(ev) != 1 || ev[0].Actor != "Alex Rivera" {
		t.Fatalf("journal %+v", ev)
	}
}

func TestStatusUpdateReachesSubscribers(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	in := h.model().detail.inc
	h.keys("u")
	h.wantScreen("Post a status update", fmt.Sprintf("#%d", in.Number), "Next update in 20 minutes.")
	h.keys("enter")
	ups := h.sim.StatusUpdates(in.ID)
	if len(ups) != 1 {
		t.Fatalf("status updates on the simulator: %+v", ups)
	}
	h.wantScreen("update sent for #")
	ev, _ := h.journal.Events(in.ID)
	if len(ev) != 1 || ev[0].Kind != incident.KindStatusUpdate || ev[0].State != incident.Sent || !strings.HasPrefix(ev[0].Fields["message"], fmt.Sprintf("#%d", in.Number)) {
		t.Fatalf("journal %+v", ev)
	}
}

// TestFailedDraftIsTriedAgain: a draft that could not be written when the
// incident resolved is written on a later refresh.
func TestFailedDraftIsTriedAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drafts")
	if err := os.WriteFile(dir, []byte("a file where the directory should be"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, 120, 40, func(o *Options) { o.PostmortemsDir = dir })
	target := h.firstTriggered()
	h.keys("enter", "R", "y")
	h.wantScreen("postmortem draft not written yet")
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	h.send(detailTickMsg{id: target.ID, gen: h.model().detail.gen})
	h.wantScreen("postmortem draft in " + dir)
	if files, _ := filepath.Glob(filepath.Join(dir, "*.md")); len(files) != 1 {
		t.Fatalf("drafts %v", files)
	}
}

func TestAlertsPaneCopyURLAndMouse(t *testing.T) {
	h := newHarness(t, 160, 48)
	h.keys("enter")
	in := h.model().detail.inc
	h.wantScreen(in.URL)
	h.keys("tab") // the alerts pane
	alerts := h.model().detail.alerts
	if len(alerts) == 0 || len(alerts[0].Details) == 0 {
		t.Fatalf("the demo incident's alerts carry no details: %+v", alerts)
	}
	for k, v := range alerts[0].Details {
		h.wantScreen(k + ": " + fmt.Sprint(v))
	}
	h.keys("tab", "tab", "y") // back on the timeline: y copies the URL
	h.wantScreen("copied " + in.URL)

	// The wheel scrolls the timeline like the keys do: up stops following.
	if !h.model().detail.follow {
		t.Fatal("not following at the start")
	}
	h.send(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if h.model().detail.follow {
		t.Error("the wheel up did not stop following")
	}
	h.wantScreen("scrolled back")
}
