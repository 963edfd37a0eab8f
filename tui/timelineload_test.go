package tui

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// logGate stands in front of the simulator and counts the incident log
// pages asked for; while closed it holds every page after the first, so
// a test can see what the screen drew with one page read.
type logGate struct {
	next     http.Handler
	pages    atomic.Int32
	notes    atomic.Int32 // requests for the incident's notes
	maxStart atomic.Int64 // the highest offset asked for
	open     chan struct{}
}

func (g *logGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/incidents/") && strings.HasSuffix(r.URL.Path, "/notes") {
		g.notes.Add(1)
	}
	if strings.HasPrefix(r.URL.Path, "/incidents/") && strings.HasSuffix(r.URL.Path, "/log_entries") {
		g.pages.Add(1)
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		for {
			cur := g.maxStart.Load()
			if int64(off) <= cur || g.maxStart.CompareAndSwap(cur, int64(off)) {
				break
			}
		}
		if off > 0 {
			select {
			case <-g.open:
			case <-time.After(15 * time.Second): // a screen that never draws fails below, not by hanging
			case <-r.Context().Done():
				return
			}
		}
	}
	g.next.ServeHTTP(w, r)
}

// TestLongTimelineShowsItsFirstPageAtOnce opens an incident with 10,000
// log entries through the real model, the real client and the simulator
// over HTTP, with the commands run concurrently as the program runs them.
// The first page is on screen, with the count read so far on the status
// line, while the second page is still held back (so before the last is
// asked for); the notes, with their text, are on screen with it, not
// only once the read ends; and the whole read costs the floor of
// requests, 100 pages, once, and the notes once.
func TestLongTimelineShowsItsFirstPageAtOnce(t *testing.T) {
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now})
	// The incident's own entries (trigger, assignment, notifications) are
	// the other 4 of the 10,000.
	bulk, err := sim.Bulk(pdsim.BulkSpec{Incidents: 1, LogEntries: 9_996, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	entries := len(sim.LogEntries(bulk.TimelineIncident))
	if entries != 10_000 {
		t.Fatalf("the simulator holds %d log entries for the incident, want 10,000", entries)
	}
	notes := sim.Notes(bulk.TimelineIncident)
	if len(notes) == 0 {
		t.Fatal("the long incident has no notes")
	}
	newestNote := notes[len(notes)-1]
	gate := &logGate{next: sim, open: make(chan struct{})}
	srv := httptest.NewServer(gate)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-gate.open:
		default:
			close(gate.open) // let a held request end with the test
		}
	})
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, Timeout: 30 * time.Second, RequestsPerMinute: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	j, err := store.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	m := New(Options{Source: src, Journal: j, Outbox: outbox.New(j, src, outbox.Options{}), Label: "test", Now: clk.Now, Location: zone, Dark: true,
		every: func(time.Duration, tea.Msg) tea.Cmd { return nil }})
	h := &harness{t: t, m: m, sim: sim, journal: j, clock: clk, url: srv.URL}
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h.run(m.Init())
	at := -1
	for i, in := range h.model().list.incidents {
		if in.ID == bulk.TimelineIncident {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("the long incident %s is not listed", bulk.TimelineIncident)
	}
	h.list(at)

	msgs := make(chan tea.Msg, 64)
	h.drive(keyPress("enter"), msgs)
	firstDrawn := false
	timeout := time.After(2 * time.Minute)
	for !h.model().detail.loaded {
		select {
		case msg := <-msgs:
			h.drive(msg, msgs)
		case <-timeout:
			t.Fatalf("the timeline did not load (first page drawn: %v, pages asked: %d)\n%s", firstDrawn, gate.pages.Load(), h.screen())
		}
		if firstDrawn {
			continue
		}
		shown, logged := 0, 0 // notes and log entries on screen
		for _, e := range h.model().detail.remote {
			if e.Kind == incident.KindNote {
				shown++
			} else {
				logged++
			}
		}
		if d := h.model().detail; logged > 0 {
			firstDrawn = true // with the page, under the gate: no other page came
			screen := h.screen()
			if shown != len(notes) {
				t.Errorf("with the first log page read, %d of the %d notes are shown", shown, len(notes))
			}
			if text := incident.Clean(newestNote.Content); !strings.Contains(screen, text[:min(len(text), 24)]) {
				t.Errorf("with the first log page read, the newest note's text is not on screen:\n%s", screen)
			}
			if !strings.Contains(screen, "loading timeline 100/10,000") {
				t.Errorf("with the first page read, the status line lacks its progress:\n%s", screen)
			}
			if len(d.timeline) > len(notes)+100 {
				t.Errorf("%d events shown from the notes and one page of 100", len(d.timeline))
			}
			if !strings.Contains(screen, "Timeline ("+strconv.Itoa(len(d.timeline))+")") {
				t.Errorf("the first page is not drawn:\n%s", screen)
			}
			if last := gate.maxStart.Load(); last >= 9_900 {
				t.Errorf("the first page was drawn after the last page (offset %d) was asked for", last)
			}
			close(gate.open)
		}
	}
	if !firstDrawn {
		t.Fatal("the timeline loaded without a page drawn before its end")
	}
	if n := gate.pages.Load(); n != 100 {
		t.Errorf("opening a 10,000-entry incident asked for %d log pages, want the floor, 100", n)
	}
	if n := gate.notes.Load(); n != 1 {
		t.Errorf("opening the incident asked for its notes %d times, want once", n)
	}
	if last := gate.maxStart.Load(); last != 9_900 {
		t.Errorf("the last log page asked for starts at %d, want 9,900", last)
	}
	// The read's answer says how many events came; until that notice is
	// delivered the count may still show.
	drain := time.After(30 * time.Second)
	for strings.Contains(h.screen(), "loading timeline") {
		select {
		case msg := <-msgs:
			h.drive(msg, msgs)
		case <-drain:
			t.Fatalf("the progress stays on the status line after the read:\n%s", h.screen())
		}
	}
	h.wantScreen("timeline: " + thousands(len(h.model().detail.remote)) + " events")
	if d := h.model().detail; len(d.remote) < 9_000 {
		t.Errorf("the loaded timeline holds %d provider events", len(d.remote))
	}
}
