package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/internal/golden"
	"github.com/oncallkit/oncall/store"
)

// scriptStart is the simulator's clock; every step below is an offset
// from it, so every metric of the draft is known to the second.
var scriptStart = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)

func scriptedScenario() pdsim.Scenario {
	const key = "inv-lag"
	return pdsim.Scenario{
		{At: -40 * time.Minute, Action: pdsim.Trigger(pdsim.IncidentSpec{
			Key: key, Title: "inventory-db: replication lag above 60s", Service: pdsim.ServiceInventoryDB,
			Urgency: "high", Priority: "P1",
			Alerts: []pdsim.AlertSpec{{Summary: "replica db-inv-2 lag 94s", Severity: "critical",
				Details: map[string]any{"component": "postgres", "class": "replication"}}},
		})},
		{At: -36 * time.Minute, Action: pdsim.Acknowledge(key, pdsim.EmailPriya)},
		{At: -30 * time.Minute, Action: pdsim.AddNote(key, pdsim.EmailJamal, "lag started with the 02:15 vacuum on orders")},
		{At: -10 * time.Minute, Action: pdsim.Resolve(key, pdsim.EmailPriya)},
	}
}

// TestExportOfAScriptedIncident runs the real chain — the simulator's
// scripted incident, the adapter over HTTP, the journal — into the draft,
// and checks the metrics to the second, then the whole Markdown and JSON
// against golden files.
func TestExportOfAScriptedIncident(t *testing.T) {
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return scriptStart }, Scenario: scriptedScenario()})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	snap, ok := sim.IncidentByKey("inv-lag")
	if !ok {
		t.Fatal("the scripted incident is missing")
	}
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}

	// The incident commander's local record: a decision, the mitigation
	// mark and a follow-up, journaled while it ran.
	db := filepath.Join(t.TempDir(), "j.db")
	j, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []incident.Event{
		{ID: "LOCAL-DECISION", Kind: incident.KindDecision, At: scriptStart.Add(-28 * time.Minute), Actor: "Priya Natarajan", State: incident.Sent,
			Summary: "Decision: pause the vacuum", Fields: map[string]string{"what": "pause the vacuum on orders", "why": "lag grows with it", "who": "Jamal Okafor"}},
		{ID: "LOCAL-MITIGATED", Kind: incident.KindMitigated, At: scriptStart.Add(-20 * time.Minute), Actor: "Priya Natarajan", State: incident.Sent,
			Summary: "Mitigated: customer impact has stopped"},
		{ID: "LOCAL-FOLLOWUP", Kind: incident.KindActionItem, At: scriptStart.Add(-12 * time.Minute), Actor: "Priya Natarajan", State: incident.Sent,
			Summary: "Action item", Fields: map[string]string{"title": "Alert on replication lag before 30s", "owner": "db team", "due": "2026-12-01", "type": "detect"}},
	} {
		if _, err := j.Append(snap.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()

	export := func(format string) []byte {
		var out, errOut bytes.Buffer
		o := &exportOptions{incidentID: snap.ID, output: "-", format: format, journal: func() (*store.Store, error) { return openExistingJournal(db, true) }, now: func() time.Time { return scriptStart }, location: time.UTC,
			slos: postmortemSLOs(map[string]config.SLO{pdsim.ServiceInventoryDB: {Target: 99.9, Window: 28 * 24 * time.Hour}})}
		if err := runExport(t.Context(), o, src, &out, &errOut); err != nil {
			t.Fatalf("%s: %v (%s)", format, err, errOut.String())
		}
		return out.Bytes()
	}

	var rep postmortem.Report
	if err := json.Unmarshal(export("json"), &rep); err != nil {
		t.Fatal(err)
	}
	m := rep.Metrics
	secs := func(p *int64) int64 {
		if p == nil {
			return -1
		}
		return *p
	}
	if got := [4]int64{secs(m.TimeToDetect), secs(m.TimeToAcknowledge), secs(m.TimeToMitigate), secs(m.TimeToResolve)}; got != [4]int64{0, 240, 1200, 1800} {
		t.Errorf("TTD, TTA, TTM, TTR = %v seconds, want [0 240 1200 1800]", got)
	}
	if !m.StartedAt.Equal(scriptStart.Add(-40*time.Minute)) || !m.ResolvedAt.Equal(scriptStart.Add(-10*time.Minute)) {
		t.Errorf("started %v, resolved %v", m.StartedAt, m.ResolvedAt)
	}
	if len(rep.Decisions) != 1 || len(rep.ActionItems) != 1 {
		t.Errorf("decisions %d, action items %d", len(rep.Decisions), len(rep.ActionItems))
	}
	// 99.9% over 28 days is 40m19.2s of budget; 20 minutes of impact
	// (first alert to the mitigation mark) spend 49.6% of it.
	md := string(export("md"))
	for _, want := range []string{"99.9% over 28 days", "49.6"} {
		if !bytes.Contains([]byte(md), []byte(want)) {
			t.Errorf("the error budget line lacks %q", want)
		}
	}

	for format, name := range map[string]string{"md": "scripted.md.golden", "json": "scripted.json.golden"} {
		golden.Assert(t, name, export(format))
	}
}
