package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// configuredView is the interactive view started the way a responder
// starts it (oncall --config FILE --db FILE INCIDENT: flags, the
// configuration file, the settings, the factory, runTUI), against pdsim
// over HTTP, with keys typed into a pipe instead of a terminal.
type configuredView struct {
	sim            *pdsim.Server
	incidentID     string
	postmortemsDir string
	runbooksDir    string
	keys           *io.PipeWriter
	screen         *screen
	stopped        chan struct{}
	err            error
}

func startConfiguredView(t *testing.T) *configuredView {
	t.Helper()
	isolate(t)
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) }})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	var target pdsim.IncidentSnapshot
	for _, in := range sim.Incidents() {
		if in.Status == "triggered" && in.Urgency == "high" {
			target = in
			break
		}
	}
	if target.ID == "" {
		t.Fatal("the demo has no triggered high-urgency incident")
	}

	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	writeFile(t, tokenFile, pdsim.DemoToken+"\n")
	runbooksDir := filepath.Join(dir, "runbooks")
	writeFile(t, filepath.Join(runbooksDir, "broken.md"), "---\nid: broken\ntitle: Broken\nservics: [x]\n---\n- [ ] a step\n")
	v := &configuredView{sim: sim, incidentID: target.ID, postmortemsDir: filepath.Join(dir, "drafts"), runbooksDir: runbooksDir, screen: &screen{}, stopped: make(chan struct{})}
	cfg := filepath.Join(dir, "config.yaml")
	writeFile(t, cfg, fmt.Sprintf(`api_url: %s
token_file: %s
refresh_interval: 7s
status_update_every: 13m
runbooks_dir: %s
postmortems_dir: %s
theme: light
slos:
  %s: {target: 99.5, window: 7d}
keys:
  acknowledge: [ctrl+a]
  note: [a]
`, srv.URL, tokenFile, runbooksDir, v.postmortemsDir, target.Service))

	in, keys := io.Pipe()
	v.keys = keys
	cmd, g := newRoot()
	g.program = []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(v.screen), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler(),
		// Colour as a true-colour terminal gets it, so the theme shows.
		tea.WithEnvironment([]string{"CLICOLOR_FORCE=1", "COLORTERM=truecolor", "TERM=xterm-256color"})}
	cmd.SetArgs([]string{"--config", cfg, "--db", filepath.Join(dir, "journal.db"), "#" + strconv.Itoa(target.Number)})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		keys.Close()
		select {
		case <-v.stopped:
		case <-time.After(30 * time.Second):
			t.Error("the view did not stop")
		}
	})
	go func() {
		defer close(v.stopped)
		v.err = cmd.ExecuteContext(ctx)
	}()
	return v
}

func (v *configuredView) press(t *testing.T, keys string) {
	t.Helper()
	if _, err := io.WriteString(v.keys, keys); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// waitFor waits until cond holds, failing on a hang or an early exit.
func (v *configuredView) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		select {
		case <-v.stopped:
			t.Fatalf("the view stopped (%v) before %s", v.err, what)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened\nscreen:\n%s", what, visible(v.screen.String()))
		}
	}
}

var ansiSeq = regexp.MustCompile(`\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78DEHM])`)

// visible is what the program drew, without escape sequences.
func visible(s string) string { return ansiSeq.ReplaceAllString(s, "") }

// drew says whether the program drew text at some point: the renderer
// skips over cells already on screen, so spaces are not compared.
func drew(screen, text string) bool {
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return strings.Contains(squeeze(visible(screen)), squeeze(text))
}

