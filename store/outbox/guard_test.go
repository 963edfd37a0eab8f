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
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store/outbox"
)

// writeRoutes are every route that changes an incident's state.
var writeRoutes = []string{"PUT /incidents", "PUT /incidents/{id}", "POST /incidents/{id}/snooze"}

func (e *env) writes() int {
	n := 0
	for _, r := range writeRoutes {
		n += e.sim.Requests(r)
	}
	return n
}

// colleague is another responder's real adapter, with their own token.
func (e *env) colleague(email string) *pagerduty.Client {
	e.t.Helper()
	c, err := pagerduty.New(pagerduty.Config{Token: pdsim.UserToken(email), APIURL: "http://" + e.addr,
		From: email, Timeout: adapterTimeout, MaxRetries: -1, RequestsPerMinute: -1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

const priyaResolved = "moot: resolved by Priya Natarajan at 2026-03-07 14:00 UTC"

// The case that would hurt: an acknowledge queued while PagerDuty was out
// of reach, a colleague resolving the incident meanwhile, then sync.
// PagerDuty reopens a resolved incident that is acknowledged (and pages
// again), so nothing may be sent; the journal says why.
func TestQueuedAcknowledgeDoesNotReopen(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	ack := e.append(a, incident.KindAcknowledge, "")
	d := e.drainer()

	e.sim.FailFor(http.StatusServiceUnavailable, time.Hour)
	rep := e.drain(d)
	if got := outcomes(rep); got != "waiting" || e.writes() != 0 {
		t.Fatalf("offline: %q, %d writes", got, e.writes())
	}
	e.sim.FailFor(0, 0)
	if err := e.colleague(pdsim.EmailPriya).Resolve(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	writes := e.writes()

	e.clock.Advance(time.Hour)
	rep, err := d.Flush(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	var moot *outbox.Moot
	if r.Outcome != outbox.Skipped || !errors.As(r.Err, &moot) || !strings.HasPrefix(moot.Reason, priyaResolved) {
		t.Fatalf("result %+v", r)
	}
	if e.writes() != writes {
		t.Fatalf("%d writes after the resolve", e.writes()-writes)
	}
	if ro := e.sim.Reopens(); len(ro) != 0 {
		t.Fatalf("reopened: %+v", ro)
	}
	snap, _ := e.sim.Incident(a)
	if lt := e.logTypes(a); snap.Status != "resolved" || lt["acknowledge_log_entry"] != 0 {
		t.Fatalf("status %s, log %v", snap.Status, lt)
	}
	evs, _ := e.j.Events(a)
	if evs[0].ID != ack.ID || evs[0].State != incident.Failed || !strings.HasPrefix(evs[0].Error, priyaResolved) {
		t.Fatalf("journal %+v", evs[0])
	}
	if e.pending() != 0 {
		t.Fatal("still pending")
	}
}

// An acknowledge whose answer was lost, on an incident a colleague then
// resolved: the check finds it resolved and the acknowledge moot, not
// "not landed, send again".
func TestUncertainAcknowledgeOnResolvedIsMoot(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	ack := e.append(a, incident.KindAcknowledge, "")
	if _, err := e.j.BeginAttempt(a, ack.ID, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.colleague(pdsim.EmailPriya).Resolve(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	writes := e.writes()
	rep := e.drain(e.drainer())
	if r := rep.Results[0]; r.Outcome != outbox.Skipped || !strings.HasPrefix(r.Err.Error(), priyaResolved) {
		t.Fatalf("result %+v", r)
	}
	if e.writes() != writes || len(e.sim.Reopens()) != 0 {
		t.Fatalf("%d writes, reopens %+v", e.writes()-writes, e.sim.Reopens())
	}
}

// Every state change decided on stale state is checked first: on a
// resolved incident a resolve, a snooze, an escalation and a reassignment
// are moot, and none reaches PagerDuty.
func TestStateChangesOnAResolvedIncidentAreMoot(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	ctx := context.Background()
	users, err := e.src.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []incident.Event{
		{Kind: incident.KindResolve},
		{Kind: incident.KindSnooze, Fields: map[string]string{"duration": "30m"}},
		{Kind: incident.KindEscalate, Fields: map[string]string{"level": "2"}},
		{Kind: incident.KindReassign, Fields: map[string]string{"user_ids": users[0].ID}},
		{Kind: incident.KindAcknowledge},
	} {
		if _, err := e.j.Append(a, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.colleague(pdsim.EmailPriya).Resolve(ctx, a); err != nil {
		t.Fatal(err)
	}
	writes := e.writes()
	rep := e.drain(e.drainer())
	if got := outcomes(rep); got != "skipped skipped skipped skipped skipped" {
		t.Fatalf("outcomes %q", got)
	}
	for _, r := range rep.Results {
		if !strings.HasPrefix(r.Err.Error(), priyaResolved) {
			t.Errorf("%s: %v", r.Event.Kind, r.Err)
		}
	}
	if e.writes() != writes || len(e.sim.Reopens()) != 0 {
		t.Fatalf("%d writes, reopens %+v", e.writes()-writes, e.sim.Reopens())
	}
}

// A guard that cannot read the incident decides nothing: the acknowledge
// waits, nothing is sent, and it goes once PagerDuty answers.
func TestGuardThatCannotReadWaits(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindAcknowledge, "")
	e.append(a, incident.KindNote, "after the ack")
	d := e.drainer()
	e.sim.Inject(pdsim.Fault{Route: "GET /incidents/{id}", Status: http.StatusForbidden})
	rep := e.drain(d)
	if got := outcomes(rep); got != "waiting waiting" || !errors.Is(rep.Results[0].Err, incident.ErrForbidden) || !rep.Results[0].Attempted {
		t.Fatalf("guard refused: %q %+v", got, rep.Results[0])
	}
	if !strings.Contains(rep.Results[0].Err.Error(), "could not check incident") {
		t.Errorf("the error does not say the check failed: %v", rep.Results[0].Err)
	}
	acts, _ := e.j.Outbox()
	if e.writes() != 0 || acts[0].Attempts != 0 || acts[0].Uncertain {
		t.Fatalf("%d writes; journal %+v", e.writes(), acts[0])
	}
	e.clock.Advance(time.Hour)
	if got := outcomes(e.drain(d)); got != "sent sent" {
		t.Fatalf("after: %q", got)
	}
	if snap, _ := e.sim.Incident(a); snap.Status != "acknowledged" {
		t.Fatalf("status %s", snap.Status)
	}
}

// Reopening on purpose is its own action: sent to a resolved incident
// only, as PagerDuty reopens (acknowledged, by this responder); moot on an
// open one; and not repeated once the incident shows open.
func TestReopen(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, open := e.incident("checkout 5xx"), e.incident("search slow")
	if err := e.colleague(pdsim.EmailPriya).Resolve(ctx, a); err != nil {
		t.Fatal(err)
	}
	e.append(a, incident.KindReopen, "")
	e.append(open, incident.KindReopen, "")
	d := e.drainer()
	rep := e.drain(d)
	byIncident := map[string]outbox.Result{}
	for _, r := range rep.Results {
		byIncident[r.Event.IncidentID] = r
	}
	if r := byIncident[a]; r.Outcome != outbox.Sent {
		t.Fatalf("reopen of a resolved incident: %+v", r)
	}
	if r := byIncident[open]; r.Outcome != outbox.Skipped || !strings.Contains(r.Err.Error(), "open already") {
		t.Fatalf("reopen of an open incident: %+v", r)
	}
	ro := e.sim.Reopens()
	if len(ro) != 1 || ro[0].IncidentID != a || ro[0].ByEmail != pdsim.DemoUserEmail || ro[0].Status != "acknowledged" {
		t.Fatalf("reopens %+v", ro)
	}
	if snap, _ := e.sim.Incident(a); snap.Status != "acknowledged" {
		t.Fatalf("status %s", snap.Status)
	}

	// An uncertain reopen of an incident already open again: not sent.
	if err := e.colleague(pdsim.EmailPriya).Resolve(ctx, a); err != nil {
		t.Fatal(err)
	}
	again := e.append(a, incident.KindReopen, "")
	if _, err := e.j.BeginAttempt(a, again.ID, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.src.Acknowledge(ctx, a); err != nil { // the lost attempt, landed
		t.Fatal(err)
	}
	if got := outcomes(e.drain(d)); got != "landed" || len(e.sim.Reopens()) != 2 {
		t.Fatalf("uncertain reopen: %q, reopens %+v", got, e.sim.Reopens())
	}
}

// noResolver is the adapter with the incident's resolver (and, with
// noTime, its resolution time) blanked out, as a provider that does not
// say would answer.
type noResolver struct {
	*pagerduty.Client
	noTime bool
}

func (n noResolver) Get(ctx context.Context, id string) (incident.Incident, error) {
	inc, err := n.Client.Get(ctx, id)
	inc.ResolvedBy = ""
	if n.noTime {
		inc.ResolvedAt = time.Time{}
	}
	return inc, err
}

// When the incident does not say who resolved it, or when, its log does.
func TestResolverFromTheLog(t *testing.T) {
	for _, noTime := range []bool{false, true} {
		e := newEnv(t)
		a := e.incident("checkout 5xx")
		e.append(a, incident.KindAcknowledge, "")
		if err := e.colleague(pdsim.EmailPriya).Resolve(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		d := outbox.New(e.j, noResolver{e.src, noTime}, outbox.Options{Now: e.clock.Now})
		rep, err := d.Drain(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if r := rep.Results[0]; r.Outcome != outbox.Skipped || !strings.HasPrefix(r.Err.Error(), priyaResolved) {
			t.Fatalf("no time %v: result %+v", noTime, r)
		}
	}
}

// A colleague's resolve can still land between the guard's read and the
// send: PagerDuty then refuses ("Incident Already Resolved"), and the
// resolve is moot, not refused.
func TestResolveRacingAColleague(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindResolve, "")
	priya := e.colleague(pdsim.EmailPriya)
	var raced atomic.Bool
	e.setHook(func(w http.ResponseWriter, r *http.Request, sim http.Handler) bool {
		if r.Method == http.MethodPut && r.Header.Get("From") == pdsim.DemoUserEmail && !raced.Swap(true) {
			if err := priya.Resolve(r.Context(), a); err != nil {
				t.Errorf("the colleague's resolve: %v", err)
			}
		}
		return false
	})
	rep := e.drain(e.drainer())
	if r := rep.Results[0]; r.Outcome != outbox.Skipped || !strings.HasPrefix(r.Err.Error(), priyaResolved) {
		t.Fatalf("result %+v", r)
	}
	if !raced.Load() {
		t.Fatal("the resolve was never sent")
	}
}

// A resolve PagerDuty refuses while the incident is still open is refused,
// not moot.
func TestResolveRefusedOnAnOpenIncident(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindResolve, "")
	e.sim.Inject(pdsim.Fault{Route: "PUT /incidents", Status: http.StatusBadRequest})
	rep := e.drain(e.drainer())
	if r := rep.Results[0]; r.Outcome != outbox.Failed || !strings.Contains(r.Err.Error(), "400") {
		t.Fatalf("result %+v", r)
	}
	if snap, _ := e.sim.Incident(a); snap.Status == "resolved" {
		t.Fatal("resolved")
	}
}
