package tui

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/premortem"
)

// This file holds the pre-mortem components: the "foreseen" banner over an
// incident that matches a failure a workshop assumed, the Pre-mortem tab
// (warning signs, the during countermeasures as a checklist, the after
// ones as follow-ups to record) and the risk register screen. They draw
// what they are given and do no I/O: ticking a countermeasure, jumping to
// a runbook and recording a follow-up are messages for the owner, which
// journals them (incident.NewCountermeasure, an action item) like a
// runbook step. All text from the files passes through incident.Clean.

// foreseenBanner is the one line over an incident that a pre-mortem
// foresaw: the best matching failure, its rated impact and the workshop.
type foreseenBanner struct {
	matches []premortem.Match
	st      *Styles
	keys    *KeyMap
	width   int
}

func newForeseenBanner(st *Styles, keys *KeyMap) foreseenBanner {
	return foreseenBanner{st: st, keys: keys}
}

// SetSize sets the width; the banner is one line high or empty.
func (b foreseenBanner) SetSize(w, _ int) foreseenBanner {
	b.width = max(w, 0)
	return b
}

// SetMatches gives the banner the failures the incident matches, best
// first (premortem.Set.Match).
func (b foreseenBanner) SetMatches(ms []premortem.Match) foreseenBanner {
	b.matches = ms
	return b
}

// Update has nothing to do: the banner only shows.
func (b foreseenBanner) Update(tea.Msg) (foreseenBanner, tea.Cmd) { return b, nil }

// KeyHelp is empty: the banner takes no keys.
func (b foreseenBanner) KeyHelp() []key.Binding { return nil }

// View is the banner's line, or "" when no failure matches.
func (b foreseenBanner) View() string {
	if len(b.matches) == 0 || b.width <= 0 {
		return ""
	}
	// The impact and the workshop always show; the failure's text gives
	// way on a narrow terminal.
	f := b.matches[0].Failure
	head := fmt.Sprintf("⚑ Foreseen, impact %d/5: ", f.Impact)
	tail := " · " + workshopName(f.Premortem)
	if n := len(b.matches) - 1; n > 0 {
		tail += fmt.Sprintf(" · +%d more", n)
	}
	room := max(b.width-ansi.StringWidth(head)-ansi.StringWidth(tail), 12)
	s := head + ansi.Truncate(incident.Clean(f.Failure), room, "…") + tail
	return b.st.Acked.Bold(true).Render(fit(s, b.width))
}

// workshopName is a workshop's title with the day it was held.
func workshopName(p *premortem.Premortem) string {
	s := incident.Clean(cmp.Or(p.Title, p.ID))
	if !p.HeldOn.IsZero() {
		s += " (" + p.HeldOn.Format(time.DateOnly) + ")"
	}
	return s
}

// PremortemTickMsg asks the owner to journal that a during countermeasure
// was done (Done) or not after all.
type PremortemTickMsg struct {
	Failure        *premortem.Failure
	Countermeasure premortem.Countermeasure
	Done           bool
}

// Event is the journal event the tick stands for.
func (m PremortemTickMsg) Event() (incident.Event, error) {
	change := incident.ChangeUndone
	if m.Done {
		change = incident.ChangeDone
	}
	return incident.NewCountermeasure(m.Failure.Premortem.ID, m.Failure.ID, string(m.Countermeasure.Phase), m.Countermeasure.Action, m.Countermeasure.Key, change)
}

// PremortemRunbookMsg asks the owner to show the runbook a countermeasure
// names.
type PremortemRunbookMsg struct{ RunbookID string }

// PremortemFollowUpMsg asks the owner to record an after countermeasure
// as an action item (its form, prefilled with the action and owner).
type PremortemFollowUpMsg struct {
	Failure        *premortem.Failure
	Countermeasure premortem.Countermeasure
}

// premortemPane is the Pre-mortem tab of an incident: for one matched
// failure at a time, why it matched, its warning signs, the during
// countermeasures as a checklist and the after ones as follow-ups.
type premortemPane struct {
	matches []premortem.Match
	cur     int             // the failure shown
	sel     int             // the selected item among during, then after
	scroll  int             // first line shown
	ticked  map[string]bool // countermeasure keys last marked done

	st            *Styles
	keys          *KeyMap
	width, height int
}

func newPremortemPane(st *Styles, keys *KeyMap) premortemPane {
	return premortemPane{st: st, keys: keys, ticked: map[string]bool{}}
}

// SetSize sets the cells the pane draws in.
func (p premortemPane) SetSize(w, h int) premortemPane {
	p.width, p.height = max(w, 0), max(h, 0)
	return p
}

