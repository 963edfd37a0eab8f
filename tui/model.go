// Package tui is the interactive terminal UI of oncall, on Bubble Tea v2.
//
// Invariants:
//   - No I/O in Update or View: every provider call and journal write is a
//     tea.Cmd built from values, never from the model.
//   - Every result message names its request (incident id, generation);
//     answers for something no longer on screen are dropped.
//   - Journal first: an action is appended to the journal, and only when
//     that write returned is it sent; a failed journal write sends nothing.
//   - Only the root handles resize; the list and detail get SetSize.
//   - Outside text is passed through incident.Clean before it is drawn.
//   - While a prompt has focus, only its keys (and ctrl+c) act.
package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/store/outbox"
)

// screen is the page on view.
type screen int

const (
	screenList screen = iota
	screenDetail
)

// prompt is what, if anything, has taken the keyboard over the page.
type prompt int

const (
	promptNone prompt = iota
	promptHelp
	promptConfirm // y/n for a destructive or weighty action (confirmKind)
	promptNote
	promptForm   // a structured IC action (form)
	promptSearch // typing the list filter
	promptPicker // choosing a person or policy (picker)
)

// Options wires the model to its sources. Source, Journal and Outbox are
// required.
type Options struct {
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
	// Filter is the list's filter at start (the one remembered).
	Filter incident.Filter
	// Cached is the last known list, shown (marked stale) until the first
	// fetch answers.
	Cached   []incident.Incident
	CachedAt time.Time

	every every // poll timer; tests replace it
}

// Model is the root of the UI.
type Model struct {
	opts   Options
	keys   KeyMap
	st     Styles
	dark   bool
	width  int
	height int

	screen screen
	prompt prompt

	list    listModel
	filter  incident.Filter
	listGen int // generation of the newest list request
	listHad int // generation of the list on screen
	tickGen int
	fetched time.Time // when the list on screen was fetched
	stale   bool      // the last refresh failed

	detail      detailModel
	detailGen   int
	detailPrint string           // what the detail's timeline was built from
	remote      []incident.Event // provider events of the open incident
	local       []incident.Event // journal events of the open incident

	drafted     map[string]bool   // incidents whose draft was written (or is being)
	draftFailed map[string]bool   // incidents whose draft failed, to try again
	pending     []tea.Cmd         // commands a value-returning handler asked for
	target      incident.Incident // what the open prompt acts on
	confirmKind incident.Kind     // what promptConfirm confirms
	input       textinput.Model   // the note line
	search      textinput.Model   // the list filter
	form        form
	helpPage    int
	picker      picker

	status    string
	statusErr bool
	sticky    bool // a start-up warning: refreshes do not clear it
	// actionAt is when the status line last reported an action's fate;
	// for a while after, background refresh errors do not overwrite it
	// (the title bar's "stale" says the refresh failed).
	actionAt time.Time
	waiting  bool // the status line shows a retry wait, to clear on success
}

// New returns the root model.
func New(opts Options) Model {
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
	ti := textinput.New()
	ti.Prompt = "note> "
	ti.Placeholder = "what you saw or did (enter to add, esc to cancel)"
	ti.CharLimit = 4000
	ti.SetVirtualCursor(false)
	search := textinput.New()
	search.Prompt = "/"
	search.Placeholder = "type to filter by number, title or service"
	search.CharLimit = 200
	search.SetVirtualCursor(false)
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
	switch opts.Theme {
	case "dark":
		opts.Dark = true
	case "light":
		opts.Dark = false
	}
	m := Model{opts: opts, keys: keys, filter: opts.Filter, drafted: map[string]bool{}, draftFailed: map[string]bool{}, st: DefaultStyles(opts.Dark), dark: opts.Dark, input: ti, search: search,
		status: "Loading incidents…", width: 80, height: 24}
	if keysErr != nil {
		m.status, m.statusErr, m.sticky = "default keys in use: "+keysErr.Error(), true, true
	}
	if n := len(opts.RunbookProblems); n > 0 {
		m.status = fmt.Sprintf("%d runbook problem(s), broken files skipped: %s (oncall runbook lint lists all)", n, incident.Clean(opts.RunbookProblems[0]))
		m.statusErr, m.sticky = true, true
	}
	if len(opts.Cached) > 0 {
		m.list.SetIncidents(opts.Cached, time.Time{})
		m.fetched, m.stale = opts.CachedAt, true
		m.status = "Showing the cached list while PagerDuty answers…"
	}
	return m
}

