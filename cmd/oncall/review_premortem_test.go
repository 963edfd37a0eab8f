package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestReviewForeseenByTheShippedPremortems runs oncall review through the
// command line with premortems_dir pointing at the pre-mortems the project
// ships (premortems/), loaded by the real loader and matched by the real
// matcher: the demo's payments incident is reported as foreseen, and an
// incident no pre-mortem names is not. Without the hook, or with the
// directory not read, no postmortem would carry "foreseen".
func TestReviewForeseenByTheShippedPremortems(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	payments, ok := sim.IncidentByKey(pdsim.DemoPayments)
	if !ok {
		t.Fatal("demo payments incident missing")
	}
	db := filepath.Join(t.TempDir(), "journal.db")
	// The review's postmortems are those of resolved incidents: resolve
	// the payments incident, and the checkout one, as a responder would.
	t.Setenv("PAGERDUTY_FROM", pdsim.DemoUserEmail)
	checkout, _ := sim.IncidentByKey(pdsim.DemoCheckout)
	for _, id := range []string{payments.ID, checkout.ID} {
		if code, _, stderr := cli(t, "resolve", id, "--api-url", url, "--db", db); code != exitOK {
			t.Fatalf("resolve %s: exit %d, stderr %q", id, code, stderr)
		}
	}
	shipped, err := filepath.Abs(filepath.Join("..", "..", "premortems"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("premortems_dir: "+shipped+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "review", "--api-url", url, "--db", db, "--config", cfg,
		"--since", "2026-11-14", "--until", "2026-11-21", "--zone", "UTC", "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var doc struct {
		Postmortems []struct {
			Incident struct{ ID string } `json:"incident"`
			Foreseen string              `json:"foreseen_in"`
		} `json:"postmortems"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	foreseen := map[string]string{}
	for _, p := range doc.Postmortems {
		foreseen[p.Incident.ID] = p.Foreseen
	}
	got, listed := foreseen[payments.ID]
	if !listed {
		t.Fatalf("the payments incident %s is not among the postmortems %+v", payments.ID, doc.Postmortems)
	}
	if !strings.Contains(strings.ToLower(got), "payments") {
		t.Errorf("payments incident foreseen = %q, want the payments pre-mortem named", got)
	}
	if _, ok := foreseen[checkout.ID]; !ok {
		t.Fatalf("the checkout incident %s is not among the postmortems %+v", checkout.ID, doc.Postmortems)
	}
	for id, f := range foreseen {
		if id != payments.ID && strings.Contains(strings.ToLower(f), "payments") {
			t.Errorf("%s is foreseen by %q too", id, f)
		}
	}
}
