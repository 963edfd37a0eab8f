package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook"
)

// runConfirm asks before a runbook command runs. A read command (marked
// oncall:read) takes one confirming key. A write command shows exactly
// what will run, its variables expanded (and masked like output), and
// runs only once the responder has typed the step's name, or yes. In
// read-only mode a write command is refused outright.
type runConfirm struct {
	step     runbook.Step
	shown    []string // the command as it will run, expanded and masked
	want     string   // what to type for a write: the step's name, or "yes"
	typed    []rune
	readOnly bool
	wrong    bool // the last thing typed was not the answer

	st            *Styles
	keys          *KeyMap
	width, height int
}

// runConfirmedMsg says the responder confirmed running step.
type runConfirmedMsg struct{ step runbook.Step }

// runDeclinedMsg says the prompt was closed without running step.
type runDeclinedMsg struct{ step runbook.Step }

// newRunConfirm prompts for step. expand turns the command into what will
// run (variables expanded, secrets masked); it is called here, once, so
// that View stays free of lookups.
func newRunConfirm(st *Styles, keys *KeyMap, step runbook.Step, expand func(string) string, readOnly bool) runConfirm {
	c := runConfirm{step: step, readOnly: readOnly, want: "yes", st: st, keys: keys}
	if step.Name != "" {
		c.want = step.Name
	}
	text := step.Text
	if expand != nil {
		text = expand(text)
	}
	for _, l := range strings.Split(text, "\n") {
		c.shown = append(c.shown, incident.Clean(l))
	}
	return c
}

func (c runConfirm) write() bool { return c.step.Mode != runbook.ModeRead }

// SetSize sets the cells the prompt draws in.
func (c runConfirm) SetSize(w, h int) runConfirm {
	c.width, c.height = w, h
	return c
}

// KeyHelp lists the keys that act in the prompt.
func (c runConfirm) KeyHelp() []key.Binding {
	k := c.keys
	switch {
	case c.write() && c.readOnly:
		return []key.Binding{k.Cancel}
	case c.write():
		// Letters are typed here, so the cancel key is the one without
		// letters: back (esc).
		return []key.Binding{k.Open, k.Back}
	}
	return []key.Binding{k.Confirm, k.Cancel}
}

// Update reads the answer.
func (c runConfirm) Update(msg tea.Msg) (runConfirm, tea.Cmd) {
	press, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return c, nil
	}
	k := c.keys
	step := c.step
	decline := func() tea.Msg { return runDeclinedMsg{step: step} }
	switch {
	case c.write() && c.readOnly:
		if key.Matches(press, k.Cancel) {
			return c, decline
		}
	case c.write():
		// Typing comes first: n, y and the like are letters of a name.
		switch {
		case press.Text != "":
			if len(c.typed) < 128 {
				c.typed = append(c.typed, []rune(press.Text)...)
			}
			c.wrong = false
		case press.String() == "backspace":
			if len(c.typed) > 0 {
				c.typed = c.typed[:len(c.typed)-1]
			}
		case key.Matches(press, k.Open):
			if typed := strings.TrimSpace(string(c.typed)); typed == c.want || typed == "yes" {
				return c, func() tea.Msg { return runConfirmedMsg{step: step} }
			}
			c.wrong, c.typed = true, nil
		case key.Matches(press, k.Back):
			return c, decline
		}
	default:
		switch {
		case key.Matches(press, k.Confirm):
			return c, func() tea.Msg { return runConfirmedMsg{step: step} }
		case key.Matches(press, k.Cancel):
			return c, decline
		}
	}
	return c, nil
}

// View draws the prompt.
func (c runConfirm) View() string {
	if c.width <= 0 || c.height <= 0 {
		return ""
	}
	st, k := c.st, c.keys
	var out []string
	label := incident.Clean(c.step.Label())
	switch {
	case c.write() && c.readOnly:
		out = append(out, st.Error.Render(fit("Read-only mode: "+label+" changes something and cannot run here.", c.width)))
	case c.write():
		out = append(out, st.Title.Render(fit("Run "+label+"? It changes something. This exact command will run:", c.width)))
	default:
		out = append(out, st.Title.Render(fit("Run "+label+"? It only reads (oncall:read):", c.width)))
	}
	room := max(c.height-3, 1)
	for i, l := range c.shown {
		if i == room-1 && len(c.shown) > room {
			out = append(out, st.Faint.Render(fit("  … and more lines", c.width)))
			break
		}
		out = append(out, fit("  "+l, c.width))
	}
	switch {
	case c.write() && c.readOnly:
		out = append(out, st.Faint.Render(fit(hint(k.Cancel, "close"), c.width)))
	case c.write():
		ask := "Type " + c.want + " then " + k.Open.Help().Key + " to run it (" + k.Back.Help().Key + " cancels): "
		if c.want != "yes" {
			ask = "Type " + c.want + " (or yes) then " + k.Open.Help().Key + " to run it (" + k.Back.Help().Key + " cancels): "
		}
		if c.wrong {
			ask = st.Error.Render("That was not it. ") + ask
		}
		out = append(out, fit(ask+string(c.typed)+"█", c.width))
	default:
		out = append(out, fit(hint(k.Confirm, "run it")+" · "+hint(k.Cancel, "cancel"), c.width))
	}
	if len(out) > c.height {
		out = append(out[:c.height-1], out[len(out)-1])
	}
	return strings.Join(out, "\n")
}
