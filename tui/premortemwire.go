package tui

import (
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/runbook"
)

// This file wires the pre-mortem components (premortem.go) into the
// program: the detail screen matches the open incident to the failures
// workshops assumed (the banner and the Pre-mortem tab), the root
// journals what the tab asks for (a tick, a follow-up), and the list
// reaches the risk register and says when countermeasure reminders have
// come. Ticks go the way of runbook steps: journaled first, then sent by
// the outbox, which mirrors them to the other responders.

// premortemRoot is what the root keeps for pre-mortems across screens.
type premortemRoot struct {
	set      *premortem.Set
	due      int // countermeasure reminders come, counted at start and when the register opens
	gen      int // the newest register request; older answers drop
	register registerScreen

	st   *Styles
	keys *KeyMap
}

func newPremortemRoot(st *Styles, keys *KeyMap, set *premortem.Set, now time.Time) premortemRoot {
	return premortemRoot{set: set, due: len(set.Due(now)), register: newRegisterScreen(st, keys), st: st, keys: keys}
}

// dueMark is the title bar's word, on the list, that reminders have come;
// it gives way first on a narrow terminal, where the key line says it.
func (r premortemRoot) dueMark(s screen) string {
	if r.due == 0 || s != screenList {
		return ""
	}
	return r.st.Acked.Render(fmt.Sprintf(" · ⏰ %d pre-mortem reminder(s) due", r.due))
}

// withDue puts the register's key, named for the reminders come, among
// the list's most important keys (after help and quit, which bs starts
// with), so that every width shows it.
func (r premortemRoot) withDue(bs []key.Binding) []key.Binding {
	if r.due == 0 || !r.keys.Register.Enabled() || len(bs) < 2 {
		return bs
	}
	due := relabel(r.keys.Register, fmt.Sprintf("%d pre-mortem reminder(s) due", r.due))
	return append(bs[:2:2], append([]key.Binding{due}, bs[2:]...)...)
}

// registerMsg is the risk register, counted with the journal's ticks.
type registerMsg struct {
	gen  int
	rows []premortem.Row
	err  error
}

// openRegister shows the risk register at once from the incidents listed,
// then asks the journal which failures were ticked during which incident.
func (m Model) openRegister() (tea.Model, tea.Cmd) {
	set := m.pre.set
	if m.load.reading {
		m.say(statusInfo, "reading the pre-mortems…")
		return m, nil
	}
	if set == nil || set.Len() == 0 {
		m.say(statusInfo, "no pre-mortems loaded: --premortems DIR or premortems_dir, and oncall premortem new writes one")
		return m, nil
	}
	seen := make([]premortem.Seen, len(m.list.incidents))
	for i, in := range m.list.incidents {
		seen[i] = premortem.Seen{Incident: in}
	}
	loc, now := m.opts.Location, m.opts.Now()
	m.pre.due = len(set.Due(now))
	m.pre.gen++
	m.pre.register = m.pre.register.SetRegister(set.Register(seen, nil, loc, ""), m.pre.due)
	m.screen = screenRegister
	gen, j := m.pre.gen, m.opts.Journal
	return m, func() tea.Msg {
		var journal []incident.Event
		for _, s := range seen {
			evs, err := j.Events(s.Incident.ID)
			if err != nil {
				return registerMsg{gen: gen, err: fmt.Errorf("read the journal: %w", err)}
			}
			journal = append(journal, evs...)
		}
		return registerMsg{gen: gen, rows: set.Register(seen, journal, loc, "")}
	}
}

// registerKey handles keys on the register: back to the list, or moves.
func (m Model) registerKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(msg, m.keys.Back) {
		m.screen = screenList
		return m, nil
	}
	if key.Matches(msg, m.keys.Up, m.keys.Down, m.keys.Top, m.keys.Bottom) {
		m.pre.register, _ = m.pre.register.Update(msg)
		return m, nil
	}
	return m, report(notHere(m.keys, msg, "in the risk register"))
}

