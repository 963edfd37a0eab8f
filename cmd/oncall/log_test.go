package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

func (e *journalEnv) log(t *testing.T, src incident.Source, srcErr error, asJSON bool) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	o := &logOptions{incidentID: e.inc, json: asJSON, now: e.clock.Now,
		journal: func() (*store.Store, error) { return openExistingJournal(e.db, false) }}
	err := runLog(context.Background(), o, src, srcErr, &out, &errOut)
	t.Logf("log stdout:\n%sstderr: %s(err %v)", out.String(), errOut.String(), err)
	return out.String(), errOut.String(), err
}

func TestLogMergesPagerDutyAndTheJournal(t *testing.T) {
	e := newJournalEnv(t)
	// One note reaches PagerDuty through sync; one waits; one was refused.
	e.queue(t, incident.Event{Kind: incident.KindNote, Summary: "pool at 98%", Actor: "alex"})
	if _, err := e.sync(t, e.source(t, e.url), 0); err != nil {
		t.Fatal(err)
	}
	j, err := store.Open(e.db)
	if err != nil {
		t.Fatal(err)
	}
	j.Append(e.inc, incident.Event{Kind: incident.KindNote, Summary: "queued \x1b[2Jthought", Actor: "alex"})
	failed, _ := j.Append(e.inc, incident.Event{Kind: incident.KindResolve, Actor: "alex"})
	j.SetState(e.inc, failed.ID, incident.Failed, "PagerDuty answered 400")
	j.Close()

	out, stderr, err := e.log(t, e.source(t, e.url), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if stderr != "" {
		t.Errorf("stderr %q", stderr)
	}
	if strings.Count(out, "pool at 98%") != 1 {
		t.Errorf("the sent note should show once, as PagerDuty's copy:\n%s", out)
	}
	for _, want := range []string{"from PagerDuty", "trigger", "queued thought", "queued", "not sent: PagerDuty answered 400", "checkout 5xx"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("an escape sequence reached the terminal")
	}

	out, _, err = e.log(t, e.source(t, e.url), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var v timelineView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	local := 0
	for _, ev := range v.Events {
		if ev.Origin == incident.Local {
			local++
		}
	}
	if v.Source != "pagerduty" || v.Stale || v.Incident.ID != e.inc || local != 2 || strings.Contains(out, `\u001b`) {
		t.Fatalf("json: %+v", v)
	}
}

func TestLogOffline(t *testing.T) {
	e := newJournalEnv(t)
	e.queue(t, incident.Event{Kind: incident.KindNote, Summary: "local only", Actor: "alex"})
	dead := e.source(t, closedURL(t))

	// Never fetched, nothing journaled for this incident: nothing to show.
	other := *e
	other.inc = "PNEVER1"
	_, _, err := other.log(t, dead, nil, false)
	if !errors.Is(err, incident.ErrUnreachable) || exitCode(err) != exitUnreachable || !strings.Contains(err.Error(), "neither the journal") {
		t.Fatalf("unknown incident offline: %v", err)
	}

	// Journal only.
	out, stderr, err := e.log(t, dead, nil, false)
	if err != nil || !strings.Contains(out, "local only") || !strings.Contains(out, "journal only") || !strings.Contains(stderr, "cannot reach") {
		t.Fatalf("journal only: %v", err)
	}

	// Fetched once (which caches it), then PagerDuty goes away.
	if _, _, err := e.log(t, e.source(t, e.url), nil, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2*time.Hour + 5*time.Minute)
	out, stderr, err = e.log(t, dead, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "STALE") || !strings.Contains(out, "2h05m ago") || !strings.Contains(out, "trigger") ||
		!strings.Contains(out, "local only") || !strings.Contains(out, "checkout 5xx") {
		t.Fatalf("offline output:\n%s", out)
	}
	if !strings.Contains(stderr, "working offline") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("stderr %q", stderr)
	}
	out, _, err = e.log(t, dead, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var v timelineView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Source != "cache" || !v.Stale || v.Offline == "" || v.FetchedAt.IsZero() || len(v.Events) < 2 {
		t.Fatalf("json: %+v", v)
	}

	// No token at all: the same, from the journal and the cache.
	noToken := usageError{errors.New("no PagerDuty token")}
	out, _, err = e.log(t, nil, noToken, false)
	if err != nil || !strings.Contains(out, "STALE") {
		t.Fatalf("no token: %v", err)
	}
	_, _, err = other.log(t, nil, noToken, false)
	if !errors.Is(err, noToken) || exitCode(err) != exitUsage {
		t.Fatalf("no token, unknown incident: %v", err)
	}
}

func TestLogRefusalsAreNotHiddenByTheCache(t *testing.T) {
	e := newJournalEnv(t)
	e.queue(t, incident.Event{Kind: incident.KindNote, Summary: "local"})
	e.inc = "PNOSUCH1"
	e.queue(t, incident.Event{Kind: incident.KindNote, Summary: "local"})
	_, _, err := e.log(t, e.source(t, e.url), nil, false)
	if !errors.Is(err, incident.ErrNotFound) {
		t.Fatalf("error %v, want not found", err)
	}
}

func TestLogCommandArgs(t *testing.T) {
	cmd := newLogCmd(&globalOptions{})
	cmd.SetArgs(nil)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); exitCode(err) != exitUsage {
		t.Fatalf("no incident: %v", err)
	}
}
