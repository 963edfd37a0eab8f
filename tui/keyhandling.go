package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/state"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/tui/keymap"
)

// handleKey routes a key: an open prompt takes it first (so typed text
// never fires a global key), then the global keys, then the page.
func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" && m.detail.run.live() {
		return m.cancelRun() // a running command stops, not the program
	}
	if msg.String() == "ctrl+c" {
		if len(m.inflight) > 0 && m.prompt != promptQuit {
			m.prompt = promptQuit
			return m, nil
		}
		return m.quit()
	}
	switch m.prompt {
	case promptHelp:
		switch {
		case key.Matches(msg, m.keys.Help, m.keys.Back, m.keys.Cancel):
			m.prompt = promptNone
		case key.Matches(msg, m.keys.Quit):
			return m.askQuit()
		case key.Matches(msg, m.keys.Down):
			m.helpPage = min(m.helpPage+1, m.helpPages()-1)
		case key.Matches(msg, m.keys.Up):
			m.helpPage = max(m.helpPage-1, 0)
		}
		return m, nil
	case promptQuit:
		m.prompt = promptNone
		if key.Matches(msg, m.keys.Confirm) {
			return m.quit()
		}
		m.say(statusInfo, "not quitting")
		return m, nil
	case promptConfirm:
		m.prompt = promptNone
		fields := m.confirmFields
		m.confirmFields = nil
		if key.Matches(msg, m.keys.Confirm) {
			return m, m.act(m.target, m.confirmKind, fields)
		}
		m.say(statusInfo, fmt.Sprintf("cancelled; #%d unchanged", m.target.Number))
		return m, nil
	case promptNote:
		return m.noteKey(msg)
	case promptRun:
		return m.runKey(msg)
	case promptSearch:
		return m.searchKey(msg)
	case promptPicker:
		var cmd tea.Cmd
		m.picker, cmd = m.picker.Update(msg)
		switch {
		case m.picker.cancelled:
			m.prompt = promptNone
			m.say(statusInfo, "nothing changed")
		case m.picker.chosen != nil && m.picker.kind == incident.KindRole:
			return m.roleChosen(*m.picker.chosen) // then which role
		case m.picker.chosen != nil:
			m.prompt = promptNone
			return m, m.act(m.target, m.picker.kind, pickedFields(m.picker.kind, *m.picker.chosen, m.target))
		}
		return m, cmd
	case promptForm:
		var cmd tea.Cmd
		m.form, cmd = m.form.Update(msg)
		switch {
		case m.form.cancelled:
			m.prompt = promptNone
			m.say(statusInfo, strings.ToLower(m.form.title)+": cancelled, nothing recorded")
		case m.form.done && m.form.kind == incident.KindHandoff:
			m.prompt = promptNone
			return m.handOff(m.form.values())
		case m.form.done:
			m.prompt = promptNone
			return m, m.act(m.target, m.form.kind, m.form.values())
		}
		return m, cmd
	}

	k := m.keys
	switch {
	case key.Matches(msg, k.Quit) && m.screen == screenDetail && m.detail.run.live() && m.detail.outputOnScreen():
		// Over a running command's output esc cancels it; q, reached
		// for to close the screen, must not.
		m.say(statusError, "a runbook command is still running; ctrl+c cancels it")
		return m, nil
	case key.Matches(msg, k.Quit) && m.screen == screenDetail && msg.String() != "ctrl+c":
		// In an incident q goes back, as esc does: a responder reaching
		// for "close this" must not end the program.
		return m.detailKey(tea.KeyPressMsg{Code: tea.KeyEscape})
	case key.Matches(msg, k.Quit):
		return m.askQuit()
	case key.Matches(msg, k.Help):
		m.prompt, m.helpPage = promptHelp, 0
		return m, nil
	case key.Matches(msg, k.Refresh):
		m.say(statusProgress, "refreshing…")
		cmds := []tea.Cmd{m.fetchList()}
		if m.screen == screenDetail {
			cmds = append(cmds, m.detail.refresh())
		}
		return m, tea.Batch(cmds...)
	}
	switch m.screen {
	case screenDetail:
		return m.detailKey(msg)
	case screenRegister:
		return m.registerKey(msg)
	case screenReview:
		return m.reviewKey(msg)
	}
	return m.listKey(msg)
}

