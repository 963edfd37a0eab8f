package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
)

// The root's handlers for the families of messages Update routes: the
// terminal's (size, colours, paste, wheel), the list's (polls, the
// change feed, listings, the count, the cache), and the notices that
// only change what the root shows.

// handleTerminal takes what the terminal says, other than keys.
func (m Model) handleTerminal(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, m.detail.ensureRendered()
	case tea.BackgroundColorMsg:
		if m.opts.Theme == "dark" || m.opts.Theme == "light" {
			return m, nil // the configured theme wins over the terminal's answer
		}
		*m.st = DefaultStyles(msg.IsDark()) // in place: every component sees it
		return m, m.detail.ensureRendered()
	case tea.PasteMsg:
		return m.handlePaste(msg)
	case tea.MouseWheelMsg:
		if m.screen == screenDetail && m.prompt == promptNone {
			m.detail, _ = m.detail.Update(msg)
		}
	}
	return m, nil
}

// handleList takes the list's polls and what they bring.
func (m Model) handleList(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case listTickMsg:
		next := m.opts.every(m.opts.ListEvery, listTickMsg{})
		if m.listPaused() || m.tickAfterReturn() {
			return m, next // the open incident's poll is the only one; or going back just polled (feed.go)
		}
		return m, tea.Batch(m.pollList(), next)
	case feedMsg:
		return m.handleFeed(msg)
	case incidentsMsg:
		return m.handleIncidents(msg)
	case activeCountMsg:
		return m.handleActiveCount(msg), nil
	case marksMsg:
		return m.handleMarks(msg), nil
	case cacheSavedMsg:
		if msg.err != nil {
			m.say(statusError, "could not cache the incident list: "+oneLine(msg.err))
		}
	}
	return m, nil
}

// handleNotice takes the messages that change only what the root shows
// or knows, and start nothing.
func (m Model) handleNotice(msg tea.Msg) Model {
	switch msg := msg.(type) {
	case reportMsg:
		return m.handleReport(msg)
	case waitMsg:
		return m.handleWait(msg)
	case draftMsg:
		return m.handleDraft(msg)
	case levelsMsg:
		return m.handleLevels(msg)
	case clipboardMsg:
		m.say(statusInfo, string(msg))
	case choicesMsg:
		if m.prompt == promptPicker {
			m.picker, _ = m.picker.Update(msg)
		}
	case whoMsg:
		// Without an answer the configured name stays; the first write
		// will say what is wrong with the token, if anything.
		if msg.err == nil && incident.Clean(msg.name) != "" {
			m.opts.Actor = incident.Clean(msg.name)
		}
	}
	return m
}
