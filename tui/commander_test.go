package tui

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// line is the first line of the screen that holds sub, or "".
func (h *harness) line(sub string) string {
	for _, l := range strings.Split(h.screen(), "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// toState tabs to the State tab of the open incident.
func (h *harness) toState() {
	h.t.Helper()
	for range paneCount {
		if h.model().detail.focus == paneState {
			return
		}
		h.keys("tab")
	}
	h.t.Fatalf("tab never reaches the State tab:\n%s", h.screen())
}

// events is the journal's events of the incident on screen, of kind.
func (h *harness) events(kind incident.Kind) []incident.Event {
	h.t.Helper()
	ev, err := h.journal.Events(h.model().detail.inc.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []incident.Event
	for _, e := range ev {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// TestStateColumnOnWideScreens: at 160 columns the state stands beside
// the timeline while the timeline has the keys, and another pane takes its
// place only while focused; at 80 columns it is a tab.
func TestStateColumnOnWideScreens(t *testing.T) {
	h := newHarness(t, 160, 48)
	h.keys("enter")
	row := h.line("21:58:00 T+0s    alert")
	if !strings.Contains(row, "│") || !strings.Contains(h.screen(), "STATUS UPDATE") || !strings.Contains(h.screen(), "RESPONDERS") {
		t.Fatalf("no state column beside the timeline:\n%s", h.screen())
	}
	h.keys("tab") // the alerts take the column while focused
	if strings.Contains(h.screen(), "STATUS UPDATE") || !strings.Contains(h.screen(), "Alerts, newest last") {
		t.Fatalf("the alerts pane did not take the column:\n%s", h.screen())
	}
	h.toState()
	h.keys("tab") // past the state, back on the timeline (or the pre-mortem, when one matches)
	for h.model().detail.focus != paneTimeline {
		h.keys("tab")
	}
	h.wantScreen("STATUS UPDATE", "21:58:00 T+0s")

	narrow := newHarness(t, 80, 24)
	narrow.keys("enter")
	if strings.Contains(narrow.screen(), "STATUS UPDATE") {
		t.Fatalf("at 80 columns the state is a tab, not a column:\n%s", narrow.screen())
	}
	narrow.toState()
	narrow.wantScreen("STATUS UPDATE", "ROLES")
}

// TestStateItemsFromTheTUI: a task and a follow-up recorded in the TUI are
// given more time, marked done and cancelled from the State tab; each
// change is journaled, sent to PagerDuty, and shown, and the forms and the
// confirmation name the incident.
func TestStateItemsFromTheTUI(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter", "T")
	h.typeText("Priya")
	h.keys("tab")
	h.typeText("check replica lag")
	h.keys("tab")
	h.typeText("10")
	h.keys("enter", "f")
	h.typeText("alert on replica lag")
	h.keys("tab")
	h.typeText("db team")
	h.keys("tab")
	h.typeText("+7d")
	h.keys("tab")
	h.typeText("detect")
	h.keys("enter")
	id := h.model().detail.inc.ID
	task := h.events(incident.KindTask)
	if len(task) != 1 {
		t.Fatalf("tasks %+v", task)
	}

	h.keys("c") // not in the State tab: says where it acts
	h.wantScreen("select a task or follow-up in the State tab first")
	h.toState()
	h.wantScreen("▸ task 1 · Priya: check replica lag · due in 10m", "OPEN (2)", "c state: mark the task or follow-up done")

	h.keys("e")
	h.wantScreen("Give task 1 more time: check replica lag", "on #1045", "now due in 10m")
	h.typeText("5")
	h.keys("enter")
	ext := h.events(incident.KindItemUpdate)
	if len(ext) != 1 || ext[0].Fields[incident.FieldChange] != incident.ChangeExtended || ext[0].Fields[incident.FieldItem] != task[0].ID ||
		ext[0].Fields[incident.FieldDue] != epoch.Add(15*time.Minute).Format(time.RFC3339) || ext[0].State != incident.Sent {
		t.Fatalf("extension %+v", ext)
	}
	h.wantScreen("▸ task 1 · Priya: check replica lag · due in 15m")

	h.keys("c")
	done := h.events(incident.KindItemUpdate)
	if len(done) != 2 || done[1].Fields[incident.FieldChange] != incident.ChangeDone || done[1].State != incident.Sent {
		t.Fatalf("done %+v", done)
	}
	if strings.Contains(h.screen(), "task 1 ·") {
		t.Fatalf("a task marked done is still open:\n%s", h.screen())
	}
	h.wantScreen("OPEN (1)", "▸ follow-up 1 · db team: alert on replica lag")

	h.keys("X")
	h.wantScreen("Cancel follow-up 1: alert on replica lag on #1045?")
	h.keys("n")
	if n := len(h.events(incident.KindItemUpdate)); n != 2 {
		t.Fatalf("declining the cancel journaled something: %d updates", n)
	}
	h.keys("X", "y")
	cancelled := h.events(incident.KindItemUpdate)
	if len(cancelled) != 3 || cancelled[2].Fields[incident.FieldChange] != incident.ChangeCancelled {
		t.Fatalf("cancel %+v", cancelled)
	}
	h.wantScreen("OPEN (0)", "nothing open")

	// Every change went to PagerDuty as a note the team reads back.
	sent := 0
	for _, n := range h.sim.Notes(id) {
		if strings.Contains(n.Content, string(incident.KindItemUpdate)) {
			sent++
		}
	}
	if sent != 3 {
		t.Errorf("%d item updates reached PagerDuty, want 3", sent)
	}
}

// TestOverdueTaskStaysUntilDone: a task past its due stays on the header,
// the same from one second to the next (no flashing), for as long as it
// is open; marked done, it goes.
func TestOverdueTaskStaysUntilDone(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter", "T")
	h.typeText("Priya")
	h.keys("tab")
	h.typeText("check replica lag")
	h.keys("tab")
	h.typeText("10")
	h.keys("enter")
	h.wantScreen("⏱ Priya: check replica lag in 10m")
	tick := func(at time.Duration) {
		h.clock.Set(epoch.Add(at))
		h.send(clockTickMsg{gen: h.model().detail.gen})
	}
	tick(11 * time.Minute)
	first := h.line("Priya: check replica lag")
	if !strings.Contains(first, "⏰ Priya: check replica lag overdue by 1m") {
		t.Fatalf("overdue task: %q\n%s", first, h.screen())
	}
	tick(11*time.Minute + time.Second)
	if got := h.line("Priya: check replica lag"); got != first {
		t.Errorf("the overdue task changes from one second to the next:\n%q\n%q", first, got)
	}
	tick(2 * time.Hour)
	h.wantScreen("⏰ Priya: check replica lag overdue by 1h50m")
	h.toState()
	h.wantScreen("OVERDUE task 1")
	h.keys("c")
	if strings.Contains(h.screen(), "check replica lag overdue") || strings.Contains(h.screen(), "OVERDUE") {
		t.Fatalf("a task done still shows as overdue:\n%s", h.screen())
	}
}

// TestStateKeysReadOnly: in read-only mode the keys that change the state
// record nothing, and the handoff writes its document without asking whom
// the role goes to.
func TestStateKeysReadOnly(t *testing.T) {
	h := newHarness(t, 120, 40, func(o *Options) { o.ReadOnly = true })
	t.Chdir(t.TempDir())
	h.keys("enter")
	h.toState()
	h.keys("c", "e", "X", "I")
	if m := h.model(); m.prompt != promptNone {
		t.Fatalf("read-only opened prompt %v:\n%s", m.prompt, h.screen())
	}
	ev, _ := h.journal.Events(h.model().detail.inc.ID)
	if len(ev) != 0 {
		t.Fatalf("read-only journaled %+v", ev)
	}
	h.keys("H")
	h.wantScreen("Hand off", "Message")
	if strings.Contains(h.screen(), "who takes over") {
		t.Fatalf("read-only asks whom to hand over to:\n%s", h.screen())
	}
}

// TestUpdateClockInTheTitleBar: at 80 columns, and narrower still, the
// title bar keeps the status update clock of a high-urgency incident,
// shortened rather than dropped; overdue, it says so.
func TestUpdateClockInTheTitleBar(t *testing.T) {
	for _, c := range []struct {
		w    int
		want string
	}{{160, "status update due in 6m · updated"}, {80, "status update due in 6m"}, {40, "update due 6m"}} {
		h := newHarness(t, c.w, 24)
		h.keys("enter")
		title := strings.Split(h.screen(), "\n")[0]
		if !strings.Contains(title, c.want) {
			t.Errorf("%d columns: title bar %q lacks %q", c.w, title, c.want)
		}
	}
	h := newHarness(t, 80, 24)
	h.keys("enter")
	h.clock.Set(epoch.Add(10 * time.Minute))
	h.send(clockTickMsg{gen: h.model().detail.gen})
	if title := strings.Split(h.screen(), "\n")[0]; !strings.Contains(title, "status update overdue by 4m") {
		t.Errorf("title bar %q", title)
	}
	h.keys("u", "enter") // the prefilled update resets it
	if title := strings.Split(h.screen(), "\n")[0]; !strings.Contains(title, "status update due in 20m") {
		t.Errorf("after an update the title bar says %q", title)
	}
}

// TestEscalateFormOffersTheLevels: the escalate form names the incident
// and lists its policy's levels with whom each pages, read from PagerDuty;
// a level past the last is refused there, one that exists escalates.
func TestEscalateFormOffersTheLevels(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter")
	in := h.model().detail.inc
	h.keys("E")
	h.wantScreen("on #1045", "level 1: Alex Rivera · 15 min before the next", "level 2: Jamal Okafor")
	h.typeText("3")
	h.keys("enter")
	h.wantScreen("Level: the policy has 2 level(s): 1 to 2")
	h.keys("backspace")
	h.typeText("2")
	h.keys("enter")
	if snap, _ := h.sim.Incident(in.ID); snap.EscalationLevel != 2 {
		t.Fatalf("escalation level %d, want 2", snap.EscalationLevel)
	}
}

// TestRoleHolderPickedOrExternal: the role form's person is picked from
// PagerDuty's users; a name typed for someone PagerDuty does not know is
// recorded marked external.
func TestRoleHolderPickedOrExternal(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter", "o")
	h.typeText("Vendor Vic")
	h.wantScreen("Vendor Vic (not in PagerDuty)", "on #1045")
	h.keys("enter")
	h.typeText("liaison")
	h.keys("enter")
	roles := h.events(incident.KindRole)
	if len(roles) != 1 || roles[0].Fields[incident.FieldPerson] != "Vendor Vic" || !incident.Flag(roles[0], incident.FieldExternal) {
		t.Fatalf("roles %+v", roles)
	}
	h.keys("o")
	h.typeText("jamal")
	h.keys("enter")
	h.typeText("sme")
	h.keys("enter")
	roles = h.events(incident.KindRole)
	if len(roles) != 2 || roles[1].Fields[incident.FieldPerson] != "Jamal Okafor" || incident.Flag(roles[1], incident.FieldExternal) {
		t.Fatalf("roles %+v", roles)
	}
}

// TestTakeAndHandoffBetweenResponders: Alex hands the commander role to
// Priya from the TUI (the document written to a file, the handoff
// journaled and sent); Priya takes it with one key; Alex's state then
// shows her as the commander who took it.
func TestTakeAndHandoffBetweenResponders(t *testing.T) {
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	t.Chdir(dir)
	alex := newMember(t, sim, srv.URL, clk, pdsim.DemoToken)
	priya := newMember(t, sim, srv.URL, clk, pdsim.UserToken(pdsim.EmailPriya))
	snap, _ := sim.IncidentByKey(pdsim.DemoCheckout)
	alex.open(snap.ID)
	priya.open(snap.ID)

	alex.keys("H")
	alex.wantScreen("Hand off", "on #1045")
	alex.keys("enter") // the role: the commander, prefilled
	alex.typeText("Priya Natarajan")
	alex.keys("enter")
	alex.typeText("replica lag is the open question")
	alex.keys("enter")
	// The status line ends with the handoff sent, naming the document.
	alex.wantScreen("handoff sent for #1045; the document is in " + dir)
	files, _ := filepath.Glob(filepath.Join(dir, "handoff-1045-*.md"))
	if len(files) != 1 {
		t.Fatalf("handoff files %v", files)
	}
	if tl := alex.line("handoff  "); !strings.Contains(tl, "Handoff: incident commander from Alex Rivera to Priya Natarajan") {
		t.Errorf("the timeline's handoff line: %q", tl)
	}
	doc, _ := os.ReadFile(files[0])
	if !strings.Contains(string(doc), "replica lag is the open question") {
		t.Errorf("the document lacks the message:\n%s", doc)
	}
	ho := alex.events(incident.KindHandoff)
	if len(ho) != 1 || ho[0].Fields[incident.FieldTo] != "Priya Natarajan" || ho[0].State != incident.Sent {
		t.Fatalf("handoff %+v", ho)
	}

	clk.Advance(time.Minute)
	priya.send(detailTickMsg{id: snap.ID, gen: priya.model().detail.gen})
	priya.keys("I")
	priya.wantScreen("Take a role: you, Priya Natarajan, now hold it", "on #1045")
	priya.keys("enter")
	taken := priya.events(incident.KindRole)
	if len(taken) != 1 || taken[0].Fields[incident.FieldPerson] != "Priya Natarajan" || !incident.Flag(taken[0], incident.FieldTaken) || taken[0].State != incident.Sent {
		t.Fatalf("take %+v", taken)
	}

	clk.Advance(time.Minute)
	alex.send(detailTickMsg{id: snap.ID, gen: alex.model().detail.gen})
	alex.toState()
	alex.wantScreen("incident commander: Priya Natarajan since", "took it", "LAST HANDOFF")
}

// TestListMarksTheState: back on the list, an incident just seen carries
// its update clock and its mitigation as a mark.
func TestListMarksTheState(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("enter", "M", "y", "esc")
	if h.model().screen != screenList {
		t.Fatal("not back on the list")
	}
	h.wantScreen("#1045 [upd 6m · mitigated]")
}
