package tui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
)

// TestSavedFilterEmptyListCountsActive: a program started with a
// remembered filter that matches nothing (a service with no incidents)
// has never fetched the whole list, yet its empty screen says how many
// incidents are active, from PagerDuty, not a bare "No incidents match".
func TestSavedFilterEmptyListCountsActive(t *testing.T) {
	h := newHarness(t, 120, 40, func(o *Options) {
		o.Filter = incident.Filter{ServiceIDs: []string{"PNOINCIDENTS"}}
	})
	if n := len(h.model().list.incidents); n != 0 {
		t.Fatalf("the filter left %d incidents listed", n)
	}
	active, err := h.model().opts.Source.Active(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(active) == 0 {
		t.Fatal("the simulator has no active incidents")
	}
	h.wantScreen("No incidents match the filter (" + strconv.Itoa(len(active)) + " active).")

	// A colleague resolves one: the next poll's count follows.
	if err := simClient(t, h).Resolve(t.Context(), active[0].ID); err != nil {
		t.Fatal(err)
	}
	m := h.model()
	cmd := m.fetchList()
	h.m = m
	h.run(cmd)
	if s := h.screen(); !strings.Contains(s, "("+strconv.Itoa(len(active)-1)+" active)") {
		t.Fatalf("after a resolve elsewhere the count did not follow:\n%s", s)
	}
}
