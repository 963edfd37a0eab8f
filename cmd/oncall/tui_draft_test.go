package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestViewDraftMatchesExport: the draft the view writes when an incident
// is resolved from it and the draft oncall export writes for the same
// incident and configuration agree: both count pages in the configured
// zone, work_hours and sleep_hours, both list the earlier incidents on
// the service, and both carry the matched runbook's links.
func TestViewDraftMatchesExport(t *testing.T) {
	isolate(t)
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) }})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	target, ok := sim.IncidentByKey("checkout-5xx")
	if !ok {
		t.Fatal("the demo's checkout incident is missing")
	}
	// An earlier incident on the same service, for Related incidents.
	earlier, err := sim.AddIncident(pdsim.IncidentSpec{Title: "checkout-api: 5xx after a deploy", Service: target.ServiceID,
		Status: "resolved", CreatedAt: target.CreatedAt.Add(-20 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	runbooksDir, err := filepath.Abs(filepath.Join("..", "..", "runbooks"))
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	writeFile(t, tokenFile, pdsim.DemoToken+"\n")
	drafts, db := filepath.Join(dir, "drafts"), filepath.Join(dir, "journal.db")
	cfg := filepath.Join(dir, "config.yaml")
	writeFile(t, cfg, fmt.Sprintf(`api_url: %s
token_file: %s
runbooks_dir: %s
postmortems_dir: %s
zone: Asia/Tokyo
work_hours: "08:30-17:15"
sleep_hours: "23:30-06:45"
`, srv.URL, tokenFile, runbooksDir, drafts))

	// The view, opened on the incident, resolves it.
	in, keys := io.Pipe()
	scr := &screen{}
	cmd, g := newRoot()
	g.program = []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(scr), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler()}
	cmd.SetArgs([]string{"--config", cfg, "--db", db, "#" + strconv.Itoa(target.Number)})
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
	v := &configuredView{screen: scr, stopped: stopped}
	press := func(s string) {
		t.Helper()
		if _, err := io.WriteString(keys, s); err != nil {
			t.Fatalf("type %q: %v", s, err)
		}
	}
	v.waitFor(t, "the incident's view", func() bool { return drew(scr.String(), target.Title) })
	press("R")
	v.waitFor(t, "the resolve prompt", func() bool { return drew(scr.String(), "resolve") })
	press("y")
	var viewDraft string
	v.waitFor(t, "the view's draft", func() bool {
		files, _ := filepath.Glob(filepath.Join(drafts, "*.md"))
		if len(files) != 1 {
			return false
		}
		b, err := os.ReadFile(files[0])
		viewDraft = string(b)
		return err == nil && strings.Contains(viewDraft, "## Supporting information")
	})
	press("\x03") // ctrl+c: the journal is free for export
	awaitQuit(t, stopped, func() error { return runErr })

	var out, errOut bytes.Buffer
	ex, _ := newRoot()
	ex.SetArgs([]string{"--config", cfg, "--db", db, "export", target.ID, "-o", "-"})
	ex.SetOut(&out)
	ex.SetErr(&errOut)
	if err := ex.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("oncall export: %v (%s)", err, errOut.String())
	}
	exported := out.String()

	for _, want := range []string{"in Asia/Tokyo", "08:30-17:15", "23:30-06:45", "Earlier incidents on the same service", earlier.ID, "https://runbooks.example.com/checkout/high-5xx"} {
		for name, d := range map[string]string{"view": viewDraft, "export": exported} {
			if !strings.Contains(d, want) {
				t.Errorf("the %s's draft lacks %q", name, want)
			}
		}
	}
	for _, h := range []string{"## Related incidents", "## Supporting information"} {
		if a, b := draftSection(viewDraft, h), draftSection(exported, h); a != b {
			t.Errorf("%s differs:\nview:\n%s\nexport:\n%s", h, a, b)
		}
	}
	for _, prefix := range []string{"- **Times:**", "- **Pages:**"} {
		if a, b := draftLine(viewDraft, prefix), draftLine(exported, prefix); a == "" || a != b {
			t.Errorf("%q differs: view %q, export %q", prefix, a, b)
		}
	}
}

// draftSection is a Markdown draft's section under heading, up to the
// next second-level heading.
func draftSection(md, heading string) string {
	_, after, ok := strings.Cut(md, heading+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(after, "\n## "); i >= 0 {
		after = after[:i]
	}
	return after
}

// draftLine is the first line of md that starts with prefix.
func draftLine(md, prefix string) string {
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
