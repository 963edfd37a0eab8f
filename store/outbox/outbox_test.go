package outbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

const (
	routeNotes  = "POST /incidents/{id}/notes"
	routeManage = "PUT /incidents"
)

func TestDrainSendsInOrderOnce(t *testing.T) {
	e := newEnv(t)
	a, b := e.incident("checkout 5xx"), e.incident("search slow")
	e.append(a, incident.KindAcknowledge, "")
	e.append(a, incident.KindNote, "pool at 98%")
	e.append(b, incident.KindNote, "looking")
	e.append(a, incident.KindNote, "rolled back 4.12")
	// A mark kept to this machine (a copied command, say) is never sent.
	star, _ := e.j.Append(a, incident.Event{Kind: incident.KindStar, State: incident.LocalOnly})
	e.append(a, incident.KindResolve, "")

	d := e.drainer()
	rep := e.drain(d)
	if got := outcomes(rep); got != "sent sent sent sent sent" || !rep.Done() {
		t.Fatalf("outcomes %q", got)
	}
	e.wantNotes(a, "pool at 98%", "rolled back 4.12")
	e.wantNotes(b, "looking")
	if snap, _ := e.sim.Incident(a); snap.Status != "resolved" {
		t.Fatalf("incident status %s", snap.Status)
	}
	if lt := e.logTypes(a); lt["acknowledge_log_entry"] != 1 || lt["resolve_log_entry"] != 1 {
		t.Fatalf("log %v", lt)
	}
	if got := e.states(a); !slices.Equal(got, []incident.SyncState{incident.Sent, incident.Sent, incident.Sent, incident.LocalOnly, incident.Sent}) {
		t.Fatalf("journal states %v (star %s)", got, star.ID)
	}
	if e.pending() != 0 {
		t.Fatal("outbox not empty")
	}
	// The tags carry the local ids, so the timeline shows each note once.
	_, tags := e.notes(a)
	evs, _ := e.j.Events(a)
	if tags[0] != evs[1].ID || tags[1] != evs[2].ID {
		t.Fatalf("tags %v", tags)
	}
	// Nothing left: a second pass sends nothing.
	writes := e.sim.Requests(routeNotes) + e.sim.Requests(routeManage)
	if rep := e.drain(d); len(rep.Results) != 0 || e.sim.Requests(routeNotes)+e.sim.Requests(routeManage) != writes {
		t.Fatal("a second pass sent again")
	}
}

// PagerDuty answering 503, then its address refusing connections, then
// back: nothing is lost, nothing is sent twice, the order holds.
func TestDrainAPIDownThenUp(t *testing.T) {
	e := newEnv(t)
	a, b := e.incident("checkout 5xx"), e.incident("search slow")
	e.append(a, incident.KindNote, "first")
	e.append(a, incident.KindAcknowledge, "")
	e.append(b, incident.KindNote, "other incident")
	e.append(a, incident.KindNote, "second")
	d := e.drainer()

	e.sim.FailFor(http.StatusServiceUnavailable, time.Hour)
	rep := e.drain(d)
	if got := outcomes(rep); got != "waiting waiting waiting waiting" {
		t.Fatalf("while 503: %q", got)
	}
	if r := rep.Results[0]; !r.Attempted || r.Attempts != 1 || !errors.Is(r.Err, incident.ErrUnreachable) || r.Next.Before(t0.Add(500*time.Millisecond)) {
		t.Fatalf("first result %+v", r)
	}
	// The rest waited without a request: one failure ends the pass.
	if n := e.sim.Requests(routeNotes) + e.sim.Requests(routeManage); n != 1 {
		t.Fatalf("%d writes while down, want 1", n)
	}
	// Not due yet: a pass now sends nothing.
	e.sim.FailFor(0, 0)
	if got := outcomes(e.drain(d)); got != "waiting waiting waiting waiting" {
		t.Fatalf("before the backoff passed: %q", got)
	}
	if n := e.sim.Requests(routeNotes); n != 1 {
		t.Fatalf("a pass before the backoff sent: %d", n)
	}

	e.down()
	e.clock.Advance(time.Minute)
	rep = e.drain(d)
	if got := outcomes(rep); got != "waiting waiting waiting waiting" || !errors.Is(rep.Results[0].Err, incident.ErrUnreachable) {
		t.Fatalf("while refused: %q %v", got, rep.Results[0].Err)
	}
	if !strings.Contains(rep.Results[0].Err.Error(), "cannot reach") {
		t.Errorf("error %q", rep.Results[0].Err)
	}

	e.up()
	e.clock.Advance(10 * time.Minute)
	rep = e.drain(d)
	// The first note was uncertain (a 503 may have been applied): it was
	// looked for, not found, then sent.
	if got := outcomes(rep); got != "sent sent sent sent" || !rep.Done() {
		t.Fatalf("after: %q", got)
	}
	e.wantNotes(a, "first", "second")
	e.wantNotes(b, "other incident")
	if lt := e.logTypes(a); lt["acknowledge_log_entry"] != 1 {
		t.Fatalf("log %v", lt)
	}
	if e.pending() != 0 {
		t.Fatal("outbox not empty")
	}
}