// askQuit quits, unless actions are still on their way: then it asks.
func (m Model) askQuit() (tea.Model, tea.Cmd) {
	if m.detail.run.live() {
		// Quitting now would leave the run without its result.
		m.say(statusError, "a runbook command is still running; ctrl+c cancels it, then quit")
		return m, nil
	}
	if len(m.inflight) > 0 {
		m.prompt = promptQuit
		return m, nil
	}
	return m.quit()
}

func (m Model) noteKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.prompt = promptNone
		m.input.Blur()
		m.say(statusInfo, "note discarded")
		return m, nil
	case "enter":
		text := strings.TrimSpace(m.input.Value())
		if text == "" {
			m.say(statusError, "empty note not added; type something or press esc")
			return m, nil
		}
		m.prompt = promptNone
		m.input.Blur()
		m.input.Reset()
		return m, m.act(m.target, incident.KindNote, map[string]string{incident.FieldText: text})
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// openSearch starts typing the search of the page on screen.
func (m Model) openSearch() Model {
	m.prompt = promptSearch
	if m.screen == screenDetail {
		m.search.Placeholder = "type to search the timeline"
		m.search.SetValue(m.detail.query)
	} else {
		m.search.Placeholder = "type to filter by number, title or service"
		m.search.SetValue(m.list.filter)
	}
	m.search.CursorEnd()
	m.search.Focus()
	return m
}

// applySearch narrows the page on screen to what is typed.
func (m *Model) applySearch() {
	if m.screen == screenDetail {
		m.detail = m.detail.SetQuery(m.search.Value())
	} else {
		m.list.SetFilter(m.search.Value())
	}
}

func (m Model) searchKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.prompt = promptNone
		m.search.Blur()
		m.search.Reset()
		m.applySearch()
		return m, nil
	case "enter":
		m.prompt = promptNone
		m.search.Blur()
		return m, nil
	case "up", "down":
		d := 1
		if msg.String() == "up" {
			d = -1
		}
		if m.screen == screenDetail {
			m.detail.Move(d)
		} else {
			m.list.Move(d)
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	m.applySearch()
	return m, cmd
}

func (m Model) listKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up, k.Down, k.Top, k.Bottom):
		m.list, _ = m.list.Update(msg)
	case key.Matches(msg, k.Search):
		return m.openSearch(), nil
	case key.Matches(msg, k.Register):
		return m.openRegister()
	case key.Matches(msg, k.Review):
		return m.openReview()
	case key.Matches(msg, k.Scope, k.Urgency, k.Status, k.Service):
		m.filter = nextFilter(m.filter, msg, k, m.list.services)
		m.say(statusProgress, "list: "+orAll(filterLabel(m.filter, m.list.services)))
		return m, tea.Batch(m.fetchList(), saveFilter(m.opts.Journal, m.filter))
	case key.Matches(msg, k.Back):
		if m.list.filter == "" {
			m.say(statusInfo, "already on the list")
			return m, nil
		}
		m.search.Reset()
		m.list.SetFilter("")
	case key.Matches(msg, k.Open):
		sel, ok := m.list.Selected()
		if !ok {
			m.say(statusInfo, "no incident to open")
			return m, nil
		}
		return m.open(sel)
	default:
		sel, ok := m.list.Selected()
		if !ok {
			return m, report(notHere(m.keys, msg, "with no incident listed"))
		}
		return m.startAction(msg, sel)
	}
	return m, nil
}

