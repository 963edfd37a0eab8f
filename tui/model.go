// Package tui is the interactive terminal UI of oncall, on Bubble Tea v2.
//
// Layout: the root Model (model.go) routes messages to components that
// own their state and their Update: the incident list (list.go), the
// detail screen (detail.go, with its runbook pane), forms and pickers
// (component.go names what they share). The root keeps only what spans
// screens: the list filter, the status line (status.go), prompts and
// postmortem drafts. Its handlers (messages.go, keyhandling.go,
// actions.go) return the commands they lead to; nothing is queued aside.
//
// Invariants:
//   - No I/O in Update or View: every provider call and journal write is a
//     tea.Cmd built from values, never from the model.
//   - Every result message names its request (incident id, generation);
//     answers for something no longer on screen are dropped.
//   - Journal first: an action is appended to the journal, and only when
//     that write returned is it sent; a failed journal write sends nothing.
//   - Only the root handles resize; components get SetSize.
//   - One Styles value, owned by the root and read by every component
//     through a pointer; a theme change rewrites it in place.
//   - Outside text is passed through incident.Clean before it is drawn.
//   - While a prompt has focus, only its keys (and ctrl+c) act.
//   - Every fetch and write runs under Options.Context; quitting cancels it.
package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/runbook"
)

// screen is the page on view.
type screen int

const (
	screenList screen = iota
	screenDetail
	screenRegister // the pre-mortems' risk register (premortemwire.go)
	screenReview   // the weekly review (reviewwire.go)
)

// prompt is what, if anything, has taken the keyboard over the page.
type prompt int

const (
	promptNone prompt = iota
	promptHelp
	promptConfirm // y/n for a destructive or weighty action (confirmKind)
	promptNote
	promptForm   // a structured IC action (form)
	promptSearch // typing the list's or the timeline's search
	promptPicker // choosing a person or policy (picker)
	promptQuit   // y/n to quit with actions not yet sent
	promptRun    // confirming a runbook command (runwire.go)
)

// Options wires the model to its sources. Source, Journal and Outbox are
// required.
type Options struct {
	// Context bounds every fetch and write the program starts; the
	// program cancels what it derived from it when it quits. Nil means
	// context.Background().
	Context context.Context
	Source  incident.Source
	Journal Journal
	Outbox  Outbox
	// Label names where incidents come from, shown in the title bar.
	Label string
	// Actor names the person at this terminal in journaled events; "you"
	// when empty. WhoAmI, when set, is asked once at start for a better
	// name (the token user's, as PagerDuty shows it), so the journal and
	// PagerDuty name the same person the same way.
	Actor  string
	WhoAmI func(context.Context) (string, error)
	// ListEvery and DetailEvery are the poll intervals (15s and 5s when zero).
	ListEvery   time.Duration
	DetailEvery time.Duration
	// Now and Location fix the clock and zone (tests); defaults time.Now
	// and time.Local.
	Now      func() time.Time
	Location *time.Location
	Dark     bool
	// ReadOnly disables and hides every action that changes something.
	ReadOnly bool
	// Keys replaces the default keys of actions: action name (a KeyMap
	// field in snake_case, e.g. "copy_url") -> keys as Bubble Tea names
	// them. cmd/oncall validates it (names, keys, clashes) before it gets
	// here; nil keeps DefaultKeyMap.
	Keys map[string][]string
	// Theme is "auto" (follow the terminal's background), "dark" or
	// "light"; "" means auto.
	Theme string
	// UpdateEvery is how often the IC owes a status update on a
	// high-urgency incident (20 minutes when zero).
	UpdateEvery time.Duration
	// Runbooks are matched to the open incident; RunbookProblems are
	// the loader's complaints about files it skipped, shown at start.
	Runbooks        *runbook.Set
	RunbookProblems []string
	// PostmortemsDir receives a postmortem draft when the open incident
	// (or one resolved from here) turns resolved; "" writes none. SLOs,
	// by service id or name, let the draft state the error budget spent.
	PostmortemsDir string
	SLOs           map[string]postmortem.SLO
	// DraftZone, WorkHours and SleepHours are the configured zone and
	// hours the draft counts pages in, as oncall export's draft does; a nil
	// DraftZone is Location's, zero hours are postmortem's defaults.
	DraftZone             *time.Location
	WorkHours, SleepHours postmortem.Hours
	// Commands is how the runbook pane runs a runbook's commands.
	Commands Commands
	// Premortems are matched to the open incident (the "foreseen" banner
	// and the Pre-mortem tab), fill the risk register screen, and add
	// their section to every draft; nil means none were loaded.
	Premortems *premortem.Set
	// PremortemProblems are the loader's complaints about pre-mortem files
	// it skipped, shown at start when no runbook problem is.
	PremortemProblems []string
	// LoadLibrary, when set, reads the runbooks and pre-mortems, and
	// stands for the four fields above: Init starts it, so the first frame
	// waits for no file (startload.go).
	LoadLibrary func() Library
	// Review loads the weekly review of the last 7 days for its screen;
	// nil offers none.
	Review ReviewLoader
	// Filter is the list's filter at start (the one remembered).
	Filter incident.Filter
	// Open, when set, is the id of an incident to open at start (any
	// status, resolved too); the list is behind it, as if opened from it.
	Open string
	// Feed, when set, keeps the list current by the account's change
	// feed (feed.go) instead of re-listing on every poll.
	Feed ChangeFeed
	// Cached is the last known list, shown (marked stale) until the first
	// fetch answers.
	Cached   []incident.Incident
	CachedAt time.Time

	every every // poll timer; tests replace it
}

