package tui

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store/outbox"
)

// Messages components send the root, for what spans screens.
type (
	// reportMsg: a component's word for the status line and title bar.
	reportMsg struct {
		kind statusKind
		text string
		// hold makes the line an action's outcome: background noise does
		// not replace it for actionStickiness.
		hold bool
		// stale: a background fetch failed, so the title bar says stale.
		stale bool
	}
	// resolvedMsg: the open incident is resolved; turned says it turned
	// resolved while on screen (else it was resolved when opened).
	resolvedMsg struct {
		id     string
		turned bool
	}
)

// report is a command that delivers r.
func report(r reportMsg) tea.Cmd { return func() tea.Msg { return r } }

// refreshFailed is the report of a failed background fetch.
func refreshFailed(err error) reportMsg {
	return reportMsg{kind: statusStale, text: oneLine(err), stale: true}
}

// say puts s on the status line.
func (m *Model) say(kind statusKind, text string) {
	m.status = status{kind: kind, text: text}
}

// sayOutcome puts an action's outcome on the status line and holds it
// there against background noise for a while.
func (m *Model) sayOutcome(kind statusKind, text string) {
	m.status = status{kind: kind, text: text, holdUntil: m.opts.Now().Add(actionStickiness)}
}

func (m Model) handleReport(r reportMsg) Model {
	if r.stale {
		m.stale = true
	}
	if r.text == "" {
		return m
	}
	if r.kind == statusStale && !m.status.yieldsToBackground(m.opts.Now()) {
		return m
	}
	if r.hold {
		m.sayOutcome(r.kind, r.text)
	} else {
		m.say(r.kind, r.text)
	}
	return m
}

func (m Model) handleIncidents(msg incidentsMsg) (tea.Model, tea.Cmd) {
	if msg.gen < m.listHad {
		return m, nil
	}
	if msg.err != nil {
		return m.handleReport(refreshFailed(msg.err)), nil
	}
	m.listHad = msg.gen
	m.stale = false
	m.fetched = m.opts.Now()
	m.list.narrowed = !filterEmpty(m.filter)
	m.list.SetIncidents(msg.list, m.opts.Now())
	count := tea.Batch(m.countActive(), m.listMarks(msg.list)) // nil unless narrowed to nothing (activecount.go); marks new to the list (listmarks.go)
	switch {
	case msg.warn != nil:
		m.say(statusError, oneLine(msg.warn))
	case m.status.clearsOnSuccess():
		m.say(statusInfo, "")
	}
	if sameList(m.cachedList, msg.list) {
		return m, count
	}
	m.cachedList = msg.list
	return m, tea.Batch(count, saveCache(m.opts.Journal, msg.list, m.fetched))
}

func (m Model) handleJournaled(msg journaledMsg) (tea.Model, tea.Cmd) {
	if errors.Is(msg.err, incident.ErrInvalid) {
		m.giveBack(msg.typed, "not recorded: "+oneLine(msg.err))
		return m, nil
	}
	if msg.err != nil {
		m.giveBack(msg.typed, "not sent: could not write the journal: "+oneLine(msg.err))
		return m, nil
	}
	if m.detail.shows(msg.incidentID) {
		m.detail = m.detail.journaled(msg.event)
	}
	if msg.event.State == incident.LocalOnly {
		if msg.event.Kind == incident.KindRunbookStep && msg.event.Fields[incident.FieldAction] == incident.StepCopied {
			m.say(statusInfo, "copied "+incident.Clean(msg.event.Fields[incident.FieldStep]))
			return m, nil
		}
		m.say(statusInfo, fmt.Sprintf("%s recorded for %s", kindLabel(msg.event.Kind), m.incidentName(msg.incidentID)))
		return m, nil
	}
	m.inflight = cloneSet(m.inflight)
	m.inflight[msg.event.ID] = true
	m.say(statusInfo, fmt.Sprintf("%s queued for %s", kindLabel(msg.event.Kind), m.incidentName(msg.incidentID)))
	return m, send(m.ctx, m.opts.Outbox, msg.incidentID)
}

func (m Model) handleSent(msg sentMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.say(statusError, fmt.Sprintf("kept in the outbox for %s: %s", m.incidentName(msg.incidentID), oneLine(msg.err)))
	}
	var cmds []tea.Cmd
	for _, r := range msg.results {
		cmds = append(cmds, m.applyResult(r))
	}
	cmds = append(cmds, m.fetchList())
	if m.detail.shows(msg.incidentID) {
		cmds = append(cmds, m.detail.refetch())
	}
	return m, tea.Batch(cmds...)
}

// handleOutbox follows an action the background drainer settled or
// retried.
func (m Model) handleOutbox(msg outboxMsg) (tea.Model, tea.Cmd) {
	cmd := m.applyResult(msg.result)
	if msg.result.Outcome.Final() && m.detail.shows(msg.result.Event.IncidentID) {
		cmd = tea.Batch(cmd, m.detail.refetch())
	}
	return m, cmd
}

