package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestNewWritesAreApplied runs each write against the simulator and checks
// what PagerDuty would now hold.
func TestNewWritesAreApplied(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(c *Client, id string) error
		check func(t *testing.T, sim *pdsim.Server, id string)
	}{
		{"reassign to users", func(c *Client, id string) error {
			return c.Reassign(ctx, id, incident.Reassignment{UserIDs: []string{"PMC4H8N", "PHW3M5C"}})
		}, func(t *testing.T, sim *pdsim.Server, id string) {
			s, _ := sim.Incident(id)
			if !slices.Equal(s.Assignees, []string{pdsim.EmailMarcus, pdsim.EmailHannah}) || s.Status != "triggered" {
				t.Errorf("after reassign: %s assigned to %v", s.Status, s.Assignees)
			}
		}},
		{"reassign to a policy", func(c *Client, id string) error {
			return c.Reassign(ctx, id, incident.Reassignment{EscalationPolicyID: "PEP5PLT"})
		}, func(t *testing.T, sim *pdsim.Server, id string) {
			s, _ := sim.Incident(id)
			if s.EscalationPolicy != "Platform On-Call" || !slices.Equal(s.Assignees, []string{pdsim.EmailYuki}) {
				t.Errorf("after reassign to a policy: %s, %v", s.EscalationPolicy, s.Assignees)
			}
		}},
		{"escalate to level 2", func(c *Client, id string) error { return c.Escalate(ctx, id, 2) },
			func(t *testing.T, sim *pdsim.Server, id string) {
				s, _ := sim.Incident(id)
				if s.EscalationLevel != 2 || !slices.Equal(s.Assignees, []string{pdsim.EmailJamal}) {
					t.Errorf("after escalate: level %d, %v", s.EscalationLevel, s.Assignees)
				}
			}},
		{"snooze 90 minutes", func(c *Client, id string) error { return c.Snooze(ctx, id, 90*time.Minute) },
			func(t *testing.T, sim *pdsim.Server, id string) {
				if s, _ := sim.Incident(id); !s.SnoozedUntil.Equal(epoch.Add(90 * time.Minute)) {
					t.Errorf("snoozed until %s", s.SnoozedUntil)
				}
			}},
		{"request responders", func(c *Client, id string) error {
			return c.RequestResponders(ctx, id, incident.ResponderRequest{
				UserIDs: []string{"PYT5W7J"}, EscalationPolicyIDs: []string{"PEP3SRC"}, Message: "bridge: meet.example.com/inc"})
		}, func(t *testing.T, sim *pdsim.Server, id string) {
			rr := sim.ResponderRequests(id)
			if len(rr) != 1 || rr[0].RequesterEmail != pdsim.DemoUserEmail || !slices.Equal(rr[0].UserIDs, []string{"PYT5W7J"}) ||
				!slices.Equal(rr[0].PolicyIDs, []string{"PEP3SRC"}) || rr[0].Message != "bridge: meet.example.com/inc" {
				t.Errorf("responder requests: %+v", rr)
			}
		}},
		{"post a status update", func(c *Client, id string) error {
			return c.PostStatusUpdate(ctx, id, "Rolled back to 4.11; error rate normal.")
		}, func(t *testing.T, sim *pdsim.Server, id string) {
			su := sim.StatusUpdates(id)
			if len(su) != 1 || su[0].Message != "Rolled back to 4.11; error rate normal." || su[0].SenderEmail != pdsim.DemoUserEmail {
				t.Errorf("status updates: %+v", su)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
			snap, err := sim.AddIncident(pdsim.IncidentSpec{Title: "checkout 5xx", Service: pdsim.ServiceCheckout, Status: "acknowledged"})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.write(c, snap.ID); err != nil {
				t.Fatal(err)
			}
			tt.check(t, sim, snap.ID)
		})
	}
}

