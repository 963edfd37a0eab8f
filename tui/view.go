package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/tui/keymap"
)

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
		body = m.form.View()
	case m.prompt == promptPicker:
		body = m.picker.View()
	case m.screen == screenDetail:
		body = m.detail.View()
	case m.screen == screenReview:
		body = m.reviewView()
	case m.screen == screenRegister:
		body = m.pre.register.View()
	default:
		body = m.list.View()
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
	st := m.st
	trig, ack := m.list.triggered, m.list.acknowledged
	left := st.Title.Render("oncall") + st.Faint.Render(" · "+m.opts.Label)
	if m.opts.ReadOnly {
		left += st.Acked.Render(" · read-only")
	}
	if f := filterLabel(m.filter, m.list.services); f != "" {
		left += st.Info.Render(" · " + f)
	}
	if q := m.list.filter; q != "" {
		left += st.Info.Render(fmt.Sprintf(" · search %q", incident.Clean(q)))
	}
	fresh := ""
	if !m.fetched.IsZero() {
		fresh = "updated " + incident.Age(now.Sub(m.fetched)) + " ago"
		if m.stale {
			fresh = st.Error.Render("stale: " + fresh)
		}
	}
	r := m.titleRight(now, fresh, m.width/2)
	active := fmt.Sprintf(" · %d active", trig+ack)
	if fresh != "" && !strings.HasSuffix(r, fresh) && m.listPaused() && m.listAged() {
		// The list's poll waits while an incident is open (feed.go), and
		// the freshness gave way to the update clock: the counts say
		// how old they are themselves.
		active += " as of " + incident.Age(now.Sub(m.fetched)) + " ago"
	}
	left += active + ": " + st.Triggered.Render(fmt.Sprintf("%d triggered", trig)) +
		", " + st.Acked.Render(fmt.Sprintf("%d acknowledged", ack))
	left += m.pre.dueMark(m.screen) // pre-mortem reminders come (premortemwire.go)
	rw := lipgloss.Width(r)
	// Freshness and the update clock matter more than the counts: the
	// left side gives way first.
	left = fit(left, m.width-rw-1)
	return left + strings.Repeat(" ", max(m.width-lipgloss.Width(left)-rw, 0)) + r
}

// titleRight is the right of the title bar within width cells: the
// status update clock of the open incident, where the cadence applies
// (active, with a commander or high urgency), and the list's freshness.
// The clock is never dropped: the freshness gives way first, then the
// clock shortens (clockText).
func (m Model) titleRight(now time.Time, fresh string, width int) string {
	c := m.detail.state.doc.Update
	if last := m.detail.lastUpdate; !last.IsZero() && last.Add(m.opts.UpdateEvery).After(c.NextDue) {
		// An update the state has not been derived with yet (a poll's
		// append derives only what is on screen) resets the clock too.
		c.NextDue, c.Overdue = last.Add(m.opts.UpdateEvery), false
	}
	if m.screen != screenDetail || !m.detail.state.hasDoc || !c.Applies || c.NextDue.IsZero() {
		if lipgloss.Width(fresh) > width {
			return ""
		}
		return fresh
	}
	late := !now.Before(c.NextDue)
	style := func(s string) string {
		if late {
			return m.st.Error.Render(s)
		}
		return s
	}
	clock := clockText(c, now, 1<<10)
	if late && m.keys.Update.Enabled() {
		clock += " (" + m.keys.Update.Help().Key + ")"
	}
	switch {
	case fresh != "" && lipgloss.Width(clock)+3+lipgloss.Width(fresh) <= width:
		return style(clock) + " · " + fresh
	case lipgloss.Width(clock) <= width:
		return style(clock)
	}
	return style(clockText(c, now, width))
}

func (m Model) statusLine() string {
	st := m.st
	switch m.prompt {
	case promptConfirm:
		yes, no := m.keys.Confirm.Help().Key, m.keys.Cancel.Help().Key
		var q string
		switch m.confirmKind {
		case incident.KindResolve:
			q = fmt.Sprintf("Resolve #%d %s? %s to resolve, %s to cancel", m.target.Number, incident.Clean(m.target.Title), yes, no)
		case incident.KindReopen:
			q = fmt.Sprintf("Reopen resolved #%d? PagerDuty assigns it to you and it pages again. %s/%s", m.target.Number, yes, no)
		case incident.KindMitigated:
			q = fmt.Sprintf("Mark #%d mitigated (customer impact has stopped)? %s to mark, %s to cancel", m.target.Number, yes, no)
		case incident.KindItemUpdate:
			q = fmt.Sprintf("Cancel %s on #%d? It closes without being done. %s to cancel it, %s to keep it",
				m.confirmFields[incident.FieldText], m.target.Number, yes, no)
		}
		return st.Error.Render(fit(q, m.width))
	case promptQuit:
		return st.Error.Render(fit(m.quitQuestion(), m.width))
	case promptNote:
		return fit(m.input.View(), m.width)
	case promptSearch:
		return fit(m.search.View(), m.width)
	}
	text := m.status.text
	if text == "" {
		text = m.searchState()
	}
	if m.status.isErr() {
		return st.Error.Render(fit(text, m.width))
	}
	return st.Info.Render(fit(text, m.width))
}