// The simulator applies a write, then the answer never arrives: the client
// times out, or the connection drops. The retry must find the write and
// not repeat it.
func TestDrainUnknownOutcomeAppliesOnce(t *testing.T) {
	for _, c := range []struct {
		name  string
		route string
		kind  incident.Kind
		fault func(w http.ResponseWriter, r *http.Request)
	}{
		{"note, timeout", routeNotes, incident.KindNote, waitOut},
		{"note, connection dropped", routeNotes, incident.KindNote, hangUp},
		{"acknowledge, timeout", routeManage, incident.KindAcknowledge, waitOut},
		{"acknowledge, connection dropped", routeManage, incident.KindAcknowledge, hangUp},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.incident("checkout 5xx")
			ev := e.append(a, c.kind, "pool at 98%")
			after := e.append(a, incident.KindNote, "after")
			var faults atomic.Int32
			e.setHook(func(w http.ResponseWriter, r *http.Request, sim http.Handler) bool {
				if r.Method+" "+routePattern(r) != c.route || faults.Add(1) > 1 {
					return false
				}
				// Applied on the simulator, answer thrown away.
				sim.ServeHTTP(httptest.NewRecorder(), r)
				c.fault(w, r)
				return true
			})
			d := e.drainer()
			rep := e.drain(d)
			if got := outcomes(rep); got != "waiting waiting" || !errors.Is(rep.Results[0].Err, incident.ErrUnreachable) {
				t.Fatalf("first pass: %q %v", got, rep.Results[0].Err)
			}
			acts, _ := e.j.Outbox()
			if !acts[0].Uncertain || acts[0].Attempts != 1 || acts[0].LastError == "" {
				t.Fatalf("after an unknown outcome: %+v", acts[0])
			}

			e.clock.Advance(time.Minute)
			rep = e.drain(d)
			if got := outcomes(rep); got != "landed sent" {
				t.Fatalf("second pass: %q", got)
			}
			if n := e.sim.Requests(c.route); c.kind == incident.KindNote && n != 2 || c.kind == incident.KindAcknowledge && n != 1 {
				t.Errorf("%d requests to %s: the landed action was sent again", n, c.route)
			}
			if c.kind == incident.KindNote {
				e.wantNotes(a, "pool at 98%", "after")
				if _, tags := e.notes(a); tags[0] != ev.ID || tags[1] != after.ID {
					t.Fatalf("tags %v", tags)
				}
			} else {
				e.wantNotes(a, "after")
				snap, _ := e.sim.Incident(a)
				if lt := e.logTypes(a); lt["acknowledge_log_entry"] != 1 || snap.Status != "acknowledged" ||
					!slices.Equal(snap.Acknowledgers, []string{pdsim.DemoUserEmail}) {
					t.Fatalf("log %v, incident %+v", lt, snap)
				}
			}
			if got := e.states(a); !slices.Equal(got, []incident.SyncState{incident.Sent, incident.Sent}) {
				t.Fatalf("journal states %v", got)
			}
		})
	}
}