// Init starts the first fetch and the list poll.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{fetchIncidents(m.opts.Source, m.filter, m.listGen), m.opts.every(m.opts.ListEvery, listTickMsg{gen: m.tickGen}),
		tea.RequestBackgroundColor}
	if who := m.opts.WhoAmI; who != nil {
		cmds = append(cmds, func() tea.Msg {
			name, err := who(context.Background())
			return whoMsg{name: name, err: err}
		})
	}
	return tea.Batch(cmds...)
}

// Update hands each message to a small handler.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, m.ensureRendered()
	case tea.BackgroundColorMsg:
		if m.opts.Theme == "dark" || m.opts.Theme == "light" {
			return m, nil // the configured theme wins over the terminal's answer
		}
		m.dark = msg.IsDark()
		m.st = DefaultStyles(m.dark)
		m.detail.st = m.st
		m.detail.render()
		return m, m.ensureRendered()
	case renderedMsg:
		if rb, ok := m.detail.rb.current(); ok && msg.key == renderKey(rb, m.width, m.dark) {
			m.detail.rb.rendered, m.detail.rb.renderedKey = msg.out, msg.key
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		var cmd tea.Cmd
		switch m.prompt {
		case promptNote:
			m.input, cmd = m.input.Update(msg)
		case promptSearch:
			m.search, cmd = m.search.Update(msg)
			m.list.SetFilter(m.search.Value())
		case promptForm:
			cmd, _, _ = m.form.update(msg)
		case promptPicker:
			cmd, _, _ = m.picker.update(msg)
		}
		return m, cmd
	case tea.MouseWheelMsg:
		if m.screen == screenDetail && m.prompt == promptNone {
			switch msg.Button {
			case tea.MouseWheelUp:
				m.detail.Scroll(-3)
			case tea.MouseWheelDown:
				m.detail.Scroll(3)
			}
		}
		return m, nil
	case listTickMsg:
		if msg.gen != m.tickGen {
			return m, nil
		}
		m.listGen++
		return m, tea.Batch(fetchIncidents(m.opts.Source, m.filter, m.listGen), m.opts.every(m.opts.ListEvery, listTickMsg{gen: m.tickGen}))
	case detailTickMsg:
		if m.screen != screenDetail || msg.id != m.detail.inc.ID || msg.gen != m.detailGen {
			return m, nil
		}
		return m, tea.Batch(fetchDetail(m.opts.Source, m.opts.Journal, msg.id, msg.gen, m.since()),
			m.opts.every(m.opts.DetailEvery, detailTickMsg{id: msg.id, gen: msg.gen}))
	case whoMsg:
		// Without an answer the configured name stays; the first write
		// will say what is wrong with the token, if anything.
		if msg.err == nil && incident.Clean(msg.name) != "" {
			m.opts.Actor = incident.Clean(msg.name)
		}
		return m, nil
	case draftMsg:
		if msg.err != nil {
			m.drafted[msg.id], m.draftFailed[msg.id] = false, true
			m.setStatus("postmortem draft not written yet (tried again on the next refresh): "+oneLine(msg.err), true)
		} else {
			delete(m.draftFailed, msg.id)
			m.setStatus(fmt.Sprintf("%s resolved: postmortem draft in %s", m.incidentName(msg.id), msg.path), false)
			m.actionAt = m.opts.Now()
		}
		return m, nil
	case incidentsMsg:
		m = m.handleIncidents(msg)
		if msg.err == nil && msg.gen == m.listHad {
			return m, saveCache(m.opts.Journal, msg.list, m.fetched)
		}
		return m, nil
	case alertsMsg:
		if m.screen == screenDetail && msg.id == m.detail.inc.ID && msg.gen == m.detailGen {
			if msg.err != nil {
				m.refreshFailed(msg.err)
			} else {
				m.detail.alerts = msg.alerts
				m.rematch()
			}
		}
		return m, nil
	case cacheSavedMsg:
		if msg.err != nil {
			m.setStatus("could not cache the incident list: "+oneLine(msg.err), true)
		}
		return m, nil
	case editorReadyMsg:
		if msg.err != nil {
			m.setStatus("could not start the editor: "+oneLine(msg.err), true)
			return m, nil
		}
		return m, editor(msg.incidentID, msg.path)
	case editorDoneMsg:
		if msg.err != nil {
			m.setStatus("the editor failed ("+oneLine(msg.err)+"); no note added. Set $EDITOR, or use n for a one-line note", true)
			path := msg.path
			return m, func() tea.Msg { os.Remove(path); return nil }
		}
		return m, readNote(msg.incidentID, msg.path)
	case editorNoteMsg:
		switch {
		case msg.err != nil:
			m.setStatus("could not read the note back: "+oneLine(msg.err), true)
			return m, nil
		case msg.text == "":
			m.setStatus("empty note not added", false)
			return m, nil
		}
		return m, m.act(incident.Incident{ID: msg.incidentID}, incident.KindNote, map[string]string{"text": msg.text})
	case clockTickMsg:
		if msg.gen != m.detailGen || m.screen != screenDetail {
			return m, nil
		}
		// Nothing to do but draw again: timers and "due in" count down.
		return m, m.opts.every(time.Second, clockTickMsg{gen: m.detailGen})
	case choicesMsg:
		if m.prompt == promptPicker && msg.kind == m.picker.kind {
			if msg.err != nil {
				m.picker.err, m.picker.loading = oneLine(msg.err), false
			} else {
				m.picker.setChoices(msg.choices)
			}
		}
		return m, nil
	case clipboardMsg:
		m.setStatus(string(msg), false)
		return m, nil
	case detailMsg:
		m = m.handleDetail(msg)
		cmds := m.pending
		m.pending = nil
		return m, tea.Batch(cmds...)
	case journaledMsg:
		return m.handleJournaled(msg)
	case sentMsg:
		return m.handleSent(msg)
	case waitMsg:
		if !m.actionAt.IsZero() && m.opts.Now().Sub(m.actionAt) < actionStickiness {
			return m, nil // what became of the action just taken matters more
		}
		m.setStatus(fmt.Sprintf("%s, retrying in %s", incident.Clean(msg.reason), max(msg.d.Round(time.Second), time.Second)), false)
		m.waiting = true
		return m, nil
	case outboxMsg:
		m.applyResult(msg.result)
		if len(m.pending) > 0 {
			cmds := m.pending
			m.pending = nil
			return m, tea.Batch(cmds...)
		}
		if msg.result.Outcome.Final() && m.screen == screenDetail && msg.result.Event.IncidentID == m.detail.inc.ID {
			return m, fetchDetail(m.opts.Source, m.opts.Journal, m.detail.inc.ID, m.detailGen, m.since())
		}
		return m, nil
	}
	return m, nil
}

