package main

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestViewReadsTheConfiguredFolders: oncall --runbooks DIR --premortems DIR
// INCIDENT, run as a responder runs it, reads both folders for the view
// although it reads them only after the first frame: the incident it
// opens on gets the runbook from DIR in its runbook pane and the banner
// of the pre-mortem that foresaw it, without a key pressed for them, and
// the pane never said that no runbook matches.
func TestViewReadsTheConfiguredFolders(t *testing.T) {
	isolate(t)
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) }})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	target, ok := sim.IncidentByKey(pdsim.DemoCheckout)
	if !ok {
		t.Fatal("no demo checkout incident")
	}

	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	writeFile(t, tokenFile, pdsim.DemoToken+"\n")
	runbooksDir, premortemsDir := filepath.Join(dir, "team-runbooks"), filepath.Join(dir, "team-premortems")
	writeFile(t, filepath.Join(runbooksDir, "orders.md"), `---
id: orders-from-the-folder
title: Orders failing, from the team folder
services: [`+target.Service+`]
---
- [ ] Look at the deploy log
`)
	writeFile(t, filepath.Join(premortemsDir, "orders.md"), `---
id: orders-workshop
title: Orders workshop
held_on: 2026-11-01
failures:
  - id: orders-down
    service: `+target.Service+`
    failure: Order placement fails after a config push
    impact: 4
    match:
      title: '(?i)5xx'
    countermeasures:
      - {phase: during, action: Revert the config push, status: done}
---
`)

	in, keys := io.Pipe()
	out := &screen{}
	cmd, g := newRoot()
	g.program = []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(out), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler()}
	cmd.SetArgs([]string{"--api-url", srv.URL, "--token-file", tokenFile, "--db", filepath.Join(dir, "journal.db"),
		"--runbooks", runbooksDir, "--premortems", premortemsDir, "#" + strconv.Itoa(target.Number)})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	var runErr error
	go func() {
		defer close(stopped)
		runErr = cmd.ExecuteContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		keys.Close()
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			t.Error("the view did not stop")
		}
	})
	waitDrawn := func(what, text string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !drew(out.String(), text) {
			select {
			case <-stopped:
				t.Fatalf("the view stopped (%v) before %s", runErr, what)
			case <-time.After(10 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: never drawn\nscreen:\n%s", what, visible(out.String()))
			}
		}
	}

	waitDrawn("the incident", target.Title)
	waitDrawn("the pre-mortem's banner", "Foreseen, impact 4/5: Order placement fails after a config push")
	if _, err := io.WriteString(keys, "\t\t"); err != nil { // timeline, alerts, runbook
		t.Fatal(err)
	}
	waitDrawn("the runbook from the folder", "Orders failing, from the team folder")
	if drew(out.String(), "No runbook matches") {
		t.Errorf("the pane said no runbook matches:\n%s", visible(out.String()))
	}
}