// routePattern maps a request to the simulator's route names used here.
func routePattern(r *http.Request) string {
	if strings.HasSuffix(r.URL.Path, "/notes") {
		return "/incidents/{id}/notes"
	}
	return r.URL.Path
}

// waitOut never answers: the client gives up at its deadline.
func waitOut(_ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * adapterTimeout):
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// A crash between sending and recording the answer: the next oncall finds
// the action uncertain, lets the settle period pass, and checks before
// sending.
func TestDrainAfterCrashMidSend(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	ev := e.append(a, incident.KindNote, "sent just before the crash")
	// What the crashed process did: begin the attempt, send, and die.
	if _, err := e.j.BeginAttempt(a, ev.ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := e.src.AddNote(context.Background(), a, ev.ID, ev.Summary); err != nil {
		t.Fatal(err)
	}
	d := e.drainer()
	if got := outcomes(e.drain(d)); got != "waiting" || e.sim.Requests("GET /incidents/{id}/notes") != 0 {
		t.Fatalf("within the settle period: %q", got)
	}
	e.clock.Advance(time.Minute)
	rep := e.drain(d)
	if got := outcomes(rep); got != "landed" {
		t.Fatalf("outcomes %q", got)
	}
	e.wantNotes(a, "sent just before the crash")
	if n := e.sim.Requests(routeNotes); n != 1 {
		t.Fatalf("%d note posts", n)
	}
}

// 429 in the middle of a pass: what was sent stays sent, the rest waits
// (no check needed: a 429 was not applied), then goes, once each.
func TestDrainRateLimitedMidPass(t *testing.T) {
	e := newEnv(t)
	a, b := e.incident("checkout 5xx"), e.incident("search slow")
	for _, x := range []struct {
		inc  string
		kind incident.Kind
		text string
	}{
		{a, incident.KindAcknowledge, ""}, {a, incident.KindNote, "a1"}, {a, incident.KindNote, "a2"},
		{a, incident.KindResolve, ""}, {b, incident.KindNote, "b1"}, {b, incident.KindNote, "b2"},
	} {
		e.append(x.inc, x.kind, x.text)
	}
	var writes atomic.Int32
	e.setHook(func(w http.ResponseWriter, r *http.Request, sim http.Handler) bool {
		if r.Method != http.MethodGet && writes.Add(1) == 3 {
			e.sim.FailFor(http.StatusTooManyRequests, time.Hour)
		}
		return false
	})
	d := e.drainer()
	rep := e.drain(d)
	// Incidents drain in id order; a's come first.
	first, second := a, b
	if b < a {
		first, second = b, a
	}
	_ = second
	if got := outcomes(rep); !strings.HasPrefix(got, "sent sent waiting") || rep.Count(outbox.Sent) != 2 || rep.Count(outbox.Waiting) != 4 {
		t.Fatalf("first pass: %q", got)
	}
	r := rep.Results[2]
	if !errors.Is(r.Err, incident.ErrRateLimited) || r.Event.IncidentID != first {
		t.Fatalf("third result %+v", r)
	}
	if acts, _ := e.j.Outbox(); acts[0].Uncertain {
		t.Fatal("a 429 left the action uncertain")
	}
	e.sim.FailFor(0, 0)
	e.clock.Advance(time.Minute)
	rep = e.drain(d)
	if rep.Count(outbox.Sent) != 4 || !rep.Done() {
		t.Fatalf("second pass: %q", outcomes(rep))
	}
	e.wantNotes(a, "a1", "a2")
	e.wantNotes(b, "b1", "b2")
	snapA, _ := e.sim.Incident(a)
	if lt := e.logTypes(a); lt["acknowledge_log_entry"] != 1 || lt["resolve_log_entry"] != 1 || snapA.Status != "resolved" {
		t.Fatalf("log %v, status %s", lt, snapA.Status)
	}
	// The retried note was not checked first: a 429 is a clean refusal.
	if n := e.sim.Requests("GET /incidents/{id}/notes"); n != 0 {
		t.Errorf("%d note listings", n)
	}
}

func TestDrainPermanentRefusals(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	resolved, err := e.sim.AddIncident(pdsim.IncidentSpec{Title: "old", Service: pdsim.ServiceSearch, Status: "resolved"})
	if err != nil {
		t.Fatal(err)
	}
	e.append(a, incident.KindNote, strings.Repeat("x", 30000)) // over PagerDuty's 25,000
	e.append(a, incident.KindNote, "fine")
	e.append("PNOSUCH1", incident.KindNote, "to nowhere")
	e.append(resolved.ID, incident.KindAcknowledge, "")
	e.append(resolved.ID, incident.KindResolve, "")
	d := e.drainer()
	rep := e.drain(d)
	byKind := map[string]outbox.Result{}
	for _, r := range rep.Results {
		byKind[r.Event.IncidentID+" "+string(r.Event.Kind)+" "+r.Event.Summary[:min(4, len(r.Event.Summary))]] = r
	}
	long := byKind[a+" note xxxx"]
	if long.Outcome != outbox.Failed || !strings.Contains(long.Err.Error(), "400") {
		t.Fatalf("long note: %+v", long)
	}
	if r := byKind[a+" note fine"]; r.Outcome != outbox.Sent {
		t.Fatalf("the note after a refused one: %+v", r)
	}
	if r := byKind["PNOSUCH1 note to n"]; r.Outcome != outbox.Failed || !errors.Is(r.Err, incident.ErrNotFound) {
		t.Fatalf("unknown incident: %+v", r)
	}
	ack := byKind[resolved.ID+" acknowledge "]
	var moot *outbox.Moot
	if ack.Outcome != outbox.Skipped || !errors.As(ack.Err, &moot) || !strings.Contains(ack.Err.Error(), "already resolved") {
		t.Fatalf("acknowledge of a resolved incident: %+v", ack)
	}
	if r := byKind[resolved.ID+" resolve "]; r.Outcome != outbox.Skipped || !strings.Contains(r.Err.Error(), "nothing left to resolve") {
		t.Fatalf("re-resolve: %+v", r)
	}
	if !rep.Done() || e.pending() != 0 {
		t.Fatal("refused actions still pending")
	}
	evs, _ := e.j.Events(resolved.ID)
	if evs[0].State != incident.Failed || !strings.Contains(evs[0].Error, "already resolved") {
		t.Fatalf("journal: %+v", evs[0])
	}
	e.wantNotes(a, "fine")
	// Not retried.
	e.clock.Advance(time.Hour)
	n := e.sim.Requests(routeNotes)
	e.drain(d)
	if e.sim.Requests(routeNotes) != n {
		t.Fatal("a refused action was retried")
	}
}

func TestDrainRefusedTokenKeepsEverything(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindNote, "one")
	e.append(a, incident.KindNote, "two")
	e.sim.FailFor(http.StatusUnauthorized, time.Hour)
	rep, err := e.drainer().Drain(context.Background())
	if !errors.Is(err, incident.ErrUnauthorized) {
		t.Fatalf("error %v", err)
	}
	if got := outcomes(rep); got != "waiting waiting" || e.pending() != 2 {
		t.Fatalf("outcomes %q, %d pending", got, e.pending())
	}
	acts, _ := e.j.Outbox()
	if acts[0].Uncertain {
		t.Fatal("a 401 left the action uncertain")
	}
}

