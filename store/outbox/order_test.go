package outbox_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// flakyJournal is the real journal, with failures switched on by the test
// per method and event, and a count of outbox reads (one per pass).
type flakyJournal struct {
	*store.Store
	mu       sync.Mutex
	fail     map[string]string // "method eventID" -> error text
	outboxes int
	read     chan struct{} // if set, hears of every outbox read
}

func newFlaky(j *store.Store) *flakyJournal {
	return &flakyJournal{Store: j, fail: map[string]string{}}
}

func (f *flakyJournal) failOn(method, eventID, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if text == "" {
		delete(f.fail, method+" "+eventID)
		return
	}
	f.fail[method+" "+eventID] = text
}

func (f *flakyJournal) err(method, eventID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if text, ok := f.fail[method+" "+eventID]; ok {
		return errors.New(text)
	}
	return nil
}

func (f *flakyJournal) Outbox() ([]store.Action, error) {
	f.mu.Lock()
	f.outboxes++
	read := f.read
	f.mu.Unlock()
	if read != nil {
		read <- struct{}{}
	}
	if err := f.err("Outbox", ""); err != nil {
		return nil, err
	}
	return f.Store.Outbox()
}

func (f *flakyJournal) BeginAttempt(incidentID, eventID string, at time.Time) (store.Action, error) {
	if err := f.err("BeginAttempt", eventID); err != nil {
		return store.Action{}, err
	}
	return f.Store.BeginAttempt(incidentID, eventID, at)
}

func (f *flakyJournal) Postpone(incidentID, eventID string, next time.Time, errText string, uncertain bool) error {
	if err := f.err("Postpone", eventID); err != nil {
		return err
	}
	return f.Store.Postpone(incidentID, eventID, next, errText, uncertain)
}

func (f *flakyJournal) SetState(incidentID, eventID string, state incident.SyncState, errText string) error {
	if err := f.err("SetState", eventID); err != nil {
		return err
	}
	return f.Store.SetState(incidentID, eventID, state, errText)
}

// LockSender is not the journal's business in these tests.
func (f *flakyJournal) LockSender(context.Context) (func(), error) { return func() {}, nil }

func (e *env) flakyDrainer(f *flakyJournal) *outbox.Drainer {
	return outbox.New(f, e.src, outbox.Options{Now: e.clock.Now, Backoff: time.Second, MaxBackoff: time.Minute,
		Rand: func() float64 { return 0.5 }, Settle: time.Minute})
}

// notSent fails the test if the event was attempted at all.
func (e *env) notSent(ev incident.Event) {
	e.t.Helper()
	texts, _ := e.notes(ev.IncidentID)
	if slices.Contains(texts, ev.Summary) {
		e.t.Fatalf("%q overtook an earlier action", ev.Summary)
	}
	acts, err := e.j.Outbox()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range acts {
		if a.Event.ID == ev.ID && a.Attempts != 0 {
			e.t.Fatalf("%q was attempted before an earlier action: %+v", ev.Summary, a)
		}
	}
}