// Model is the root of the UI: it routes messages to the component on
// screen and keeps what spans screens.
type Model struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	keys   *KeyMap
	st     *Styles
	width  int
	height int

	screen screen
	prompt prompt

	list    listModel
	filter  incident.Filter
	listGen int       // generation of the newest list request
	listHad int       // generation of the list on screen
	fetched time.Time // when the list on screen was fetched
	stale   bool      // the last refresh failed
	// cachedList is the list the journal's cache holds (read at start or
	// last written): a poll that brings the same list writes nothing.
	cachedList []incident.Incident
	relisted   time.Time // when the last full listing was asked for (feed.go)
	returned   time.Time // when going back to the list polled it at once (feed.go)

	detail detailModel
	pre    premortemRoot // the risk register and the reminders due
	load   startLoad     // the runbooks and pre-mortems, read after the first frame (startload.go)
	rev    reviewRoot    // the weekly review's screen (reviewwire.go)

	drafted     map[string]bool   // incidents whose draft was written (or is being)
	draftFailed map[string]bool   // incidents whose draft failed, to try again
	inflight    map[string]bool   // journaled actions (event ids) not yet settled
	target      incident.Incident // what the open prompt acts on
	confirmKind incident.Kind     // what promptConfirm confirms
	input       lineInput         // the note line
	search      lineInput         // the list's or the timeline's search
	form        form
	helpPage    int
	picker      picker

	// confirmFields are the fields of the action confirmed (an item
	// update's); nil for the kinds that need none.
	confirmFields map[string]string
	// handoffDoc is the file the last handoff document went to, said
	// again when the handoff itself is sent.
	handoffDoc string

	status status
}

// New returns the root model.
func New(opts Options) Model {
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.ListEvery <= 0 {
		opts.ListEvery = 15 * time.Second
	}
	if opts.DetailEvery <= 0 {
		opts.DetailEvery = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Actor == "" {
		opts.Actor = "you"
	}
	if opts.Label == "" {
		opts.Label = "PagerDuty"
	}
	if opts.every == nil {
		opts.every = realEvery
	}
	if opts.UpdateEvery <= 0 {
		opts.UpdateEvery = 20 * time.Minute
	}
	opts.Commands = opts.Commands.withDefaults()
	switch opts.Theme {
	case "dark":
		opts.Dark = true
	case "light":
		opts.Dark = false
	}
	ti := lineInput{Prompt: "note> ", Placeholder: "what you saw or did (enter to add, esc to cancel)", CharLimit: 4000}
	search := lineInput{Prompt: "/", CharLimit: 200}
	keys := DefaultKeyMap()
	var keysErr error
	if len(opts.Keys) > 0 {
		custom := DefaultKeyMap()
		if keysErr = custom.Rebind(opts.Keys); keysErr == nil {
			keys = custom
		}
	}
	if opts.ReadOnly {
		keys.ReadOnly()
	}
	st := DefaultStyles(opts.Dark)
	ctx, cancel := context.WithCancel(opts.Context)
	m := Model{opts: opts, ctx: ctx, cancel: cancel, keys: &keys, st: &st, filter: opts.Filter,
		drafted: map[string]bool{}, draftFailed: map[string]bool{}, inflight: map[string]bool{},
		input: ti, search: search, width: 80, height: 24,
		status: status{kind: statusProgress, text: "Loading incidents…"}}
	m.list = newList(m.st, m.keys, opts.Now)
	m.relisted = opts.Now() // Init lists
	m.list.narrowed = !filterEmpty(m.filter)
	m.detail = newDetail(m.st, m.keys, detailDeps{ctx: ctx, src: opts.Source, journal: opts.Journal, now: opts.Now,
		loc: opts.Location, every: opts.every, detailEvery: opts.DetailEvery, runbooks: opts.Runbooks, updateEvery: opts.UpdateEvery,
		premortems: opts.Premortems, reading: opts.LoadLibrary != nil})
	m.load.reading = opts.LoadLibrary != nil
	m.pre = newPremortemRoot(m.st, m.keys, opts.Premortems, opts.Now())
	if keysErr != nil {
		m.status = status{kind: statusWarning, text: "default keys in use: " + keysErr.Error()}
	}
	lib := Library{Runbooks: opts.Runbooks, RunbookProblems: opts.RunbookProblems, Premortems: opts.Premortems, PremortemProblems: opts.PremortemProblems}
	if s, ok := problemStatus(lib); ok && (m.status.kind != statusWarning || len(lib.RunbookProblems) > 0) {
		m.status = s // a runbook complaint outranks a bad key binding
	}
	if len(opts.Cached) > 0 {
		m.list.SetIncidents(opts.Cached, time.Time{})
		m.cachedList = opts.Cached
		m.fetched, m.stale = opts.CachedAt, true
		if m.status.kind != statusWarning {
			m.status = status{kind: statusProgress, text: "Showing the cached list while PagerDuty answers…"}
		}
	}
	if opts.Open != "" {
		m.screen = screenDetail
		m.detail, _ = m.detail.open(incident.Incident{ID: opts.Open}) // Init starts it
	}
	m.layout()
	return m
}

// Init starts the first fetch and the list poll (and, with Options.Open,
// the incident's).
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.fetchList(), m.opts.every(m.opts.ListEvery, listTickMsg{}), tea.RequestBackgroundColor}
	if who := m.opts.WhoAmI; who != nil {
		ctx := m.ctx
		cmds = append(cmds, func() tea.Msg {
			name, err := who(ctx)
			return whoMsg{name: name, err: err}
		})
	}
	if m.screen == screenDetail {
		cmds = append(cmds, m.detail.start())
	}
	if m.load.reading {
		cmds = append(cmds, readLibrary(m.opts.LoadLibrary), m.opts.every(libraryLate, libraryLateMsg{}))
	}
	return tea.Batch(cmds...)
}

