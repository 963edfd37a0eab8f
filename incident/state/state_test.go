package state

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

var t0 = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

// ev builds an event of the vocabulary, as a responder's journal (origin
// local) or another responder's note read back (origin remote) holds it.
func ev(t *testing.T, id string, min int, actor string, origin incident.Origin) func(incident.Event, error) incident.Event {
	return func(e incident.Event, err error) incident.Event {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		e.ID, e.At, e.Actor, e.Origin, e.IncidentID = id, at(min), actor, origin, "PINC"
		return e
	}
}

func openIncident() incident.Incident {
	return incident.Incident{ID: "PINC", Number: 1045, Title: "Checkout 5xx", Status: incident.Acknowledged,
		Urgency: incident.High, CreatedAt: t0, Assignees: []incident.Responder{{ID: "PA", Name: "Alice"}}}
}

func TestRoleHistoryAcrossThreeHolders(t *testing.T) {
	L, R := incident.Local, incident.Remote
	tl := incident.Timeline{
		ev(t, "r1", 1, "Alice", L)(incident.NewRole("ic", "Alice")),
		ev(t, "r2", 2, "Alice", L)(incident.NewRole("scribe", "Erin")),
		// Assigning the holder again continues the turn.
		ev(t, "r3", 3, "Alice", L)(incident.NewRole("ic", " alice ")),
		// Another responder's assignment, read back from PagerDuty, ends Alice's turn.
		ev(t, "r4", 10, "Bob", R)(incident.NewRole("ic", "Bob")),
		// Carol is not in PagerDuty; she takes the role herself.
		ev(t, "r5", 25, "Carol", R)(incident.NewRoleMarked("ic", "Carol", incident.RoleMarks{Taken: true, External: true})),
	}
	roles, handoffs := RoleHistory(tl)
	if len(handoffs) != 0 {
		t.Errorf("handoffs %v", handoffs)
	}
	want := []Role{
		{Role: incident.RoleCommander, Turns: []Turn{
			{Person: "Alice", AssumedAt: at(1), EndedAt: at(10), AssignedBy: "Alice"},
			{Person: "Bob", AssumedAt: at(10), EndedAt: at(25), AssignedBy: "Bob"},
			{Person: "Carol", AssumedAt: at(25), AssignedBy: "Carol", Taken: true, TakenAt: at(25), External: true},
		}},
		{Role: incident.RoleScribe, Turns: []Turn{{Person: "Erin", AssumedAt: at(2), AssignedBy: "Alice"}}},
	}
	if !reflect.DeepEqual(roles, want) {
		t.Errorf("roles\n got %+v\nwant %+v", roles, want)
	}
	d := Derive(Input{Incident: openIncident(), Timeline: tl, Now: at(30)})
	if d.Holder(incident.RoleCommander) != "Carol" || d.Holder(incident.RoleDeputy) != "" {
		t.Errorf("holders: ic %q deputy %q", d.Holder(incident.RoleCommander), d.Holder(incident.RoleDeputy))
	}
}

func TestHandoffThenTake(t *testing.T) {
	L, R := incident.Local, incident.Remote
	tl := incident.Timeline{
		ev(t, "r1", 1, "Alice", L)(incident.NewRole("ic", "Alice")),
		ev(t, "h1", 40, "Alice", L)(incident.NewHandoff("ic", "Alice", "Bob", "the rollback is at 60%")),
		ev(t, "r2", 42, "Bob", R)(incident.NewRoleMarked("ic", "Bob", incident.RoleMarks{Taken: true})),
	}
	roles, handoffs := RoleHistory(tl)
	wantTurns := []Turn{
		{Person: "Alice", AssumedAt: at(1), EndedAt: at(40), AssignedBy: "Alice"},
		{Person: "Bob", AssumedAt: at(40), AssignedBy: "Alice", Taken: true, TakenAt: at(42), Handoff: true},
	}
	if len(roles) != 1 || !reflect.DeepEqual(roles[0].Turns, wantTurns) {
		t.Errorf("turns\n got %+v\nwant %+v", roles, wantTurns)
	}
	wantH := []Handoff{{At: at(40), Role: incident.RoleCommander, From: "Alice", To: "Bob", Message: "the rollback is at 60%", By: "Alice"}}
	if !reflect.DeepEqual(handoffs, wantH) {
		t.Errorf("handoffs %+v", handoffs)
	}
}

