package outbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store/outbox"
)

// An action that is not due yet reports the error of its last attempt
// (recorded by whichever process made it) and when it is due; the ones
// behind it say what they wait for, and wait as long.
func TestWaitingSaysWhy(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	first := e.append(a, incident.KindNote, "first")
	e.append(a, incident.KindNote, "second")
	due := t0.Add(time.Hour)
	if err := e.j.Postpone(a, first.ID, due, "add note: PagerDuty answered 429", false); err != nil {
		t.Fatal(err)
	}
	rep := e.drain(e.drainer())
	r0, r1 := rep.Results[0], rep.Results[1]
	if r0.Outcome != outbox.Waiting || r0.Err == nil || r0.Err.Error() != "add note: PagerDuty answered 429" || !r0.Next.Equal(due) {
		t.Fatalf("first: %+v", r0)
	}
	if r1.Outcome != outbox.Waiting || r1.Err == nil || !strings.Contains(r1.Err.Error(), "waits for an earlier action on incident "+a) || !r1.Next.Equal(due) {
		t.Fatalf("second: %+v", r1)
	}
	if e.sim.Requests(routeNotes) != 0 {
		t.Fatal("sent before due")
	}
}

// A caller that gives up mid-send interrupts the pass: its error says so,
// the action stays uncertain (the request may have gone), and no backoff
// is set, for it was not PagerDuty that failed.
func TestCancelledPass(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindNote, "one")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.setHook(func(w http.ResponseWriter, r *http.Request, sim http.Handler) bool {
		if r.Method != http.MethodPost {
			return false
		}
		cancel()
		<-r.Context().Done()
		return true
	})
	rep, err := e.drainer().Drain(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain error %v", err)
	}
	if r := rep.Results[0]; r.Outcome != outbox.Waiting || !r.Next.IsZero() {
		t.Fatalf("result %+v", r)
	}
	acts, _ := e.j.Outbox()
	if !acts[0].Uncertain || !acts[0].NextAttempt.IsZero() {
		t.Fatalf("journal %+v", acts[0])
	}
}

// A check that found no earlier attempt clears the doubt: if the send
// after it is turned away cleanly (429), or a Guard cannot read the
// incident before it, the action is no longer uncertain, and the next
// pass sends it without another settle period.
func TestCheckClearsTheDoubt(t *testing.T) {
	t.Run("note, then 429", func(t *testing.T) {
		e := newEnv(t)
		a := e.incident("checkout 5xx")
		ev := e.append(a, incident.KindNote, "one")
		if _, err := e.j.BeginAttempt(a, ev.ID, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		e.sim.Inject(pdsim.Fault{Route: routeNotes, Status: http.StatusTooManyRequests})
		e.drain(e.drainer())
		acts, _ := e.j.Outbox()
		if acts[0].Uncertain || e.sim.Requests(routeListNotes) != 1 {
			t.Fatalf("journal %+v after %d checks", acts[0], e.sim.Requests(routeListNotes))
		}
	})
	t.Run("acknowledge, then the guard cannot read", func(t *testing.T) {
		e := newEnv(t)
		a := e.incident("checkout 5xx")
		ev := e.append(a, incident.KindAcknowledge, "")
		if _, err := e.j.BeginAttempt(a, ev.ID, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		var gets atomic.Int32
		e.setHook(func(w http.ResponseWriter, r *http.Request, sim http.Handler) bool {
			if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/incidents/") && gets.Add(1) == 2 {
				http.Error(w, `{"error":{"message":"Internal Error","code":2000,"errors":[]}}`, http.StatusServiceUnavailable)
				return true
			}
			return false
		})
		rep := e.drain(e.drainer())
		acts, _ := e.j.Outbox()
		if outcomes(rep) != "waiting" || acts[0].Uncertain || gets.Load() != 2 || e.writes() != 0 {
			t.Fatalf("%q, journal %+v, %d reads, %d writes", outcomes(rep), acts[0], gets.Load(), e.writes())
		}
	})
}
