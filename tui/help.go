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
func (m Model) helpLines(colW int) []string {
	var lines []string
	for _, g := range m.keys.Groups() {
		var rows []string
		for _, e := range g.Entries {
			if !e.Binding.Enabled() {
				continue
			}
			desc := m.st.HelpDesc.Render(e.Binding.Help().Desc)
			if e.Views != keymap.Pages && e.Views != keymap.Form {
				desc += m.st.Faint.Render(" (" + e.Views.String() + ")")
			}
			rows = append(rows, "  "+m.st.HelpKey.Render(fit(e.Binding.Help().Key, 8))+" "+fit(desc, max(colW-11, 1)))
		}
		if len(rows) == 0 {
			continue
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, m.st.Header.Render(fit(g.Title, colW)))
		lines = append(lines, rows...)
	}
	return lines
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
	var col []string
	for _, line := range m.helpLines(colW) {
		if len(col) == rows {
			cols, col = append(cols, col), nil
		}
		if len(col) == 0 && line == "" {
			continue
		}
		col = append(col, line)
	}
	if len(col) > 0 {
		cols = append(cols, col)
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
