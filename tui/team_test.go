package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/store/outbox"
)

// member is one responder's oncall: their own token, their own journal
// (a bbolt file of their own) and the real TUI model, against the team's
// one simulator.
type member struct {
	*harness
	src *pagerduty.Client
}

func newMember(t *testing.T, sim *pdsim.Server, url string, clk *pdsim.Clock, token string, tweak ...func(*Options)) member {
	t.Helper()
	whoAmI := func(o *Options) { o.WhoAmI = o.Source.(*pagerduty.Client).Me }
	h, src := attachHarness(t, sim, url, clk, token, 140, 50, append([]func(*Options){whoAmI}, tweak...)...)
	return member{harness: h, src: src}
}

// open shows the incident's detail screen.
func (m member) open(id string) {
	m.t.Helper()
	for i, in := range m.model().list.incidents {
		if in.ID == id {
			m.list(i)
			m.keys("enter")
			if m.model().detail.inc.ID != id {
				m.t.Fatalf("opened %s, not %s", m.model().detail.inc.ID, id)
			}
			return
		}
	}
	m.t.Fatalf("incident %s not in the list", id)
}

// draft is the JSON postmortem draft this member would write now.
func (m member) draft(id string) map[string]any {
	m.t.Helper()
	ctx := context.Background()
	inc, err := m.src.Get(ctx, id)
	if err != nil {
		m.t.Fatal(err)
	}
	remote, err := m.src.Events(ctx, id)
	if err != nil {
		m.t.Fatal(err)
	}
	local, err := m.journal.Events(id)
	if err != nil {
		m.t.Fatal(err)
	}
	var b bytes.Buffer
	if err := postmortem.JSON(&b, postmortem.Input{Incident: inc, Timeline: incident.Merge(remote, local), Now: m.clock.Now(), Location: time.UTC}); err != nil {
		m.t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		m.t.Fatal(err)
	}
	return out
}