func (m *Model) layout() {
	body := max(m.height-3, 1) // title bar, status line, key line
	m.list.SetSize(m.width, body-1)
	m.detail.SetSize(m.width, body)
	m.input.SetWidth(max(m.width-len(m.input.Prompt)-1, 1))
}

func (m *Model) setStatus(s string, isErr bool) {
	m.status, m.statusErr, m.sticky = s, isErr, false
}

// actionStickiness is how long an action's outcome holds the status line
// against background refresh errors.
const actionStickiness = 10 * time.Second

// refreshFailed reports a failed background fetch, unless an action's
// outcome was just shown.
func (m *Model) refreshFailed(err error) {
	if m.sticky {
		return
	}
	if !m.actionAt.IsZero() && m.opts.Now().Sub(m.actionAt) < actionStickiness {
		return
	}
	m.setStatus(oneLine(err), true)
}

func (m Model) handleIncidents(msg incidentsMsg) Model {
	if msg.gen < m.listHad {
		return m
	}
	if msg.err != nil {
		m.stale = true
		m.refreshFailed(msg.err)
		return m
	}
	m.listHad = msg.gen
	m.stale = false
	m.fetched = m.opts.Now()
	m.list.SetIncidents(msg.list, m.opts.Now())
	if msg.warn != nil {
		m.setStatus(oneLine(msg.warn), true)
		return m
	}
	if !m.sticky && (strings.HasPrefix(m.status, "Loading") || strings.HasPrefix(m.status, "Showing the cached") || m.statusErr || m.waiting) {
		m.waiting = false
		m.setStatus("", false)
	}
	return m
}

