package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestTeamHoursFromTheConfiguration: zone, work_hours and sleep_hours in
// the configuration file are what oncall review reads its hours in, each
// flag given on the command line overrides its key alone, and the draft
// oncall export writes counts and states the same working and sleep hours
// in the same zone. Without the keys, or with the flags winning nothing, the
// hours stated would be the defaults (09:00-18:00, 22:00-07:00) and the
// machine's zone.
func TestTeamHoursFromTheConfiguration(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("zone: Europe/Paris\nwork_hours: 08:00-16:30\nsleep_hours: 23:00-06:00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "journal.db")
	review := func(extra ...string) map[string]any {
		t.Helper()
		args := append([]string{"review", "--api-url", url, "--db", db, "--config", cfg, "--since", "2026-11-14", "--until", "2026-11-21", "--format", "json"}, extra...)
		code, stdout, stderr := cli(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d, stderr %q", extra, code, stderr)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		return doc
	}
	doc := review()
	hours, period := doc["hours"].(map[string]any), doc["period"].(map[string]any)
	if period["zone"] != "Europe/Paris" || hours["business"] != "08:00-16:30 Monday-Friday" || hours["sleep"] != "23:00-06:00 every day" {
		t.Errorf("from the configuration: zone %v, hours %v; want Europe/Paris, 08:00-16:30, 23:00-06:00", period["zone"], hours)
	}
	// A date is read in the configured zone: midnight in Paris.
	if period["since"] != "2026-11-13T23:00:00Z" {
		t.Errorf("since = %v, want the 14th's midnight in Paris", period["since"])
	}

	doc = review("--zone", "UTC", "--sleep-hours", "21:00-05:00")
	hours, period = doc["hours"].(map[string]any), doc["period"].(map[string]any)
	if period["zone"] != "UTC" || hours["sleep"] != "21:00-05:00 every day" || hours["business"] != "08:00-16:30 Monday-Friday" {
		t.Errorf("flags over the configuration: zone %v, hours %v; want UTC, 21:00-05:00, and work_hours still 08:00-16:30", period["zone"], hours)
	}

	snap, ok := sim.IncidentByKey(pdsim.DemoCheckout)
	if !ok {
		t.Fatal("demo checkout incident missing")
	}
	code, stdout, stderr := cli(t, "export", snap.ID, "--api-url", url, "--db", db, "--config", cfg, "--format", "json", "-o", "-")
	if code != exitOK {
		t.Fatalf("export: exit %d, stderr %q", code, stderr)
	}
	var draft struct {
		WorkingHours struct{ Zone, Start, End, Sleep string } `json:"working_hours"`
	}
	if err := json.Unmarshal([]byte(stdout), &draft); err != nil {
		t.Fatalf("export JSON: %v", err)
	}
	if wh := draft.WorkingHours; wh.Zone != "Europe/Paris" || wh.Start != "08:00" || wh.End != "16:30" || wh.Sleep != "23:00-06:00" {
		t.Errorf("the draft's hours = %+v, want 08:00-16:30 and sleep 23:00-06:00 in Europe/Paris", wh)
	}
}
