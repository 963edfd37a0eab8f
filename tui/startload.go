package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/runbook"
)

// This file reads the library (runbooks and pre-mortems) after the first
// frame. The first frame needs none of it: the list's rows come from the
// journal's cache, and what the library adds (a runbook pane, the
// "foreseen" banner, the reminders due, the loaders' complaints) belongs
// to later frames. So Init starts the read as a command and the model
// takes its answer as libraryMsg; until then nothing claims what the
// files hold: the runbook pane says it is reading instead of saying no
// runbook matches, the reminders and the Pre-mortem tab are not shown,
// and a postmortem draft waits, since its sections come from the files.

// Library is what the view reads from files beside PagerDuty: the
// runbooks and pre-mortems, and each loader's complaints about the files
// it skipped (shown on the status line, the runbooks' first).
type Library struct {
	Runbooks          *runbook.Set
	RunbookProblems   []string
	Premortems        *premortem.Set
	PremortemProblems []string
}

// libraryMsg is the library, read.
type libraryMsg struct{ lib Library }

// libraryLate is how long the read may take before the view says it is
// still reading: a folder on a stuck network mount can hang a read for
// ever, and what waits for it would otherwise say only "reading…".
const libraryLate = 10 * time.Second

// libraryLateMsg comes libraryLate after the read started.
type libraryLateMsg struct{}

// latePrefix starts the status line of a late read.
const latePrefix = "Runbooks still being read after"

// sayLate puts the late read on the status line, or updates it there,
// unless the line holds something that matters more: an action's held
// outcome, an error, a give-back or a start-up warning.
func (m *Model) sayLate() {
	s := m.status
	showing := strings.HasPrefix(s.text, latePrefix)
	if showing || s.text == "" || (s.yieldsToBackground(m.opts.Now()) && s.kind != statusError && s.kind != statusGiveBack) {
		m.say(statusWarning, m.load.lateText())
	}
}

// startLoad is the root's state of the library read.
type startLoad struct {
	// reading is true from New until libraryMsg arrives, when
	// Options.LoadLibrary was given.
	reading bool
	// drafts are the incidents whose postmortem draft was asked for while
	// reading: each is written once the library is in.
	drafts []string
	// late is set once the read has taken libraryLate (the status line
	// says so when nothing that matters more is on it: sayLate).
	late bool
}

// lateText is the status line while a late read goes on.
func (l startLoad) lateText() string {
	text := fmt.Sprintf(latePrefix+" %s (slow or stuck folder?)", libraryLate)
	if n := len(l.drafts); n > 0 {
		text += fmt.Sprintf("; %d postmortem draft(s) wait for them", n)
	}
	return text
}

// readLibrary reads the library off the UI path.
func readLibrary(load func() Library) tea.Cmd {
	return func() tea.Msg { return libraryMsg{lib: load()} }
}

// problemStatus is the start-up warning for the library's complaints: the
// runbooks' first, else the pre-mortems'. ok is false when there are none.
func problemStatus(lib Library) (s status, ok bool) {
	if n := len(lib.RunbookProblems); n > 0 {
		return status{kind: statusWarning, text: fmt.Sprintf("%d runbook problem(s), broken files skipped: %s", n, incident.Clean(lib.RunbookProblems[0]))}, true
	}
	if n := len(lib.PremortemProblems); n > 0 {
		return status{kind: statusWarning, text: fmt.Sprintf("%d pre-mortem problem(s), broken files skipped: %s", n, incident.Clean(lib.PremortemProblems[0]))}, true
	}
	return status{}, false
}

// setLibrary puts the library wherever it is used: the matching of the
// open incident and of every incident opened later, the reminders due,
// the drafts.
func (m *Model) setLibrary(lib Library) {
	m.opts.Runbooks, m.opts.RunbookProblems = lib.Runbooks, lib.RunbookProblems
	m.opts.Premortems, m.opts.PremortemProblems = lib.Premortems, lib.PremortemProblems
	m.detail.deps.runbooks, m.detail.deps.premortems = lib.Runbooks, lib.Premortems
	m.detail.deps.reading, m.detail.rb.reading = false, false
	m.pre.set, m.pre.due = lib.Premortems, len(lib.Premortems.Due(m.opts.Now()))
}

// handleLibrary takes the library read after the first frame: the open
// incident is matched again (its runbook pane fills in, the banner may
// appear), the complaints take the status line unless it says what
// became of the responder's own action, and the drafts that waited are
// written. It takes libraryLateMsg too: the read is then still going.
func (m Model) handleLibrary(in tea.Msg) (tea.Model, tea.Cmd) {
	msg, ok := in.(libraryMsg)
	if !m.load.reading {
		return m, nil
	}
	if !ok { // libraryLateMsg: still reading
		m.load.late = true
		m.sayLate()
		return m, nil
	}
	m.load.reading = false
	if strings.HasPrefix(m.status.text, latePrefix) {
		m.say(statusInfo, "Runbooks and pre-mortems read.")
	}
	m.setLibrary(msg.lib)
	var cmds []tea.Cmd
	if m.detail.active {
		m.detail.rematch()
		cmds = append(cmds, m.detail.ensureRendered())
	}
	if s, ok := problemStatus(msg.lib); ok && m.status.kind != statusError && m.status.kind != statusGiveBack &&
		(m.status.kind != statusWarning || len(msg.lib.RunbookProblems) > 0) {
		// As at New: a runbook complaint outranks a bad key binding, a
		// pre-mortem complaint does not.
		m.status = s
	}
	waiting := m.load.drafts
	m.load.drafts = nil
	for _, id := range waiting {
		cmds = append(cmds, m.draft(id))
	}
	return m, tea.Batch(cmds...)
}
