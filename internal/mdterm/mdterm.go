// Package mdterm renders Markdown for a terminal: a runbook's document at a
// given width, in a dark or a light palette. It parses with a CommonMark
// parser of its own (block.go, parseinline.go), which costs nothing at
// program start, and draws the blocks a runbook uses itself: headings with
// their level shown as #, wrapped paragraphs, nested bullet, numbered and
// task lists, code blocks, block quotes, thematic breaks, HTML blocks as
// text, and GFM pipe tables, which are read out of a paragraph's lines.
//
// The parser follows CommonMark 0.31 for what a runbook writes, and draws
// every shipped runbook, every Markdown file under a testdata directory
// and thousands of generated documents byte for byte as goldmark's
// CommonMark core did (differential_test.go compares the two). Where it
// parts from goldmark, on purpose:
//   - Link reference definitions ("[id]: url") are not read: they show as
//     text, and "[text][id]" as the text it is. Runbooks link inline.
//   - Named character references are a short list (&amp;, &lt;, &nbsp;,
//     &copy;, &mdash;, arrows and the like), not HTML's two thousand; an
//     unknown name stays as written. A decimal reference is decimal even
//     with a leading zero (goldmark read &#0123; as octal), and a
//     hexadecimal one of more than six digits is text, as CommonMark
//     says (goldmark made it U+FFFD). A reference starts at its "&":
//     "&\&gt;" is "&&gt;" (the decoding before passed the text from an
//     "&" to the next ";" to goldmark's helpers, which resolved the
//     "&gt;" inside).
//   - A list item empty on its first line ("-" alone, or "1. -") holds the
//     indented lines after it, and ends at a blank line if it is still
//     empty, as CommonMark says; goldmark keeps such an item open past
//     the blank line or starts a new list.
//   - A blank line inside a fenced block left open in a list item does not
//     make the list loose (CommonMark's reference agrees; goldmark spaces
//     the items).
//   - Text between constructs is cut into pieces at about the places
//     goldmark cut it (brackets, delimiter runs, backticks, line ends),
//     not always the same ones. A cut shows only after a control decoded
//     from a reference (&#27;), which is sanitized with what follows it in
//     its piece: the text lost with such a reference may differ. The
//     control never reaches the terminal either way.
//
// Invariants:
//   - No line of the output is wider than the width asked for, counted in
//     terminal cells as charmbracelet/x/ansi counts them (wide runes and
//     emoji as two). Text is wrapped at spaces, a word longer than the line
//     is broken, a code line longer than the line continues on the next
//     one after a "↪ " mark, a table wider than the line falls back to its
//     lines as written, wrapped the same way.
//   - Nothing from the input reaches the terminal as a control: the source
//     is sanitized line by line with incident.Clean before it is parsed,
//     and every piece of text is sanitized again after character
//     references are decoded (&#27; is an ESC). The only escape sequences in the
//     output are the SGR styles this package adds through lipgloss.
//   - Colours are given in full; the program's renderer lowers them to what
//     the terminal can show and drops them under NO_COLOR, as it does for
//     every other style.
//   - Any input renders without panicking; the package has no package-level
//     state and costs nothing at program start.
package mdterm

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
)

// maxDepth is how deep containers (lists, quotes) still indent. Deeper
// content is drawn at the indentation it has reached: past a few levels
// the indentation would eat the whole line anyway, and it bounds the
// work on adversarial nesting.
const maxDepth = 16

// minContent is the fewest cells a container leaves its content; a prefix
// that would leave less is dropped rather than squeezing the text into a
// column one word wide.
const minContent = 10

// tabStop is CommonMark's tab stop: a tab indents to the next multiple of 4.
const tabStop = 4

// Render draws the Markdown src in at most width cells per line, with the
// dark palette or the light one. Lines are separated by "\n", with no final
// newline; a width under 1 draws nothing.
func Render(src string, width int, dark bool) string {
	if width < 1 {
		return ""
	}
	return renderDoc(parseBlocks(sanitize(src)), width, dark)
}

// renderDoc draws a parsed document; width is at least 1.
func renderDoc(doc *block, width int, dark bool) string {
	r := &renderer{pal: newPalette(dark)}
	lines := r.blocks(doc, width, 0)
	for i, l := range lines {
		lines[i] = clip(l, width)
	}
	return strings.Join(lines, "\n")
}

// clip cuts a drawn line to width cells. It is a safety net: blocks keep
// to their width, but a grapheme can join across two pieces measured
// apart (a variation selector after a space), and ansi.Truncate measures
// cluster by cluster where ansi.StringWidth measures the whole line, so
// the cut is repeated until the whole line measures in.
func clip(l string, width int) string {
	for n := width; n >= 0 && ansi.StringWidth(l) > width; n-- {
		l = ansi.Truncate(l, n, "")
	}
	return l
}

