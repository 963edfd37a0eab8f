package mdterm

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// run is a piece of inline text in one style. The text is sanitized; a
// run whose text is "\n" is a hard line break.
type run struct {
	text string
	a    attr
}

// inlines parses the text of n (a paragraph or a heading) and flattens
// it into runs, a being the style they inherit.
func (r *renderer) inlines(n *block, a attr) []run {
	var out []run
	tree := n.inl
	if tree == nil {
		tree = parseInlines(strings.Join(n.lines, ""))
	}
	r.walkInline(tree, a, &out)
	return out
}

func (r *renderer) walkInline(n *inline, a attr, out *[]run) {
	add := func(s string, a attr) {
		if s = cleanText(s); s != "" {
			*out = append(*out, run{s, a})
		}
	}
	for c := n.first; c != nil; c = c.next {
		switch c.kind {
		case iText:
			add(decode(c.text), a)
			switch {
			case c.brk&brHard != 0:
				*out = append(*out, run{"\n", a})
			case c.brk&brSoft != 0:
				add(" ", a)
			}
		case iCode:
			// Its text is literal: no escapes, no references.
			add(c.text, a|aCode)
		case iEmph:
			e := aItalic
			if c.level >= 2 {
				e = aBold
			}
			r.walkInline(c, a|e, out)
		case iLink:
			start := len(*out)
			r.walkInline(c, a|aLink, out)
			url := decode(c.dest)
			if url != "" && url != runsText((*out)[start:]) {
				add(" ", a)
				add("("+url+")", a|aURL)
			}
		case iImage:
			add("image: ", a|aFaint)
			r.walkInline(c, a|aItalic, out)
			if url := decode(c.dest); url != "" {
				add(" ", a)
				add("("+url+")", a|aURL)
			}
		case iAuto:
			add(c.text, a|aLink)
		case iHTML:
			// Inline HTML is shown as the text it is.
			add(c.text, a|aFaint)
		default:
			r.walkInline(c, a, out)
		}
	}
}

func runsText(runs []run) string {
	var b strings.Builder
	for _, r := range runs {
		b.WriteString(r.text)
	}
	return b.String()
}

// dropText removes the first n bytes of text from runs, and the spaces
// that then lead.
func dropText(runs []run, n int) []run {
	for len(runs) > 0 && n > 0 {
		if len(runs[0].text) <= n {
			n -= len(runs[0].text)
			runs = runs[1:]
			continue
		}
		runs[0].text = runs[0].text[n:]
		n = 0
	}
	for len(runs) > 0 {
		t := strings.TrimLeft(runs[0].text, " ")
		if t != "" {
			runs[0].text = t
			break
		}
		runs = runs[1:]
	}
	return runs
}