// TestWritesPagerDutyRefuses: the simulator's refusals come back as one
// line a responder can act on; some are caught before any request.
func TestWritesPagerDutyRefuses(t *testing.T) {
	ctx := context.Background()
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
	triggered, _ := sim.AddIncident(pdsim.IncidentSpec{Title: "a", Service: pdsim.ServiceCheckout})
	resolved, _ := sim.AddIncident(pdsim.IncidentSpec{Title: "b", Service: pdsim.ServiceCheckout, Status: "resolved"})
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"escalate past the last level", c.Escalate(ctx, triggered.ID, 9), "Escalation level 9 does not exist"},
		{"snooze a triggered incident", c.Snooze(ctx, triggered.ID, time.Hour), "must be acknowledged"},
		{"snooze longer than a week", c.Snooze(ctx, triggered.ID, 8*24*time.Hour), "between a second and a week"},
		{"reassign a resolved incident", c.Reassign(ctx, resolved.ID, incident.Reassignment{UserIDs: []string{pdsim.DemoUserID}}), "PagerDuty answered 400: Incident Already Resolved"},
		{"reassign to an unknown user", c.Reassign(ctx, triggered.ID, incident.Reassignment{UserIDs: []string{"PNOBODY"}}), `Assignee "PNOBODY" Not Found`},
		{"reassign to both", c.Reassign(ctx, triggered.ID, incident.Reassignment{UserIDs: []string{"P1"}, EscalationPolicyID: "P2"}), "not both"},
		{"escalate to level 0", c.Escalate(ctx, triggered.ID, 0), "levels start at 1"},
		{"responders without a message", c.RequestResponders(ctx, triggered.ID, incident.ResponderRequest{UserIDs: []string{"PYT5W7J"}}), "needs a message"},
		{"responders for a resolved incident", c.RequestResponders(ctx, resolved.ID, incident.ResponderRequest{UserIDs: []string{"PYT5W7J"}, Message: "m"}), "PagerDuty answered 400: Incident Already Resolved"},
		{"empty status update", c.PostStatusUpdate(ctx, triggered.ID, " "), "empty"},
		{"status update to an unknown incident", c.PostStatusUpdate(ctx, "PNOSUCH", "x"), "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) || strings.Contains(tt.err.Error(), "\n") {
				t.Errorf("err = %v, want one line with %q", tt.err, tt.want)
			}
		})
	}
	if !errors.Is(c.PostStatusUpdate(ctx, "PNOSUCH", "x"), incident.ErrNotFound) {
		t.Error("unknown incident is not ErrNotFound")
	}
}

// TestEventsSincePollsWithOneRequest: once an incident's timeline is
// loaded, polling it costs one log request per interval, however long the
// timeline; notes and alerts are fetched only when the log shows new ones.
// TestEventsSincePollsWithOneRequest runs against both readings of since
// (PagerDuty's reference does not say whether it is inclusive to the
// second), and proves that an event landing in the very second of the last
// poll is still found, once.
func TestEventsSincePollsWithOneRequest(t *testing.T) {
	for _, exclusive := range []bool{false, true} {
		t.Run(fmt.Sprintf("since exclusive=%v", exclusive), func(t *testing.T) { testEventsSince(t, exclusive) })
	}
}