// An action appended later never overtakes an earlier one on the same
// incident that still waits, whatever made it wait and whichever kind of
// pass comes next.
func TestLaterActionsNeverOvertake(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		// stall makes first wait, with second queued behind it.
		stall func(e *env, f *flakyJournal, d *outbox.Drainer, first, second incident.Event)
		// unstall lets first go; the clock then moves on an hour.
		unstall func(e *env, f *flakyJournal, first incident.Event)
	}{
		{"backing off, then Flush of the incident", func(e *env, f *flakyJournal, d *outbox.Drainer, first, second incident.Event) {
			e.sim.Inject(pdsim.Fault{Route: routeNotes, Status: http.StatusTooManyRequests, Times: 2})
			e.drain(d)
			if rep, _ := d.Flush(ctx, first.IncidentID); outcomes(rep) != "waiting waiting" {
				t.Fatalf("Flush: %q", outcomes(rep))
			}
		}, nil},
		{"settling, then Flush of the incident", func(e *env, f *flakyJournal, d *outbox.Drainer, first, second incident.Event) {
			if _, err := e.j.BeginAttempt(first.IncidentID, first.ID, t0); err != nil {
				t.Fatal(err)
			}
			rep, _ := d.Flush(ctx, first.IncidentID)
			if outcomes(rep) != "waiting waiting" || !errors.Is(rep.Results[0].Err, outbox.ErrSettling) {
				t.Fatalf("Flush: %q %v", outcomes(rep), rep.Results[0].Err)
			}
		}, nil},
		{"held for want of a handler, then Flush", func(e *env, f *flakyJournal, d *outbox.Drainer, first, second incident.Event) {
			if rep, _ := d.Flush(ctx, ""); outcomes(rep) != "held waiting" {
				t.Fatalf("Flush: %q", outcomes(rep))
			}
		}, nil},
		{"not tried: the pass stopped at another incident", func(e *env, f *flakyJournal, d *outbox.Drainer, first, second incident.Event) {
			// An incident whose id sorts first meets an outage; the rest of
			// the pass is not tried.
			other, err := e.j.Append("A"+first.IncidentID, incident.Event{Kind: incident.KindNote, Summary: "elsewhere"})
			if err != nil {
				t.Fatal(err)
			}
			_ = other
			e.sim.Inject(pdsim.Fault{Route: routeNotes, Status: http.StatusTooManyRequests})
			rep := e.drain(d)
			if outcomes(rep) != "waiting waiting waiting" || !strings.Contains(rep.Results[1].Err.Error(), "not tried") {
				t.Fatalf("Drain: %q", outcomes(rep))
			}
		}, nil},
		{"journal failed to begin the attempt", func(e *env, f *flakyJournal, d *outbox.Drainer, first, second incident.Event) {
			f.failOn("BeginAttempt", first.ID, "disk full")
			rep, err := d.Flush(ctx, first.IncidentID)
			if !errors.Is(err, outbox.ErrJournal) || outcomes(rep) != "waiting waiting" {
				t.Fatalf("Flush: %q %v", outcomes(rep), err)
			}
		}, func(e *env, f *flakyJournal, first incident.Event) { f.failOn("BeginAttempt", first.ID, "") }},
		{"journal failed to postpone after an outage", func(e *env, f *flakyJournal, d *outbox.Drainer, first, second incident.Event) {
			e.sim.Inject(pdsim.Fault{Route: routeNotes, Status: http.StatusServiceUnavailable})
			f.failOn("Postpone", first.ID, "disk full")
			rep, err := d.Flush(ctx, first.IncidentID)
			if !errors.Is(err, outbox.ErrJournal) || outcomes(rep) != "waiting waiting" {
				t.Fatalf("Flush: %q %v", outcomes(rep), err)
			}
			// Forced again at once: the earlier attempt's outcome is still
			// unknown and may land, so neither goes.
			f.failOn("Postpone", first.ID, "")
			if rep, _ := d.Flush(ctx, first.IncidentID); outcomes(rep) != "waiting waiting" {
				t.Fatalf("Flush again: %q", outcomes(rep))
			}
		}, nil},
		{"journal failed to record a send", func(e *env, f *flakyJournal, d *outbox.Drainer, first, second incident.Event) {
			f.failOn("SetState", first.ID, "disk full")
			rep, err := d.Flush(ctx, first.IncidentID)
			if !errors.Is(err, outbox.ErrJournal) || outcomes(rep) != "waiting waiting" {
				t.Fatalf("Flush: %q %v", outcomes(rep), err)
			}
			f.failOn("SetState", first.ID, "")
			if rep, _ := d.Flush(ctx, first.IncidentID); outcomes(rep) != "waiting waiting" {
				t.Fatalf("Flush again: %q", outcomes(rep))
			}
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.incident("checkout 5xx")
			kind := incident.KindNote
			if strings.HasPrefix(c.name, "held") {
				kind = "snooze_until_business_hours"
			}
			first, err := e.j.Append(a, incident.Event{Kind: kind, Summary: "first"})
			if err != nil {
				t.Fatal(err)
			}
			second := e.append(a, incident.KindNote, "second")
			f := newFlaky(e.j)
			d := e.flakyDrainer(f)
			c.stall(e, f, d, first, second)
			e.notSent(second)

			if c.unstall != nil {
				c.unstall(e, f, first)
			}
			if kind != incident.KindNote {
				d.Register(kind, outbox.Handler{Send: func(ctx context.Context, src incident.Source, a store.Action) error {
					return src.AddNote(ctx, a.Event.IncidentID, a.Event.ID, a.Event.Summary)
				}})
			}
			e.clock.Advance(time.Hour)
			rep, err := d.Flush(ctx, a)
			if err != nil || !rep.Done() {
				t.Fatalf("once the first may go: %q %v", outcomes(rep), err)
			}
			e.wantNotes(a, "first", "second")
		})
	}
}

// Run, kicked for new actions during a backoff, makes a pass at once: a
// new action on another incident goes, one behind an earlier action on
// the same incident that still backs off waits its turn.
func TestRunKickedDoesNotOvertake(t *testing.T) {
	e := newEnv(t)
	a, b := e.incident("checkout 5xx"), e.incident("search slow")
	e.append(a, incident.KindNote, "first")
	f := newFlaky(e.j)
	f.read = make(chan struct{})
	// The clock stands still: the first note's backoff never ends.
	d := outbox.New(f, e.src, outbox.Options{Now: func() time.Time { return t0 }, Backoff: time.Hour, Idle: time.Hour,
		Rand: func() float64 { return 0.5 }})
	e.sim.Inject(pdsim.Fault{Route: routeNotes, Status: http.StatusTooManyRequests})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx, nil)
	}()
	defer func() {
		cancel()
		for {
			select {
			case <-done:
				return
			case <-f.read:
			}
		}
	}()
	pass := func() {
		t.Helper()
		select {
		case <-f.read:
		case <-time.After(30 * time.Second):
			t.Fatal("no pass")
		}
	}
	pass() // the first pass: rate limited, so no pass is due for half an hour
	second := e.append(a, incident.KindNote, "second")
	e.append(b, incident.KindNote, "elsewhere")
	d.Kick()
	pass() // the kicked pass
	d.Kick()
	pass() // the kicked pass has ended: Run reads the outbox only between passes
	if n := e.sim.Requests(routeNotes); n != 2 {
		t.Fatalf("%d note posts, want the first one's and the other incident's", n)
	}
	e.notSent(second)
	e.wantNotes(b, "elsewhere")
}