// SetMatches replaces the matched failures; the one shown stays if it
// still matches.
func (p premortemPane) SetMatches(ms []premortem.Match) premortemPane {
	var keep string
	if f, ok := p.current(); ok {
		keep = f.ID
	}
	p.matches, p.cur = ms, 0
	for i, m := range ms {
		if m.Failure.ID == keep {
			p.cur = i
		}
	}
	p.sel = min(p.sel, max(len(p.items())-1, 0))
	return p
}

// SetTicks reads the incident's journal: which countermeasures were last
// marked done.
func (p premortemPane) SetTicks(incidentID string, events []incident.Event) premortemPane {
	p.ticked = premortem.Ticked(incidentID, events)
	return p
}

func (p premortemPane) current() (*premortem.Failure, bool) {
	if p.cur < 0 || p.cur >= len(p.matches) {
		return nil, false
	}
	return p.matches[p.cur].Failure, true
}

// items are the selectable countermeasures: during, then after.
func (p premortemPane) items() []premortem.Countermeasure {
	f, ok := p.current()
	if !ok {
		return nil
	}
	var out []premortem.Countermeasure
	for _, ph := range []premortem.Phase{premortem.During, premortem.After} {
		for _, c := range f.Countermeasures {
			if c.Phase == ph {
				out = append(out, c)
			}
		}
	}
	return out
}

// Selected is the selected countermeasure.
func (p premortemPane) Selected() (premortem.Countermeasure, bool) {
	items := p.items()
	if p.sel < 0 || p.sel >= len(items) {
		return premortem.Countermeasure{}, false
	}
	return items[p.sel], true
}

// KeyHelp lists the keys that act on what is selected.
func (p premortemPane) KeyHelp() []key.Binding {
	k := p.keys
	bs := []key.Binding{k.Up, k.Down}
	if c, ok := p.Selected(); ok {
		switch c.Phase {
		case premortem.During:
			bs = append(bs, k.Tick)
			if c.Runbook != "" {
				bs = append(bs, k.Open)
			}
		case premortem.After:
			bs = append(bs, k.ActionItem)
		}
	}
	if len(p.matches) > 1 {
		bs = append(bs, k.NextRunbook, k.PrevRunbook)
	}
	return enabled(bs...)
}

// Update moves the selection, cycles failures, and turns tick, open and
// action-item keys into requests for the owner. A disabled binding (read
// only) never matches.
func (p premortemPane) Update(msg tea.Msg) (premortemPane, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return p, nil
	}
	k := p.keys
	f, hasF := p.current()
	c, hasC := p.Selected()
	switch {
	case key.Matches(km, k.Up):
		p.sel = max(p.sel-1, 0)
	case key.Matches(km, k.Down):
		p.sel = min(p.sel+1, max(len(p.items())-1, 0))
	case key.Matches(km, k.NextRunbook, k.PrevRunbook) && len(p.matches) > 1:
		d := 1
		if key.Matches(km, k.PrevRunbook) {
			d = -1
		}
		p.cur = (p.cur + d + len(p.matches)) % len(p.matches)
		p.sel, p.scroll = 0, 0
	case key.Matches(km, k.Tick) && hasF && hasC && c.Phase == premortem.During:
		done := !p.ticked[c.Key]
		p.ticked = premortemCloneTicks(p.ticked)
		p.ticked[c.Key] = done // shown at once; the journal confirms it
		return p, premortemCmd(PremortemTickMsg{Failure: f, Countermeasure: c, Done: done})
	case key.Matches(km, k.Open) && hasC && c.Phase == premortem.During && c.Runbook != "":
		return p, premortemCmd(PremortemRunbookMsg{RunbookID: c.Runbook})
	case key.Matches(km, k.ActionItem) && hasF && hasC && c.Phase == premortem.After:
		return p, premortemCmd(PremortemFollowUpMsg{Failure: f, Countermeasure: c})
	}
	return p, nil
}

