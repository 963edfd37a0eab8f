package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
)

// choice is one entry of a picker: a user or an escalation policy.
type choice struct {
	id     string
	label  string
	policy bool
	// name is the person's name alone (no email), as a role records it;
	// external marks a name typed for someone not in PagerDuty.
	name     string
	external bool
}

// picker chooses a person or a policy for reassign and responder
// requests, with type-to-filter. Its entries arrive by command.
type picker struct {
	kind    incident.Kind // KindReassign, KindRespondersReq or KindRole
	title   string
	about   string // the incident the pick is for, "#1045 checkout 5xx"
	all     []choice
	shown   []choice
	cursor  int
	input   lineInput
	loading bool
	err     string
	// chosen and cancelled say how the last Update left the picker: the
	// parent reads them and closes it.
	chosen    *choice
	cancelled bool

	st            *Styles
	keys          *KeyMap
	width, height int
}

// choicesMsg carries the account's users and policies for a picker.
type choicesMsg struct {
	kind    incident.Kind
	choices []choice
	err     error
}

func newPicker(kind incident.Kind, st *Styles, keys *KeyMap) picker {
	// The box holds no terminal cursor: the input draws its own.
	ti := lineInput{Prompt: "filter> ", Placeholder: "type part of a name", CharLimit: 100, ShowCursor: true}
	ti.Focus()
	p := picker{kind: kind, input: ti, loading: true, st: st, keys: keys}
	switch kind {
	case incident.KindReassign:
		p.title = "Reassign to a person or an escalation policy"
	case incident.KindRole:
		p.title = "Assign a role: pick the person (or type a name not in PagerDuty)"
	default:
		p.title = "Ask someone to join (responder request)"
	}
	return p
}

// fetchChoices lists users (and, for reassign, escalation policies).
func fetchChoices(ctx context.Context, src incident.Source, kind incident.Kind) tea.Cmd {
	return func() tea.Msg {
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
			out = append(out, choice{id: u.ID, label: label, name: incident.Clean(u.Name)})
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

// SetSize sets the cells the picker is centred in.
func (p picker) SetSize(w, h int) picker {
	p.width, p.height = w, h
	return p
}

// KeyHelp is empty: the picker's keys are fixed, since every other key
// filters, and its box says them.
func (p picker) KeyHelp() []key.Binding { return nil }

func (p *picker) setChoices(cs []choice) {
	p.all, p.loading = cs, false
	p.refilter()
}

func (p *picker) refilter() {
	words := strings.Fields(strings.ToLower(p.input.Value()))
	p.shown = nil // copies of a picker must not share it
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
	if typed := strings.Join(strings.Fields(incident.Clean(p.input.Value())), " "); p.kind == incident.KindRole && typed != "" && !p.loading {
		// A role may go to someone PagerDuty does not know (a vendor's
		// engineer): the typed name, marked as such, comes last.
		p.shown = append(p.shown, choice{label: typed + " (not in PagerDuty)", name: typed, external: true})
	}
	p.cursor = min(p.cursor, max(len(p.shown)-1, 0))
}

// Update handles a key, a paste or the choices arriving. Afterwards
// chosen is set when the user picked an entry, and cancelled when the
// picker was dismissed.
func (p picker) Update(msg tea.Msg) (picker, tea.Cmd) {
	p.chosen, p.cancelled = nil, false
	switch msg := msg.(type) {
	case choicesMsg:
		if msg.kind != p.kind {
			return p, nil
		}
		if msg.err != nil {
			p.err, p.loading = oneLine(msg.err), false
		} else {
			p.setChoices(msg.choices)
		}
		return p, nil
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc":
			p.cancelled = true
			return p, nil
		case "up", "ctrl+p":
			p.cursor = max(p.cursor-1, 0)
			return p, nil
		case "down", "ctrl+n":
			p.cursor = min(p.cursor+1, max(len(p.shown)-1, 0))
			return p, nil
		case "enter":
			if p.cursor < len(p.shown) {
				c := p.shown[p.cursor]
				p.chosen = &c
			}
			return p, nil
		}
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	p.refilter()
	return p, cmd
}

// View draws the picker as a box centred in its size.
func (p picker) View() string {
	st, width, height := p.st, p.width, p.height
	inner := max(min(width-6, 80), 20)
	// The prompt, the text and the cell after it: inner cells in all.
	p.input.SetWidth(max(inner-len(p.input.Prompt)-1, 1))
	lines := []string{st.Title.Render(p.title)}
	if p.about != "" {
		lines = append(lines, st.Faint.Render(fit("on "+p.about, inner)))
	}
	lines = append(lines, "", p.input.View(), "")
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
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, st.Box.Width(inner+4).Render(lipgloss.JoinVertical(lipgloss.Left, lines...)))
}