func (m Model) handleDetail(msg detailMsg) Model {
	if m.screen != screenDetail || msg.id != m.detail.inc.ID || msg.gen != m.detailGen {
		return m
	}
	if msg.local != nil {
		m.local = msg.local
	}
	if msg.err != nil {
		m.stale = true
		m.refreshFailed(msg.err)
		if !msg.cachedAt.IsZero() && len(m.remote) == 0 {
			m.detail.inc, m.remote, m.detail.loaded = msg.inc, msg.remote, true
			m.setStatus(fmt.Sprintf("PagerDuty cannot be reached: the timeline as of %s ago (%s)",
				age(m.opts.Now().Sub(msg.cachedAt)), oneLine(msg.err)), true)
			m.actionAt = m.opts.Now() // this says more than the refresh errors that follow
		}
		m.setTimeline()
		return m
	}
	wasActive := m.detail.inc.Active()
	before := m.detailPrint
	if msg.haveInc {
		m.detail.inc = msg.inc
	}
	m.detail.loaded = true
	if msg.incremental {
		m.remote = mergeByID(m.remote, msg.remote)
	} else {
		m.remote = msg.remote
	}
	m.setTimeline()
	m.detail.rb.SetTicks(m.local)
	if m.detailPrint != before || msg.haveInc {
		m.pending = append(m.pending, saveSnapshot(m.opts.Journal, m.detail.inc, m.remote, m.opts.Now()))
	}
	if (wasActive || m.draftFailed[m.detail.inc.ID]) && m.detail.inc.Status == incident.Resolved {
		m.pending = append(m.pending, m.draft(m.detail.inc.ID)) // a failed draft is tried again on the next poll
	}
	return m
}

// mergeByID adds the events of more that old lacks; an incremental poll
// repeats the events at its "since" second.
func mergeByID(old, more []incident.Event) []incident.Event {
	if len(more) == 0 {
		return old
	}
	seen := make(map[string]bool, len(old))
	for _, e := range old {
		seen[e.ID] = true
	}
	for _, e := range more {
		if !seen[e.ID] {
			old = append(old, e)
			seen[e.ID] = true
		}
	}
	return old
}

// since is where the next poll of the open incident starts: the newest
// provider event seen (zero before the first answer: fetch everything).
func (m Model) since() time.Time {
	var newest time.Time
	for _, e := range m.remote {
		if e.At.After(newest) {
			newest = e.At
		}
	}
	return newest
}

// setTimeline merges and shows the open incident's timeline, unless
// nothing in it changed since the last time: re-rendering a long timeline
// on every quiet poll would stall the screen.
func (m *Model) setTimeline() {
	print := timelinePrint(m.remote, m.local)
	if print == m.detailPrint && m.detail.timeline != nil {
		return
	}
	m.detailPrint = print
	m.detail.SetTimeline(incident.Merge(m.remote, m.local))
}

