package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
)

// oncall #N looks the number up in the cached list the view reads anyway
// (one opening of the journal), and opens the incident it names. The
// cache here maps a number PagerDuty does not have to a real incident:
// had the view asked PagerDuty instead, the number would be unknown and
// the command would fail before the view started.
func TestOpenByNumberUsesTheCachedList(t *testing.T) {
	isolate(t)
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) }})
	target := sim.Incidents()[0]
	var mu sync.Mutex
	var gets []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gets = append(gets, r.Method+" "+r.URL.Path)
		mu.Unlock()
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	db := filepath.Join(t.TempDir(), "journal.db")
	j, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	cached := []incident.Incident{{ID: target.ID, Number: 4242, Title: target.Title, Status: incident.Triggered, Urgency: incident.High}}
	if err := j.SaveIncidents(cached, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, From: pdsim.EmailMarcus})
	if err != nil {
		t.Fatal(err)
	}
	in, keys := io.Pipe()
	scr := &screen{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan error, 1)
	go func() {
		g := &globalOptions{program: []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(scr), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler()}}
		g.set.db = db
		f := g.factory()
		opts := f.ViewOptions(src, "test", "marcus")
		opts.Open = "#4242"
		stopped <- runTUI(ctx, f, opts, viewFiles{})
	}()
	deadline := time.After(30 * time.Second)
	for !drew(scr.String(), target.ID) {
		select {
		case err := <-stopped:
			t.Fatalf("the view stopped before opening the incident: %v", err)
		case <-deadline:
			t.Fatalf("the incident's view never showed %s:\n%s", target.ID, visible(scr.String()))
		case <-time.After(10 * time.Millisecond):
		}
	}
	io.WriteString(keys, "\x03")
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("oncall: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the view did not quit")
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(gets, "GET /incidents/4242") {
		t.Errorf("PagerDuty was asked for #4242 though the cached list had it: %v", gets)
	}
	if !slices.Contains(gets, "GET /incidents/"+target.ID) {
		t.Errorf("the view did not read the incident the cache named: %v", gets)
	}
}

// oncall #N for a number nobody knows, before any journal exists, fails
// on the command line as before and leaves no journal (nor its folder)
// behind: there was no cache to look in, so PagerDuty is asked first.
func TestOpenUnknownNumberCreatesNoJournal(t *testing.T) {
	isolate(t)
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) }})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	parent := t.TempDir()
	db := filepath.Join(parent, "state", "journal.db")
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	code, _, stderr := cli(t, "#999999", "--api-url", srv.URL, "--db", db)
	if code != exitUsage || !strings.Contains(stderr, "no incident #999999") {
		t.Fatalf("exit %d, %q", code, stderr)
	}
	if entries, err := os.ReadDir(parent); err != nil || len(entries) != 0 {
		t.Fatalf("the failed command left %v behind (%v)", entries, err)
	}
}
