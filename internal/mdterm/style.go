package mdterm

import (
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
)

// attr is a set of style attributes a piece of text carries; nesting adds
// to it (a code span in a link is both).
type attr uint16

const (
	aBold attr = 1 << iota
	aItalic
	aCode      // inline code
	aCodeBlock // a line of a code block
	aLink      // a link's text or an autolink
	aURL       // a link's destination, after its text
	aFaint     // markup shown as text: fences, HTML, rules
	aHeading
	aH1
	aH2
	aMarker // a list's bullet, number or open box
	aDone   // a ticked box
	aHead   // a table's header cell
)

// palette turns attribute sets into lipgloss styles for one background,
// building each combination once per rendering.
type palette struct {
	dark  bool
	cache map[attr]lipgloss.Style
}

func newPalette(dark bool) *palette {
	return &palette{dark: dark, cache: map[attr]lipgloss.Style{}}
}

// The colours follow the program's palette (tui.DefaultStyles): the same
// blue, amber, green and grey, darker on a light background. Inline code
// is pink rather than the palette's orange, which a 256-colour terminal
// shows as the headings' amber.
func (p *palette) style(a attr) lipgloss.Style {
	if s, ok := p.cache[a]; ok {
		return s
	}
	ld := lipgloss.LightDark(p.dark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	s := lipgloss.NewStyle()
	if a&(aBold|aHeading|aHead) != 0 {
		s = s.Bold(true)
	}
	if a&aItalic != 0 {
		s = s.Italic(true)
	}
	switch {
	case a&(aFaint|aURL) != 0:
		s = s.Foreground(c("#6B6B6B", "#8A8A8A"))
	case a&aCode != 0:
		s = s.Foreground(c("#A3306F", "#F08BC3"))
	case a&aCodeBlock != 0, a&aLink != 0, a&aMarker != 0:
		s = s.Foreground(c("#1F5FAD", "#7AB7FF"))
	case a&aDone != 0:
		s = s.Foreground(c("#1E7B34", "#6BD88B"))
	case a&aHeading != 0:
		s = s.Foreground(c("#8A5A00", "#F2C14E"))
	}
	// No underline: lipgloss underlines rune by rune, which splits
	// grapheme clusters (an emoji sequence) with escape sequences.
	if a&aH1 != 0 {
		s = s.Reverse(true)
	}
	p.cache[a] = s
	return s
}

// renderRuns styles a line's runs, joining neighbours of one style so
// each stretch gets one pair of escape sequences.
func (p *palette) renderRuns(runs []run) string {
	var b, seg strings.Builder
	for i, r := range runs {
		seg.WriteString(r.text)
		if i+1 < len(runs) && runs[i+1].a == r.a {
			continue
		}
		if r.a == 0 {
			b.WriteString(seg.String())
		} else {
			b.WriteString(p.style(r.a).Render(seg.String()))
		}
		seg.Reset()
	}
	return b.String()
}
