package pagerduty

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestEscalationLevels: the checkout incident's policy, read over HTTP
// from the simulator by the real client, has its two levels in order,
// each with the user it pages and the policy's delay.
func TestEscalationLevels(t *testing.T) {
	sim, c := newSim(t, pdsim.Options{})
	snap, err := sim.AddIncident(pdsim.IncidentSpec{Title: "checkout 5xx", Service: pdsim.ServiceCheckout})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := c.Get(context.Background(), snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inc.EscalationPolicy.ID == "" {
		t.Fatal("the incident names no escalation policy")
	}
	levels, err := c.EscalationLevels(context.Background(), inc.EscalationPolicy.ID)
	if err != nil {
		t.Fatal(err)
	}
	type lv struct {
		level int
		kind  string
		name  string
		delay int
	}
	var got []lv
	for _, l := range levels {
		if len(l.Targets) != 1 || l.Targets[0].ID == "" {
			t.Fatalf("level %d targets %+v", l.Level, l.Targets)
		}
		got = append(got, lv{l.Level, l.Targets[0].Kind, l.Targets[0].Name, l.DelayMinutes})
	}
	want := []lv{{1, "user", "Alex Rivera", 15}, {2, "user", "Jamal Okafor", 15}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("levels\n got %+v\nwant %+v", got, want)
	}
}

func TestEscalationLevelsRefuses(t *testing.T) {
	_, c := newSim(t, pdsim.Options{})
	for _, id := range []string{"PNOSUCH", "", "../incidents", "P EP"} {
		if _, err := c.EscalationLevels(context.Background(), id); !errors.Is(err, incident.ErrNotFound) {
			t.Errorf("EscalationLevels(%q) = %v; want ErrNotFound", id, err)
		}
	}
}
