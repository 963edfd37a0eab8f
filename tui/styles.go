package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles is every style the program draws with; one place, built once.
// The root owns the one value and components read it through a pointer,
// so a theme change (the terminal's background answering late) rewrites
// it in place and every component draws with the new one.
type Styles struct {
	Title     lipgloss.Style
	Header    lipgloss.Style
	Faint     lipgloss.Style
	Selected  lipgloss.Style
	Triggered lipgloss.Style
	Acked     lipgloss.Style
	Resolved  lipgloss.Style
	High      lipgloss.Style
	Low       lipgloss.Style
	// Priority is for a priority with no level (a name we cannot rank);
	// Priorities holds P1 (or SEV1) to P5, from the most alarming.
	Priority   lipgloss.Style
	Priorities [5]lipgloss.Style
	Error      lipgloss.Style
	Info       lipgloss.Style
	Queued     lipgloss.Style
	Local      lipgloss.Style
	New        lipgloss.Style
	Box        lipgloss.Style
	HelpKey    lipgloss.Style
	HelpDesc   lipgloss.Style

	dark bool // the background the colours are for
}

// DefaultStyles returns the styles for a dark or light background. Colour is
// dropped by the renderer where the terminal has none (or NO_COLOR is set).
func DefaultStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkHex string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkHex)) }
	red := c("#B3261E", "#FF6B6B")
	orange := c("#A34700", "#FF9F43")
	amber := c("#8A5A00", "#F2C14E")
	green := c("#1E7B34", "#6BD88B")
	blue := c("#1F5FAD", "#7AB7FF")
	faint := c("#6B6B6B", "#8A8A8A")
	return Styles{
		Title:     lipgloss.NewStyle().Bold(true),
		Header:    lipgloss.NewStyle().Bold(true).Foreground(faint),
		Faint:     lipgloss.NewStyle().Foreground(faint),
		Selected:  lipgloss.NewStyle().Reverse(true),
		Triggered: lipgloss.NewStyle().Bold(true).Foreground(red),
		Acked:     lipgloss.NewStyle().Foreground(amber),
		Resolved:  lipgloss.NewStyle().Foreground(green),
		High:      lipgloss.NewStyle().Bold(true).Foreground(red),
		Low:       lipgloss.NewStyle().Foreground(faint),
		Priority:  lipgloss.NewStyle().Bold(true),
		Priorities: [5]lipgloss.Style{
			lipgloss.NewStyle().Bold(true).Foreground(red),
			lipgloss.NewStyle().Bold(true).Foreground(orange),
			lipgloss.NewStyle().Foreground(amber),
			lipgloss.NewStyle().Foreground(blue),
			lipgloss.NewStyle().Foreground(faint),
		},
		Error:    lipgloss.NewStyle().Bold(true).Foreground(red),
		Info:     lipgloss.NewStyle().Foreground(blue),
		Queued:   lipgloss.NewStyle().Foreground(amber),
		Local:    lipgloss.NewStyle().Foreground(blue),
		New:      lipgloss.NewStyle().Bold(true).Foreground(blue),
		Box:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		HelpKey:  lipgloss.NewStyle().Bold(true),
		HelpDesc: lipgloss.NewStyle().Foreground(faint),
		dark:     dark,
	}
}

// priority is the style of a priority's name: one colour per level, P1
// the most alarming; SEV0 counts as P1 and anything past P5 as P5.
func (s *Styles) priority(p string) lipgloss.Style {
	r := priorityRank(p)
	if r >= 1<<20 {
		return s.Priority
	}
	return s.Priorities[min(max(r, 1), len(s.Priorities))-1]
}