// A kind with no Handler waits (held), and its incident's later actions
// wait behind it; registering one sends it, then them. Registering also
// replaces a default: here a decision is written from its fields rather
// than its summary.
func TestDrainHeldUntilRegistered(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	// A kind this version has no handler for, standing for one a newer
	// oncall journaled.
	const future = incident.Kind("snooze_until_business_hours")
	snooze, err := e.j.Append(a, incident.Event{Kind: future, Fields: map[string]string{"duration": "1h"}})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := e.j.Append(a, incident.Event{Kind: incident.KindDecision, Summary: "Decision: roll back",
		Fields: map[string]string{"what": "roll back 4.12", "why": "errors since deploy"}})
	if err != nil {
		t.Fatal(err)
	}
	e.append(a, incident.KindNote, "after the decision")
	d := e.drainer()
	d.Register(incident.KindDecision, outbox.NoteHandler(func(ev incident.Event) string {
		return "Decision: " + ev.Fields["what"] + " (why: " + ev.Fields["why"] + ")"
	}))
	rep := e.drain(d)
	if got := outcomes(rep); got != "held waiting waiting" || rep.Done() {
		t.Fatalf("without a snooze handler: %q", got)
	}
	e.wantNotes(a)
	d.Register(future, outbox.Handler{Send: func(ctx context.Context, src incident.Source, a store.Action) error {
		d, err := time.ParseDuration(a.Event.Fields["duration"])
		if err != nil {
			return &outbox.Moot{Reason: "bad duration: " + err.Error()}
		}
		return src.Snooze(ctx, a.Event.IncidentID, d)
	}})
	// PagerDuty snoozes acknowledged incidents only.
	if err := e.src.Acknowledge(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	rep = e.drain(d)
	if got := outcomes(rep); got != "sent sent sent" || !rep.Done() || rep.Results[0].Event.ID != snooze.ID {
		t.Fatalf("with a handler: %q", got)
	}
	e.wantNotes(a, "Decision: roll back 4.12 (why: errors since deploy)", "after the decision")
	if _, tags := e.notes(a); tags[0] != dec.ID {
		t.Fatalf("tags %v", tags)
	}
	if snap, _ := e.sim.Incident(a); snap.SnoozedUntil.IsZero() {
		t.Fatal("not snoozed")
	}
}

// failingJournal refuses to record attempts: nothing may then be sent.
type failingJournal struct{ *store.Store }

func (failingJournal) BeginAttempt(string, string, time.Time) (store.Action, error) {
	return store.Action{}, errors.New("disk full")
}

func TestDrainSendsNothingTheJournalCannotRecord(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindNote, "one")
	d := outbox.New(failingJournal{e.j}, e.src, outbox.Options{Now: e.clock.Now})
	rep, err := d.Drain(context.Background())
	if err == nil || !strings.Contains(err.Error(), "disk full") || outcomes(rep) != "waiting" {
		t.Fatalf("Drain: %q %v", outcomes(rep), err)
	}
	if n := e.sim.Requests(routeNotes); n != 0 {
		t.Fatalf("%d notes sent without a journal record", n)
	}
}