func (m Model) detailKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	d := m.detail
	if d.outputOnScreen() {
		if m, cmd, ok := m.outputKey(msg); ok {
			return m, cmd
		}
	}
	switch {
	case key.Matches(msg, k.Back):
		if d.query != "" || d.kinds != kindsAll {
			// First esc shows the whole timeline again; the next leaves.
			m.detail = d.ClearNarrowing()
			m.search.Reset()
			return m, nil
		}
		m.screen = screenList
		if m.rev.fromReview { // opened from the review's agenda: back to it
			m.screen, m.rev.fromReview = screenReview, false
		}
		if d.state.hasDoc { // the list marks what was seen of its state
			m.list = m.list.SetMark(d.inc.ID, state.Derive(d.stateInput(m.opts.Now())))
		}
		m.detail = d.close() // drop answers and ticks for the closed incident
		return m, m.listOnReturn()
	case key.Matches(msg, k.Search) && d.focus == paneTimeline:
		return m.openSearch(), nil
	case key.Matches(msg, k.Kinds) && d.focus == paneTimeline:
		m.detail = d.CycleKinds()
		return m, nil
	case d.focus == paneRunbook && key.Matches(msg, k.Run):
		return m.askRun()
	case d.focus == paneRunbook && key.Matches(msg, k.Tick):
		rb, step, ok := d.rb.Selected()
		if !ok {
			m.say(statusError, "select a runbook step to tick ("+hint(k.Document, "shows steps")+")")
			return m, nil
		}
		step = d.rb.ToTick(rb, step) // a command ticks the item it belongs to
		if d.rb.ticked[step.Key] {
			m.say(statusInfo, "that step is already ticked")
			return m, nil
		}
		return m, m.act(d.inc, incident.KindRunbookStep, stepFields(rb, step, incident.StepDone))
	case d.focus == paneRunbook && key.Matches(msg, k.CopyURL):
		if len(d.rb.matches) > 0 && d.rb.matches[d.rb.cur].Runbook == nil {
			return m, copyToClipboard(d.rb.matches[d.rb.cur].URL)
		}
		rb, step, ok := d.rb.Selected()
		if !ok || step.Kind != runbook.Command {
			m.say(statusError, "select a command (a $ line) to copy")
			return m, nil
		}
		// The status line says "copied" once the copy is journaled.
		return m, tea.Batch(tea.SetClipboard(step.Text), m.act(d.inc, incident.KindRunbookStep, stepFields(rb, step, incident.StepCopied)))
	case key.Matches(msg, k.ItemDone, k.ItemExtend, k.ItemCancel, k.Take, k.Handoff):
		return m.commanderKey(msg)
	case key.Matches(msg, k.Star):
		e, ok := d.Selected()
		if !ok || d.focus != paneTimeline {
			m.say(statusError, "select a timeline event to star")
			return m, nil
		}
		if d.starred[e.ID] {
			m.say(statusInfo, "already starred")
			return m, nil
		}
		return m, m.act(d.inc, incident.KindStar, map[string]string{incident.FieldEventID: e.ID, incident.FieldText: kindLabel(e.Kind) + ": " + incident.Clean(e.Summary)})
	case m.detailMoves(msg):
		var cmd tea.Cmd
		m.detail, cmd = d.Update(msg)
		return m, cmd
	}
	return m.startAction(msg, d.inc)
}

// detailMoves reports the keys the detail screen handles itself.
func (m Model) detailMoves(msg tea.KeyPressMsg) bool {
	k := m.keys
	if key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.HalfPageUp, k.HalfPageDown, k.Top, k.Bottom, k.Pane) {
		return true
	}
	if m.detail.focus == panePremortem && key.Matches(msg, k.Tick, k.Open, k.ActionItem, k.NextRunbook, k.PrevRunbook) {
		return true // the pane turns them into requests (premortemwire.go)
	}
	return m.detail.focus == paneRunbook && key.Matches(msg, k.NextRunbook, k.PrevRunbook, k.Document)
}

func (m Model) open(in incident.Incident) (tea.Model, tea.Cmd) {
	m.screen = screenDetail
	var cmd tea.Cmd
	m.detail, cmd = m.detail.open(in)
	return m, cmd
}

// notHere is the short word for a key that does nothing where it was
// pressed: what it is for and where it acts, from the key map, when it
// does something anywhere.
func notHere(k *KeyMap, msg tea.KeyPressMsg, where string) reportMsg {
	name, views, ok := k.Owner(msg.String(), keymap.Pages)
	if !ok {
		return reportMsg{kind: statusInfo, text: fmt.Sprintf("%s does nothing %s (%s lists the keys)", msg.String(), where, k.Help.Help().Key)}
	}
	return reportMsg{kind: statusInfo, text: fmt.Sprintf("%s (%s) does nothing %s; it acts in: %s",
		msg.String(), strings.ReplaceAll(name, "_", " "), where, views)}
}