// TestTeamSharesTheMinutes: the incident commander (Alex) logs every
// structured kind through the TUI, and one through the outbox alone as the
// command line does; a second responder (Priya), with her own token and an
// empty journal of her own, sees each of them typed and once, her "update
// due" clock restarts from Alex's status update, and her draft has the
// same minutes as his. Alex's own timeline shows each event once.
func TestTeamSharesTheMinutes(t *testing.T) {
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	priyaToken := pdsim.UserToken(pdsim.EmailPriya)
	if priyaToken == "" {
		t.Fatal("the simulator has no token for Priya")
	}
	alex := newMember(t, sim, srv.URL, clk, pdsim.DemoToken, withShippedRunbooks(t))
	priya := newMember(t, sim, srv.URL, clk, priyaToken)
	snap, _ := sim.IncidentByKey(pdsim.DemoCheckout)
	id := snap.ID
	step := func() { clk.Advance(time.Minute) }

	// Alex, in the TUI: a runbook step, a note, a decision, a follow-up, a
	// role, a status update, a task, the mitigation mark, and a star.
	alex.open(id)
	alex.keys("tab", "tab")
	if alex.model().detail.focus != paneRunbook {
		t.Fatal("tab twice did not reach the runbook pane")
	}
	alex.keys("x", "tab", "tab") // past the state pane, back to the timeline
	step()
	alex.keys("n")
	alex.typeText("pool at 98%, raising it")
	alex.keys("enter")
	step()
	alex.keys("d")
	alex.typeText("roll back checkout-api to 4.11")
	alex.keys("tab")
	alex.typeText("5xx started with 4.12")
	alex.keys("tab")
	alex.typeText("Priya")
	alex.keys("enter")
	step()
	alex.keys("f")
	alex.typeText("alert on deploy error rate")
	alex.keys("tab")
	alex.typeText("checkout team")
	alex.keys("tab")
	alex.typeText("+7d")
	alex.keys("tab")
	alex.typeText("detect")
	alex.keys("enter")
	step()
	alex.keys("o") // the person from PagerDuty's users, then the role
	alex.typeText("Alex Rivera")
	alex.keys("enter")
	alex.typeText("ic")
	alex.keys("enter")
	step()
	alex.keys("u", "enter") // the prefilled update
	step()
	alex.keys("T")
	alex.typeText("Priya")
	alex.keys("tab")
	alex.typeText("check replica lag")
	alex.keys("tab")
	alex.typeText("10")
	alex.keys("enter")
	step()
	alex.keys("M", "y")
	step()
	alex.keys("r")
	starred, ok := alex.model().detail.Selected()
	if !ok {
		t.Fatal("nothing selected to star")
	}
	alex.keys("s")
	step()

	// And one decision the way the command line records it: journaled,
	// then sent by the outbox.
	cli, err := incident.NewDecision("freeze deploys to checkout until Monday", "", "")
	if err != nil {
		t.Fatal(err)
	}
	cli.Actor = "Alex Rivera"
	if _, err := alex.journal.Append(id, cli); err != nil {
		t.Fatal(err)
	}
	rep, err := outbox.New(alex.journal, alex.src, outbox.Options{}).Drain(context.Background())
	if err != nil || !rep.Done() {
		t.Fatalf("outbox: %+v %v", rep, err)
	}

	journaled, err := alex.journal.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[incident.Kind]int{}
	for _, e := range journaled {
		kinds[e.Kind]++
		if e.State != incident.Sent {
			t.Errorf("Alex's %s %s is %s: %s", e.Kind, e.ID, e.State, e.Error)
		}
	}
	// Kinds recorded only by other commands (a runbook command's run,
	// the commander's state verbs, a pre-mortem) are theirs to test.
	notFromHere := map[incident.Kind]bool{incident.KindCommand: true, incident.KindCommandResult: true,
		incident.KindItemUpdate: true, incident.KindHandoff: true, incident.KindCountermeasure: true}
	for _, k := range incident.MirroredKinds {
		if kinds[k] == 0 && !notFromHere[k] {
			t.Fatalf("Alex logged no %s (journal %v)", k, kinds)
		}
	}

	// Priya sees each of Alex's events typed, by him, once.
	priya.open(id)
	tl := priya.model().detail.timeline
	for _, want := range journaled {
		var got []incident.Event
		for _, e := range tl {
			if e.ID == want.ID || e.LocalID == want.ID {
				got = append(got, e)
			}
		}
		if want.Kind == incident.KindStar {
			if len(got) != 0 || !priya.model().detail.starred[want.Fields[incident.FieldEventID]] {
				t.Errorf("Alex's star on %s is not a mark on Priya's timeline", want.Fields[incident.FieldEventID])
			}
			continue
		}
		if len(got) != 1 {
			t.Errorf("Priya sees Alex's %s %s %d times", want.Kind, want.ID, len(got))
			continue
		}
		g := got[0]
		if g.Kind != want.Kind || !maps.Equal(g.Fields, want.Fields) || g.Actor != "Alex Rivera" || g.Origin != incident.Remote {
			t.Errorf("Priya sees Alex's %s as %+v", want.Kind, g)
		}
	}
	if starred.ID == "" || !priya.model().detail.starred[starred.ID] {
		t.Errorf("the event Alex starred (%s) is not starred for Priya", starred.ID)
	}
	// Her update clock restarts from his status update.
	var update incident.Event
	for _, e := range tl {
		if e.Kind == incident.KindStatusUpdate {
			update = e
		}
	}
	if update.At.IsZero() || !priya.model().detail.lastUpdate.Equal(update.At) {
		t.Errorf("Priya's last status update is %s, Alex posted at %s", priya.model().detail.lastUpdate, update.At)
	}
	priya.wantScreen("status update due in")
	// On her screen they read as their kinds, not as notes with a trailer.
	priya.wantScreen("decision  Alex Rivera: Decision: roll back checkout-api to 4.11 (why: 5xx started with 4.12); executes: Priya",
		"role      Alex Rivera: Role: Alex Rivera is incident commander",
		"follow-up Alex Rivera: Action item (detect): alert on deploy error rate; owner: checkout team")
	if s := priya.screen(); strings.Contains(s, "[oncall:") || strings.Contains(s, "note      Alex Rivera: Decision") {
		t.Errorf("a mirrored note shows as a note:\n%s", s)
	}

	// Alex's own timeline: each event once, the mirror standing for the
	// journal's copy.
	alex.keys("r")
	seen := map[string]int{}
	for _, e := range alex.model().detail.timeline {
		if e.ID != "" {
			seen[e.ID]++
		}
		if e.LocalID != "" && e.LocalID != e.ID {
			seen[e.LocalID]++
		}
	}
	for _, e := range journaled {
		if e.Kind != incident.KindStar && seen[e.ID] != 1 {
			t.Errorf("Alex sees his %s %s %d times", e.Kind, e.ID, seen[e.ID])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("Alex's timeline shows %s %d times", id, n)
		}
	}

	// The two drafts have the same minutes.
	a, b := alex.draft(id), priya.draft(id)
	for _, key := range []string{"roles", "decisions", "action_items", "status_updates", "key_moments", "runbook_steps"} {
		if !reflect.DeepEqual(a[key], b[key]) {
			t.Errorf("drafts differ in %s:\nAlex's  %v\nPriya's %v", key, a[key], b[key])
		}
		if l, _ := a[key].([]any); len(l) == 0 {
			t.Errorf("Alex's draft has no %s", key)
		}
	}
	am, bm := a["metrics"].(map[string]any), b["metrics"].(map[string]any)
	if am["mitigated_at"] == nil || am["mitigated_at"] != bm["mitigated_at"] {
		t.Errorf("mitigated_at: Alex's %v, Priya's %v", am["mitigated_at"], bm["mitigated_at"])
	}
	if d, _ := a["decisions"].([]any); len(d) != 2 {
		t.Errorf("decisions in Alex's draft: %v", a["decisions"])
	}
}