// handlePremortem takes what the Pre-mortem tab and the register ask for.
func (m Model) handlePremortem(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case registerMsg:
		if msg.gen != m.pre.gen {
			return m, nil
		}
		if msg.err != nil {
			m.say(statusError, "risk register without the journal's ticks: "+oneLine(msg.err))
			return m, nil
		}
		m.pre.register = m.pre.register.SetRegister(msg.rows, m.pre.due)
		return m, nil
	case PremortemTickMsg:
		d := m.detail
		if !d.active || m.opts.ReadOnly {
			return m, nil
		}
		e, err := msg.Event()
		if err != nil {
			m.detail.pm = d.pm.SetTicks("", d.merged) // the tick shown is taken back
			m.say(statusError, "not recorded: "+oneLine(err))
			return m, nil
		}
		e.Actor, e.At = m.opts.Actor, m.opts.Now().UTC()
		return m, journal(m.opts.Journal, d.inc.ID, e, nil)
	case PremortemRunbookMsg:
		d, cmd, ok := m.detail.showRunbook(msg.RunbookID)
		if !ok {
			m.say(statusError, fmt.Sprintf("runbook %s is not loaded (--runbooks DIR or runbooks_dir)", incident.Clean(msg.RunbookID)))
			return m, nil
		}
		m.detail = d
		return m, cmd
	case PremortemFollowUpMsg:
		if !m.detail.active || m.opts.ReadOnly {
			return m, nil
		}
		// The action-item form, filled from the countermeasure: what is
		// left to say (the due date, the type) is the responder's.
		m.target = m.detail.inc
		m.openForm(incident.KindActionItem)
		for i := range m.form.fields {
			switch m.form.fields[i].key {
			case incident.FieldTitle:
				m.form.fields[i].input.SetValue(incident.Clean(msg.Countermeasure.Action))
			case incident.FieldOwner:
				m.form.fields[i].input.SetValue(incident.Clean(msg.Countermeasure.Owner))
			}
		}
		return m, nil
	}
	return m, nil
}

// rematchPremortems matches the pre-mortems to the incident and its
// alerts, in the team's zone (the calendar windows are days of its month).
func (d *detailModel) rematchPremortems() {
	ms := d.deps.premortems.Match(d.inc, d.alerts, d.deps.loc)
	had := d.bannerHeight()
	d.banner = d.banner.SetMatches(ms)
	d.pm = d.pm.SetMatches(ms)
	if d.bannerHeight() != had && d.outer > 0 {
		*d = d.SetSize(d.width, d.outer) // the banner takes a line from the panes, or gives it back
	}
}

// bannerHeight is the lines the "foreseen" banner takes.
func (d *detailModel) bannerHeight() int {
	if len(d.banner.matches) > 0 {
		return 1
	}
	return 0
}

// withNamedRunbooks adds to the runbooks matched the ones a matched
// failure's during countermeasures name, so that the checklist's jump
// to a runbook always lands.
func (d *detailModel) withNamedRunbooks(ms []runbook.Match) []runbook.Match {
	if d.deps.runbooks == nil {
		return ms
	}
	for _, m := range d.pm.matches {
		for _, c := range m.Failure.Countermeasures {
			if c.Phase != premortem.During || c.Runbook == "" {
				continue
			}
			if slices.ContainsFunc(ms, func(x runbook.Match) bool { return x.Runbook != nil && x.Runbook.ID == c.Runbook }) {
				continue
			}
			if rb, ok := d.deps.runbooks.Get(c.Runbook); ok {
				ms = append(ms, runbook.Match{Runbook: rb, Why: []string{"named by pre-mortem failure " + m.Failure.ID}})
			}
		}
	}
	return ms
}

// showRunbook focuses the runbook pane on the runbook id; ok is false
// when no runbook of that id is offered.
func (d detailModel) showRunbook(id string) (_ detailModel, _ tea.Cmd, ok bool) {
	i := slices.IndexFunc(d.rb.matches, func(m runbook.Match) bool { return m.Runbook != nil && m.Runbook.ID == id })
	if i < 0 {
		return d, nil, false
	}
	if d.rb.cur != i {
		d.rb.cur, d.rb.step, d.rb.scroll = i, 0, 0
	}
	d.rb.chosen, d.rb.doc = true, false
	d.focus = paneRunbook
	d.clamp()
	return d, tea.Batch(d.ensureRendered(), report(reportMsg{kind: statusInfo, text: "runbook " + id + ", named by the pre-mortem"})), true
}

// hasPane reports whether the pane is offered: the Pre-mortem tab only
// when pre-mortems were loaded, so a team without any sees no empty tab.
func (d *detailModel) hasPane(p pane) bool {
	return p != panePremortem || d.deps.premortems.Len() > 0
}

// premortemKeys are the key line's bindings on the Pre-mortem tab, most
// important first: the keys act on the selected countermeasure, so
// they are named for what they do there.
func (d detailModel) premortemKeys() []key.Binding {
	k := d.keys
	out := []key.Binding{k.Help, k.Back}
	for _, b := range d.pm.KeyHelp() {
		switch b.Help().Key {
		case k.Up.Help().Key, k.Down.Help().Key:
			continue // last, below
		case k.Tick.Help().Key:
			b = relabel(b, "tick or untick")
		case k.Open.Help().Key:
			b = relabel(b, "open its runbook")
		case k.ActionItem.Help().Key:
			b = relabel(b, "record as an action item")
		case k.NextRunbook.Help().Key:
			b = relabel(b, "next failure")
		case k.PrevRunbook.Help().Key:
			b = relabel(b, "previous failure")
		}
		out = append(out, b)
	}
	return append(out, enabled(k.Pane, k.Down, k.Up)...)
}

// relabel is b with the same keys, described for where it is shown.
func relabel(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}