// decode resolves what CommonMark resolves in text: backslash escapes of
// punctuation and character references (&amp;, &#x1b;). The result is not
// yet sanitized.
func decode(v string) string {
	if !strings.ContainsAny(v, `\&`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v) && isASCIIPunct(v[i+1]):
			b.WriteByte(v[i+1])
			i++
			continue
		case c == '&':
			// A reference is at most 32 bytes ("&CounterClockwiseContourIntegral;").
			if j := strings.IndexByte(v[i:min(len(v), i+34)], ';'); j > 1 {
				if res, ok := charRef(v[i+1 : i+j]); ok {
					b.WriteString(res)
					i += j
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// wrapRuns lays runs out in lines of at most width cells, breaking at
// spaces; lines after the first are indented by hang cells when that
// leaves room. A word longer than a line is broken between graphemes.
// Runs of the same style next to each other are styled once.
func wrapRuns(runs []run, width, hang int, pal *palette) []string {
	type word struct {
		pieces []run
		w      int
		sp     attr // the style of the space before it
		br     bool // a hard line break, not a word
	}
	var words []word
	var cur word
	var spAttr attr
	flush := func() {
		if len(cur.pieces) > 0 {
			cur.sp = spAttr
			words = append(words, cur)
		}
		cur = word{}
	}
	for _, rn := range runs {
		if rn.text == "\n" {
			flush()
			words = append(words, word{br: true})
			continue
		}
		for t := rn.text; t != ""; {
			i := strings.IndexByte(t, ' ')
			if i == 0 {
				flush()
				spAttr = rn.a
				t = t[1:]
				continue
			}
			if i < 0 {
				i = len(t)
			}
			cur.pieces = append(cur.pieces, run{t[:i], rn.a})
			cur.w += ansi.StringWidth(t[:i])
			t = t[i:]
		}
	}
	flush()

	if width-hang < minContent {
		hang = 0
	}
	pad := strings.Repeat(" ", hang)
	var lines []string
	var line []run
	var text strings.Builder // the line's text, measured whole
	lineW, avail := 0, width
	emit := func() {
		lead := ""
		if len(lines) > 0 {
			lead = pad
		}
		lines = append(lines, lead+pal.renderRuns(line))
		line, lineW, avail = nil, 0, width-hang
		text.Reset()
	}
	for _, wd := range words {
		if wd.br {
			emit()
			continue
		}
		if lineW > 0 {
			// Measured whole, not summed: a grapheme may join across
			// the space (a lone variation selector makes it two cells).
			w := ansi.StringWidth(text.String() + " " + runsText(wd.pieces))
			if w <= avail {
				line = append(line, run{" ", wd.sp})
				line = append(line, wd.pieces...)
				text.WriteString(" " + runsText(wd.pieces))
				lineW = w
				continue
			}
			emit()
		}
		pieces, w := wd.pieces, wd.w
		if w > avail {
			// Measured only as far as the line, not whole on every
			// cut: a word of a megabyte costs its length, not its
			// length times its lines.
			for wider(pieces, avail) {
				head, tail := cutRuns(pieces, avail)
				line = head
				emit()
				pieces = tail
			}
			w = runsWidth(pieces)
		}
		line = append(line, pieces...)
		text.WriteString(runsText(pieces))
		lineW = max(w, 1)
	}
	if len(line) > 0 {
		emit()
	}
	return lines
}

func runsWidth(runs []run) int {
	w := 0
	for _, r := range runs {
		w += ansi.StringWidth(r.text)
	}
	return w
}

// wider reports whether runs measure more than n cells, reading no
// further into them than it takes to tell.
func wider(runs []run, n int) bool {
	left := n
	for _, r := range runs {
		if _, tail := cutCells(r.text, left, false); tail != "" {
			return true
		}
		left -= ansi.StringWidth(r.text)
	}
	return false
}

// cutRuns splits runs into a head at most n cells wide and the rest,
// which may share runs' array (and its first run is changed). The
// head is never empty: a grapheme wider than n on its own (a wide rune
// in a one-cell line) is replaced by "…" so the text still moves on.
func cutRuns(runs []run, n int) (head, tail []run) {
	left := n
	for i, rn := range runs {
		h, t := cutCells(rn.text, left, len(head) == 0)
		if t == "" && h == rn.text {
			head = append(head, rn)
			left -= ansi.StringWidth(rn.text)
			continue
		}
		if h != "" {
			head = append(head, run{h, rn.a})
		}
		if t == "" {
			return head, runs[i+1:]
		}
		// The rest of the run takes its place: runs is the caller's to
		// give up, and copying what follows at every cut would cost a
		// word of many runs its runs times its lines.
		runs[i].text = t
		return head, runs[i:]
	}
	return head, nil
}

// cutCells splits plain text into a head at most n cells wide and the
// rest, between grapheme clusters. With force the head is not empty when
// s is not: a first grapheme wider than n is replaced by "…", so a caller
// cutting in a loop always moves on.
func cutCells(s string, n int, force bool) (head, tail string) {
	w := 0
	for i := 0; i < len(s); {
		g, gw := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		if g == "" {
			break
		}
		if w+gw > n {
			if i == 0 && force {
				return "…", s[len(g):]
			}
			return s[:i], s[i:]
		}
		w += gw
		i += len(g)
	}
	return s, ""
}
