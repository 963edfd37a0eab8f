package main

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/tui"
)

type tuiOptions struct {
	source   incident.Source
	dbPath   string
	label    string
	actor    string // who this terminal's actions are recorded as
	readOnly bool
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
	m := tui.New(tui.Options{
		Source: o.source, Journal: j, Label: o.label, Actor: o.actor, ReadOnly: o.readOnly,
		Cached: cached, CachedAt: cachedAt,
		Dark: true, // until the terminal answers the background colour query
	})
	p := tea.NewProgram(m, tea.WithContext(ctx))
	if _, err := p.Run(); err != nil {
		return fmt.Errorf("terminal: %w", err)
	}
	return nil
}
