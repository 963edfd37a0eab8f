package mdterm

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// A GFM pipe table is a paragraph to the CommonMark core parser: a header
// row, a delimiter row (---, :--, --:, :-: between pipes) with as many
// cells, then body rows up to the paragraph's end. Lines before the header
// are the paragraph's own text.
type table struct {
	before []string // the paragraph's lines before the header
	raw    []string // the table's lines as written
	head   []string
	align  []align
	rows   [][]string
}

type align uint8

const (
	alignLeft align = iota
	alignRight
	alignCenter
)

// minCol is the narrowest a column is squeezed to (its cells wrapped) when
// the table is wider than the line; a table that would need narrower
// columns is shown as written instead.
const minCol = 6

// findTable reads a pipe table out of a paragraph's lines, if they hold one.
func findTable(para []string) (table, bool) {
	if len(para) < 2 {
		return table{}, false
	}
	lines := make([]string, len(para))
	for i, l := range para {
		lines[i] = strings.TrimRight(l, " \n\r")
	}
	for i := 0; i+1 < len(lines); i++ {
		if !strings.Contains(lines[i+1], "|") || !strings.Contains(lines[i], "|") {
			continue
		}
		al, ok := delimiterRow(lines[i+1])
		if !ok {
			continue
		}
		head := splitRow(lines[i])
		if len(head) != len(al) {
			continue
		}
		t := table{before: lines[:i], raw: lines[i:], head: head, align: al}
		for _, l := range lines[i+2:] {
			t.rows = append(t.rows, splitRow(l))
		}
		return t, true
	}
	return table{}, false
}

// delimiterRow reads a delimiter row's alignments.
func delimiterRow(l string) ([]align, bool) {
	cells := splitRow(l)
	al := make([]align, len(cells))
	for i, c := range cells {
		left, right := strings.HasPrefix(c, ":"), strings.HasSuffix(c, ":")
		c = strings.Trim(c, ":")
		if c == "" || strings.Trim(c, "-") != "" {
			return nil, false
		}
		switch {
		case left && right:
			al[i] = alignCenter
		case right:
			al[i] = alignRight
		}
	}
	return al, len(al) > 0
}

// splitRow splits a row at its unescaped pipes, without the pipes that
// open and close it; "\|" in a cell is a pipe.
func splitRow(l string) []string {
	l = strings.TrimSpace(l)
	l = strings.TrimPrefix(l, "|")
	if strings.HasSuffix(l, "|") && !strings.HasSuffix(l, `\|`) {
		l = l[:len(l)-1]
	}
	var cells []string
	start := 0
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '\\':
			i++
		case '|':
			cells = append(cells, l[start:i])
			start = i + 1
		}
	}
	cells = append(cells, l[start:])
	for i, c := range cells {
		cells[i] = strings.TrimSpace(strings.ReplaceAll(c, `\|`, "|"))
	}
	return cells
}

