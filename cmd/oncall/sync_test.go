package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
)

// journalEnv is a simulator with one incident, the real adapter pointed at
// it, and a journal file.
type journalEnv struct {
	sim   *pdsim.Server
	url   string
	clock *pdsim.Clock
	inc   string
	db    string
}

func newJournalEnv(t *testing.T) *journalEnv {
	t.Helper()
	c := pdsim.NewClock(time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC))
	sim := pdsim.New(pdsim.Options{Now: c.Now, Scenario: pdsim.Scenario{}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	snap, err := sim.AddIncident(pdsim.IncidentSpec{Title: "checkout 5xx \x1b[31mRED\x1b[0m", Service: pdsim.ServiceCheckout})
	if err != nil {
		t.Fatal(err)
	}
	return &journalEnv{sim: sim, url: srv.URL, clock: c, inc: snap.ID, db: filepath.Join(t.TempDir(), "journal.db")}
}

func (e *journalEnv) source(t *testing.T, url string) incident.Source {
	t.Helper()
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: url, From: pdsim.DemoUserEmail, Timeout: 2 * time.Second,
		MaxRetries: -1, RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// queue journals events, then closes the journal.
func (e *journalEnv) queue(t *testing.T, events ...incident.Event) []incident.Event {
	t.Helper()
	j, err := store.Open(e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var out []incident.Event
	for _, ev := range events {
		inc := ev.IncidentID
		if inc == "" {
			inc = e.inc
		}
		stored, err := j.Append(inc, ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, stored)
	}
	return out
}

func (e *journalEnv) sync(t *testing.T, src incident.Source, wait time.Duration) (string, error) {
	t.Helper()
	j, err := store.Open(e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var out bytes.Buffer
	o := &syncOptions{wait: wait, now: e.clock.Now,
		sleep: func(_ context.Context, d time.Duration) { e.clock.Advance(d) }}
	err = runSync(context.Background(), o, src, j, &out)
	t.Logf("sync output:\n%s(err %v)", out.String(), err)
	return out.String(), err
}

func closedURL(t *testing.T) string {
	t.Helper()
	dead := httptest.NewServer(nil)
	url := dead.URL
	dead.Close()
	return url
}

func TestSyncSendsWhatWaits(t *testing.T) {
	e := newJournalEnv(t)
	out, err := e.sync(t, e.source(t, e.url), 0)
	if err != nil || !strings.Contains(out, "nothing to send") {
		t.Fatalf("empty outbox: %q %v", out, err)
	}

	e.queue(t, incident.Event{Kind: incident.KindAcknowledge}, incident.Event{Kind: incident.KindNote, Summary: "pool at 98%\x1b]0;pwned\x07"},
		incident.Event{Kind: incident.KindStar, State: incident.LocalOnly}) // kept to this machine: never sent
	// PagerDuty unreachable: everything waits, the exit code says so.
	out, err = e.sync(t, e.source(t, closedURL(t)), 0)
	if !errors.Is(err, incident.ErrUnreachable) || exitCode(err) != exitUnreachable {
		t.Fatalf("unreachable: %v (exit %d)", err, exitCode(err))
	}
	if strings.Count(out, "\nwaiting ")+strings.Count(out[:8], "waiting ") != 2 || !strings.Contains(out, "2 still waiting") || strings.Contains(out, "\x1b") {
		t.Fatalf("unreachable output: %q", out)
	}

	out, err = e.sync(t, e.source(t, e.url), 0)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if strings.Count(out, "sent") < 2 || !strings.Contains(out, `"pool at 98%"`) || strings.Contains(out, "\x1b") || strings.Contains(out, "pwned\x07") {
		t.Fatalf("output: %q", out)
	}
	notes := e.sim.Notes(e.inc)
	if len(notes) != 1 {
		t.Fatalf("%d notes on PagerDuty", len(notes))
	}
	if snap, _ := e.sim.Incident(e.inc); snap.Status != "acknowledged" {
		t.Fatalf("status %s", snap.Status)
	}
	out, err = e.sync(t, e.source(t, e.url), 0)
	if err != nil || !strings.Contains(out, "nothing to send") || len(e.sim.Notes(e.inc)) != 1 {
		t.Fatalf("second sync: %q %v", out, err)
	}
}

func TestSyncWaitRetriesWithinTheDeadline(t *testing.T) {
	e := newJournalEnv(t)
	e.queue(t, incident.Event{Kind: incident.KindNote, Summary: "one"}, incident.Event{Kind: incident.KindNote, Summary: "two"})
	e.sim.FailFor(http.StatusServiceUnavailable, 20*time.Second)
	// Without --wait: one try.
	if _, err := e.sync(t, e.source(t, e.url), 0); !errors.Is(err, incident.ErrUnreachable) {
		t.Fatalf("no wait: %v", err)
	}
	// With it, retries as the backoff allows until the outage ends.
	out, err := e.sync(t, e.source(t, e.url), 10*time.Minute)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	if !strings.Contains(out, "2 sent") {
		t.Fatalf("output %q", out)
	}
	var texts []string
	for _, n := range e.sim.Notes(e.inc) {
		text, _ := incident.SplitNoteTag(n.Content)
		texts = append(texts, text)
	}
	if strings.Join(texts, "|") != "one|two" {
		t.Fatalf("notes %q: each once, in order", texts)
	}
}

func TestSyncRefusedAction(t *testing.T) {
	e := newJournalEnv(t)
	e.queue(t, incident.Event{IncidentID: "PNOSUCH1", Kind: incident.KindNote, Summary: "to nowhere"},
		incident.Event{Kind: incident.KindNote, Summary: "fine"})
	out, err := e.sync(t, e.source(t, e.url), 0)
	if err == nil || !strings.Contains(err.Error(), "refused 1 action") || exitCode(err) != exitError {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(out, "failed") || !strings.Contains(out, "1 sent, 1 failed") {
		t.Fatalf("output %q", out)
	}
}

// TestSyncCommandWhileAnotherOncallRuns: a journal open elsewhere (a
// running oncall) is shared, not in the way: sync sends what waits in it.
// (TestCommandsShareAJournal does the same across processes.)
func TestSyncCommandWhileAnotherOncallRuns(t *testing.T) {
	e := newJournalEnv(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("PAGERDUTY_FROM", pdsim.DemoUserEmail)
	j, err := store.Open(e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Append(e.inc, incident.Event{Kind: incident.KindNote, Summary: "journaled by the running oncall"}); err != nil {
		t.Fatal(err)
	}
	cmd := newSyncCmd(&globalOptions{apiURL: e.url, db: e.db})
	cmd.SetArgs(nil)
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err = cmd.Execute(); err != nil || !strings.Contains(out.String(), "1 sent") || len(e.sim.Notes(e.inc)) != 1 {
		t.Fatalf("error %v, output %q, %d notes", err, out.String(), len(e.sim.Notes(e.inc)))
	}
}

func TestSyncCommandRuns(t *testing.T) {
	e := newJournalEnv(t)
	e.queue(t, incident.Event{Kind: incident.KindNote, Summary: "via the command"})
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("PAGERDUTY_FROM", pdsim.DemoUserEmail)
	cmd := newSyncCmd(&globalOptions{apiURL: e.url, db: e.db})
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"--wait", "1s"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 sent") || len(e.sim.Notes(e.inc)) != 1 {
		t.Fatalf("output %q", out.String())
	}
}