// timelinePrint identifies a timeline's content cheaply: the provider's
// events only ever grow, and the journal's are few.
func timelinePrint(remote, local []incident.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", len(remote))
	if n := len(remote); n > 0 {
		b.WriteString("/" + remote[n-1].ID)
	}
	for _, e := range local {
		b.WriteString("|" + e.ID + ":" + string(e.State) + ":" + e.Error)
	}
	return b.String()
}

// draft writes the postmortem draft for an incident that just resolved,
// once per incident per run.
func (m *Model) draft(id string) tea.Cmd {
	if m.opts.PostmortemsDir == "" || m.drafted[id] {
		return nil
	}
	m.drafted[id] = true
	return writeDraft(m.opts.Source, m.opts.Journal, id, m.opts.PostmortemsDir, m.opts.SLOs, m.opts.Now(), m.opts.Location)
}

// rematch matches runbooks to the open incident and its alerts.
func (m *Model) rematch() {
	m.detail.rb.SetMatches(m.opts.Runbooks.Match(m.detail.inc, m.detail.alerts))
}

// ensureRendered asks for the current runbook's document when it is on
// screen and not yet rendered for this width and background.
func (m Model) ensureRendered() tea.Cmd {
	rb, ok := m.detail.rb.current()
	if m.screen != screenDetail || m.detail.focus != paneRunbook || !m.detail.rb.doc || !ok {
		return nil
	}
	if m.detail.rb.renderedKey == renderKey(rb, m.width, m.dark) {
		return nil
	}
	return renderRunbook(rb, m.width, m.dark)
}

func (m Model) handleJournaled(msg journaledMsg) (tea.Model, tea.Cmd) {
	if errors.Is(msg.err, incident.ErrInvalid) {
		m.setStatus(m.giveBack(msg.typed, "not recorded: "+oneLine(msg.err)), true)
		return m, nil
	}
	if msg.err != nil {
		m.setStatus(m.giveBack(msg.typed, "not sent: could not write the journal: "+oneLine(msg.err)), true)
		return m, nil
	}
	if m.screen == screenDetail && msg.incidentID == m.detail.inc.ID {
		m.local = append(m.local, msg.event)
		m.setTimeline()
		m.detail.rb.SetTicks(m.local)
	}
	if msg.event.State == incident.LocalOnly {
		if msg.event.Kind == incident.KindRunbookStep && msg.event.Fields[incident.FieldAction] == incident.StepCopied {
			m.setStatus("copied "+incident.Clean(msg.event.Fields[incident.FieldStep]), false)
			return m, nil
		}
		m.setStatus(fmt.Sprintf("%s recorded for %s", kindLabel(msg.event.Kind), m.incidentName(msg.incidentID)), false)
		return m, nil
	}
	m.setStatus(fmt.Sprintf("%s queued for %s", kindLabel(msg.event.Kind), m.incidentName(msg.incidentID)), false)
	return m, send(m.opts.Outbox, msg.incidentID)
}

func (m Model) handleSent(msg sentMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.setStatus(fmt.Sprintf("kept in the outbox for %s: %s", m.incidentName(msg.incidentID), oneLine(msg.err)), true)
	}
	for _, r := range msg.results {
		m.applyResult(r)
	}
	m.listGen++
	cmds := append(m.pending, fetchIncidents(m.opts.Source, m.filter, m.listGen))
	m.pending = nil
	if m.screen == screenDetail && msg.incidentID == m.detail.inc.ID {
		cmds = append(cmds, fetchDetail(m.opts.Source, m.opts.Journal, msg.incidentID, m.detailGen, m.since()))
	}
	return m, tea.Batch(cmds...)
}