// table draws t: the text before it as a paragraph, then the columns
// aligned, separated by "│", the header bold and ruled off. A body row
// with more cells than the header keeps the extra ones in its last cell
// (GFM drops them; shown here, nothing of the source is hidden). Columns
// too wide for the line are narrowed and their cells wrapped; a table
// that cannot fit so is shown as its lines as written.
func (r *renderer) table(t table, width int) []string {
	var out []string
	if len(t.before) > 0 {
		out = append(out, r.inlineText(strings.Join(t.before, "\n"), 0, width)...)
	}
	cols := len(t.head)
	cells := make([][][]run, 0, len(t.rows)+1)
	row := make([][]run, cols)
	for j, c := range t.head {
		row[j] = r.cellRuns(c, aHead)
	}
	cells = append(cells, row)
	for _, cs := range t.rows {
		if len(cs) > cols {
			cs = append(cs[:cols-1:cols-1], strings.Join(cs[cols-1:], " | "))
		}
		row := make([][]run, cols)
		for j := range row {
			if j < len(cs) {
				row[j] = r.cellRuns(cs[j], 0)
			}
		}
		cells = append(cells, row)
	}
	widths := make([]int, cols)
	for _, row := range cells {
		for j, c := range row {
			widths[j] = max(widths[j], runsWidth(c), 1)
		}
	}
	room := width - 3*(cols-1)
	if !shrink(widths, room) {
		return append(out, r.rawLines(t.raw, width, 0)...)
	}
	// Wrap every cell first: a narrowed column may come out narrower
	// than it was given, and the rule should fit what is drawn.
	drawn := make([][][]string, len(cells))
	for i, row := range cells {
		drawn[i] = make([][]string, cols)
		for j, c := range row {
			drawn[i][j] = wrapRuns(c, widths[j], 0, r.pal)
		}
	}
	for j := range widths {
		widths[j] = 1
		for i := range drawn {
			for _, l := range drawn[i][j] {
				widths[j] = max(widths[j], ansi.StringWidth(l))
			}
		}
	}
	faint := r.pal.style(aFaint)
	sep := " " + faint.Render("│") + " "
	for i, row := range cells {
		height := 1
		for j := range row {
			height = max(height, len(drawn[i][j]))
		}
		for k := 0; k < height; k++ {
			var b strings.Builder
			for j := range row {
				if j > 0 {
					b.WriteString(sep)
				}
				var l string
				if k < len(drawn[i][j]) {
					l = drawn[i][j][k]
				}
				b.WriteString(pad(l, widths[j], t.align[j], j == cols-1))
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
		if i == 0 {
			rule := make([]string, cols)
			for j, w := range widths {
				rule[j] = strings.Repeat("─", w)
			}
			out = append(out, faint.Render(strings.Join(rule, "─┼─")))
		}
	}
	return out
}

// shrink narrows the widest columns until the widths fit in room, and
// reports whether they could without going under minCol.
func shrink(widths []int, room int) bool {
	total := 0
	for _, w := range widths {
		total += w
	}
	for total > room {
		widest := 0
		for j, w := range widths {
			if w > widths[widest] {
				widest = j
			}
		}
		if widths[widest] <= minCol {
			return false
		}
		// Take what is needed from the widest column, but no more than
		// brings it down to the next widest, so wide columns share the cut.
		next := minCol
		for j, w := range widths {
			if j != widest && w > next {
				next = w
			}
		}
		cut := min(total-room, widths[widest]-next)
		if cut <= 0 {
			cut = 1
		}
		widths[widest] -= cut
		total -= cut
	}
	return true
}

// pad aligns a drawn cell line in w cells; the last column is not padded
// on the right, so no line ends in spaces.
func pad(l string, w int, a align, last bool) string {
	gap := max(w-ansi.StringWidth(l), 0)
	switch a {
	case alignRight:
		return strings.Repeat(" ", gap) + l
	case alignCenter:
		left := gap / 2
		if last {
			return strings.Repeat(" ", left) + l
		}
		return strings.Repeat(" ", left) + l + strings.Repeat(" ", gap-left)
	}
	if last {
		return l
	}
	return l + strings.Repeat(" ", gap)
}

// cellRuns parses one cell's text for its inline Markdown (code, emphasis,
// links). Text that would parse as something else than one paragraph (a
// cell reading "# 1" or "- x") is shown as written.
func (r *renderer) cellRuns(s string, a attr) []run {
	if s == "" {
		return nil
	}
	if runs, ok := r.parseInline(s, a); ok {
		return runs
	}
	return []run{{cleanText(s), a}}
}

// inlineText draws text that was part of a paragraph the table split off.
func (r *renderer) inlineText(s string, a attr, width int) []string {
	if runs, ok := r.parseInline(s, a); ok {
		return wrapRuns(runs, width, 0, r.pal)
	}
	return r.rawLines(strings.Split(s, "\n"), width, a)
}

// parseInline parses s on its own and returns its inline runs when it is
// one paragraph.
func (r *renderer) parseInline(s string, a attr) ([]run, bool) {
	doc := parseBlocks(s)
	if len(doc.kids) != 1 || doc.kids[0].kind != bParagraph {
		return nil, false
	}
	return r.inlines(doc.kids[0], a), true
}
