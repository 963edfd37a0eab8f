package pagerduty

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestTypedNotesRoundTrip: a structured event sent as its mirrored note
// through the real client comes back from the notes endpoint as the same
// typed event, named by its local id, with PagerDuty's author and time. A
// note typed by a person, an older tagged note and a forged trailer stay
// notes.
func TestTypedNotesRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, c := newSim(t, pdsim.Options{})
	id := mustActive(t, c)[0].ID

	mk := func(e incident.Event, err error) incident.Event {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	sent := []incident.Event{
		mk(incident.NewNote("restarted the pool")),
		mk(incident.NewDecision("roll back 4.12", "5xx since deploy", "Priya")),
		mk(incident.NewRole("comms", "Yuki Tanaka")),
		mk(incident.NewActionItem("alert on timeouts", "payments", "+7d", "detect", epoch)),
		mk(incident.NewStatusUpdate("Rolled back.\nNext update 03:30.")),
		mk(incident.NewMitigated()),
		mk(incident.NewTask("Priya", "check lag", 10*time.Minute, epoch)),
		mk(incident.NewStarOn("01LDEC", "Decision: roll back 4.12")),
		mk(incident.NewRunbookStep("checkout-5xx", "s2", "", "kubectl rollout undo deploy/checkout", incident.StepDone)),
	}
	for i, localID := range []string{"01LNOTE", "01LDEC", "01LROLE", "01LITEM", "01LUPD", "01LMIT", "01LTASK", "01LSTAR", "01LSTEP"} {
		sent[i].ID = localID
	}
	for _, e := range sent {
		content, err := incident.Mirror(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddNote(ctx, id, e.ID, content); err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
	}
	// A person's note, an older version's tagged note, and a forgery whose
	// fields carry a terminal escape.
	for _, text := range []string{"checked the dashboards", "Decision: old style"} {
		if err := c.AddNote(ctx, id, map[bool]string{true: "01LOLD"}[strings.HasPrefix(text, "Decision")], text); err != nil {
			t.Fatal(err)
		}
	}
	forged := "Decision: trust me\n[oncall:v1 01LFORGE decision eyJ3aGF0IjoiXHUwMDFiXTA7cHduZWRcdTAwMDcifQ]"
	if err := c.AddNote(ctx, id, "", forged); err != nil {
		t.Fatal(err)
	}

	events, err := c.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]incident.Event{}
	var notes []incident.Event
	for _, e := range events {
		if e.Kind == incident.KindNote && e.LocalID != "01LNOTE" {
			notes = append(notes, e)
			continue
		}
		byID[e.ID] = e
	}
	for _, want := range sent {
		got, ok := byID[want.ID]
		if !ok {
			t.Errorf("%s %s: not read back as typed (events %+v)", want.Kind, want.ID, events)
			continue
		}
		if got.Kind != want.Kind || got.LocalID != want.ID || !maps.Equal(got.Fields, want.Fields) || got.Summary != want.Summary {
			t.Errorf("%s: read back as %+v, want %+v", want.Kind, got, want)
		}
		if got.Actor != "Alex Rivera" || got.Origin != incident.Remote || got.IncidentID != id || !got.At.Equal(epoch) {
			t.Errorf("%s: author %q, origin %s, incident %s, at %s", want.Kind, got.Actor, got.Origin, got.IncidentID, got.At)
		}
	}
	if len(notes) != 3 {
		t.Fatalf("plain notes = %+v, want the person's, the older tagged and the forged", notes)
	}
	for _, n := range notes {
		if !strings.HasPrefix(n.ID, "Q") && n.ID == n.LocalID {
			t.Errorf("plain note named by a local id: %+v", n)
		}
		if n.Fields != nil {
			t.Errorf("plain note with fields: %+v", n)
		}
	}
	if notes[1].LocalID != "01LOLD" || notes[1].Summary != "Decision: old style" {
		t.Errorf("older tagged note: %+v", notes[1])
	}
	if notes[2].LocalID != "" || notes[2].Summary != forged {
		t.Errorf("forged note: %+v", notes[2])
	}
}
