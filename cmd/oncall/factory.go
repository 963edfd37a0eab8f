package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
	"github.com/oncallkit/oncall/tui"
)

// factory hands each command what it works with, built from the settings
// when the command asks: the PagerDuty source, the journal and the
// outbox's sender. It is the one place that opens the journal, and so the
// one place where read-only mode is honoured: Journal refuses to open it
// for writing, before the file is touched, and ReadJournal never creates
// or changes it.
type factory struct {
	g *globalOptions
}

func (g *globalOptions) factory() *factory { return &factory{g: g} }

// Source is the PagerDuty adapter. A missing token is an error here, so
// a command finds out before it journals anything.
func (f *factory) Source() (*pagerduty.Client, error) { return f.g.source() }

// Writable refuses, in read-only mode, a command that changes incidents:
// a usage error (exit 2) naming where read-only mode came from.
func (f *factory) Writable(command string) error { return f.g.writable(command) }

// JournalPath is the journal's file: --db, ONCALL_DB, the configuration,
// or the XDG state directory.
func (f *factory) JournalPath() (string, error) {
	db := f.g.db
	if f.g.set.db != "" {
		db = f.g.set.db
	}
	return journalPath(db)
}

// Journal opens the journal, creating it if need be, for a command that
// journals actions; in read-only mode it refuses first.
func (f *factory) Journal(command string) (*store.Store, error) {
	if err := f.Writable(command); err != nil {
		return nil, err
	}
	path, err := f.JournalPath()
	if err != nil {
		return nil, err
	}
	j, err := store.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the journal: %w", err)
	}
	return j, nil
}

// journalExists reports whether the journal's file exists (or whether it
// cannot tell: opening it will say why).
func (f *factory) journalExists() bool {
	path, err := f.JournalPath()
	if err != nil {
		return true
	}
	_, err = os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// ReadJournal opens the journal read-only, for a command that only
// reads it; nil and no error when there is none yet (reading never
// creates one).
func (f *factory) ReadJournal() (*store.Store, error) {
	path, err := f.JournalPath()
	if err != nil {
		return nil, err
	}
	return openExistingJournal(path, true)
}

// ExistingJournal opens the journal if there is one, for a command that
// reads it and may keep a cache in it: writable unless read-only mode is
// on or this process may not write the file, and nil with no error when
// there is none (reading never creates one).
func (f *factory) ExistingJournal() (*store.Store, error) {
	path, err := f.JournalPath()
	if err != nil {
		return nil, err
	}
	return openExistingJournal(path, f.g.set.readOnly)
}

// openExistingJournal opens the journal at path if there is one: nil and
// no error when there is none. readOnly opens it so that nothing can be
// written (store.OpenReadOnly); otherwise a journal this process may not
// write is still opened to be read, since reading is all a read command
// must do.
func openExistingJournal(path string, readOnly bool) (*store.Store, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if readOnly {
		return store.OpenReadOnly(path)
	}
	j, err := store.Open(path)
	if errors.Is(err, fs.ErrPermission) {
		return store.OpenReadOnly(path)
	}
	return j, err
}

// ResolveIncident turns an incident argument into a PagerDuty id for a
// command that reads: a number is looked up in the journal's cached list
// (when there is a journal to read), then asked of src (nil: not asked).
func (f *factory) ResolveIncident(ctx context.Context, typed string, src incidentGetter) (string, error) {
	ref, err := parseIncidentRef(typed)
	if err != nil || ref.id != "" {
		return ref.id, err
	}
	var cache incidentCache
	// A journal that cannot be read only costs the cache's head start.
	if j, err := f.ReadJournal(); err == nil && j != nil {
		defer j.Close()
		cache = j
	}
	return ref.resolve(ctx, cache, src)
}

// viewJournal is the journal as the interactive view uses it, with the
// outbox it sends through; store is nil when there is no journal to read
// (read-only mode before the first one exists), drainer nil when nothing
// may be sent.
type viewJournal struct {
	store   *store.Store
	journal tui.Journal
	outbox  tui.Outbox
	drainer *outbox.Drainer
}

func (v *viewJournal) close() {
	if v.store != nil {
		v.store.Close()
	}
}

// ViewJournal opens the journal for the interactive view. Read-only means
// this process changes nothing: not the journal (so one it may not write
// is fine, and a missing one is not created) and not an incident, neither
// by a new action nor by sending one queued earlier, so no drainer runs.
func (f *factory) ViewJournal(src incident.Source) (*viewJournal, error) {
	path, err := f.JournalPath()
	if err != nil {
		return nil, err
	}
	if !f.g.set.readOnly {
		j, err := store.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open the journal: %w", err)
		}
		d := f.Drainer(j, src)
		return &viewJournal{store: j, journal: j, outbox: d, drainer: d}, nil
	}
	j, err := store.OpenReadOnly(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Creating it would be a write: show PagerDuty alone.
		return &viewJournal{journal: noJournal{}, outbox: refusingOutbox{}}, nil
	case err != nil:
		return nil, fmt.Errorf("open the journal: %w", err)
	}
	return &viewJournal{store: j, journal: readOnlyJournal{j}, outbox: refusingOutbox{}}, nil
}

// Drainer is the sender of j's outbox to src: every command sends what it
// journaled through it, so the outbox's exactly-once rules hold whoever
// sends.
func (f *factory) Drainer(j outbox.Journal, src incident.Source) *outbox.Drainer {
	return outbox.New(j, src, f.g.outbox)
}