// Update routes: the root's own messages to its handlers, the rest to
// the component they belong to.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.WindowSizeMsg, tea.BackgroundColorMsg, tea.PasteMsg, tea.MouseWheelMsg:
		return m.handleTerminal(msg)
	case timelinePageMsg:
		return m.handleTimelinePage(msg)
	case detailMsg, alertsMsg, renderedMsg, detailTickMsg, clockTickMsg:
		var cmd tea.Cmd
		m.detail, cmd = m.detail.Update(msg)
		return m, cmd
	case listTickMsg, feedMsg, incidentsMsg, activeCountMsg, cacheSavedMsg, marksMsg:
		return m.handleList(msg)
	case reportMsg, waitMsg, draftMsg, levelsMsg, clipboardMsg, choicesMsg, whoMsg:
		return m.handleNotice(msg), nil
	case journaledMsg:
		return m.handleJournaled(msg)
	case libraryMsg, libraryLateMsg:
		return m.handleLibrary(msg)
	case sentMsg:
		return m.handleSent(msg)
	case outboxMsg:
		return m.handleOutbox(msg)
	case resolvedMsg:
		return m.handleResolved(msg)
	case runConfirmedMsg, runDeclinedMsg, commandOutputMsg, commandDoneMsg, cancelCommandMsg:
		return m.handleRun(msg)
	case handoffWrittenMsg:
		return m.handleHandoffWritten(msg)
	case editorReadyMsg, editorDoneMsg, editorNoteMsg:
		return m.handleEditor(msg)
	case PremortemTickMsg, PremortemRunbookMsg, PremortemFollowUpMsg, registerMsg:
		return m.handlePremortem(msg)
	case reviewLoadedMsg, reviewProgressMsg, ReviewDoneMsg, ReviewOpenMsg, ReviewMinuteMsg:
		return m.handleReview(msg)
	}
	return m, nil
}

// layout sizes every component for the window.
func (m *Model) layout() {
	body := max(m.height-3, 1) // title bar, status line, key line
	m.list = m.list.SetSize(m.width, body-1)
	m.detail = m.detail.SetSize(m.width, body)
	m.pre.register = m.pre.register.SetSize(m.width, body)
	m.rev.screen = m.rev.screen.SetSize(m.width, body)
	m.form = m.form.SetSize(m.width, body)
	m.picker = m.picker.SetSize(m.width, body)
	m.sizeInputs()
}

// sizeInputs gives the note and search lines the width their prompts
// leave; it runs again whenever a prompt changes, since a longer prompt
// with the old width would push the line past the screen's edge, where
// it was cut with an ellipsis though its text fitted.
func (m *Model) sizeInputs() {
	m.input.SetWidth(max(m.width-lipgloss.Width(m.input.Prompt)-1, 1))
	m.search.SetWidth(max(m.width-lipgloss.Width(m.search.Prompt)-1, 1))
}

// fetchList asks for the list under the current filter.
func (m *Model) fetchList() tea.Cmd {
	m.listGen++
	return fetchIncidents(m.ctx, m.opts.Source, listFilter(m.filter, m.opts.Now()), m.listGen)
}

// quit ends the program and everything it started.
func (m Model) quit() (tea.Model, tea.Cmd) {
	m.cancel()
	return m, tea.Quit
}

// filterEmpty reports the provider-side filter that narrows nothing.
func filterEmpty(f incident.Filter) bool {
	return !f.AssignedToMe && !f.MyTeams && len(f.Urgencies) == 0 && len(f.Statuses) == 0 && len(f.ServiceIDs) == 0
}