// applyResult shows what became of one action: its state on the open
// timeline and a line in the status bar. A resolve that landed writes
// the postmortem draft.
func (m *Model) applyResult(r outbox.Result) tea.Cmd {
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
	if r.Outcome.Final() {
		m.inflight = cloneSet(m.inflight)
		delete(m.inflight, e.ID)
	}
	if m.detail.shows(e.IncidentID) {
		m.detail = m.detail.settle(e.ID, state, errText)
	}
	what, name := kindLabel(e.Kind), m.incidentName(e.IncidentID)
	var cmd tea.Cmd
	if e.Kind == incident.KindResolve && (r.Outcome == outbox.Sent || r.Outcome == outbox.Landed) {
		cmd = m.draft(e.IncidentID)
	}
	switch r.Outcome {
	case outbox.Sent, outbox.Landed:
		m.sayOutcome(statusInfo, fmt.Sprintf("%s sent for %s", what, name)+m.handoffNote(e))
	case outbox.Failed, outbox.Skipped:
		m.sayOutcome(statusError, fmt.Sprintf("%s for %s not sent: %s", what, name, errText))
	case outbox.Waiting:
		wait := "on the next pass"
		if !r.Next.IsZero() {
			wait = "in " + incident.Age(r.Next.Sub(m.opts.Now()))
		}
		reason := ""
		if r.Err != nil {
			reason = ": " + oneLine(r.Err)
		}
		m.sayOutcome(statusError, fmt.Sprintf("%s for %s queued, retrying %s%s", what, name, wait, reason))
	default:
		m.sayOutcome(statusInfo, fmt.Sprintf("%s for %s waits in the outbox", what, name))
	}
	return cmd
}

// cloneSet copies a set before a change: copies of the model must not
// share it.
func cloneSet(s map[string]bool) map[string]bool {
	out := make(map[string]bool, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	return out
}

// handleResolved writes the draft of an incident seen turning resolved,
// or one whose draft failed before (tried again on every poll).
func (m Model) handleResolved(msg resolvedMsg) (tea.Model, tea.Cmd) {
	if !msg.turned && !m.draftFailed[msg.id] {
		return m, nil
	}
	return m, m.draft(msg.id)
}

func (m Model) handleWait(msg waitMsg) Model {
	if !m.status.yieldsToBackground(m.opts.Now()) {
		return m // what became of the action just taken matters more
	}
	m.say(statusWait, fmt.Sprintf("%s, retrying in %s", incident.Clean(msg.reason), max(msg.d.Round(time.Second), time.Second)))
	return m
}

func (m Model) handleDraft(msg draftMsg) Model {
	m.drafted, m.draftFailed = cloneSet(m.drafted), cloneSet(m.draftFailed)
	if msg.err != nil {
		m.drafted[msg.id], m.draftFailed[msg.id] = false, true
		m.say(statusError, "postmortem draft not written yet (tried again on the next refresh): "+oneLine(msg.err))
		return m
	}
	delete(m.draftFailed, msg.id)
	text := fmt.Sprintf("%s resolved: postmortem draft in %s", m.incidentName(msg.id), msg.path)
	if msg.warn != "" {
		text += " (" + msg.warn + ")"
	}
	m.sayOutcome(statusInfo, text)
	return m
}

// draft writes the postmortem draft for an incident that just resolved,
// once per incident per run.
func (m *Model) draft(id string) tea.Cmd {
	if m.opts.PostmortemsDir == "" || m.drafted[id] {
		return nil
	}
	if m.load.reading {
		// The draft's runbook and pre-mortem sections come from the
		// files: it is written when they are read (startload.go).
		if !slices.Contains(m.load.drafts, id) {
			m.load.drafts = append(m.load.drafts, id)
		}
		if m.load.late {
			m.sayLate()
		}
		return nil
	}
	m.drafted = cloneSet(m.drafted)
	m.drafted[id] = true
	zone := m.opts.DraftZone
	if zone == nil {
		zone = m.opts.Location
	}
	return writeDraft(m.ctx, draftJob{
		src: m.opts.Source, journal: m.opts.Journal, id: id, dir: m.opts.PostmortemsDir,
		slos: m.opts.SLOs, now: m.opts.Now(), zone: zone, workHours: m.opts.WorkHours, sleepHours: m.opts.SleepHours,
		runbooks: m.opts.Runbooks, premortems: m.opts.Premortems,
	})
}

// handleEditor follows a long note through $EDITOR: the temp file, the
// editor's exit, the text read back.
func (m Model) handleEditor(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case editorReadyMsg:
		if msg.err != nil {
			m.say(statusError, "could not start the editor: "+oneLine(msg.err))
			return m, nil
		}
		return m, editor(msg.incidentID, msg.path)
	case editorDoneMsg:
		if msg.err != nil {
			m.say(statusError, "the editor failed ("+oneLine(msg.err)+"); no note added. Set $EDITOR, or use "+m.keys.Note.Help().Key+" for a one-line note")
			path := msg.path
			return m, func() tea.Msg { os.Remove(path); return nil }
		}
		return m, readNote(msg.incidentID, msg.path)
	case editorNoteMsg:
		switch {
		case msg.err != nil:
			m.say(statusError, "could not read the note back: "+oneLine(msg.err))
			return m, nil
		case msg.text == "":
			m.say(statusInfo, "empty note not added")
			return m, nil
		}
		return m, m.act(incident.Incident{ID: msg.incidentID}, incident.KindNote, map[string]string{"text": msg.text})
	}
	return m, nil
}

// handlePaste gives pasted text to the prompt that has the keyboard.
func (m Model) handlePaste(msg tea.PasteMsg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.prompt {
	case promptNote:
		m.input, cmd = m.input.Update(msg)
	case promptSearch:
		m.search, cmd = m.search.Update(msg)
		m.applySearch()
	case promptForm:
		m.form, cmd = m.form.Update(msg)
	case promptPicker:
		m.picker, cmd = m.picker.Update(msg)
	}
	return m, cmd
}

// incidentName is "#123" for an incident we know, else its id.
func (m Model) incidentName(id string) string {
	if m.detail.inc.ID == id && m.detail.inc.Number > 0 {
		return fmt.Sprintf("#%d", m.detail.inc.Number)
	}
	for _, in := range m.list.all {
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