func TestTasksLifecycle(t *testing.T) {
	L, R := incident.Local, incident.Remote
	task := func(id string, min int, who, what string, in time.Duration) incident.Event {
		return ev(t, id, min, "Alice", L)(incident.NewTask(who, what, in, at(min)))
	}
	upd := func(id string, min int, actor, item, change string, opts ...incident.ItemOption) incident.Event {
		return ev(t, id, min, actor, R)(incident.NewItemUpdate(item, change, opts...))
	}
	tl := incident.Timeline{
		task("t1", 0, "Bob", "check replica lag", 10*time.Minute),     // done in time
		task("t2", 1, "Carol", "drain node 7", 10*time.Minute),        // overdue for hours
		task("t3", 2, "Dan", "page the DBA", 10*time.Minute),          // extended past now
		task("t4", 3, "Erin", "roll back 4.12", 10*time.Minute),       // cancelled
		task("t5", 4, "Bob", "watch the error rate", 10*time.Minute),  // done then reopened, overdue
		task("t6", 5, "Carol", "restart the pods", 24*60*time.Minute), // not yet due
		upd("u1", 8, "Bob", "t1", incident.ChangeDone),
		upd("u2", 9, "Dan", "t3", incident.ChangeExtended, incident.ItemDue(at(400).Format(time.RFC3339))),
		upd("u3", 9, "Erin", "t4", incident.ChangeCancelled),
		upd("u4", 10, "Bob", "t5", incident.ChangeDone),
		upd("u5", 11, "Alice", "t5", incident.ChangeReopened),
		upd("u6", 12, "Alice", "nosuch", incident.ChangeDone), // names nothing: ignored
	}
	d := Derive(Input{Incident: openIncident(), Timeline: tl, Now: at(300)})
	type row struct {
		num     int
		state   ItemState
		overdue bool
		ext     int
	}
	var got []row
	for _, it := range d.Tasks {
		got = append(got, row{it.Number, it.State, it.Overdue, it.Extended})
	}
	want := []row{{1, Done, false, 0}, {2, Open, true, 0}, {3, Open, false, 1}, {4, Cancelled, false, 0}, {5, Open, true, 0}, {6, Open, false, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tasks\n got %v\nwant %v", got, want)
	}
	if d.Tasks[0].Closed == nil || d.Tasks[0].Closed.By != "Bob" || !d.Tasks[0].Closed.At.Equal(at(8)) {
		t.Errorf("t1 closed %+v", d.Tasks[0].Closed)
	}
	if d.Tasks[2].Due != at(400).Format(time.RFC3339) {
		t.Errorf("t3 due %q", d.Tasks[2].Due)
	}
	var open []string
	for _, it := range d.OpenTasks() {
		open = append(open, it.ID)
	}
	if !slices.Equal(open, []string{"t2", "t3", "t5", "t6"}) {
		t.Errorf("open tasks %v", open)
	}
	// Past the extension, the extended task is overdue too; done ones never are.
	later := Derive(Input{Incident: openIncident(), Timeline: tl, Now: at(401)})
	if !later.Tasks[2].Overdue || later.Tasks[0].Overdue || later.Tasks[3].Overdue {
		t.Errorf("at +401m: %+v", later.Tasks)
	}
	if n := len(d.Tried); n != 1 || d.Tried[0].What != "Task done: check replica lag" {
		t.Errorf("tried %+v", d.Tried)
	}
}

func TestFollowUps(t *testing.T) {
	L := incident.Local
	fu := func(id string, min int, title, due string) incident.Event {
		return ev(t, id, min, "Alice", L)(incident.NewActionItem(title, "payments", due, "prevent", at(min)))
	}
	tl := incident.Timeline{
		fu("a1", 0, "add a canary stage", "2026-11-21"),
		fu("a2", 1, "alert on timeouts", "2026-11-22"),
		fu("a3", 2, "write the runbook", ""),
		ev(t, "u1", 5, "Bob", L)(incident.NewItemUpdate("a2", incident.ChangeLinked, incident.ItemTicket("https://jira.example.com/OPS-7"))),
		ev(t, "u2", 6, "Bob", L)(incident.NewItemUpdate("a1", incident.ChangeExtended, incident.ItemDue("2026-11-30"))),
	}
	// Late on the 22nd, in the responder's zone, a2 is due today: not overdue.
	ny := time.FixedZone("EST", -5*3600)
	now := time.Date(2026, 11, 22, 23, 0, 0, 0, ny)
	d := Derive(Input{Incident: openIncident(), Timeline: tl, Now: now})
	if d.FollowUps[1].Overdue || d.FollowUps[1].Ticket != "https://jira.example.com/OPS-7" {
		t.Errorf("a2 %+v", d.FollowUps[1])
	}
	if d.FollowUps[0].Overdue || d.FollowUps[0].Due != "2026-11-30" || d.FollowUps[2].Overdue {
		t.Errorf("a1 %+v a3 %+v", d.FollowUps[0], d.FollowUps[2])
	}
	d = Derive(Input{Incident: openIncident(), Timeline: tl, Now: now.Add(2 * time.Hour)})
	if !d.FollowUps[1].Overdue {
		t.Errorf("a2 not overdue the day after its due")
	}
}

// The clock counts from the last status update by anyone: a second
// responder's update, read back from PagerDuty, resets it.
func TestUpdateClockResetByAnotherResponder(t *testing.T) {
	L, R := incident.Local, incident.Remote
	mine := ev(t, "s1", 5, "Alice", L)(incident.NewStatusUpdate("investigating"))
	theirs := ev(t, "s2", 18, "Bob", R)(incident.NewStatusUpdate("rolled back; error rate falling"))
	cad := 20 * time.Minute

	d := Derive(Input{Incident: openIncident(), Timeline: incident.Timeline{mine}, Now: at(26), Cadence: cad})
	if !d.Update.NextDue.Equal(at(25)) || !d.Update.Overdue || !d.Update.Applies || d.Update.Last.By != "Alice" {
		t.Errorf("mine only: %+v", d.Update)
	}
	d = Derive(Input{Incident: openIncident(), Timeline: incident.Timeline{theirs, mine}, Now: at(26), Cadence: cad})
	if !d.Update.NextDue.Equal(at(38)) || d.Update.Overdue || d.Update.Last.By != "Bob" || d.Update.Last.What != "rolled back; error rate falling" {
		t.Errorf("with Bob's: %+v", d.Update)
	}
	if got := d.Update.Left(at(26)); got != 12*time.Minute {
		t.Errorf("left %s", got)
	}
	// No update at all: the clock counts from the incident's start.
	d = Derive(Input{Incident: openIncident(), Now: at(10), Cadence: cad})
	if !d.Update.NextDue.Equal(at(20)) || d.Update.Last != nil {
		t.Errorf("none: %+v", d.Update)
	}
}

func TestUpdateClockApplies(t *testing.T) {
	low := openIncident()
	low.Urgency = incident.Low
	resolved := openIncident()
	resolved.Status, resolved.ResolvedAt = incident.Resolved, at(50)
	ic := ev(t, "r1", 1, "Alice", incident.Local)(incident.NewRole("ic", "Alice"))
	cases := []struct {
		name string
		inc  incident.Incident
		tl   incident.Timeline
		cad  time.Duration
		want bool
	}{
		{"high urgency", openIncident(), nil, time.Minute, true},
		{"low urgency", low, nil, time.Minute, false},
		{"low urgency with a commander", low, incident.Timeline{ic}, time.Minute, true},
		{"resolved", resolved, incident.Timeline{ic}, time.Minute, false},
		{"no cadence", openIncident(), nil, 0, false},
	}
	for _, c := range cases {
		if got := Derive(Input{Incident: c.inc, Timeline: c.tl, Now: at(60), Cadence: c.cad}).Update.Applies; got != c.want {
			t.Errorf("%s: applies %v", c.name, got)
		}
	}
}

func TestStatusMarks(t *testing.T) {
	L, R := incident.Local, incident.Remote
	snooze := ev(t, "z1", 10, "Alice", L)(incident.NewSnooze(time.Hour))
	tl := incident.Timeline{
		snooze,
		ev(t, "m1", 30, "Bob", R)(incident.NewMitigated()),
		ev(t, "m2", 35, "Alice", L)(incident.NewMitigated()),
	}
	d := Derive(Input{Incident: openIncident(), Timeline: tl, Now: at(20)})
	if !d.SnoozedUntil.Equal(at(70)) {
		t.Errorf("snoozed until %s", d.SnoozedUntil)
	}
	if d.Mitigated == nil || !d.Mitigated.At.Equal(at(30)) || d.Mitigated.By != "Bob" {
		t.Errorf("mitigated %+v", d.Mitigated)
	}
	if d.OpenFor != 20*time.Minute {
		t.Errorf("open for %s", d.OpenFor)
	}
	if got := Derive(Input{Incident: openIncident(), Timeline: tl, Now: at(71)}).SnoozedUntil; !got.IsZero() {
		t.Errorf("an expired snooze shows until %s", got)
	}
	retrigger := incident.Event{ID: "Q1", Kind: incident.KindTrigger, At: at(15), Origin: R}
	if got := Derive(Input{Incident: openIncident(), Timeline: append(tl, retrigger), Now: at(20)}).SnoozedUntil; !got.IsZero() {
		t.Errorf("a snooze ended by a new trigger shows until %s", got)
	}
	res := openIncident()
	res.Status, res.ResolvedAt = incident.Resolved, at(90)
	if got := Derive(Input{Incident: res, Now: at(500)}).OpenFor; got != 90*time.Minute {
		t.Errorf("resolved incident open for %s", got)
	}
}

func TestDecisionsRunbookRespondersRecent(t *testing.T) {
	L, R := incident.Local, incident.Remote
	step := func(id string, min int, rb, key, action string) incident.Event {
		return ev(t, id, min, "Bob", R)(incident.NewRunbookStep(rb, key, "step "+key, "", action))
	}
	tl := incident.Timeline{
		{ID: "Q0", Kind: incident.KindTrigger, At: at(0), Actor: "Checkout API", Origin: R, Summary: "Triggered"},
		ev(t, "d1", 5, "Alice", L)(incident.NewDecision("roll back 4.12", "error rate", "Bob")),
		step("k1", 6, "checkout-5xx", "s1", incident.StepDone),
		step("k2", 7, "checkout-5xx", "s1", incident.StepDone), // the same step twice
		step("k3", 8, "checkout-5xx", "s2", incident.StepCopied),
		step("k4", 9, "other", "s3", incident.StepDone),
		ev(t, "d2", 12, "Carol", R)(incident.NewDecision("freeze deploys", "", "")),
		{ID: "n1", Kind: incident.KindNote, At: at(13), Actor: "Dan", Origin: R, Summary: "Ruled out: the CDN, its errors are flat"},
		{ID: "n2", Kind: incident.KindNote, At: at(14), Actor: "Dan", Origin: R, Summary: "hypothesis: connection pool exhaustion"},
		{ID: "n3", Kind: incident.KindNote, At: at(15), Actor: "Dan", Origin: R, Summary: "looking at the pool"},
		{ID: "n4", Kind: incident.KindNote, At: at(16), Actor: "Dan", Origin: R, Summary: "pool resized"},
	}
	d := Derive(Input{Incident: openIncident(), Timeline: tl, Now: at(20), Runbook: "checkout-5xx", RunbookSteps: 4})
	if len(d.Decisions) != 2 || d.Decisions[0].What != "freeze deploys" || d.Decisions[1].Why != "error rate" {
		t.Errorf("decisions %+v", d.Decisions)
	}
	if d.Runbook != (Progress{Runbook: "checkout-5xx", Done: 1, Total: 4}) {
		t.Errorf("runbook %+v", d.Runbook)
	}
	if got := Derive(Input{Incident: openIncident(), Timeline: tl, Now: at(20), RunbookSteps: 1}).Runbook; got.Done != 1 {
		t.Errorf("progress beyond its steps: %+v", got)
	}
	if want := []string{"Alice", "Bob", "Carol", "Dan"}; !slices.Equal(d.Responders, want) {
		t.Errorf("responders %v; want %v (the service that triggered is no responder)", d.Responders, want)
	}
	wantH := []Hypothesis{{At: at(13), By: "Dan", Verdict: "ruled out", Text: "the CDN, its errors are flat"},
		{At: at(14), By: "Dan", Verdict: "open", Text: "connection pool exhaustion"}}
	if !reflect.DeepEqual(d.Hypotheses, wantH) {
		t.Errorf("hypotheses %+v", d.Hypotheses)
	}
	if len(d.Recent) != RecentLimit || d.Recent[0].ID != "d1" || d.Recent[RecentLimit-1].ID != "n4" {
		t.Errorf("recent: %d from %s", len(d.Recent), d.Recent[0].ID)
	}
}

// The state depends on when things happened, not on the order a merge
// handed the events over in (events at distinct times here: for equal
// times the merge's causal order is kept).
func TestDeriveIgnoresInputOrder(t *testing.T) {
	L, R := incident.Local, incident.Remote
	var tl incident.Timeline
	for i := range 12 {
		tl = append(tl, ev(t, fmt.Sprintf("t%d", i), i, "Alice", L)(incident.NewTask("Bob", fmt.Sprintf("task %d", i), 5*time.Minute, at(i))))
	}
	tl = append(tl,
		ev(t, "r1", 12, "Alice", L)(incident.NewRole("ic", "Alice")),
		ev(t, "r2", 14, "Bob", R)(incident.NewRole("ic", "Bob")),
		ev(t, "u1", 20, "Bob", R)(incident.NewItemUpdate("t3", incident.ChangeDone)),
	)
	want := Derive(Input{Incident: openIncident(), Timeline: tl, Now: at(30), Cadence: time.Minute})
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := slices.Clone(tl)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := Derive(Input{Incident: openIncident(), Timeline: shuffled, Now: at(30), Cadence: time.Minute}); !reflect.DeepEqual(got, want) {
			t.Fatalf("a shuffled timeline derives another state")
		}
	}
}
