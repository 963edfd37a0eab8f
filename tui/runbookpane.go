package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2"
	"charm.land/glamour/v2/styles"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook"
)

// runbookPane shows the runbooks matched to the open incident: the best
// match first, its steps selectable (tick a checklist item, copy a
// command), or the whole document rendered. Ticks come from the journal,
// so they survive a restart.
type runbookPane struct {
	matches []runbook.Match
	cur     int  // index into matches
	chosen  bool // the user picked cur; otherwise the best match shows
	step    int  // selected step of the current runbook
	doc     bool
	// rendered is the current runbook's document for the current width,
	// produced off the UI path by renderRunbook.
	rendered    string
	renderedKey string
	scroll      int
	ticked      map[string]bool // step keys journaled as done

	st            *Styles
	keys          *KeyMap
	width, height int
}

// SetSize sets the cells the pane draws in.
func (p runbookPane) SetSize(w, h int) runbookPane {
	p.width, p.height = w, h
	return p
}

// KeyHelp lists the keys that act in the pane.
func (p runbookPane) KeyHelp() []key.Binding {
	k := p.keys
	return enabled(k.Up, k.Down, k.Tick, k.CopyURL, k.Document, k.NextRunbook, k.PrevRunbook)
}

// Update moves within the pane and takes rendered documents in; keys it
// has no use for are the detail screen's. Ticking and copying are
// actions, journaled by the root.
func (p runbookPane) Update(msg tea.Msg) (runbookPane, tea.Cmd) {
	switch msg := msg.(type) {
	case renderedMsg:
		if rb, ok := p.current(); ok && msg.key == renderKey(rb, p.width, p.st.dark) {
			p.rendered, p.renderedKey = msg.out, msg.key
		}
	case tea.KeyPressMsg:
		k := p.keys
		switch {
		case key.Matches(msg, k.Up):
			p.Move(-1)
		case key.Matches(msg, k.Down):
			p.Move(1)
		case key.Matches(msg, k.NextRunbook, k.PrevRunbook):
			d := 1
			if key.Matches(msg, k.PrevRunbook) {
				d = -1
			}
			p.Cycle(d)
			return p, p.ensureRendered()
		case key.Matches(msg, k.Document):
			p.doc = !p.doc
			p.scroll = 0
			return p, p.ensureRendered()
		}
	}
	return p, nil
}

// ensureRendered asks for the current runbook's document when the pane
// shows documents and it is not yet rendered for this width and
// background.
func (p runbookPane) ensureRendered() tea.Cmd {
	rb, ok := p.current()
	if !p.doc || !ok || p.renderedKey == renderKey(rb, p.width, p.st.dark) {
		return nil
	}
	return renderRunbook(rb, p.width, p.st.dark)
}

// current is the selected runbook, if the selected match is one (a match
// can also be a link found in an alert).
func (p runbookPane) current() (*runbook.Runbook, bool) {
	if p.cur < 0 || p.cur >= len(p.matches) || p.matches[p.cur].Runbook == nil {
		return nil, false
	}
	return p.matches[p.cur].Runbook, true
}

// SetMatches replaces the matches. The best match shows unless the user
// picked another, which stays while it still matches.
func (p *runbookPane) SetMatches(ms []runbook.Match) {
	var keep string
	if rb, ok := p.current(); ok && p.chosen {
		keep = rb.ID
	}
	prev, _ := p.current()
	p.matches = ms
	p.cur = 0
	for i, m := range ms {
		if m.Runbook != nil && m.Runbook.ID == keep {
			p.cur = i
		}
	}
	if now, _ := p.current(); now != prev {
		p.step, p.scroll = 0, 0
	}
	p.clamp()
}

// SetTicks reads which steps are done from the journal's events.
func (p *runbookPane) SetTicks(local []incident.Event) {
	p.ticked = map[string]bool{}
	for _, e := range local {
		if e.Kind == incident.KindRunbookStep && e.Fields[incident.FieldAction] != incident.StepCopied {
			p.ticked[e.Fields[incident.FieldStepKey]] = true
		}
	}
}

// Cycle moves to the next (or previous) match.
func (p *runbookPane) Cycle(d int) {
	if len(p.matches) == 0 {
		return
	}
	p.cur = (p.cur + d + len(p.matches)) % len(p.matches)
	p.step, p.scroll = 0, 0
	p.chosen = true
}

func (p *runbookPane) Move(d int) {
	if p.doc {
		p.scroll = max(p.scroll+d, 0)
		return
	}
	p.step += d
	p.clamp()
}

func (p *runbookPane) clamp() {
	rb, ok := p.current()
	if !ok {
		p.step = 0
		return
	}
	p.step = min(max(p.step, 0), max(len(rb.Steps)-1, 0))
}

// Selected is the selected step.
func (p runbookPane) Selected() (*runbook.Runbook, runbook.Step, bool) {
	rb, ok := p.current()
	if !ok || p.doc || p.step >= len(rb.Steps) {
		return nil, runbook.Step{}, false
	}
	return rb, rb.Steps[p.step], true
}

// renderedMsg carries a runbook document rendered for a width.
type renderedMsg struct {
	key string
	out string
}

