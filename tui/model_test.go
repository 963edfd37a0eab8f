package tui

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	goldenfile "github.com/oncallkit/oncall/internal/golden"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// epoch is the fixed "now" of every test; the zone is fixed too, so views
// are the same on every machine.
var (
	epoch = time.Date(2026, 11, 21, 3, 12, 0, 0, time.UTC)
	zone  = time.FixedZone("UTC-5", -5*3600)
)

// harness runs the real model against the real adapter, over real HTTP,
// against the simulator, with a real journal file.
type harness struct {
	t       *testing.T
	m       tea.Model
	sim     *pdsim.Server
	journal *store.Store
	clock   *pdsim.Clock
	url     string // the simulator's address
	quit    bool
}

func newHarness(t *testing.T, w, h int, tweak ...func(*Options)) *harness {
	t.Helper()
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	hs, _ := attachHarness(t, sim, srv.URL, clk, pdsim.DemoToken, w, h, tweak...)
	return hs
}

// attachHarness starts the real model at w×h for one user (token) of the
// simulator served at url: the real adapter, a journal file of its own,
// and time driven by the test. tweak sees the options last, with Source
// already the returned client.
func attachHarness(t *testing.T, sim *pdsim.Server, url string, clk *pdsim.Clock, token string, w, h int, tweak ...func(*Options)) (*harness, *pagerduty.Client) {
	t.Helper()
	hs, src, init := buildHarness(t, sim, url, clk, token, w, h, tweak...)
	hs.run(init)
	return hs, src
}

// buildHarness is attachHarness without running Init's command, which it
// returns: a test can then see the first frame as the program draws it
// (the renderer draws once Init has returned, before its commands answer).
func buildHarness(t *testing.T, sim *pdsim.Server, url string, clk *pdsim.Clock, token string, w, h int, tweak ...func(*Options)) (*harness, *pagerduty.Client, tea.Cmd) {
	t.Helper()
	src, err := pagerduty.New(pagerduty.Config{Token: token, APIURL: url, Timeout: 10 * time.Second, RequestsPerMinute: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	j, err := store.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	opts := Options{
		Source: src, Journal: j, Outbox: outbox.New(j, src, outbox.Options{}), Label: "test", Now: clk.Now, Location: zone, Dark: true,
		every: func(time.Duration, tea.Msg) tea.Cmd { return nil }, // the test drives time
	}
	for _, f := range tweak {
		f(&opts)
	}
	hs := &harness{t: t, m: New(opts), sim: sim, journal: j, clock: clk, url: url}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs, src, hs.m.Init()
}

// send delivers a message and runs the commands it returns, to completion,
// feeding their messages back in: a synchronous Bubble Tea loop.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	m, cmd := h.m.Update(msg)
	h.m = m
	h.run(cmd)
}

func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.QuitMsg:
		h.quit = true
	default:
		// Includes requests meant for a terminal (background colour), which
		// the model ignores when they come back unanswered.
		h.send(msg)
	}
}

func (h *harness) keys(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyPress(k))
	}
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyPressCtrl(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen is the view as a person sees it: no colour codes.
func (h *harness) screen() string {
	return ansi.Strip(h.m.View().Content)
}

func (h *harness) model() Model { return h.m.(Model) }

func (h *harness) wantScreen(substrings ...string) {
	h.t.Helper()
	s := h.screen()
	for _, sub := range substrings {
		if !strings.Contains(s, sub) {
			h.t.Fatalf("screen lacks %q:\n%s", sub, s)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	var w int
	if _, err := fmt.Sscanf(name[strings.LastIndex(name, "-")+1:], "%dx", &w); err == nil {
		for i, line := range strings.Split(got, "\n") {
			if lw := ansi.StringWidth(line); lw > w {
				t.Errorf("%s: line %d is %d cells wide, more than the terminal's %d", name, i, lw, w)
			}
		}
	}
	goldenfile.AssertString(t, name+".golden", got)
}

// firstTriggered moves the list cursor to the first triggered incident.
func (h *harness) firstTriggered() incident.Incident {
	h.t.Helper()
	m := h.model()
	for i, in := range m.list.incidents {
		if in.Status == incident.Triggered {
			for range i {
				h.keys("j")
			}
			return in
		}
	}
	h.t.Fatal("no triggered incident in the list")
	return incident.Incident{}
}