// applyResult shows what became of one action: its state on the open
// timeline and a line in the status bar.
func (m *Model) applyResult(r outbox.Result) {
	e := r.Event
	state, errText := incident.Queued, ""
	switch r.Outcome {
	case outbox.Sent, outbox.Landed:
		state = incident.Sent
	case outbox.Failed, outbox.Skipped:
		state = incident.Failed
		if r.Err != nil {
			errText = oneLine(r.Err)
		}
	}
	for i := range m.local {
		if m.local[i].ID == e.ID {
			m.local[i].State, m.local[i].Error = state, errText
		}
	}
	if m.screen == screenDetail && e.IncidentID == m.detail.inc.ID {
		m.setTimeline()
	}
	what, name := kindLabel(e.Kind), m.incidentName(e.IncidentID)
	m.actionAt = m.opts.Now()
	if e.Kind == incident.KindResolve && (r.Outcome == outbox.Sent || r.Outcome == outbox.Landed) {
		m.pending = append(m.pending, m.draft(e.IncidentID))
	}
	switch r.Outcome {
	case outbox.Sent, outbox.Landed:
		m.setStatus(fmt.Sprintf("%s sent for %s", what, name), false)
	case outbox.Failed, outbox.Skipped:
		m.setStatus(fmt.Sprintf("%s for %s not sent: %s", what, name, errText), true)
	case outbox.Waiting:
		wait := "on the next pass"
		if !r.Next.IsZero() {
			wait = "in " + age(r.Next.Sub(m.opts.Now()))
		}
		reason := ""
		if r.Err != nil {
			reason = ": " + oneLine(r.Err)
		}
		m.setStatus(fmt.Sprintf("%s for %s queued, retrying %s%s", what, name, wait, reason), true)
	default:
		m.setStatus(fmt.Sprintf("%s for %s waits in the outbox", what, name), false)
	}
}

// incidentName is "#123" for an incident we know, else its id.
func (m Model) incidentName(id string) string {
	if m.detail.inc.ID == id {
		return fmt.Sprintf("#%d", m.detail.inc.Number)
	}
	for _, in := range m.list.incidents {
		if in.ID == id {
			return fmt.Sprintf("#%d", in.Number)
		}
	}
	return incident.Clean(id)
}

// oneLine makes an error fit a status line.
func oneLine(err error) string {
	return incident.Clean(err.Error())
}

// View draws the title bar, the page, the status line and the key line.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "oncall"
	var c *tea.Cursor
	switch m.prompt {
	case promptNote:
		c = m.input.Cursor()
	case promptSearch:
		c = m.search.Cursor()
	}
	if c != nil {
		c.Y = m.height - 2
		v.Cursor = c
	}
	return v
}

func (m Model) render() string {
	if m.width < 20 || m.height < 6 {
		return fit("oncall: terminal too small", max(m.width, 1))
	}
	now := m.opts.Now()
	var b strings.Builder
	b.WriteString(m.titleBar(now) + "\n")
	bodyH := m.height - 3
	body := ""
	switch {
	case m.prompt == promptHelp:
		body = m.helpView()
	case m.prompt == promptForm:
		body = lipgloss.Place(m.width, bodyH, lipgloss.Center, lipgloss.Center, m.form.view(m.st, m.width))
	case m.prompt == promptPicker:
		body = lipgloss.Place(m.width, bodyH, lipgloss.Center, lipgloss.Center, m.picker.view(m.st, m.width, bodyH))
	case m.screen == screenDetail:
		body = m.detail.View(now)
	default:
		body = m.list.View(m.st, now)
	}
	lines := strings.Split(body, "\n")
	for len(lines) < bodyH {
		lines = append(lines, "")
	}
	b.WriteString(strings.Join(lines[:bodyH], "\n") + "\n")
	b.WriteString(m.statusLine() + "\n")
	b.WriteString(m.keyLine())
	return b.String()
}

