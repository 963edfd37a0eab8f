package outbox_test

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

var t0 = time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)

// hook may take over a request before the simulator sees it; it returns
// false to let the simulator answer as usual.
type hook func(w http.ResponseWriter, r *http.Request, sim http.Handler) bool

// env is the simulator behind a real HTTP server on a loopback port that
// can go down (listener closed) and come back on the same address, the
// real adapter, and a journal in a temp dir.
type env struct {
	t     *testing.T
	sim   *pdsim.Server
	clock *pdsim.Clock
	src   *pagerduty.Client
	j     *store.Store
	addr  string

	mu   sync.Mutex
	hook hook
	srv  *http.Server
}

// adapterTimeout is the adapter's per-call deadline in these tests: short,
// so that a server that applies a write and never answers costs little.
const adapterTimeout = time.Second

func newEnv(t *testing.T) *env {
	t.Helper()
	c := pdsim.NewClock(t0)
	e := &env{t: t, clock: c, sim: pdsim.New(pdsim.Options{Now: c.Now, Scenario: pdsim.Scenario{}})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	e.serve(ln)
	t.Cleanup(e.down)
	e.src, err = pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: "http://" + e.addr,
		From: pdsim.DemoUserEmail, Timeout: adapterTimeout,
		// Retries and pacing are the drainer's job in these tests; the
		// adapter's own would only slow them down.
		MaxRetries: -1, RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	e.j, err = store.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.j.Close() })
	return e
}

func (e *env) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		h := e.hook
		e.mu.Unlock()
		if h != nil && h(w, r, e.sim) {
			return
		}
		e.sim.ServeHTTP(w, r)
	})}
	e.mu.Lock()
	e.srv = srv
	e.mu.Unlock()
	go srv.Serve(ln)
}

// down closes the listener and every connection: connection refused.
func (e *env) down() {
	e.mu.Lock()
	srv := e.srv
	e.srv = nil
	e.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// up listens again on the same address.
func (e *env) up() {
	e.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", e.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		e.t.Fatalf("listen again on %s: %v", e.addr, err)
	}
	e.serve(ln)
}

func (e *env) setHook(h hook) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hook = h
}

func (e *env) drainer() *outbox.Drainer {
	return outbox.New(e.j, e.src, outbox.Options{Now: e.clock.Now, Backoff: time.Second, MaxBackoff: time.Minute,
		Rand: func() float64 { return 0.5 }})
}

func (e *env) incident(title string) string {
	e.t.Helper()
	snap, err := e.sim.AddIncident(pdsim.IncidentSpec{Title: title, Service: pdsim.ServiceCheckout})
	if err != nil {
		e.t.Fatal(err)
	}
	return snap.ID
}

func (e *env) append(incidentID string, kind incident.Kind, text string) incident.Event {
	e.t.Helper()
	ev, err := e.j.Append(incidentID, incident.Event{Kind: kind, Summary: text, Actor: pdsim.DemoUserEmail})
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func (e *env) drain(d *outbox.Drainer) outbox.Report {
	e.t.Helper()
	rep, err := d.Drain(context.Background())
	if err != nil {
		e.t.Fatalf("Drain: %v", err)
	}
	for _, r := range rep.Results {
		e.t.Logf("  %s %s %s: %s (attempts %d) %v", r.Event.IncidentID, r.Event.Kind, r.Event.ID, r.Outcome, r.Attempts, r.Err)
	}
	return rep
}

// notes returns the texts of an incident's notes on the simulator, tags
// split off, and the local ids in their tags.
func (e *env) notes(incidentID string) (texts, localIDs []string) {
	for _, n := range e.sim.Notes(incidentID) {
		text, id := incident.SplitNoteTag(n.Content)
		texts = append(texts, text)
		localIDs = append(localIDs, id)
	}
	return texts, localIDs
}

// logTypes counts an incident's log entries on the simulator by type.
func (e *env) logTypes(incidentID string) map[string]int {
	out := map[string]int{}
	for _, le := range e.sim.LogEntries(incidentID) {
		out[le.Type]++
	}
	return out
}

// states returns the journal's sync state of each local event.
func (e *env) states(incidentID string) []incident.SyncState {
	e.t.Helper()
	evs, err := e.j.Events(incidentID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []incident.SyncState
	for _, ev := range evs {
		out = append(out, ev.State)
	}
	return out
}

func (e *env) pending() int {
	e.t.Helper()
	a, err := e.j.Outbox()
	if err != nil {
		e.t.Fatal(err)
	}
	return len(a)
}

func (e *env) wantNotes(incidentID string, want ...string) {
	e.t.Helper()
	texts, _ := e.notes(incidentID)
	if !slices.Equal(texts, want) {
		e.t.Fatalf("notes on %s: %q, want %q (each exactly once, in order)", incidentID, texts, want)
	}
}

func outcomes(rep outbox.Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		b.WriteString(string(r.Outcome))
		b.WriteByte(' ')
	}
	return strings.TrimSpace(b.String())
}
