package outbox_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store/outbox"
)

// structured journals one event of every mirrored kind, built by the
// vocabulary's constructors as the TUI and the verbs build them.
func structured(t *testing.T, e *env, incidentID string) []incident.Event {
	t.Helper()
	build := []func() (incident.Event, error){
		func() (incident.Event, error) { return incident.NewNote("pool at 98%") },
		func() (incident.Event, error) {
			return incident.NewDecision("roll back 4.12", "5xx since the deploy", "Priya")
		},
		func() (incident.Event, error) { return incident.NewRole("ic", "Alex Rivera") },
		func() (incident.Event, error) {
			return incident.NewActionItem("alert on acquirer timeouts", "payments", "+7d", "detect", t0)
		},
		func() (incident.Event, error) {
			return incident.NewStatusUpdate("Failing over; next update in 20 min.")
		},
		func() (incident.Event, error) { return incident.NewMitigated() },
		func() (incident.Event, error) {
			return incident.NewTask("Priya", "check replica lag", 10*time.Minute, t0)
		},
		func() (incident.Event, error) { return incident.NewStarOn("Q0TRIGGER", "Triggered") },
		func() (incident.Event, error) {
			return incident.NewRunbookStep("checkout-5xx", "s1", "", "kubectl rollout undo deploy/checkout", incident.StepDone)
		},
		func() (incident.Event, error) {
			return incident.NewCommandResult(incident.CommandResult{RunID: "r1", ExitCode: 3, Duration: time.Second, Host: "laptop",
				Tail: "connection refused", Status: incident.RunFailed, Runbook: "checkout-5xx", Step: "check-acquirer"})
		},
		func() (incident.Event, error) {
			return incident.NewItemUpdate("L0TASK", incident.ChangeExtended, incident.ItemDue("2026-11-21T04:00:00Z"), incident.ItemLabel("check replica lag"))
		},
		func() (incident.Event, error) {
			return incident.NewHandoff("ic", "Alice", "Bob", "the rollback is at 60%")
		},
		func() (incident.Event, error) {
			return incident.NewCountermeasure("checkout-2026-q4", "checkout-bad-deploy", "during", "Roll back to the previous release", "", incident.ChangeDone)
		},
	}
	var out []incident.Event
	for _, b := range build {
		ev, err := b()
		if err != nil {
			t.Fatal(err)
		}
		ev.Actor = pdsim.DemoUserEmail
		if ev, err = e.j.Append(incidentID, ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// TestDrainMirrorsEveryKindTyped: each mirrored kind, stars and runbook
// steps included, leaves the outbox as one note that the real adapter reads
// back as the same typed event; a status update is posted to PagerDuty's
// status updates as well.
func TestDrainMirrorsEveryKindTyped(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	journaled := structured(t, e, a)
	kinds := map[incident.Kind]bool{}
	for _, ev := range journaled {
		kinds[ev.Kind] = true
	}
	for _, k := range incident.MirroredKinds {
		if !kinds[k] {
			t.Fatalf("kind %s is mirrored but not journaled here", k)
		}
	}
	rep := e.drain(e.drainer())
	if rep.Count(outbox.Sent) != len(journaled) || !rep.Done() {
		t.Fatalf("outcomes %q", outcomes(rep))
	}
	if e.pending() != 0 {
		t.Fatal("outbox not empty")
	}
	notes := e.sim.Notes(a)
	if len(notes) != len(journaled) {
		t.Fatalf("%d notes for %d events", len(notes), len(journaled))
	}
	for _, n := range notes {
		lines := strings.Split(n.Content, "\n")
		if !strings.HasPrefix(lines[len(lines)-1], "[oncall:v1 ") || len([]rune(n.Content)) > incident.NoteLimit {
			t.Errorf("note without a trailer on its last line, or too long: %q", n.Content)
		}
	}
	events, err := e.src.Events(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range journaled {
		var got []incident.Event
		for _, ev := range events {
			if ev.LocalID == want.ID {
				got = append(got, ev)
			}
		}
		if len(got) != 1 || got[0].Kind != want.Kind || !maps.Equal(got[0].Fields, want.Fields) || got[0].Summary != want.Summary {
			t.Errorf("%s %s read back as %+v", want.Kind, want.ID, got)
		}
	}
	ups := e.sim.StatusUpdates(a)
	if len(ups) != 1 || ups[0].Message != "Failing over; next update in 20 min." {
		t.Fatalf("status updates %+v", ups)
	}
}

// TestStatusUpdateRetryFindsItsNote: the status update is posted before
// its note, so when the note's answer is lost the check finds the note and
// neither is sent again.
func TestStatusUpdateRetryFindsItsNote(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	up, err := incident.NewStatusUpdate("Rolled back; watching error rates.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.j.Append(a, up); err != nil {
		t.Fatal(err)
	}
	var faults atomic.Int32
	e.setHook(func(w http.ResponseWriter, r *http.Request, sim http.Handler) bool {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/notes") || faults.Add(1) > 1 {
			return false
		}
		sim.ServeHTTP(httptest.NewRecorder(), r) // applied, answer lost
		hangUp(w, r)
		return true
	})
	d := e.drainer()
	if rep := e.drain(d); outcomes(rep) != "waiting" {
		t.Fatalf("first pass: %q", outcomes(rep))
	}
	e.clock.Advance(time.Minute)
	if rep := e.drain(d); outcomes(rep) != "landed" {
		t.Fatalf("second pass: %q", outcomes(rep))
	}
	if n := len(e.sim.StatusUpdates(a)); n != 1 {
		t.Errorf("%d status updates: the retry posted it again", n)
	}
	if n := len(e.sim.Notes(a)); n != 1 {
		t.Errorf("%d notes", n)
	}
}