func testEventsSince(t *testing.T, exclusive bool) {
	ctx := context.Background()
	clk := pdsim.NewClock(epoch)
	var steps pdsim.Scenario
	steps = append(steps, pdsim.Step{At: -2 * time.Hour, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "long", Title: "long incident", Service: pdsim.ServiceCheckout})})
	for i := range 150 { // a long timeline: 150 notes, 300 log entries
		steps = append(steps, pdsim.Step{At: -2*time.Hour + time.Duration(i+1)*time.Second,
			Action: pdsim.AddNote("long", pdsim.EmailJamal, fmt.Sprintf("update %d", i))})
	}
	steps = append(steps,
		pdsim.Step{At: 30 * time.Second, Action: pdsim.AddNote("long", pdsim.EmailPriya, "new note")},
		pdsim.Step{At: 60 * time.Second, Action: pdsim.Acknowledge("long", pdsim.EmailMarcus)},
	)
	sim := pdsim.New(pdsim.Options{Now: clk.Now, Scenario: steps, SinceExclusive: exclusive})
	srv := newServer(t, sim)
	c, err := New(Config{Token: pdsim.DemoToken, APIURL: srv})
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := sim.IncidentByKey("long")
	id := snap.ID

	requests := func() map[string]int {
		return map[string]int{
			"log":    sim.Requests("GET /incidents/{id}/log_entries"),
			"notes":  sim.Requests("GET /incidents/{id}/notes"),
			"alerts": sim.Requests("GET /incidents/{id}/alerts"),
		}
	}
	all, err := c.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	newest := time.Time{}
	for _, e := range all {
		if e.At.After(newest) {
			newest = e.At
		}
	}
	seen := map[string]bool{}
	for _, e := range all {
		seen[e.ID] = true
	}

	poll := func() []incident.Event {
		t.Helper()
		got, err := c.EventsSince(ctx, id, newest)
		if err != nil {
			t.Fatal(err)
		}
		var fresh []incident.Event
		for _, e := range got {
			if !seen[e.ID] {
				seen[e.ID] = true
				fresh = append(fresh, e)
			}
			if e.At.After(newest) {
				newest = e.At
			}
		}
		return fresh
	}
	diff := func(before map[string]int) map[string]int {
		after := requests()
		out := map[string]int{}
		for k, v := range after {
			out[k] = v - before[k]
		}
		return out
	}

	// Quiet intervals: one log request each, nothing else.
	before := requests()
	for range 3 {
		clk.Advance(5 * time.Second)
		if fresh := poll(); len(fresh) != 0 {
			t.Fatalf("quiet poll returned %+v", fresh)
		}
	}
	if d := diff(before); d["log"] != 3 || d["notes"] != 0 || d["alerts"] != 0 {
		t.Errorf("3 quiet polls cost %v, want 3 log requests only", d)
	}

	// A note lands: the log shows an annotation, so notes are read once.
	clk.Advance(20 * time.Second) // +35s
	before = requests()
	fresh := poll()
	if len(fresh) != 1 || fresh[0].Kind != incident.KindNote || fresh[0].Summary != "new note" || fresh[0].Actor != "Priya Natarajan" {
		t.Errorf("after a note: %+v", fresh)
	}
	if d := diff(before); d["log"] != 1 || d["notes"] != 1 || d["alerts"] != 0 {
		t.Errorf("a poll with a new note cost %v, want 1 log + 1 notes", d)
	}

	// An acknowledgement: the log alone carries it.
	clk.Advance(25 * time.Second) // +60s: the ack's own second
	before = requests()
	fresh = poll()
	if len(fresh) != 1 || fresh[0].Kind != incident.KindAcknowledge {
		t.Errorf("after an ack: %+v", fresh)
	}
	if d := diff(before); d["log"] != 1 || d["notes"] != 0 || d["alerts"] != 0 {
		t.Errorf("a poll with an ack cost %v, want 1 log request", d)
	}

	// A note lands in the same second as the newest event already seen:
	// the next poll (since that second) must still find it, whichever way
	// PagerDuty reads since, and only once.
	other, err := New(Config{Token: pdsim.UserToken(pdsim.EmailPriya), APIURL: srv})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.AddNote(ctx, id, "", "same second"); err != nil {
		t.Fatal(err)
	}
	got, err := c.EventsSince(ctx, id, newest)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	found := 0
	for _, e := range got {
		ids[e.ID]++
		if e.Kind == incident.KindNote && e.Summary == "same second" {
			found++
		}
		if e.At.Before(newest) {
			t.Errorf("event %s at %s is before since %s", e.ID, e.At, newest)
		}
	}
	if found != 1 {
		t.Errorf("the note in the last poll's second came back %d times: %+v", found, got)
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("event %s returned %d times in one call", id, n)
		}
	}
}