// Run drains in the background: retries after an outage on its own, and
// sends a new action at once when kicked.
func TestRun(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindNote, "queued while down")
	e.down()
	// Connection refused leaves a note uncertain: a short settle period
	// keeps the test short.
	d := outbox.New(e.j, e.src, outbox.Options{Backoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Idle: time.Hour,
		AttemptTimeout: 200 * time.Millisecond, Settle: 200 * time.Millisecond})
	var mu sync.Mutex
	var heard []outbox.Result
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx, func(r outbox.Result) {
			mu.Lock()
			heard = append(heard, r)
			mu.Unlock()
		})
	}()
	defer func() {
		cancel()
		<-done
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	count := func(o outbox.Outcome) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, r := range heard {
			if r.Outcome == o {
				n++
			}
		}
		return n
	}
	waitFor("a failed attempt", func() bool { return count(outbox.Waiting) >= 2 })
	e.up()
	waitFor("the note to be sent", func() bool { return count(outbox.Sent)+count(outbox.Landed) == 1 })
	e.wantNotes(a, "queued while down")

	// Idle is an hour: only Kick can make this one go soon.
	e.append(a, incident.KindNote, "new")
	d.Kick()
	waitFor("the kicked note", func() bool { return count(outbox.Sent)+count(outbox.Landed) == 2 })
	e.wantNotes(a, "queued while down", "new")
}

