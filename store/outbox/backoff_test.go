package outbox_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store/outbox"
)

// The pass-wide backoff: each pass that PagerDuty turns away waits twice
// as long as the one before; a pass that gets everything through ends
// it, and one that gets something through before it is turned away
// starts it again from the first step. It is seen in the Next of an
// action the stopped pass did not try. Jitter is pinned at the middle:
// the wait after n failures is 0.75s * 2^(n-1).
func TestPassBackoffDoublesAndResets(t *testing.T) {
	e := newEnv(t)
	ids := []string{e.incident("first"), e.incident("second"), e.incident("watched")}
	slices.Sort(ids) // the outbox goes incident by incident, in id order
	first, second, watched := ids[0], ids[1], ids[2]
	d := e.drainer()        // Backoff 1s, MaxBackoff 1m, jitter at 0.5
	var failAt atomic.Int32 // the write that starts a 429 outage; 0: none
	var writes atomic.Int32
	e.setHook(func(w http.ResponseWriter, r *http.Request, sim http.Handler) bool {
		if r.Method == http.MethodPost && writes.Add(1) == failAt.Load() {
			e.sim.FailFor(http.StatusTooManyRequests, time.Hour)
		}
		return false
	})
	// waitOf makes a pass and returns how long the watched action is told
	// to wait, checking the outcomes.
	waitOf := func(want string) time.Duration {
		t.Helper()
		rep := e.drain(d)
		if got := outcomes(rep); got != want {
			t.Fatalf("outcomes %q, want %q", got, want)
		}
		for _, r := range rep.Results {
			if r.Event.IncidentID == watched {
				return r.Next.Sub(e.clock.Now())
			}
		}
		t.Fatal("the watched action is not in the report")
		return 0
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }

	e.append(first, incident.KindNote, "f1")
	e.append(watched, incident.KindNote, "w1")
	e.sim.FailFor(http.StatusTooManyRequests, time.Hour)
	for i, want := range []time.Duration{ms(750), ms(1500), ms(3000), ms(6000)} {
		if got := waitOf("waiting waiting"); got != want {
			t.Fatalf("after %d failed passes: wait %v, want %v", i+1, got, want)
		}
		e.clock.Advance(want + time.Second) // past the action's own backoff too
	}
	// Within the backoff: no request, and the wait does not grow.
	rep := e.drain(d)
	if r := rep.Results[1]; !strings.HasPrefix(r.Err.Error(), "not tried in this pass") {
		t.Fatalf("watched in a stopped pass: %v", r.Err)
	}
	writesBefore := writes.Load()
	if rep := e.drain(d); !strings.HasPrefix(rep.Results[0].Err.Error(), "backing off: ") || !errors.Is(rep.Results[0].Err, incident.ErrRateLimited) {
		t.Fatalf("within the backoff: %v", rep.Results[0].Err)
	}
	if got := waitOf("waiting waiting"); got != ms(12000) || writes.Load() != writesBefore {
		t.Fatalf("fifth failure: %v", got)
	}
	e.clock.Advance(500 * time.Millisecond)
	if got := waitOf("waiting waiting"); got != ms(11500) || writes.Load() != writesBefore {
		t.Fatalf("a pass within the backoff: wait %v, %d writes", got, writes.Load()-writesBefore)
	}

	// Everything through: the backoff is over; the next outage starts
	// from the first step.
	e.sim.FailFor(0, 0)
	e.clock.Advance(time.Hour)
	if got := outcomes(e.drain(d)); got != "sent sent" {
		t.Fatalf("outage over: %q", got)
	}
	e.append(first, incident.KindNote, "f2")
	e.append(watched, incident.KindNote, "w2")
	e.sim.FailFor(http.StatusTooManyRequests, time.Hour)
	if got := waitOf("waiting waiting"); got != ms(750) {
		t.Fatalf("first failure after a good pass: wait %v, want 750ms", got)
	}
	e.clock.Advance(time.Minute)
	if got := waitOf("waiting waiting"); got != ms(1500) {
		t.Fatalf("second failure: %v", got)
	}

	// A pass that sends f2, then meets a 429 at second's note: something
	// got through, so the backoff starts again from the first step.
	e.sim.FailFor(0, 0)
	e.append(second, incident.KindNote, "s1")
	failAt.Store(writes.Load() + 2)
	e.clock.Advance(time.Hour)
	if got := waitOf("sent waiting waiting"); got != ms(750) {
		t.Fatalf("a pass that made progress, then failed: wait %v, want 750ms", got)
	}
	e.wantNotes(first, "f1", "f2")
}

// An action's own backoff doubles with its attempts, up to MaxBackoff.
func TestActionBackoffDoublesUpToTheCap(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindNote, "one")
	d := outbox.New(e.j, e.src, outbox.Options{Now: e.clock.Now, Backoff: time.Second, MaxBackoff: 5 * time.Second,
		Rand: func() float64 { return 0 }})
	e.sim.FailFor(http.StatusTooManyRequests, 24*time.Hour)
	for i, want := range []time.Duration{500, 1000, 2000, 2500, 2500} {
		rep := e.drain(d)
		acts, _ := e.j.Outbox()
		if got := acts[0].NextAttempt.Sub(e.clock.Now()); got != want*time.Millisecond || rep.Results[0].Attempts != i+1 {
			t.Fatalf("attempt %d: next in %v, want %v", i+1, got, want*time.Millisecond)
		}
		e.clock.Advance(time.Minute)
	}
}

// A stopped pass moves every waiting action's Next to its backoff, but
// never earlier: an action settling past it keeps its own time.
func TestStoppedPassKeepsLaterTimes(t *testing.T) {
	e := newEnv(t)
	ids := []string{e.incident("settling"), e.incident("failing")}
	slices.Sort(ids)
	settling, failing := ids[0], ids[1]
	ev := e.append(settling, incident.KindNote, "maybe landed")
	if _, err := e.j.BeginAttempt(settling, ev.ID, t0); err != nil {
		t.Fatal(err)
	}
	e.append(failing, incident.KindNote, "one")
	e.sim.FailFor(http.StatusTooManyRequests, time.Hour)
	rep := e.drain(e.drainer())
	if got := outcomes(rep); got != "waiting waiting" {
		t.Fatalf("outcomes %q", got)
	}
	if r := rep.Results[0]; !r.Next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("the settling note is due at %v, want %v", r.Next, t0.Add(time.Minute))
	}
	if r := rep.Results[1]; !r.Next.Equal(t0.Add(750 * time.Millisecond)) {
		t.Fatalf("the refused note is due at %v", r.Next)
	}
}
