package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
	"github.com/oncallkit/oncall/tui"
)

type tuiOptions struct {
	source   incident.Source
	whoAmI   func(context.Context) (string, error)
	dbPath   string
	label    string
	actor    string // who this terminal's actions are recorded as
	readOnly bool
	// runbooks come from the embedded demo set (runbookFS) or a directory.
	runbookFS   fs.FS
	runbooksDir string
	waits       *waitRelay
	// From the configuration file: the list's poll interval, key bindings
	// (action -> keys, validated by package config) and theme.
	refresh     time.Duration
	updateEvery time.Duration
	keys        map[string][]string
	theme       string
	// postmortemsDir receives a draft when an open incident resolves.
	postmortemsDir string
	slos           map[string]postmortem.SLO
	// program adds options to the Bubble Tea program: tests give it an
	// input, an output and a size instead of the terminal.
	program []tea.ProgramOption
}

// readOnlyJournal is the journal as a read-only TUI uses it: it reads,
// and skips the caches it would otherwise keep (the list, the filter, the
// last state of an incident), since this process writes nothing. A new
// action cannot be journaled: the screen offers none, and Append refuses.
type readOnlyJournal struct{ *store.Store }

func (readOnlyJournal) SaveIncidents([]incident.Incident, time.Time) error { return nil }
func (readOnlyJournal) SaveFilter(incident.Filter) error                   { return nil }
func (readOnlyJournal) SaveSnapshot(store.Snapshot) error                  { return nil }

// noJournal stands in for a journal that does not exist yet, in
// read-only mode: there is nothing to read, and nothing may be written.
type noJournal struct{}

func (noJournal) Append(string, incident.Event) (incident.Event, error) {
	return incident.Event{}, store.ErrReadOnly
}
func (noJournal) Events(string) ([]incident.Event, error)            { return nil, nil }
func (noJournal) SaveIncidents([]incident.Incident, time.Time) error { return nil }
func (noJournal) SaveFilter(incident.Filter) error                   { return nil }
func (noJournal) Snapshot(string) (store.Snapshot, bool, error)      { return store.Snapshot{}, false, nil }
func (noJournal) SaveSnapshot(store.Snapshot) error                  { return nil }

// refusingOutbox stands in for the outbox in read-only mode: nothing is
// sent, whatever asks.
type refusingOutbox struct{}

func (refusingOutbox) Flush(context.Context, string) (outbox.Report, error) {
	return outbox.Report{}, store.ErrReadOnly
}

// waitRelay passes the adapter's retry notices to the program. The
// adapter is built before the program exists, so the program is bound
// late; notices before that are dropped (nothing is on screen yet).
type waitRelay struct {
	p atomic.Pointer[tea.Program]
}

func (r *waitRelay) notify(d time.Duration, reason string) {
	if p := r.p.Load(); p != nil {
		p.Send(tui.WaitNotice(d, reason))
	}
}

// loadRunbooks loads the runbooks; broken files are skipped and reported,
// and a missing directory just means no runbooks yet.
func loadRunbooks(o tuiOptions) (*runbook.Set, []string) {
	var (
		set   *runbook.Set
		diags []runbook.Diagnostic
		err   error
	)
	switch {
	case o.runbookFS != nil:
		set, diags, err = runbook.LoadFS(o.runbookFS)
	case o.runbooksDir != "":
		set, diags, err = runbook.Load(o.runbooksDir)
	default:
		return nil, nil
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, []string{err.Error()}
	}
	var problems []string
	for _, d := range diags {
		if d.Severity == runbook.Error {
			problems = append(problems, d.String())
		}
	}
	return set, problems
}

// runTUI opens the journal and runs the interactive view until the user
// quits. The journal is opened first: without it no action may be taken.
func runTUI(ctx context.Context, o tuiOptions) error {
	path, err := journalPath(o.dbPath)
	if err != nil {
		return err
	}
	// Read-only means this process changes nothing: not the journal (so
	// one it may not write is fine) and not an incident, neither by a new
	// action nor by sending one queued earlier, so no drainer runs.
	var (
		j       *store.Store
		journal tui.Journal
		ob      tui.Outbox
		drainer *outbox.Drainer
	)
	if o.readOnly {
		j, err = store.OpenReadOnly(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Creating it would be a write: show PagerDuty alone.
			journal, ob = noJournal{}, refusingOutbox{}
		case err != nil:
			return err
		default:
			journal, ob = readOnlyJournal{j}, refusingOutbox{}
		}
	} else {
		j, err = store.Open(path)
		if err != nil {
			return err
		}
		drainer = outbox.New(j, o.source, outbox.Options{})
		journal, ob = j, drainer
	}
	var (
		cached   []incident.Incident
		cachedAt time.Time
		filter   incident.Filter
	)
	if j != nil {
		defer j.Close()
		// The last list fetched, so the screen has something before
		// PagerDuty answers; a cache that cannot be read only costs that
		// head start.
		cached, cachedAt, _ = j.Incidents()
		filter, _, _ = j.Filter() // none saved, or unreadable: show everything active
	}
	runbooks, problems := loadRunbooks(o)
	m := tui.New(tui.Options{
		Source: o.source, Journal: journal, Outbox: ob, Label: o.label, Actor: o.actor, ReadOnly: o.readOnly,
		WhoAmI:    o.whoAmI,
		ListEvery: o.refresh, UpdateEvery: o.updateEvery, Keys: o.keys, Theme: o.theme,
		Cached: cached, CachedAt: cachedAt, Filter: filter,
		Runbooks: runbooks, RunbookProblems: problems,
		PostmortemsDir: o.postmortemsDir, SLOs: o.slos,
		Dark: true, // until the terminal answers the background colour query
	})
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx)}, o.program...)...)
	if o.waits != nil {
		o.waits.p.Store(p)
		defer o.waits.p.Store(nil)
	}
	if drainer != nil {
		// Actions that could not go at once (PagerDuty down, rate
		// limited) are retried in the background; the screen hears of
		// each outcome. The drainer has stopped before the journal
		// closes.
		bg, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			drainer.Run(bg, func(r outbox.Result) { p.Send(tui.OutboxNotice(r)) })
		}()
		defer func() { stop(); <-done }()
	}
	if _, err := p.Run(); err != nil {
		return fmt.Errorf("terminal: %w", err)
	}
	return nil
}
