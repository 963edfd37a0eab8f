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
	j, err := store.Open(path)
	if err != nil {
		return err
	}
	defer j.Close()
	// The last list fetched, so the screen has something before PagerDuty
	// answers; a cache that cannot be read only costs that head start.
	cached, cachedAt, _ := j.Incidents()
	runbooks, problems := loadRunbooks(o)
	filter, _, _ := j.Filter() // none saved, or unreadable: show everything active
	drainer := outbox.New(j, o.source, outbox.Options{})
	m := tui.New(tui.Options{
		Source: o.source, Journal: j, Outbox: drainer, Label: o.label, Actor: o.actor, ReadOnly: o.readOnly,
		WhoAmI:    o.whoAmI,
		ListEvery: o.refresh, UpdateEvery: o.updateEvery, Keys: o.keys, Theme: o.theme,
		Cached: cached, CachedAt: cachedAt, Filter: filter,
		Runbooks: runbooks, RunbookProblems: problems,
		PostmortemsDir: o.postmortemsDir, SLOs: o.slos,
		Dark: true, // until the terminal answers the background colour query
	})
	p := tea.NewProgram(m, tea.WithContext(ctx))
	if o.waits != nil {
		o.waits.p.Store(p)
		defer o.waits.p.Store(nil)
	}
	// Actions that could not go at once (PagerDuty down, rate limited) are
	// retried in the background; the screen hears of each outcome.
	bg, stop := context.WithCancel(ctx)
	defer stop()
	go drainer.Run(bg, func(r outbox.Result) { p.Send(tui.OutboxNotice(r)) })
	if _, err := p.Run(); err != nil {
		return fmt.Errorf("terminal: %w", err)
	}
	return nil
}
