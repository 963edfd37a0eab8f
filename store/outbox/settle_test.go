package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store/outbox"
)

const routeListNotes = "GET /incidents/{id}/notes"

// holder is a slow link in front of the simulator: it holds the first
// note post, long after the client gave up on it, and delivers it when
// the test says so, as a proxy that queues writes would.
type holder struct {
	release chan struct{} // close to deliver the held request
	landed  chan struct{} // closed once the simulator has stored it
	held    atomic.Int32
	during  func() // runs while the request is held, before the client gives up
}

func newHolder() *holder {
	return &holder{release: make(chan struct{}), landed: make(chan struct{})}
}

func (h *holder) hook(w http.ResponseWriter, r *http.Request, sim http.Handler) bool {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/notes") || h.held.Add(1) > 1 {
		return false
	}
	body, _ := io.ReadAll(r.Body)
	late := r.Clone(context.Background())
	go func() {
		<-h.release
		late.Body = io.NopCloser(bytes.NewReader(body))
		sim.ServeHTTP(httptest.NewRecorder(), late)
		close(h.landed)
	}()
	if h.during != nil {
		h.during()
	}
	<-r.Context().Done() // the client gives up; no answer goes back
	return true
}

// The slow-request duplicate: a write held on its way past the client's
// deadline, then a second attempt. The outbox does not check, let alone
// send, while the first could still land; once the settle period has
// passed the check finds it; PagerDuty holds the note exactly once.
func TestHeldRequestThenSecondAttempt(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	ev := e.append(a, incident.KindNote, "rolled back 4.12")
	h := newHolder()
	e.setHook(h.hook)
	d := outbox.New(e.j, e.src, outbox.Options{Now: e.clock.Now, Backoff: time.Second, MaxBackoff: time.Minute,
		Rand: func() float64 { return 0.5 }, AttemptTimeout: 20 * time.Second, Settle: time.Minute})

	rep := e.drain(d)
	if got := outcomes(rep); got != "waiting" || !errors.Is(rep.Results[0].Err, incident.ErrUnreachable) {
		t.Fatalf("the held attempt: %q %v", got, rep.Results[0].Err)
	}
	// oncall sync asks for everything now, twice, within the settle
	// period: neither looks at PagerDuty nor posts.
	for _, after := range []time.Duration{2 * time.Second, 59 * time.Second} {
		e.clock.Set(t0.Add(after))
		rep, err := d.Flush(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		r := rep.Results[0]
		if r.Outcome != outbox.Waiting || !errors.Is(r.Err, outbox.ErrSettling) || r.Attempted || !r.Next.Equal(t0.Add(time.Minute)) {
			t.Fatalf("Flush %s after the attempt began: %+v", after, r)
		}
		if !strings.Contains(r.Err.Error(), "14:01:00 UTC") {
			t.Errorf("the wait does not say when the check comes: %v", r.Err)
		}
		if n, c := h.held.Load(), e.sim.Requests(routeListNotes); n != 1 || c != 0 {
			t.Fatalf("Flush %s after the attempt began: %d posts, %d checks", after, n, c)
		}
	}
	// The held request arrives, late.
	close(h.release)
	<-h.landed
	e.clock.Set(t0.Add(time.Minute))
	rep, err := d.Flush(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(rep); got != "landed" {
		t.Fatalf("after the settle period: %q", got)
	}
	e.wantNotes(a, "rolled back 4.12")
	if _, tags := e.notes(a); tags[0] != ev.ID {
		t.Fatalf("tags %v", tags)
	}
	if n, held := e.sim.Requests(routeNotes), h.held.Load(); n != 1 || held != 1 {
		t.Fatalf("%d note posts reached the simulator, %d the link", n, held)
	}
}

// The settle period runs from when the attempt began, not from when it
// gave up: a request may be delivered as late as Settle after it was sent,
// however long the client waited for it.
func TestSettleCountsFromTheAttemptsStart(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindNote, "pool at 98%")
	h := newHolder()
	h.during = func() { e.clock.Advance(50 * time.Second) } // a slow attempt, by the drainer's clock
	e.setHook(h.hook)
	d := outbox.New(e.j, e.src, outbox.Options{Now: e.clock.Now, Backoff: time.Second, MaxBackoff: time.Minute,
		Rand: func() float64 { return 0.5 }, Settle: time.Minute})
	e.drain(d)
	acts, _ := e.j.Outbox()
	if !acts[0].LastAttempt.Equal(t0) || !acts[0].Uncertain {
		t.Fatalf("journaled attempt %+v", acts[0])
	}
	e.clock.Set(t0.Add(time.Minute - time.Second))
	if got := outcomes(e.drain(d)); got != "waiting" || e.sim.Requests(routeListNotes) != 0 {
		t.Fatalf("a second before the settle period ends: %q", got)
	}
	e.clock.Set(t0.Add(time.Minute))
	rep := e.drain(d)
	if e.sim.Requests(routeListNotes) == 0 {
		t.Fatalf("not checked when the settle period ended: %q", outcomes(rep))
	}
	// Never delivered: the check finds nothing, and the note goes once.
	if got := outcomes(rep); got != "sent" {
		t.Fatalf("after the settle period: %q", got)
	}
	e.wantNotes(a, "pool at 98%")
}

// Each attempt runs under AttemptTimeout whatever the caller's ctx: a
// server that never answers costs one attempt's time, leaves the action
// uncertain and backing off (not "interrupted", which would retry at
// once), and the pass goes on being one pass.
func TestAttemptTimeoutBoundsAnAttempt(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindNote, "one")
	slow, err := pagerdutyClient(e, time.Hour) // the adapter's own deadline is no help
	if err != nil {
		t.Fatal(err)
	}
	e.setHook(func(w http.ResponseWriter, r *http.Request, sim http.Handler) bool {
		if r.Method != http.MethodPost {
			return false
		}
		<-r.Context().Done()
		return true
	})
	d := outbox.New(e.j, slow, outbox.Options{Now: e.clock.Now, Backoff: time.Second, MaxBackoff: time.Minute,
		Rand: func() float64 { return 0.5 }, AttemptTimeout: 300 * time.Millisecond})
	done := make(chan outbox.Report, 1)
	go func() {
		rep, _ := d.Drain(context.Background())
		done <- rep
	}()
	var rep outbox.Report
	select {
	case rep = <-done:
	case <-time.After(time.Minute):
		t.Fatal("Drain still waiting for a server that never answers")
	}
	r := rep.Results[0]
	if r.Outcome != outbox.Waiting || r.Next.IsZero() || !errors.Is(r.Err, incident.ErrUnreachable) {
		t.Fatalf("result %+v", r)
	}
	acts, _ := e.j.Outbox()
	if !acts[0].Uncertain || acts[0].NextAttempt.IsZero() {
		t.Fatalf("journal %+v", acts[0])
	}
}