// searchState says what narrows the page on screen when nothing else
// needs the status line, so an active search is never forgotten.
func (m Model) searchState() string {
	back := m.keys.Back.Help().Key
	switch {
	case m.screen == screenDetail && (m.detail.query != "" || m.detail.kinds != kindsAll):
		return fmt.Sprintf("timeline narrowed: %d of %d events · %s shows all", len(m.detail.timeline), len(m.detail.full), back)
	case m.screen == screenList && m.list.filter != "":
		return fmt.Sprintf("search %q: %d of %d incidents · %s clears", incident.Clean(m.list.filter), len(m.list.incidents), len(m.list.all), back)
	}
	return ""
}

// quitQuestion asks before quitting with actions not yet sent.
func (m Model) quitQuestion() string {
	n := len(m.inflight)
	what := "1 action is"
	if n != 1 {
		what = fmt.Sprintf("%d actions are", n)
	}
	return fmt.Sprintf("%s not yet sent to PagerDuty (they stay in the outbox and go on the next start). Quit? %s/%s",
		what, m.keys.Confirm.Help().Key, m.keys.Cancel.Help().Key)
}

func (m Model) keyLine() string {
	st := m.st
	var bs []key.Binding
	switch {
	case m.prompt == promptNote && m.status.kind == statusGiveBack:
		// The note prompt takes the status line: say here why it is back.
		return st.Error.Render(fit(m.status.text, m.width))
	case m.prompt == promptNote:
		return st.Faint.Render(fit("enter add note · esc cancel", m.width))
	case m.prompt == promptSearch:
		return st.Faint.Render(fit("type to search · ↑/↓ move · enter keep it · esc clear", m.width))
	case m.prompt == promptForm:
		return st.Faint.Render(fit("tab next field · enter on the last field saves · esc cancel", m.width))
	case m.prompt == promptPicker:
		return st.Faint.Render(fit("type to filter · ↑/↓ choose · enter confirms · esc cancel", m.width))
	case m.prompt == promptConfirm || m.prompt == promptQuit:
		bs = []key.Binding{m.keys.Confirm, m.keys.Cancel}
	case m.prompt == promptRun || (m.screen == screenDetail && m.detail.outputOnScreen()):
		bs = m.detail.run.keyHelp(m.keys)
	case m.prompt == promptHelp:
		hint := m.keys.Help.Help().Key + " or esc close help"
		if m.helpPages() > 1 {
			hint += " · " + m.keys.Down.Help().Key + " " + m.keys.Up.Help().Key + " more keys"
		}
		return st.Faint.Render(fit(hint, m.width))
	case m.screen == screenDetail && m.detail.focus == paneState:
		k := m.keys
		bs = []key.Binding{k.Help, k.Back}
		if _, ok := m.detail.state.Selected(); ok {
			bs = append(bs, k.ItemDone, k.ItemExtend, k.ItemCancel)
		}
		bs = enabled(append(bs, k.Take, k.Handoff, k.Pane, k.Down, k.Up)...)
	case m.screen == screenDetail && m.detail.focus == paneRunbook:
		bs = withoutQuit(m.keys, m.keys.Short(keymap.Runbook))
	case m.screen == screenReview:
		bs = m.reviewKeys()
	case m.screen == screenDetail && m.detail.focus == panePremortem:
		bs = m.detail.premortemKeys()
	case m.screen == screenRegister:
		bs = append([]key.Binding{m.keys.Help, m.keys.Quit}, m.pre.register.KeyHelp()...)
	case m.screen == screenDetail:
		bs = withoutQuit(m.keys, m.keys.shortDetail())
	default:
		bs = m.pre.withDue(m.keys.shortList()) // the register's key, when reminders have come
	}
	bs = m.reviewBack(bs) // "back to the review" when opened from it (reviewwire.go)
	// Drop the least important bindings until the line fits; show the
	// rest in the map's display order (actions first, help and quit last).
	sep := st.Faint.Render(" · ")
	for n := len(bs); n > 0; n-- {
		shown := append(slices.Clone(bs[min(2, n):n]), bs[:min(2, n)]...)
		parts := make([]string, 0, len(shown))
		for _, b := range shown {
			parts = append(parts, st.HelpKey.Render(b.Help().Key)+" "+st.HelpDesc.Render(b.Help().Desc))
		}
		line := strings.Join(parts, sep)
		if lipgloss.Width(line) <= m.width || n == 1 {
			return fit(line, m.width)
		}
	}
	return ""
}

// hint is a key hint built from its binding: "s star".
func hint(b key.Binding, what string) string {
	return b.Help().Key + " " + what
}

// withoutQuit drops quit from an incident's key line: there q goes back,
// and the line already shows back.
func withoutQuit(k *KeyMap, bs []key.Binding) []key.Binding {
	out := make([]key.Binding, 0, len(bs))
	for _, b := range bs {
		if b.Help() != k.Quit.Help() {
			out = append(out, b)
		}
	}
	return out
}