func premortemCloneTicks(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func premortemCmd(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

// View draws the pane: a header, then lines that scroll to keep the
// selected item in sight.
func (p premortemPane) View() string {
	st, k, w := p.st, p.keys, p.width
	if w <= 0 || p.height <= 0 {
		return ""
	}
	f, ok := p.current()
	if !ok {
		return strings.Join(premortemClip([]string{
			st.Header.Render(fit("Pre-mortem", w)),
			st.Faint.Render(fit("No pre-mortem foresaw this incident. The postmortem draft suggests a failure for the next workshop.", w)),
		}, p.height), "\n")
	}
	m := p.matches[p.cur]
	head := fmt.Sprintf("Pre-mortem %d/%d: %s", p.cur+1, len(p.matches), incident.Clean(f.Failure))
	if len(p.matches) > 1 {
		head += "  (" + k.PrevRunbook.Help().Key + " " + k.NextRunbook.Help().Key + " other failures)"
	}
	top := []string{st.Header.Render(fit(head, w))}
	rating := fmt.Sprintf("impact %d/5", f.Impact)
	if f.Likelihood > 0 {
		rating += fmt.Sprintf(", likelihood %d/5", f.Likelihood)
	}
	if f.Period != "" {
		rating += " · " + incident.Clean(f.Period)
	}
	top = append(top, fit(rating+" · "+workshopName(f.Premortem), w))
	top = append(top, st.Faint.Render(fit("matched on "+incident.Clean(strings.Join(m.Why, ", ")), w)))

	var body []string
	selLine := 0
	body = append(body, st.Title.Render(fit("Warning signs", w)))
	if len(f.WarningSigns) == 0 {
		body = append(body, st.Faint.Render(fit("  none written down", w)))
	}
	for _, s := range f.WarningSigns {
		for i, l := range wrap(incident.Clean(s), max(w-4, 10)) {
			prefix := "    "
			if i == 0 {
				prefix = "  • "
			}
			body = append(body, fit(prefix+l, w))
		}
	}
	items := p.items()
	idx := 0
	section := func(ph premortem.Phase, title, empty string) {
		body = append(body, st.Title.Render(fit(title, w)))
		n := 0
		for _, c := range items {
			if c.Phase != ph {
				continue
			}
			n++
			var box string
			switch ph {
			case premortem.During:
				box = "[ ] "
				if p.ticked[c.Key] {
					box = "[x] "
				}
			default:
				box = "→ "
			}
			text := incident.Clean(c.Action)
			extra := []string{string(c.Status)}
			if c.Owner != "" {
				extra = append(extra, "owner "+incident.Clean(c.Owner))
			}
			if c.Runbook != "" {
				extra = append(extra, "runbook "+c.Runbook)
			}
			text += " (" + strings.Join(extra, ", ") + ")"
			if idx == p.sel {
				selLine = len(body)
			}
			for i, l := range wrap(text, max(w-2-len(box), 10)) {
				prefix := strings.Repeat(" ", 2+len(box))
				if i == 0 {
					prefix = "  " + box
				}
				line := fit(prefix+l, w)
				switch {
				case idx == p.sel:
					line = st.Selected.Render(line)
				case ph == premortem.During && p.ticked[c.Key]:
					line = st.Faint.Render(line)
				}
				body = append(body, line)
			}
			idx++
		}
		if n == 0 {
			body = append(body, st.Faint.Render(fit("  "+empty, w)))
		}
	}
	section(premortem.During, "During: checklist · "+hint(k.Tick, "ticks")+" · "+hint(k.Open, "opens its runbook"), "none planned")
	section(premortem.After, "After: follow-ups · "+hint(k.ActionItem, "records one as an action item"), "none suggested")

	rows := max(p.height-len(top), 0)
	start := min(max(p.scroll, selLine-rows+2), max(len(body)-rows, 0))
	start = max(start, 0)
	out := append(top, body[start:min(start+rows, len(body))]...)
	return strings.Join(premortemClip(out, p.height), "\n")
}

func premortemClip(lines []string, n int) []string {
	if len(lines) > n {
		return lines[:max(n, 0)]
	}
	return lines
}

// registerScreen is the risk register: every assumed failure, worst
// first, with countermeasures by phase, matches, and the reminders that
// have come. Wide terminals get every column; narrow ones the essentials.
type registerScreen struct {
	rows []premortem.Row
	due  int // reminders due (premortem.Set.Due)
	sel  int

	st            *Styles
	keys          *KeyMap
	width, height int
}

func newRegisterScreen(st *Styles, keys *KeyMap) registerScreen {
	return registerScreen{st: st, keys: keys}
}

// SetSize sets the cells the screen draws in.
func (r registerScreen) SetSize(w, h int) registerScreen {
	r.width, r.height = max(w, 0), max(h, 0)
	return r
}

// SetRegister gives the screen its rows (premortem.Set.Register) and how
// many reminders are due.
func (r registerScreen) SetRegister(rows []premortem.Row, due int) registerScreen {
	r.rows, r.due = rows, due
	r.sel = min(r.sel, max(len(rows)-1, 0))
	return r
}

// Selected is the selected row.
func (r registerScreen) Selected() (premortem.Row, bool) {
	if r.sel < 0 || r.sel >= len(r.rows) {
		return premortem.Row{}, false
	}
	return r.rows[r.sel], true
}

// KeyHelp lists the keys that move in the register.
func (r registerScreen) KeyHelp() []key.Binding {
	k := r.keys
	return enabled(k.Up, k.Down, k.Top, k.Bottom, k.Back)
}

// Update moves the selection; Back is the owner's.
func (r registerScreen) Update(msg tea.Msg) (registerScreen, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		k := r.keys
		switch {
		case key.Matches(km, k.Up):
			r.sel--
		case key.Matches(km, k.Down):
			r.sel++
		case key.Matches(km, k.Top):
			r.sel = 0
		case key.Matches(km, k.Bottom):
			r.sel = len(r.rows) - 1
		}
		r.sel = min(max(r.sel, 0), max(len(r.rows)-1, 0))
	}
	return r, nil
}

// premortemRegisterWide is the width from which every column shows.
const premortemRegisterWide = 120

// View draws the register as a table with a title and a footer line.
func (r registerScreen) View() string {
	st, w := r.st, r.width
	if w <= 0 || r.height <= 0 {
		return ""
	}
	wide := w >= premortemRegisterWide
	title := fmt.Sprintf("Risk register · %d assumed failures, worst first", len(r.rows))
	out := []string{st.Header.Render(fit(title, w))}
	if r.due > 0 {
		come := fmt.Sprintf("%d countermeasure reminders have come", r.due)
		if r.due == 1 {
			come = "1 countermeasure reminder has come"
		}
		out = append(out, st.Acked.Render(fit(come+": oncall premortem due", w)))
	}
	// Column widths: fixed ones first, the failure takes what is left.
	cols := []struct {
		name  string
		width int
	}{{"Imp", 3}, {"Lik", 3}, {"Failure", 0}, {"Service", 16}, {"Matched", 7}}
	if wide {
		cols = []struct {
			name  string
			width int
		}{{"Imp", 3}, {"Lik", 3}, {"Failure", 0}, {"Service", 18}, {"Workshop", 18}, {"Before", 8}, {"During", 8}, {"After", 8}, {"Matched", 7}, {"Last", 16}}
	}
	fixed := 0
	for _, c := range cols {
		fixed += c.width + 1
	}
	failW := max(w-fixed, 10)
	cell := func(s string, width int) string {
		if width == 0 {
			width = failW
		}
		return fit(s, width)
	}
	var hdr []string
	for _, c := range cols {
		hdr = append(hdr, cell(c.name, c.width))
	}
	out = append(out, st.Title.Render(fit(strings.Join(hdr, " "), w)))
	rows := max(r.height-len(out)-1, 1)
	start := 0
	if r.sel >= rows {
		start = r.sel - rows + 1
	}
	for i := start; i < min(start+rows, len(r.rows)); i++ {
		row := r.rows[i]
		f := row.Failure
		lik := "-"
		if f.Likelihood > 0 {
			lik = fmt.Sprint(f.Likelihood)
		}
		last := "never"
		if !row.Last.IsZero() {
			last = row.Last.UTC().Format("2006-01-02 15:04")
		}
		vals := map[string]string{
			"Imp": fmt.Sprintf("%d/5", f.Impact), "Lik": lik, "Failure": incident.Clean(f.Failure),
			"Service": incident.Clean(f.Service), "Workshop": incident.Clean(f.Premortem.ID),
			"Before": premortemCounts(row.Counts[premortem.Before]), "During": premortemCounts(row.Counts[premortem.During]),
			"After": premortemCounts(row.Counts[premortem.After]), "Matched": fmt.Sprint(row.Matched), "Last": last,
		}
		var cells []string
		for _, c := range cols {
			cells = append(cells, cell(vals[c.name], c.width))
		}
		line := fit(strings.Join(cells, " "), w)
		switch {
		case i == r.sel:
			line = st.Selected.Render(line)
		case f.Impact >= 5:
			line = st.High.Render(line)
		}
		out = append(out, line)
	}
	if len(r.rows) == 0 {
		out = append(out, st.Faint.Render(fit("No pre-mortems loaded: oncall premortem new writes a template.", w)))
	}
	for len(out) < r.height-1 {
		out = append(out, "")
	}
	legend := "counts: done/planned/not feasible/idea"
	if !wide {
		legend = "wider terminal for countermeasures and workshops"
	}
	out = append(out, st.Faint.Render(fit(hint(r.keys.Back, "back")+" · "+legend, w)))
	return strings.Join(premortemClip(out, r.height), "\n")
}

// premortemCounts is one phase's counts as done/planned/not-feasible/idea,
// "-" when the phase has none.
func premortemCounts(m map[premortem.Status]int) string {
	total := 0
	var parts []string
	for _, s := range premortem.Statuses {
		total += m[s]
		parts = append(parts, fmt.Sprint(m[s]))
	}
	if total == 0 {
		return "-"
	}
	return strings.Join(parts, "/")
}
