package pagerduty

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// pathCounter counts the requests the simulator answers by path, and
// runs before, when set, ahead of each log page at a non-zero offset.
type pathCounter struct {
	next   http.Handler
	mu     sync.Mutex
	n      map[string]int
	before func()
}

func (c *pathCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n[r.URL.Path]++
	before := c.before
	c.mu.Unlock()
	if before != nil && strings.HasSuffix(r.URL.Path, "/log_entries") && r.URL.Query().Get("offset") != "0" {
		before()
	}
	c.next.ServeHTTP(w, r)
}

func (c *pathCounter) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[path]
}

// pagedIncident is an incident of 500 log entries (a fifth of them notes)
// behind a counter, and a client for it.
func pagedIncident(t *testing.T) (*pdsim.Server, *pdsim.Clock, *pathCounter, *Client, string) {
	t.Helper()
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now, Scenario: pdsim.Scenario{}})
	bulk, err := sim.Bulk(pdsim.BulkSpec{Incidents: 1, LogEntries: 500, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	counter := &pathCounter{next: sim, n: map[string]int{}}
	srv := httptest.NewServer(counter)
	t.Cleanup(srv.Close)
	c, err := New(Config{Token: pdsim.DemoToken, APIURL: srv.URL, Timeout: 10 * time.Second, RequestsPerMinute: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return sim, clk, counter, c, bulk.TimelineIncident
}

// TestPagedReadHandsTheNotesFirst: a full read that hands its pages on
// hands every note, with its text, before the first log page, and costs
// what the read cost before: one notes request and the log's pages.
func TestPagedReadHandsTheNotesFirst(t *testing.T) {
	t.Parallel()
	sim, _, counter, c, id := pagedIncident(t)
	notes := sim.Notes(id)
	if len(notes) < 50 {
		t.Fatalf("the incident has %d notes; the test needs many", len(notes))
	}
	var pages []incident.EventPage
	ctx := incident.WithEventPages(context.Background(), func(p incident.EventPage) { pages = append(pages, p) })
	all, err := c.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 2 {
		t.Fatalf("%d pages handed on, want the notes and the log's", len(pages))
	}
	first := map[string]string{}
	for _, e := range pages[0].Events {
		if e.Kind != incident.KindNote {
			t.Fatalf("the first page handed on holds a %s; want the notes alone, first", e.Kind)
		}
		first[e.ID] = e.Summary
	}
	for _, n := range notes {
		if got, ok := first[n.ID]; !ok || !strings.Contains(n.Content, got) || got == "" {
			t.Fatalf("note %s (%q) is not in the first page with its text (got %q)", n.ID, n.Content, got)
		}
	}
	for _, p := range pages[1:] {
		for _, e := range p.Events {
			if e.Kind == incident.KindNote {
				t.Fatalf("a log page handed on note %s again", e.ID)
			}
		}
	}
	gotNotes := 0
	for _, e := range all {
		if e.Kind == incident.KindNote {
			gotNotes++
		}
	}
	if gotNotes != len(notes) {
		t.Errorf("the read returned %d notes, want %d", gotNotes, len(notes))
	}
	logPages := (len(sim.LogEntries(id)) + pageSize - 1) / pageSize
	if n := counter.count("/incidents/" + id + "/notes"); n != 1 {
		t.Errorf("the read asked for the notes %d times, want once", n)
	}
	if n := counter.count("/incidents/" + id + "/log_entries"); n != logPages {
		t.Errorf("the read asked for %d log pages, want %d", n, logPages)
	}
}

// TestNoteAddedDuringAPagedReadIsKept: a note written while the log's
// pages are read (after the notes were) is announced by the log; the
// read asks for the notes again and returns it. Otherwise it would be
// lost for good: the polls that follow start after it.
func TestNoteAddedDuringAPagedReadIsKept(t *testing.T) {
	t.Parallel()
	sim, clk, counter, c, id := pagedIncident(t)
	var once sync.Once
	counter.before = func() {
		once.Do(func() {
			clk.Advance(time.Minute)
			if err := sim.AddNoteAs(id, pdsim.DemoUserEmail, "written while the pages were read"); err != nil {
				t.Error(err)
			}
		})
	}
	ctx := incident.WithEventPages(context.Background(), func(incident.EventPage) {})
	all, err := c.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range all {
		found = found || e.Kind == incident.KindNote && strings.Contains(e.Summary, "written while the pages were read")
	}
	if !found {
		t.Fatal("the note written during the read is not in its result")
	}
	if n := counter.count("/incidents/" + id + "/notes"); n != 2 {
		t.Errorf("the notes were asked for %d times, want twice (before the pages, and again for the new one)", n)
	}
}