// sanitize applies incident.Clean's rules to each line of the source
// while keeping what Markdown gives meaning to: tabs become the spaces up
// to the next tab stop (Clean would make each a single space, changing
// indentation), and the spaces that open a line (indentation) and close
// it (two make a hard line break) stay.
func sanitize(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		lines[i] = cleanText(expandTabs(l))
	}
	return strings.Join(lines, "\n")
}

// expandTabs replaces each tab with the spaces up to the next tab stop,
// counting columns in runes as CommonMark does.
func expandTabs(l string) string {
	if !strings.Contains(l, "\t") {
		return l
	}
	var b strings.Builder
	col := 0
	for i := 0; i < len(l); {
		if l[i] == '\t' {
			n := tabStop - col%tabStop
			b.WriteString("    "[:n])
			col += n
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(l[i:])
		b.WriteString(l[i : i+size]) // invalid bytes too: Clean drops them
		col++
		i += size
	}
	return b.String()
}

// cleanText applies incident.Clean's rules to one piece of text without
// losing the spaces at its ends, which Clean trims: they separate a piece
// from its neighbours, indent a line or break it. The piece is cleaned
// between two dots, which Clean keeps and does not trim; the BEL before
// the last one ends any escape sequence left open at the piece's end
// (a CSI stops before it, an OSC or DCS ends at it, a two-byte escape
// takes it), so the dot is never swallowed. Were it swallowed all the
// same, the piece is cleaned plainly, its end spaces lost.
func cleanText(s string) string {
	c := incident.Clean("." + s + "\a.")
	if len(c) < 2 || c[0] != '.' || c[len(c)-1] != '.' {
		return incident.Clean(s)
	}
	return c[1 : len(c)-1]
}

type renderer struct {
	pal *palette
	// task is the paragraph whose opening "[ ]" a list marker's box
	// already shows.
	task *block
}

// blocks draws the block children of n, with a blank line between blocks
// unless the parent is a tight list's item.
func (r *renderer) blocks(n *block, width, depth int) []string {
	var out []string
	tight := n.kind == bItem && n.parent.tight
	for _, c := range n.kids {
		b := r.block(c, width, depth)
		if len(b) == 0 {
			continue
		}
		if len(out) > 0 && !tight {
			out = append(out, "")
		}
		out = append(out, b...)
	}
	return out
}

func (r *renderer) block(n *block, width, depth int) []string {
	switch n.kind {
	case bHeading:
		return r.heading(n, width)
	case bParagraph:
		return r.paragraph(n, width)
	case bList:
		return r.list(n, width, depth)
	case bQuote:
		bar := r.pal.style(aFaint).Render("│") + " "
		return prefixed(r, n, width, depth, bar, 2)
	case bFenced:
		return r.fenced(n, width)
	case bIndented:
		return r.code(n.lines, "    ", width)
	case bBreak:
		return []string{r.pal.style(aFaint).Render(strings.Repeat("─", width))}
	case bHTML:
		return r.rawLines(n.lines, width, aFaint)
	default:
		return r.blocks(n, width, depth)
	}
}

func (r *renderer) heading(n *block, width int) []string {
	a := aHeading
	switch n.level {
	case 1:
		a |= aH1
	case 2:
		a |= aH2
	}
	mark := strings.Repeat("#", n.level) + " "
	runs := append([]run{{mark, a}}, r.inlines(n, a)...)
	return wrapRuns(runs, width, len(mark), r.pal)
}

func (r *renderer) paragraph(n *block, width int) []string {
	if t, ok := findTable(n.lines); ok {
		return r.table(t, width)
	}
	runs := r.inlines(n, 0)
	if n == r.task {
		// The box drawn with the marker stands for the "[ ]" here.
		runs = dropText(runs, 3)
	}
	return wrapRuns(runs, width, 0, r.pal)
}

// list draws a list's items, each with its marker on its first line and
// the rest hanging under the item's text. A task item ("[ ]" or "[x]"
// opening its text) shows its box after the marker.
func (r *renderer) list(n *block, width, depth int) []string {
	var out []string
	numW := 0
	if n.ordered {
		last := n.start + len(n.kids) - 1
		numW = len(strconv.Itoa(last)) + 1
	}
	num := n.start
	for k, item := range n.kids {
		var marker string
		if n.ordered {
			s := strconv.Itoa(num) + string(n.marker)
			marker = strings.Repeat(" ", max(numW-len(s), 0)) + s + " "
			num++
		} else {
			marker = bullets[min(listDepth(n), len(bullets)-1)] + " "
		}
		mst := r.pal.style(aMarker)
		styled := mst.Render(marker)
		if para, checked, ok := r.taskPara(item); ok {
			box, a := "[ ]", aMarker
			if checked {
				box, a = "[x]", aDone
			}
			r.task = para
			marker += box + " "
			styled += r.pal.style(a).Render(box) + " "
		}
		mw := ansi.StringWidth(marker)
		var fl []string
		if width-mw >= minContent && depth < maxDepth {
			fl = r.blocks(item, width-mw, depth+1)
			if len(fl) == 0 {
				fl = []string{""}
			}
			pad := strings.Repeat(" ", mw)
			for i, l := range fl {
				switch {
				case i == 0:
					out = append(out, styled+l)
				case l == "":
					out = append(out, "")
				default:
					out = append(out, pad+l)
				}
			}
		} else {
			// No room to hang the text: the marker takes a line of its own.
			out = append(out, mst.Render(ansi.Truncate(marker, width, "")))
			out = append(out, r.blocks(item, width, depth+1)...)
		}
		if !n.tight && k < len(n.kids)-1 {
			out = append(out, "")
		}
	}
	return out
}

// taskPara reports whether item is a task item: its first block is text
// whose source opens with "[ ]", "[x]" or "[X]" and then white space
// before more text (GFM's rule: a box with nothing after it is text). It
// returns that block, whose first three characters the box replaces.
func (r *renderer) taskPara(item *block) (*block, bool, bool) {
	if len(item.kids) == 0 || item.kids[0].kind != bParagraph || len(item.kids[0].lines) == 0 {
		return nil, false, false
	}
	para := item.kids[0]
	l := para.lines[0]
	more := len(l) > 4 && l[3] == ' ' || len(l) == 4 && l[3] == '\n' && len(para.lines) > 1
	if !more || l[0] != '[' || l[2] != ']' {
		return nil, false, false
	}
	switch l[1] {
	case ' ':
		return para, false, true
	case 'x', 'X':
		return para, true, true
	}
	return nil, false, false
}

// bullets mark unordered items by how many lists hold them.
var bullets = [...]string{"•", "◦", "▪"}

// listDepth counts the lists that hold n.
func listDepth(n *block) int {
	d := 0
	for p := n.parent; p != nil; p = p.parent {
		if p.kind == bList {
			d++
		}
	}
	return d
}

// prefixed draws n's children after a prefix prefixW cells wide on every
// line. Where the prefix would leave the content too little room, or
// nesting is too deep, the children are drawn without it.
func prefixed(r *renderer, n *block, width, depth int, prefix string, prefixW int) []string {
	if width-prefixW < minContent || depth >= maxDepth {
		return r.blocks(n, width, depth+1)
	}
	lines := r.blocks(n, width-prefixW, depth+1)
	for i, l := range lines {
		if l == "" {
			lines[i] = strings.TrimRight(prefix, " ")
		} else {
			lines[i] = prefix + l
		}
	}
	return lines
}

// fenced draws a fenced code block between its fences, shown faint as the
// author wrote them (with the info string, which says how oncall may run
// the block), and its lines in the code style.
func (r *renderer) fenced(n *block, width int) []string {
	// The info string is the text after the opening fence.
	fence := "```" + cleanText(n.info)
	faint := r.pal.style(aFaint)
	out := []string{faint.Render(ansi.Truncate(fence, width, ""))}
	out = append(out, r.code(n.lines, "  ", width)...)
	return append(out, faint.Render(ansi.Truncate("```", width, "")))
}

// code draws code lines after an indent, in the code style. A line longer
// than the room left continues on the next line after a faint "↪ ", so a
// command is never cut silently and is never joined with the next one.
func (r *renderer) code(lines []string, indent string, width int) []string {
	if width-len(indent) < minContent {
		indent = ""
	}
	room := width - len(indent)
	st, faint := r.pal.style(aCodeBlock), r.pal.style(aFaint)
	var out []string
	for _, l := range lines {
		l = strings.TrimRight(cleanText(l), " ")
		first := true
		for {
			avail := room
			lead := indent
			if !first && room >= 4 {
				avail = room - 2
				lead = indent + faint.Render("↪ ")
			}
			head, tail := cutCells(l, avail, true)
			out = append(out, lead+st.Render(head))
			if tail == "" {
				break
			}
			l, first = tail, false
		}
	}
	return out
}

// rawLines draws lines as written (sanitized), each wrapped on its own.
func (r *renderer) rawLines(raw []string, width int, a attr) []string {
	var out []string
	for _, l := range raw {
		l = strings.TrimRight(cleanText(l), " ")
		out = append(out, wrapRuns([]run{{l, a}}, width, 0, r.pal)...)
	}
	return out
}