func (m Model) titleBar(now time.Time) string {
	trig, ack := m.list.triggered, m.list.acknowledged
	left := m.st.Title.Render("oncall") + m.st.Faint.Render(" · "+m.opts.Label)
	if m.opts.ReadOnly {
		left += m.st.Acked.Render(" · read-only")
	}
	if f := filterLabel(m.filter, m.list.services); f != "" {
		left += m.st.Info.Render(" · " + f)
	}
	left += fmt.Sprintf(" · %d active: ", trig+ack) + m.st.Triggered.Render(fmt.Sprintf("%d triggered", trig)) +
		", " + m.st.Acked.Render(fmt.Sprintf("%d acknowledged", ack))
	var right []string
	if due := m.updateDue(now); due != "" {
		right = append(right, due)
	}
	if !m.fetched.IsZero() {
		fresh := "updated " + age(now.Sub(m.fetched)) + " ago"
		if m.stale {
			fresh = m.st.Error.Render("stale: " + fresh)
		}
		right = append(right, fresh)
	}
	r := strings.Join(right, " · ")
	rw := lipgloss.Width(r)
	if rw > m.width/2 {
		r, rw = "", 0
	}
	// Freshness and the update clock matter more than the counts: the
	// left side gives way first.
	left = fit(left, m.width-rw-1)
	return left + strings.Repeat(" ", max(m.width-lipgloss.Width(left)-rw, 0)) + r
}

// updateDue is the IC's status update clock for the open incident: high
// urgency and active only, counted from the last update posted (or the
// incident's start).
func (m Model) updateDue(now time.Time) string {
	in := m.detail.inc
	if m.screen != screenDetail || in.Urgency != incident.High || !in.Active() || m.opts.ReadOnly {
		return ""
	}
	last := in.CreatedAt
	if m.detail.lastUpdate.After(last) {
		last = m.detail.lastUpdate
	}
	left := last.Add(m.opts.UpdateEvery).Sub(now)
	if left < 0 {
		return m.st.Error.Render("status update overdue by " + age(-left) + " (u)")
	}
	return "status update due in " + age(left)
}

func (m Model) statusLine() string {
	switch m.prompt {
	case promptConfirm:
		var q string
		switch m.confirmKind {
		case incident.KindResolve:
			q = fmt.Sprintf("Resolve #%d %s? y to resolve, n to cancel", m.target.Number, incident.Clean(m.target.Title))
		case incident.KindReopen:
			q = fmt.Sprintf("Reopen resolved #%d? PagerDuty assigns it to you and it pages again. y/n", m.target.Number)
		case incident.KindMitigated:
			q = fmt.Sprintf("Mark #%d mitigated (customer impact has stopped)? y to mark, n to cancel", m.target.Number)
		}
		return m.st.Error.Render(fit(q, m.width))
	case promptNote:
		return fit(m.input.View(), m.width)
	case promptSearch:
		return fit(m.search.View(), m.width)
	}
	if m.statusErr {
		return m.st.Error.Render(fit(m.status, m.width))
	}
	return m.st.Info.Render(fit(m.status, m.width))
}

func (m Model) keyLine() string {
	var bs []key.Binding
	switch {
	case m.prompt == promptNote && m.statusErr && strings.HasPrefix(m.status, textKept):
		// The note prompt takes the status line: say here why it is back.
		return m.st.Error.Render(fit(m.status, m.width))
	case m.prompt == promptNote:
		return m.st.Faint.Render(fit("enter add note · esc cancel", m.width))
	case m.prompt == promptSearch:
		return m.st.Faint.Render(fit("type to filter · ↑/↓ move · enter keep filter · esc clear", m.width))
	case m.prompt == promptForm:
		return m.st.Faint.Render(fit("tab next field · enter on the last field saves · esc cancel", m.width))
	case m.prompt == promptPicker:
		return m.st.Faint.Render(fit("type to filter · ↑/↓ choose · enter confirms · esc cancel", m.width))
	case m.prompt == promptConfirm:
		bs = []key.Binding{m.keys.Confirm, m.keys.Cancel}
	case m.prompt == promptHelp:
		hint := "? or esc close help"
		if m.helpPages() > 1 {
			hint += " · j/k more keys"
		}
		return m.st.Faint.Render(fit(hint, m.width))
	case m.screen == screenDetail:
		bs = m.keys.shortDetail()
	default:
		bs = m.keys.shortList()
	}
	// Drop the least important bindings until the line fits; show the
	// rest in the map's display order (actions first, help and quit last).
	sep := m.st.Faint.Render(" · ")
	for n := len(bs); n > 0; n-- {
		shown := append(slices.Clone(bs[2:n]), bs[:min(2, n)]...)
		parts := make([]string, 0, len(shown))
		for _, b := range shown {
			parts = append(parts, m.st.HelpKey.Render(b.Help().Key)+" "+m.st.HelpDesc.Render(b.Help().Desc))
		}
		line := strings.Join(parts, sep)
		if lipgloss.Width(line) <= m.width || n == 1 {
			return fit(line, m.width)
		}
	}
	return ""
}