// TestConfigReachesTheRunningView: every setting of the configuration
// file that the view reads (keys, theme, the status-update clock,
// postmortems_dir, SLOs, runbooks_dir) is in force in the running view
// that oncall INCIDENT opens, proved by what the view does with it.
func TestConfigReachesTheRunningView(t *testing.T) {
	v := startConfiguredView(t)

	// oncall INCIDENT opened the incident itself: its title is drawn
	// without a key pressed.
	target, _ := v.sim.Incident(v.incidentID)
	v.waitFor(t, "the incident's view", func() bool { return drew(v.screen.String(), target.Title) })

	// runbooks_dir was loaded: its broken file is reported, with the
	// command that lists every problem.
	v.waitFor(t, "the runbook problem", func() bool {
		// The path after it may be cut at the screen's edge.
		return drew(v.screen.String(), "1 runbook problem(s), broken files skipped: oncall runbook lint lists all; "+v.runbooksDir[:10])
	})

	// keys: "a" is the note key now, and acknowledge is ctrl+a.
	v.press(t, "a")
	v.waitFor(t, "the note prompt", func() bool { return drew(v.screen.String(), "note") })
	v.press(t, "rebound keys work\r")
	v.waitFor(t, "the note on PagerDuty", func() bool {
		for _, n := range v.sim.Notes(v.incidentID) {
			if strings.Contains(n.Content, "rebound keys work") {
				return true
			}
		}
		return false
	})
	if s, _ := v.sim.Incident(v.incidentID); s.Status != "triggered" {
		t.Fatalf("after a, the incident is %s: the default acknowledge key still acts", s.Status)
	}
	v.press(t, "\x01") // ctrl+a
	v.waitFor(t, "the acknowledgement", func() bool { s, _ := v.sim.Incident(v.incidentID); return s.Status == "acknowledged" })

	// status_update_every: the status update is drafted with the
	// configured clock.
	v.press(t, "u")
	v.waitFor(t, "the status update form", func() bool { return drew(v.screen.String(), "Next update in 13 minutes") })
	v.press(t, "\r")
	v.waitFor(t, "the status update on PagerDuty", func() bool {
		u := v.sim.StatusUpdates(v.incidentID)
		return len(u) > 0 && strings.Contains(u[len(u)-1].Message, "Next update in 13 minutes.")
	})

	// postmortems_dir and slos: resolving from here writes the draft
	// there, with the service's error budget priced.
	v.press(t, "R")
	v.waitFor(t, "the resolve prompt", func() bool { return drew(v.screen.String(), "resolve") })
	v.press(t, "y")
	v.waitFor(t, "the resolution", func() bool { s, _ := v.sim.Incident(v.incidentID); return s.Status == "resolved" })
	var draft string
	v.waitFor(t, "the draft in postmortems_dir", func() bool {
		files, _ := filepath.Glob(filepath.Join(v.postmortemsDir, "*.md"))
		if len(files) != 1 {
			return false
		}
		b, err := os.ReadFile(files[0])
		draft = string(b)
		return err == nil && strings.Contains(draft, "Error budget")
	})
	if !strings.Contains(draft, "SLO 99.5%") || strings.Contains(draft, "no SLO is configured") {
		t.Errorf("the draft does not price the configured SLO:\n%s", draft)
	}

	v.press(t, "\x03") // ctrl+c
	awaitQuit(t, v.stopped, func() error { return v.err })

	// theme: light colours, never the dark ones (the terminal never said
	// what its background is, which would otherwise mean dark).
	out := v.screen.String()
	lightFaint, darkFaint := "38;2;107;107;107", "38;2;138;138;138"
	if !strings.Contains(out, lightFaint) || strings.Contains(out, darkFaint) {
		t.Errorf("theme light: light faint colour drawn %v, dark drawn %v", strings.Contains(out, lightFaint), strings.Contains(out, darkFaint))
	}
}

// TestViewOptionsFollowTheSettings: what the view polls and counts by
// comes from the configuration file through the settings, including the
// list's poll interval, which the running view's test cannot see without
// waiting for it.
func TestViewOptionsFollowTheSettings(t *testing.T) {
	isolate(t)
	cfg, err := config.Parse("c.yaml", []byte("refresh_interval: 7s\nstatus_update_every: 13m\ntheme: light\nread_only: true\npostmortems_dir: /drafts\nkeys:\n  quit: [Q]\nslos:\n  checkout: {target: 99.5}\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := &globalOptions{}
	if g.set, err = resolve(flagValues{}, func(string) string { return "" }, cfg); err != nil {
		t.Fatal(err)
	}
	src, err := pagerduty.New(pagerduty.Config{Token: "t", APIURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	o := g.factory().ViewOptions(src, "label", "me@example.com")
	if o.ListEvery != 7*time.Second || o.UpdateEvery != 13*time.Minute || o.Theme != "light" || !o.ReadOnly ||
		o.PostmortemsDir != "/drafts" || o.SLOs["checkout"].Target != 0.995 || o.Keys["quit"][0] != "Q" ||
		o.Label != "label" || o.Actor != "me@example.com" || o.Source == nil || o.WhoAmI == nil {
		t.Fatalf("view options %+v", o)
	}
}

// ctxRecorder is a Source that keeps the context of every list request.
type ctxRecorder struct {
	incident.Source
	mu   sync.Mutex
	ctxs []context.Context
	seen chan struct{} // gets a value after each list request
}

func (r *ctxRecorder) List(ctx context.Context, f incident.Filter) ([]incident.Incident, error) {
	r.mu.Lock()
	r.ctxs = append(r.ctxs, ctx)
	r.mu.Unlock()
	defer func() {
		select {
		case r.seen <- struct{}{}:
		default:
		}
	}()
	return r.Source.List(ctx, f)
}

// TestViewEndsWithItsContext: when the command's context ends (a signal),
// the view stops without an error, and every request it made was under
// that context, so none outlives it.
func TestViewEndsWithItsContext(t *testing.T) {
	isolate(t)
	_, url := newSim(t)
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: url})
	if err != nil {
		t.Fatal(err)
	}
	in, keys := io.Pipe()
	defer keys.Close()
	g := &globalOptions{program: []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(&screen{}), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler()}}
	g.set.db = filepath.Join(t.TempDir(), "journal.db")
	f := g.factory()
	rec := &ctxRecorder{Source: src, seen: make(chan struct{}, 1)}
	opts := f.ViewOptions(src, "test", "me")
	opts.Source = rec
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runTUI(ctx, f, opts, viewFiles{}) }()
	select {
	case <-rec.seen:
	case err := <-done:
		t.Fatalf("the view stopped before listing: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the view never listed incidents")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runTUI after its context ended: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the view did not stop when its context ended")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, c := range rec.ctxs {
		if c.Err() == nil {
			t.Errorf("list request %d: its context is still live after the view ended", i)
		}
	}
}