func renderKey(rb *runbook.Runbook, width int, dark bool) string {
	return fmt.Sprintf("%s/%d/%v", rb.ID, width, dark)
}

// renderRunbook renders Markdown with glamour; it is pure computation but
// not cheap, so it runs as a command rather than inside Update or View.
func renderRunbook(rb *runbook.Runbook, width int, dark bool) tea.Cmd {
	key := renderKey(rb, width, dark)
	body := rb.Body
	return func() tea.Msg {
		style := styles.LightStyleConfig
		if dark {
			style = styles.DarkStyleConfig
		}
		r, err := glamour.NewTermRenderer(glamour.WithStyles(style), glamour.WithWordWrap(max(width-2, 20)))
		if err != nil {
			return renderedMsg{key: key, out: incident.CleanLines(body)}
		}
		out, err := r.Render(body)
		if err != nil {
			return renderedMsg{key: key, out: incident.CleanLines(body)}
		}
		return renderedMsg{key: key, out: out}
	}
}

// View draws the pane in its size.
func (p runbookPane) View() string {
	st, k, width, height := p.st, p.keys, p.width, p.height
	var out []string
	if len(p.matches) == 0 {
		return strings.Join([]string{
			st.Header.Render(fit("Runbook", width)),
			st.Faint.Render(fit("No runbook matches this incident. Runbooks written before the failure save minutes during it:", width)),
			st.Faint.Render(fit("add one to the runbooks directory.", width)),
		}, "\n")
	}
	m := p.matches[p.cur]
	title := m.Title()
	head := fmt.Sprintf("Runbook %d/%d: %s", p.cur+1, len(p.matches), incident.Clean(title))
	if len(p.matches) > 1 {
		head += "  (" + k.PrevRunbook.Help().Key + " " + k.NextRunbook.Help().Key + " other matches)"
	}
	out = append(out, st.Header.Render(fit(head, width)))
	why := "matched on " + incident.Clean(strings.Join(m.Why, ", "))
	if m.Runbook == nil {
		why = "linked from an alert: " + incident.Clean(m.URL)
	}
	out = append(out, st.Faint.Render(fit(why, width)))
	rb, ok := p.current()
	if !ok {
		out = append(out, fit("Open it in a browser; "+k.CopyURL.Help().Key+" copies the link.", width))
		return strings.Join(out, "\n")
	}
	if rb.Impact != "" {
		out = append(out, fit("Expected impact: "+incident.Clean(rb.Impact), width))
	}
	rows := max(height-len(out)-1, 1)
	if p.doc {
		out = append(out, st.Faint.Render(fit("document · "+hint(k.Document, "for steps")+" · "+k.Down.Help().Key+" "+k.Up.Help().Key+" scroll", width)))
		lines := strings.Split(p.rendered, "\n")
		if p.rendered == "" {
			lines = []string{"rendering…"}
		}
		start := min(p.scroll, max(len(lines)-rows, 0))
		for _, l := range lines[start:min(start+rows, len(lines))] {
			out = append(out, fit(l, width))
		}
		return strings.Join(out, "\n")
	}
	out = append(out, st.Faint.Render(fit("steps · "+hint(k.Tick, "ticks")+" · "+hint(k.CopyURL, "copies a command")+" · "+hint(k.Document, "for the whole document"), width)))
	lines, selLine := p.stepLines(rb, st, width)
	start := 0
	if selLine >= rows {
		start = selLine - rows + 1
	}
	out = append(out, lines[start:min(start+rows, len(lines))]...)
	return strings.Join(out, "\n")
}

// stepLines lays the steps out under their section titles, and says which
// line the selected step starts on.
func (p *runbookPane) stepLines(rb *runbook.Runbook, st *Styles, width int) ([]string, int) {
	var lines []string
	sel := 0
	section := "\x00"
	for i, s := range rb.Steps {
		if s.Section != section {
			section = s.Section
			if section != "" {
				lines = append(lines, st.Title.Render(fit(incident.Clean(section), width)))
			}
		}
		box := "[ ]"
		if p.ticked[s.Key] || s.Checked {
			box = "[x]"
		}
		var text []string
		if s.Kind == runbook.Command {
			box = " $ "
			if p.ticked[s.Key] {
				box = "$✓ "
			}
			for _, l := range strings.Split(s.Text, "\n") {
				text = append(text, incident.Clean(l))
			}
		} else {
			text = wrap(incident.Clean(s.Text), max(width-6, 10))
		}
		if i == p.step {
			sel = len(lines)
		}
		for j, t := range text {
			prefix := "      "
			if j == 0 {
				prefix = "  " + box + " "
			}
			line := fit(prefix+t, width)
			switch {
			case i == p.step:
				line = st.Selected.Render(line)
			case s.Kind == runbook.Command:
				line = st.Info.Render(line)
			case p.ticked[s.Key] || s.Checked:
				line = st.Faint.Render(line)
			}
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		lines = append(lines, st.Faint.Render(fit("This runbook has no steps; "+p.keys.Document.Help().Key+" shows the document.", width)))
	}
	return lines, sel
}