// helpLines lists every enabled binding, grouped, from the key map.
func (m Model) helpLines(colW int) []string {
	var lines []string
	for _, g := range m.keys.groups() {
		bs := enabled(g.Bindings...)
		if len(bs) == 0 {
			continue
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, m.st.Header.Render(fit(g.Title, colW)))
		for _, bind := range bs {
			line := "  " + m.st.HelpKey.Render(fit(bind.Help().Key, 8)) + " " + m.st.HelpDesc.Render(fit(bind.Help().Desc, max(colW-11, 1)))
			lines = append(lines, line)
		}
	}
	return lines
}

// helpLayout is how many columns the help uses at this width, how wide
// each is, and how many rows fit.
func (m Model) helpLayout() (cols, colW, rows int) {
	cols = min(max((m.width+2)/42, 1), 3)
	colW = (m.width - 2*(cols-1)) / cols
	rows = max(m.height-3-2, 1) // the body, less the heading and its gap
	return cols, colW, rows
}

// helpColumns flows the help's lines into columns of at most rows lines,
// never starting a column with the blank line between two groups.
func (m Model) helpColumns() (cols [][]string, perPage, colW int) {
	perPage, colW, rows := m.helpLayout()
	var col []string
	for _, line := range m.helpLines(colW) {
		if len(col) == rows {
			cols, col = append(cols, col), nil
		}
		if len(col) == 0 && line == "" {
			continue
		}
		col = append(col, line)
	}
	if len(col) > 0 {
		cols = append(cols, col)
	}
	return cols, perPage, colW
}

// helpPages is how many screens the help takes.
func (m Model) helpPages() int {
	cols, perPage, _ := m.helpColumns()
	return max((len(cols)+perPage-1)/perPage, 1)
}

// helpView lays the key map out in as many columns as the width allows,
// filling each from the top; what does not fit goes on further pages
// (j/k), so no binding is ever cut off.
func (m Model) helpView() string {
	cols, perPage, colW := m.helpColumns()
	_, _, rows := m.helpLayout()
	page := min(m.helpPage, m.helpPages()-1)
	cols = cols[min(page*perPage, len(cols)):min((page+1)*perPage, len(cols))]
	var blocks []string
	for c, col := range cols {
		for i := range col {
			col[i] = fit(col[i], colW)
		}
		blocks = append(blocks, strings.Join(col, "\n"))
		if c < len(cols)-1 {
			blocks = append(blocks, strings.Repeat("  \n", rows-1)+"  ")
		}
	}
	title := m.st.Title.Render("Keys")
	if n := m.helpPages(); n > 1 {
		title += m.st.Faint.Render(fmt.Sprintf("  page %d of %d · j/k for more", page+1, n))
	}
	body := title + "\n\n" + lipgloss.JoinHorizontal(lipgloss.Top, blocks...)
	out := strings.Split(body, "\n")
	for i := range out {
		out[i] = fit(out[i], m.width)
	}
	return strings.Join(out, "\n")
}
