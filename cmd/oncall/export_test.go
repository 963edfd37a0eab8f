package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/incident/postmortem"
)

// checkoutOnSim serves the demo scenario and returns its checkout
// incident, with the token in the environment and no ONCALL_DB, so --db
// alone decides the journal.
func checkoutOnSim(t *testing.T) (sim *pdsim.Server, snap pdsim.IncidentSnapshot, url string) {
	t.Helper()
	sim, url = newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("ONCALL_DB", "")
	snap, ok := sim.IncidentByKey(pdsim.DemoCheckout)
	if !ok {
		t.Fatal("demo checkout incident missing")
	}
	return sim, snap, url
}

func exportSetup(t *testing.T) (id, url, db string) {
	t.Helper()
	_, snap, url := checkoutOnSim(t)
	return snap.ID, url, filepath.Join(t.TempDir(), "journal.db")
}

// The demo's checkout incident is still open: the export says so, in both
// formats, and JSON carries the schema's facts.
func TestExportJSONOfAnOpenIncident(t *testing.T) {
	id, url, db := exportSetup(t)
	code, stdout, stderr := cli(t, "export", id, "--api-url", url, "--db", db, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, "still acknowledged") {
		t.Errorf("stderr %q does not say the incident is open", stderr)
	}
	var r postmortem.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if r.Schema != postmortem.SchemaVersion || !r.Incident.Open || r.Incident.ID != id || len(r.Timeline) == 0 {
		t.Errorf("report: schema %q, incident %+v, %d events", r.Schema, r.Incident, len(r.Timeline))
	}
	if r.Metrics.TimeToAcknowledge == nil || r.Metrics.Pages == 0 || r.Impact.EndedBy != "ongoing" {
		t.Errorf("metrics %+v, impact %+v", r.Metrics, r.Impact)
	}

	code, stdout, _ = cli(t, "export", id, "--api-url", url, "--db", db)
	if code != exitOK || !strings.Contains(stdout, "> **Still open:**") || !strings.Contains(stdout, "| Time (UTC) | Who | Event | Link |") {
		t.Errorf("Markdown export: exit %d\n%s", code, stdout)
	}
}

// --dir names the draft for the incident and writes a newer one beside an
// edited one.
func TestExportDirNeverOverwrites(t *testing.T) {
	id, url, db := exportSetup(t)
	dir := filepath.Join(t.TempDir(), "postmortems")
	code, stdout, stderr := cli(t, "export", id, "--api-url", url, "--db", db, "--dir", dir)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	first := strings.TrimSpace(strings.TrimPrefix(stdout, "wrote "))
	if filepath.Dir(first) != dir || !strings.HasSuffix(first, ".md") || !strings.Contains(filepath.Base(first), "-checkout") {
		t.Fatalf("draft at %q", first)
	}
	edited := []byte("edited by a person\n")
	os.WriteFile(first, edited, 0o644)

	code, stdout, _ = cli(t, "export", id, "--api-url", url, "--db", db, "--dir", dir)
	second := strings.TrimSpace(strings.TrimPrefix(stdout, "wrote "))
	if code != exitOK || second != strings.TrimSuffix(first, ".md")+"-2.md" {
		t.Errorf("second export: exit %d, %q", code, second)
	}
	if got, _ := os.ReadFile(first); !bytes.Equal(got, edited) {
		t.Error("export overwrote an edited draft")
	}
	code, stdout, _ = cli(t, "export", id, "--api-url", url, "--db", db, "--dir", dir, "--format", "json")
	if code != exitOK || !strings.HasSuffix(strings.TrimSpace(stdout), ".json") {
		t.Errorf("JSON into --dir: exit %d, %q", code, stdout)
	}
}

func TestExportFlagErrors(t *testing.T) {
	id, url, db := exportSetup(t)
	for _, c := range []struct {
		args    []string
		message string
	}{
		{[]string{"--format", "pdf"}, `--format "pdf": use md, json or html`},
		{[]string{"-o", "x.md", "--dir", "d"}, "either -o FILE or --dir DIR"},
	} {
		args := append([]string{"export", id, "--api-url", url, "--db", db}, c.args...)
		code, _, stderr := cli(t, args...)
		if code != exitUsage || !strings.Contains(stderr, c.message) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
}
