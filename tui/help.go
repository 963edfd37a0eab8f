package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/tui/keymap"
)

// helpLines lists every enabled binding, grouped, from the key map; a
// binding that acts only in some views names them, so help says which
// keys apply where.
func (m Model) helpLines(colW int) []helpLine {
	var lines []helpLine
	for _, g := range m.keys.Groups() {
		var rows []helpLine
		for _, e := range g.Entries {
			if !e.Binding.Enabled() {
				continue
			}
			where := ""
			if e.Views != keymap.Pages && e.Views != keymap.Form {
				where = "(" + e.Views.String() + ")"
			}
			// A description longer than its column wraps under itself,
			// never cut: help is where a key's meaning is read whole.
			for i, l := range wrapHelp(e.Binding.Help().Desc, where, max(colW-11, 1), m.st) {
				k := ""
				if i == 0 {
					k = e.Binding.Help().Key
				}
				rows = append(rows, helpLine{text: "  " + m.st.HelpKey.Render(fit(k, 8)) + " " + l, more: i > 0})
			}
		}
		if len(rows) == 0 {
			continue
		}
		if len(lines) > 0 {
			lines = append(lines, helpLine{})
		}
		lines = append(lines, helpLine{text: m.st.Header.Render(fit(g.Title, colW))})
		lines = append(lines, rows...)
	}
	// What the list's marks mean: a responder meets them before help.
	lines = append(lines, helpLine{}, helpLine{text: m.st.Header.Render(fit("On the list", colW))})
	for _, mk := range listMarkHelp {
		for i, l := range wrapHelp(mk.desc, "", max(colW-11, 1), m.st) {
			k := ""
			if i == 0 {
				k = mk.mark
			}
			lines = append(lines, helpLine{text: "  " + m.st.HelpKey.Render(fit(k, 8)) + " " + l, more: i > 0})
		}
	}
	return lines
}

// listMarkHelp explains the marks the list draws before a title.
var listMarkHelp = [...]struct{ mark, desc string }{
	{"*", "new: appeared after the list first loaded (for 30 s)"},
	{"[upd 6m]", "the next status update is due in 6 minutes; -3m is 3 minutes late (as this machine last saw it)"},
	{"[upd ?]", "owes updates, but the clock is unknown here until the incident is opened"},
}

// helpLine is one line of help; more marks a description's continuation,
// which stays in the column of the line it continues.
type helpLine struct {
	text string
	more bool
}

// helpLayout is how many columns the help uses at this width, how wide
// each is, and how many rows fit.
func (m Model) helpLayout() (cols, colW, rows int) {
	cols = min(max((m.width+2)/42, 1), 3)
	colW = (m.width - 2*(cols-1)) / cols
	rows = max(m.height-3-2, 1) // the body, less the heading and its gap
	return cols, colW, rows
}

// helpColumns flows the help's lines into columns of at most rows lines,
// never starting a column with the blank line between two groups.
func (m Model) helpColumns() (cols [][]string, perPage, colW int) {
	perPage, colW, rows := m.helpLayout()
	var col []helpLine
	flush := func(c []helpLine) {
		out := make([]string, len(c))
		for i, l := range c {
			out[i] = l.text
		}
		cols = append(cols, out)
	}
	for _, line := range m.helpLines(colW) {
		if len(col) == rows {
			// A binding is not split across columns: its first lines
			// move on with the one that continues them.
			cut := len(col)
			for line.more && cut > 1 && col[cut-1].more {
				cut--
			}
			if line.more && cut > 1 {
				cut--
			}
			next := append([]helpLine(nil), col[cut:]...)
			flush(col[:cut])
			col = next
		}
		if len(col) == 0 && line.text == "" {
			continue
		}
		col = append(col, line)
	}
	if len(col) > 0 {
		flush(col)
	}
	return cols, perPage, colW
}

// helpPages is how many screens the help takes.
func (m Model) helpPages() int {
	cols, perPage, _ := m.helpColumns()
	return max((len(cols)+perPage-1)/perPage, 1)
}

// helpView lays the key map out in as many columns as the width allows,
// filling each from the top; what does not fit goes on further pages
// (j/k), so no binding is ever cut off.
func (m Model) helpView() string {
	cols, perPage, colW := m.helpColumns()
	_, _, rows := m.helpLayout()
	page := min(m.helpPage, m.helpPages()-1)
	cols = cols[min(page*perPage, len(cols)):min((page+1)*perPage, len(cols))]
	var blocks []string
	for c, col := range cols {
		for i := range col {
			col[i] = fit(col[i], colW)
		}
		blocks = append(blocks, strings.Join(col, "\n"))
		if c < len(cols)-1 {
			blocks = append(blocks, strings.Repeat("  \n", rows-1)+"  ")
		}
	}
	title := m.st.Title.Render("Keys")
	if n := m.helpPages(); n > 1 {
		title += m.st.Faint.Render(fmt.Sprintf("  page %d of %d · %s %s for more", page+1, n, m.keys.Down.Help().Key, m.keys.Up.Help().Key))
	}
	body := title + "\n\n" + lipgloss.JoinHorizontal(lipgloss.Top, blocks...)
	out := strings.Split(body, "\n")
	for i := range out {
		out[i] = fit(out[i], m.width)
	}
	return strings.Join(out, "\n")
}

// wrapHelp lays a binding's description, then where it acts (faint),
// into lines of at most w cells, breaking between words; a word longer
// than a line is cut.
func wrapHelp(desc, where string, w int, st *Styles) []string {
	type word struct {
		text  string
		faint bool
	}
	var words []word
	for _, s := range strings.Fields(desc) {
		words = append(words, word{s, false})
	}
	for _, s := range strings.Fields(where) {
		words = append(words, word{s, true})
	}
	var out []string
	var line strings.Builder
	width := 0
	for _, wd := range words {
		n := lipgloss.Width(wd.text)
		if width > 0 && width+1+n > w {
			out = append(out, line.String())
			line.Reset()
			width = 0
		}
		text := wd.text
		if n > w {
			text, n = fit(text, w), w
		}
		if width > 0 {
			line.WriteString(" ")
			width++
		}
		style := st.HelpDesc
		if wd.faint {
			style = st.Faint
		}
		line.WriteString(style.Render(text))
		width += n
	}
	if width > 0 || len(out) == 0 {
		out = append(out, line.String())
	}
	return out
}
