package outbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store/outbox"
)

// Errors name what failed: the journal is never "PagerDuty could not be
// reached", and "it reached PagerDuty but could not be recorded" is said
// exactly when a send succeeded and its record did not.
func TestErrorsNameWhatFailed(t *testing.T) {
	for _, c := range []struct {
		name       string
		setup      func(e *env, f *flakyJournal, ev incident.Event)
		journal    bool // ErrJournal
		unrecorded bool // ErrUnrecorded
		reached    bool // PagerDuty holds the note afterwards
		sentinel   error
	}{
		{"the outbox cannot be read", func(e *env, f *flakyJournal, ev incident.Event) {
			f.failOn("Outbox", "", "input/output error")
		}, true, false, false, nil},
		{"the attempt cannot be recorded", func(e *env, f *flakyJournal, ev incident.Event) {
			f.failOn("BeginAttempt", ev.ID, "no space left on device")
		}, true, false, false, nil},
		{"the send cannot be recorded", func(e *env, f *flakyJournal, ev incident.Event) {
			f.failOn("SetState", ev.ID, "no space left on device")
		}, true, true, true, nil},
		{"a landed note cannot be recorded", func(e *env, f *flakyJournal, ev incident.Event) {
			if _, err := e.j.BeginAttempt(ev.IncidentID, ev.ID, t0.Add(-time.Hour)); err != nil {
				e.t.Fatal(err)
			}
			if err := e.src.AddNote(context.Background(), ev.IncidentID, ev.ID, ev.Summary); err != nil {
				e.t.Fatal(err)
			}
			f.failOn("SetState", ev.ID, "no space left on device")
		}, true, true, true, nil},
		{"a refusal cannot be recorded", func(e *env, f *flakyJournal, ev incident.Event) {
			e.sim.Inject(pdsim.Fault{Route: routeNotes, Status: http.StatusBadRequest})
			f.failOn("SetState", ev.ID, "no space left on device")
		}, true, false, false, nil},
		{"an outage cannot be recorded", func(e *env, f *flakyJournal, ev incident.Event) {
			e.sim.Inject(pdsim.Fault{Route: routeNotes, Status: http.StatusServiceUnavailable})
			f.failOn("Postpone", ev.ID, "no space left on device")
		}, true, false, false, nil},
		{"PagerDuty is down", func(e *env, f *flakyJournal, ev incident.Event) {
			e.down()
		}, false, false, false, incident.ErrUnreachable},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.incident("checkout 5xx")
			ev := e.append(a, incident.KindNote, "pool at 98%")
			f := newFlaky(e.j)
			c.setup(e, f, ev)
			rep, err := e.flakyDrainer(f).Drain(context.Background())
			why := err
			if len(rep.Results) > 0 {
				why = rep.Results[0].Err
				if rep.Results[0].Outcome != outbox.Waiting {
					t.Fatalf("outcome %s", rep.Results[0].Outcome)
				}
			}
			if why == nil {
				t.Fatal("no error")
			}
			if errors.Is(why, outbox.ErrJournal) != c.journal || errors.Is(err, outbox.ErrJournal) != c.journal {
				t.Errorf("ErrJournal: result %v, pass %v", why, err)
			}
			if errors.Is(why, outbox.ErrUnrecorded) != c.unrecorded {
				t.Errorf("ErrUnrecorded: %v", why)
			}
			if c.journal && errors.Is(why, incident.ErrUnreachable) {
				t.Errorf("a journal failure reads as PagerDuty unreachable: %v", why)
			}
			if c.sentinel != nil && !errors.Is(why, c.sentinel) {
				t.Errorf("%v does not wrap %v", why, c.sentinel)
			}
			msg := why.Error()
			if c.journal && !strings.Contains(msg, "no space left on device") && !strings.Contains(msg, "input/output error") {
				t.Errorf("the journal's own error is lost: %q", msg)
			}
			if c.unrecorded && !strings.Contains(msg, "the note reached PagerDuty, but its result could not be recorded in the journal") {
				t.Errorf("message %q", msg)
			}
			if texts, _ := e.notes(a); (len(texts) == 1) != c.reached || len(texts) > 1 {
				t.Errorf("notes on PagerDuty: %q", texts)
			}
			// Whatever failed, the note is still queued.
			if e.pending() != 1 {
				t.Fatalf("%d pending", e.pending())
			}
		})
	}
}