// Flush tries now what Drain would leave to its backoff, and can keep to
// one incident.
func TestFlush(t *testing.T) {
	e := newEnv(t)
	a, b := e.incident("checkout 5xx"), e.incident("search slow")
	e.append(a, incident.KindNote, "a1")
	e.append(b, incident.KindNote, "b1")
	d := e.drainer()
	e.sim.FailFor(http.StatusTooManyRequests, time.Hour)
	e.drain(d)
	e.sim.FailFor(0, 0)
	if got := outcomes(e.drain(d)); got != "waiting waiting" {
		t.Fatalf("Drain during the backoff: %q", got)
	}
	rep, err := d.Flush(context.Background(), b)
	if err != nil || outcomes(rep) != "sent" || rep.Results[0].Event.IncidentID != b {
		t.Fatalf("Flush(b): %q %v", outcomes(rep), err)
	}
	e.wantNotes(b, "b1")
	e.wantNotes(a)
	rep, err = d.Flush(context.Background(), "")
	if err != nil || outcomes(rep) != "sent" {
		t.Fatalf("Flush: %q %v", outcomes(rep), err)
	}
	e.wantNotes(a, "a1")
}

// TestDrainSendsTheOtherWrites: reassign, escalate, snooze and a responder
// request, journaled, reach the simulator with their fields.
func TestDrainSendsTheOtherWrites(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	ctx := context.Background()
	if err := e.src.Acknowledge(ctx, a); err != nil { // PagerDuty snoozes acknowledged incidents only
		t.Fatal(err)
	}
	users, err := e.src.Users(ctx)
	if err != nil || len(users) < 2 {
		t.Fatalf("users %v %v", users, err)
	}
	for _, ev := range []incident.Event{
		{Kind: incident.KindSnooze, Fields: map[string]string{"duration": "30m"}},
		{Kind: incident.KindStatusUpdate, Fields: map[string]string{"message": "Failing over to the secondary acquirer; next update 20 min."}},
		{Kind: incident.KindRespondersReq, Fields: map[string]string{"user_ids": users[1].ID, "message": "need a DB expert"}},
		{Kind: incident.KindEscalate, Fields: map[string]string{"level": "2"}},
		{Kind: incident.KindReassign, Fields: map[string]string{"user_ids": users[0].ID}},
		{Kind: incident.KindEscalate, Fields: map[string]string{"level": "zero"}},
	} {
		if _, err := e.j.Append(a, ev); err != nil {
			t.Fatal(err)
		}
	}
	rep := e.drain(e.drainer())
	if got := outcomes(rep); got != "sent sent sent sent sent skipped" {
		t.Fatalf("outcomes %q (%+v)", got, rep.Results)
	}
	snap, _ := e.sim.Incident(a)
	if len(snap.Assignees) != 1 || snap.Assignees[0] != users[0].Email {
		t.Errorf("assignees %v, want %s", snap.Assignees, users[0].Email)
	}
	if reqs := e.sim.ResponderRequests(a); len(reqs) != 1 {
		t.Errorf("responder requests %+v", reqs)
	}
	if ups := e.sim.StatusUpdates(a); len(ups) != 1 {
		t.Errorf("status updates %+v", ups)
	}
	if lt := e.logTypes(a); lt["escalate_log_entry"] == 0 || lt["snooze_log_entry"] != 1 {
		t.Errorf("the log lacks the escalation or the snooze: %v", lt)
	}
}
