package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
)

// choice is one entry of a picker: a user or an escalation policy.
type choice struct {
	id     string
	label  string
	policy bool
}

// picker chooses a person or a policy for reassign and responder
// requests, with type-to-filter. Its entries arrive by command.
type picker struct {
	kind    incident.Kind // KindReassign or KindRespondersReq
	title   string
	all     []choice
	shown   []choice
	cursor  int
	input   textinput.Model
	loading bool
	err     string
}

// choicesMsg carries the account's users and policies for a picker.
type choicesMsg struct {
	kind    incident.Kind
	choices []choice
	err     error
}

func newPicker(kind incident.Kind) picker {
	ti := textinput.New()
	ti.Prompt = "filter> "
	ti.Placeholder = "type part of a name"
	ti.CharLimit = 100
	ti.SetVirtualCursor(false)
	ti.Focus()
	p := picker{kind: kind, input: ti, loading: true}
	switch kind {
	case incident.KindReassign:
		p.title = "Reassign to a person or an escalation policy"
	default:
		p.title = "Ask someone to join (responder request)"
	}
	return p
}

// fetchChoices lists users (and, for reassign, escalation policies).
func fetchChoices(src incident.Source, kind incident.Kind) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		users, err := src.Users(ctx)
		if err != nil {
			return choicesMsg{kind: kind, err: err}
		}
		var out []choice
		for _, u := range users {
			label := incident.Clean(u.Name)
			if u.Email != "" {
				label += " <" + incident.Clean(u.Email) + ">"
			}
			out = append(out, choice{id: u.ID, label: label})
		}
		if kind == incident.KindReassign {
			policies, err := src.EscalationPolicies(ctx)
			if err != nil {
				return choicesMsg{kind: kind, err: err}
			}
			for _, p := range policies {
				out = append(out, choice{id: p.ID, label: "policy: " + incident.Clean(p.Name), policy: true})
			}
		}
		return choicesMsg{kind: kind, choices: out}
	}
}

func (p *picker) setChoices(cs []choice) {
	p.all, p.loading = cs, false
	p.refilter()
}

func (p *picker) refilter() {
	words := strings.Fields(strings.ToLower(p.input.Value()))
	p.shown = p.shown[:0]
	for _, c := range p.all {
		label := strings.ToLower(c.label)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(label, w)
		}
		if ok {
			p.shown = append(p.shown, c)
		}
	}
	p.cursor = min(p.cursor, max(len(p.shown)-1, 0))
}

// update handles a key; chosen is set when the user picked an entry.
func (p *picker) update(msg tea.Msg) (cmd tea.Cmd, chosen *choice, cancelled bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return nil, nil, true
		case "up", "ctrl+p":
			p.cursor = max(p.cursor-1, 0)
			return nil, nil, false
		case "down", "ctrl+n":
			p.cursor = min(p.cursor+1, max(len(p.shown)-1, 0))
			return nil, nil, false
		case "enter":
			if p.cursor < len(p.shown) {
				c := p.shown[p.cursor]
				return nil, &c, false
			}
			return nil, nil, false
		}
	}
	p.input, cmd = p.input.Update(msg)
	p.refilter()
	return cmd, nil, false
}

func (p *picker) view(st Styles, width, height int) string {
	inner := max(min(width-6, 80), 20)
	lines := []string{st.Title.Render(p.title), "", p.input.View() + st.Selected.Render(" "), ""}
	switch {
	case p.err != "":
		lines = append(lines, st.Error.Render(fit(p.err, inner)))
	case p.loading:
		lines = append(lines, st.Faint.Render("loading people and policies…"))
	case len(p.shown) == 0:
		lines = append(lines, st.Faint.Render("no one matches"))
	}
	rows := max(height-10, 3)
	start := 0
	if p.cursor >= rows {
		start = p.cursor - rows + 1
	}
	for i := start; i < min(start+rows, len(p.shown)); i++ {
		line := fit("  "+p.shown[i].label, inner)
		if i == p.cursor {
			line = st.Selected.Render(fit("> "+p.shown[i].label, inner))
		}
		lines = append(lines, line)
	}
	if n := len(p.shown); n > rows {
		lines = append(lines, st.Faint.Render(fmt.Sprintf("  … %d in all", n)))
	}
	lines = append(lines, "", st.Faint.Render("↑/↓ choose · enter confirms · esc cancels"))
	return st.Box.Width(inner + 4).Render(lipgloss.JoinVertical(lipgloss.Left, lines...))
}