// A Landed check that cannot be made is no verdict: whatever the check
// meets (an outage, a refusal, a rate limit, a refused token), the action
// neither fails nor goes out blind. It waits, still uncertain, and is
// checked again next time, a forced pass included. Only what speaks of
// PagerDuty or the token as a whole holds up other incidents.
func TestFailedCheckWaits(t *testing.T) {
	for _, c := range []struct {
		name     string
		status   int
		sentry   error
		passWide bool
	}{
		{"503", http.StatusServiceUnavailable, incident.ErrUnreachable, true},
		{"403", http.StatusForbidden, incident.ErrForbidden, false},
		{"404", http.StatusNotFound, incident.ErrNotFound, false},
		{"400", http.StatusBadRequest, nil, false},
		{"429", http.StatusTooManyRequests, incident.ErrRateLimited, true},
		{"401", http.StatusUnauthorized, incident.ErrUnauthorized, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			ids := []string{e.incident("checkout 5xx"), e.incident("search slow")}
			slices.Sort(ids)
			a, other := ids[0], ids[1]
			e.append(other, incident.KindNote, "elsewhere")
			ev := e.append(a, incident.KindNote, "uncertain")
			after := e.append(a, incident.KindNote, "after")
			// An attempt whose answer was lost, long enough ago to check.
			if _, err := e.j.BeginAttempt(a, ev.ID, t0.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			d := e.drainer()
			for pass := range 2 {
				e.sim.Inject(pdsim.Fault{Route: routeListNotes, Status: c.status})
				var rep outbox.Report
				var err error
				if pass == 0 {
					rep, err = d.Drain(context.Background())
				} else {
					rep, err = d.Flush(context.Background(), "")
				}
				if c.status == http.StatusUnauthorized != errors.Is(err, incident.ErrUnauthorized) {
					t.Fatalf("pass %d: Drain error %v", pass, err)
				}
				want := map[bool]string{true: "waiting waiting waiting", false: "waiting waiting sent"}[c.passWide]
				if pass == 1 && !c.passWide {
					want = "waiting waiting"
				}
				if got := outcomes(rep); got != want {
					t.Fatalf("pass %d: %q, want %q", pass, got, want)
				}
				if r := rep.Results[0]; !r.Attempted || c.sentry != nil && !errors.Is(r.Err, c.sentry) {
					t.Fatalf("pass %d: result %+v", pass, r)
				}
				if texts, _ := e.notes(a); len(texts) != 0 {
					t.Fatalf("pass %d: sent blind after a failed check: %q", pass, texts)
				}
				if chk := e.sim.Requests(routeListNotes); chk != pass+1 {
					t.Fatalf("pass %d: %d checks", pass, chk)
				}
				acts, _ := e.j.Outbox()
				if len(acts) < 2 || !acts[0].Uncertain || acts[0].Attempts != 1 || acts[1].Attempts != 0 {
					t.Fatalf("pass %d: journal %+v", pass, acts)
				}
				e.clock.Advance(time.Hour)
			}
			rep := e.drain(d)
			if got := outcomes(rep); !strings.HasPrefix(got, "sent sent") {
				t.Fatalf("once the check works: %q", got)
			}
			e.wantNotes(other, "elsewhere")
			e.wantNotes(a, "uncertain", "after")
			if _, tags := e.notes(a); tags[1] != after.ID {
				t.Fatalf("tags %v", tags)
			}
		})
	}
}

// pagerdutyClient is the real adapter to e's simulator with its own
// per-call deadline.
func pagerdutyClient(e *env, timeout time.Duration) (*pagerduty.Client, error) {
	return pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: "http://" + e.addr,
		From: pdsim.DemoUserEmail, Timeout: timeout, MaxRetries: -1, RequestsPerMinute: -1})
}
