package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/internal/golden"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/premortems"
	"github.com/oncallkit/oncall/store"
)

// TestExportOfAForeseenIncident: oncall export of the demo's payments
// incident, which the shipped payments pre-mortem foresaw, with a
// countermeasure ticked and a runbook command run from this machine.
// Every format carries both hooked sections: "Foreseen in a pre-mortem?"
// naming the failure with the during checklist as ticked, and "Commands
// run"; the Markdown and the JSON draft are golden.
func TestExportOfAForeseenIncident(t *testing.T) {
	at := time.Date(2026, 11, 21, 3, 12, 0, 0, time.UTC)
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return at }})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	snap, ok := sim.IncidentByKey(pdsim.DemoPayments)
	if !ok {
		t.Fatal("the demo's payments incident is missing")
	}
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	set, problems := loadViewPremortems(premortems.FS, "")
	if set == nil || len(problems) > 0 {
		t.Fatalf("shipped pre-mortems: %v", problems)
	}
	f, ok := set.Failure("card-processor-timeouts")
	if !ok {
		t.Fatal("the shipped payments failure is missing")
	}
	var during premortem.Countermeasure
	for _, c := range f.Countermeasures {
		if c.Phase == premortem.During {
			during = c
			break
		}
	}

	db := filepath.Join(t.TempDir(), "j.db")
	j, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	tick, err := incident.NewCountermeasure(f.Premortem.ID, f.ID, "during", during.Action, during.Key, incident.ChangeDone)
	if err != nil {
		t.Fatal(err)
	}
	run, err := incident.NewCommand("payments-processor-timeouts", "s2", "", "curl -s https://status.acme-acquiring.example/api", incident.ModeRead, "laptop-priya", "RUN1")
	if err != nil {
		t.Fatal(err)
	}
	result, err := incident.NewCommandResult(incident.CommandResult{RunID: "RUN1", Duration: 1200 * time.Millisecond, Host: "laptop-priya",
		Head: `{"status":"degraded"}`, Status: incident.RunOK, Runbook: "payments-processor-timeouts", StepKey: "s2",
		Command: "curl -s https://status.acme-acquiring.example/api"})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range []incident.Event{tick, run, result} {
		e.ID, e.Actor, e.State = "LOCAL-"+string(rune('A'+i)), "Priya Natarajan", incident.Sent
		e.At = at.Add(time.Duration(i-3) * time.Minute)
		if _, err := j.Append(snap.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()

	export := func(format string) string {
		var out, errOut bytes.Buffer
		o := &exportOptions{incidentID: snap.ID, output: "-", format: format, location: time.UTC,
			journal:    func() (*store.Store, error) { return openExistingJournal(db, true) },
			now:        func() time.Time { return at },
			premortems: func() (*premortem.Set, []string) { return set, nil }}
		if err := runExport(t.Context(), o, src, &out, &errOut); err != nil {
			t.Fatalf("%s: %v (%s)", format, err, errOut.String())
		}
		return out.String()
	}

	md := export("md")
	for _, want := range []string{"## Foreseen in a pre-mortem?", "**Foreseen:** Card payments time out at the processor",
		"- [x] Check the processor's status page", "- [ ] Raise the client timeout", "## Commands run", "curl -s https://status.acme-acquiring.example/api"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown draft lacks %q", want)
		}
	}
	js := export("json")
	var doc struct {
		Sections struct {
			Premortem struct {
				Foreseen bool `json:"foreseen"`
				Failures []struct {
					ID     string `json:"id"`
					During []struct {
						Key    string `json:"key"`
						Ticked *bool  `json:"ticked"`
					} `json:"during"`
				} `json:"failures"`
			} `json:"premortem"`
			CommandsRun []json.RawMessage `json:"commands_run"`
		} `json:"sections"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	pm := doc.Sections.Premortem
	if !pm.Foreseen || len(pm.Failures) != 1 || pm.Failures[0].ID != "card-processor-timeouts" ||
		len(pm.Failures[0].During) == 0 || pm.Failures[0].During[0].Ticked == nil || !*pm.Failures[0].During[0].Ticked {
		t.Errorf("JSON premortem object: %+v", pm)
	}
	if len(doc.Sections.CommandsRun) != 1 {
		t.Errorf("JSON commands_run: %d entries", len(doc.Sections.CommandsRun))
	}
	html := export("html")
	for _, want := range []string{"Foreseen in a pre-mortem?", "<strong>Foreseen:</strong> Card payments time out", "&#x2611; Check the processor&#39;s status page", "Commands run"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML draft lacks %q", want)
		}
	}

	for name, got := range map[string]string{"foreseen.md.golden": md, "foreseen.json.golden": js} {
		golden.AssertString(t, name, got)
	}
}
