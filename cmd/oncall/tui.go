package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
	"github.com/oncallkit/oncall/tui"
)

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

// runbookSource is where the view's runbooks come from: an embedded set
// (the demo's) or a directory; neither means none.
type runbookSource struct {
	fsys fs.FS
	dir  string
}

// viewFiles is where the view's runbooks and pre-mortems come from; the
// zero value reads none. The view reads them after its first frame
// (tui.Options.LoadLibrary), which needs neither.
type viewFiles struct {
	runbooks runbookSource
	// premortems loads the pre-mortems with the loader's complaints
	// (viewPremortems, or the demo's embedded set); nil reads none.
	premortems func() (*premortem.Set, []string)
}

// library reads the files. A broken file is skipped and reported, as the
// loaders do; nothing here fails the view.
func (v viewFiles) library() tui.Library {
	var lib tui.Library
	lib.Runbooks, lib.RunbookProblems = loadRunbooks(v.runbooks)
	lib.RunbookProblems = runbookAdvice(lib.RunbookProblems)
	if v.premortems != nil {
		lib.Premortems, lib.PremortemProblems = v.premortems()
	}
	return lib
}

// loadRunbooks loads the runbooks; broken files are skipped and reported,
// and a missing directory just means no runbooks yet.
func loadRunbooks(from runbookSource) (*runbook.Set, []string) {
	var (
		set   *runbook.Set
		diags []runbook.Diagnostic
		err   error
	)
	switch {
	case from.fsys != nil:
		set, diags, err = runbook.LoadFS(from.fsys)
	case from.dir != "":
		set, diags, err = runbook.Load(from.dir)
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

// ViewOptions are the interactive view's options as the settings make
// them (configuration file, flags, environment), for incidents from src
// shown under label, with actions recorded as actor. The journal, the
// outbox, the runbooks and the pre-mortems are runTUI's to add.
func (f *factory) ViewOptions(src *pagerduty.Client, label, actor string) tui.Options {
	s := f.g.set
	return tui.Options{
		Source: src, WhoAmI: src.Me, Label: label, Actor: actor, ReadOnly: s.readOnly,
		Feed:      src.Feed(time.Now()), // started before the first listing, so it misses nothing
		ListEvery: s.refresh, UpdateEvery: s.updateEvery, Keys: s.keys, Theme: s.theme,
		PostmortemsDir: s.postmortemsDir, SLOs: postmortemSLOs(s.slos),
		// The draft counts pages in the configured zone and hours, as oncall export's does.
		DraftZone: s.team.Location, WorkHours: postmortem.Hours(s.team.WorkHours), SleepHours: postmortem.Hours(s.team.SleepHours),
		Dark: true, // until the terminal answers the background colour query
	}
}

// runTUI runs the interactive view with opts until the user quits or ctx
// ends. It opens the journal first (through the factory, which honours
// read-only mode): without it no action may be taken. The view's own
// context ends when the program does, so nothing it started outlives it.
// frameRate is how often the screen is redrawn at most, per second. The
// renderer writes a changed frame only on its tick, so the rate bounds
// how long a drawn frame waits, the first one included: at the library's
// default of 60 that is up to 17 ms, at its maximum of 120 up to 8 ms. A
// tick with nothing changed compares and writes nothing.
const frameRate = 120

// programOptions are the options of every full-screen program: ctx ends
// it, frames come at frameRate, then the global ones (tests' input and
// output).
func (g *globalOptions) programOptions(ctx context.Context) []tea.ProgramOption {
	return append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(frameRate)}, g.program...)
}

// runTUI runs the interactive view. opts.Open may be an incident as typed
// (an id, 1045 or #1045): it is looked up here in the cached list the view
// reads anyway, so the journal is opened once.
func runTUI(ctx context.Context, f *factory, opts tui.Options, files viewFiles) error {
	// The view is what a person keeps open for hours, so it alone keeps
	// to the memory budget; one-shot commands (a year's review) may grow.
	limitMemory()
	if opts.Open != "" && !f.journalExists() {
		// No journal yet, so no cached list to look in; and an incident
		// nobody knows must not leave a new journal behind.
		open, err := resolveIncident(ctx, opts.Open, nil, opts.Source)
		if err != nil {
			return err
		}
		opts.Open = open // an id: the look-up below keeps it as it is
	}
	v, err := f.ViewJournal(opts.Source)
	if err != nil {
		return err
	}
	defer v.close()
	opts.Journal, opts.Outbox = v.journal, v.outbox
	opts.Review = f.reviewLoader(opts.Source, v.store, opts.Now) // the list's weekly review (reviewview.go)
	if v.store != nil {
		// The last list fetched, so the screen has something before
		// PagerDuty answers; a cache that cannot be read only costs that
		// head start.
		opts.Cached, opts.CachedAt, _ = v.store.Incidents()
		opts.Filter, _, _ = v.store.Filter() // none saved, or unreadable: show everything active
	}
	if opts.Open != "" {
		// Looked up before the view starts: an incident nobody knows is
		// an error on the command line, not a blank pane.
		var cache incidentCache
		if opts.Cached != nil {
			cache = cachedList(opts.Cached)
		}
		if opts.Open, err = resolveIncident(ctx, opts.Open, cache, opts.Source); err != nil {
			return err
		}
	}
	// Read after the first frame: the cached rows come first.
	opts.LoadLibrary = files.library
	if opts.Commands, err = f.viewCommands(); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts.Context = ctx
	model := tui.New(opts)
	// Tests bring their own input and output; a person's terminal gets
	// the first frame before the program is up (earlyframe.go).
	early := len(f.g.program) == 0 && earlyFrame(os.Stdout, model)
	p := tea.NewProgram(model, f.g.programOptions(ctx)...)
	f.g.waits.p.Store(p)
	defer f.g.waits.p.Store(nil)
	if v.drainer != nil {
		// Actions that could not go at once (PagerDuty down, rate
		// limited) are retried in the background; the screen hears of
		// each outcome. The drainer has stopped before the journal
		// closes.
		done := make(chan struct{})
		go func() {
			defer close(done)
			v.drainer.Run(ctx, func(r outbox.Result) { p.Send(tui.OutboxNotice(r)) })
		}()
		defer func() { cancel(); <-done }()
	}
	if _, err := p.Run(); err != nil && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		if early {
			leaveEarlyFrame(os.Stdout)
		}
		return fmt.Errorf("terminal: %w", err)
	}
	return nil
}
