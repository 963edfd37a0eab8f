package mdterm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The inline parser reads a paragraph's or a heading's text into a small
// tree: text, code spans, emphasis, links, images, autolinks and inline
// HTML. It reads line by line; a line's text ends at the next construct
// or at the line's end, where its trailing spaces go and a soft or hard
// break is noted on it. Emphasis follows CommonMark's delimiter run rules
// (flanking, the rule of three) and links its bracket rules (no link in a
// link's text). The work stays near linear on hostile input: the search
// for an emphasis opener keeps a floor per kind of closer, a bracket
// knows in constant time whether a link was made inside it, a backtick
// run that found no closer is not looked for again, and text is joined
// by re-slicing the source, never by copying.

type inlineKind uint8

const (
	iText inlineKind = iota
	iCode
	iEmph
	iLink
	iImage
	iAuto
	iHTML
	iDelim   // an emphasis delimiter run, while parsing
	iBracket // an opening "[" or "![", while parsing
)

// Line breaks noted on a text node.
const (
	brSoft uint8 = 1 << iota
	brHard
)

// inline is a node of the inline tree, kept as a doubly linked list of
// children so emphasis and links can take a range of siblings in.
type inline struct {
	kind inlineKind
	// text is a text node's source (escapes and references not yet
	// decoded), a code span's literal text, an autolink's label or inline
	// HTML as written.
	text       string
	start, end int // a text node's place in the source, to merge neighbours
	brk        uint8
	level      int    // emphasis: 1 or 2
	dest       string // a link's or an image's destination, undecoded

	parent, first, lastKid, prev, next *inline

	// Delimiter runs.
	dchar              byte
	dlen, olen         int
	canOpen, canClose  bool
	prevDelim, nextDel *inline

	// Brackets.
	image       bool
	prevBr      *inline
	delimBase   *inline // the last delimiter when the bracket opened
	linksBefore int     // how many links were made before it opened
}

func (n *inline) append(c *inline) {
	c.parent, c.prev, c.next = n, n.lastKid, nil
	if n.lastKid != nil {
		n.lastKid.next = c
	} else {
		n.first = c
	}
	n.lastKid = c
}

func (n *inline) unlink() {
	p := n.parent
	if n.prev != nil {
		n.prev.next = n.next
	} else if p != nil {
		p.first = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else if p != nil {
		p.lastKid = n.prev
	}
	n.parent, n.prev, n.next = nil, nil, nil
}

func (n *inline) insertAfter(c *inline) {
	c.parent, c.prev, c.next = n.parent, n, n.next
	if n.next != nil {
		n.next.prev = c
	} else if n.parent != nil {
		n.parent.lastKid = c
	}
	n.next = c
}

type inlineParser struct {
	src       string
	root      *inline
	lastDelim *inline
	lastBr    *inline
	links     int // links made so far
	// An angle destination found to fail from anywhere in [noDestFrom,
	// noDestTo), the last plain destination scanned to its line's end in
	// vain, the last line end found, and for each title closer looked for
	// the position from which none follows.
	noDestFrom, noDestTo int
	dest                 *destScan
	lineFrom, lineTo     int
	noTitle              map[byte]int
	// noClose is, for each closer of inline HTML looked for in vain, the
	// position from which none follows.
	noClose map[string]int
	// noCloser[n] is the position from which no backtick run of length n
	// closes a code span, once a search found none.
	noCloser map[int]int
}

// parseInlines parses src, a paragraph's lines (each but the last ending
// in "\n"), into a tree whose root holds the top-level nodes.
func parseInlines(src string) *inline {
	p := &inlineParser{src: src, root: &inline{}}
	pos := 0
	for pos < len(src) {
		pos = p.line(pos)
	}
	p.processEmphasis(nil)
	// Brackets never closed are text.
	for b := p.lastBr; b != nil; b = b.prevBr {
		b.kind = iText
	}
	return p.root
}

// line parses the line starting at pos and returns where the next begins.
func (p *inlineParser) line(pos int) int {
	s := p.src
	nl := strings.IndexByte(s[pos:], '\n')
	hasNL := nl >= 0
	end := len(s)
	if hasNL {
		end = pos + nl
	}
	// The text of the line ends before a hard break's marker.
	textEnd := end
	var brk uint8
	visible := false
	switch {
	case hasNL && end-pos >= 2 && s[end-1] == '\\' && s[end-2] != '\\',
		hasNL && end-pos == 1 && s[end-1] == '\\':
		textEnd = end - 1
		brk, visible = brHard, true
	case hasNL && end-pos >= 2 && s[end-1] == ' ' && s[end-2] == ' ':
		textEnd = end - 2
		brk = brHard
	case hasNL:
		brk = brSoft
	}
	start := pos
	escaped := false
	for i := pos; i < textEnd; i++ {
		c := s[i]
		if escaped {
			escaped = false
			continue
		}
		if c == '\\' {
			escaped = true
			continue
		}
		if !strings.ContainsRune("`[]!<*_", rune(c)) {
			continue
		}
		if i > start {
			p.mergeText(start, i)
		}
		start = i
		n, next := p.construct(i)
		if n == nil {
			continue
		}
		p.root.append(n)
		if next > end {
			// The construct went on over the line's end: the line
			// it ends on is read from there.
			return next
		}
		start = next
		i = next - 1
	}
	t := s[start:textEnd]
	if !visible {
		t = strings.TrimRight(t, " ")
	}
	p.root.append(&inline{kind: iText, text: t, start: start, end: start + len(t), brk: brk})
	if hasNL {
		return end + 1
	}
	return len(s)
}

// mergeText adds s[start:end] as text, joined to the text before it when
// that ends where it starts.
func (p *inlineParser) mergeText(start, end int) {
	if l := p.root.lastKid; l != nil && l.kind == iText && l.end == start && l.brk&brSoft == 0 {
		l.text, l.end = p.src[l.start:end], end
		return
	}
	p.root.append(&inline{kind: iText, text: p.src[start:end], start: start, end: end})
}

// construct tries what may start at i: the node and where it ends.
func (p *inlineParser) construct(i int) (*inline, int) {
	s := p.src
	switch s[i] {
	case '`':
		return p.codeSpan(i)
	case '*', '_':
		return p.delimiter(i)
	case '[':
		return p.openBracket(i, false), i + 1
	case '!':
		if i+1 < len(s) && s[i+1] == '[' {
			return p.openBracket(i, true), i + 2
		}
	case ']':
		return p.closeBracket(i)
	case '<':
		if n, e := autolink(s, i); n != nil {
			return n, e
		}
		if e := p.rawHTML(i); e > i {
			return &inline{kind: iHTML, text: s[i:e]}, e
		}
	}
	return nil, i
}

func (p *inlineParser) codeSpan(i int) (*inline, int) {
	s := p.src
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	open := i + n
	if p.noCloser == nil || p.noCloser[n] > open || p.noCloser[n] == 0 {
		for j := open; j < len(s); {
			if s[j] != '`' {
				j++
				continue
			}
			k := j
			for k < len(s) && s[k] == '`' {
				k++
			}
			if k-j == n {
				return codeNode(s[open:j]), k
			}
			j = k
		}
		if p.noCloser == nil {
			p.noCloser = map[int]int{}
		}
		p.noCloser[n] = open
	}
	// No closer: the backticks are text of their own.
	return &inline{kind: iText, text: s[i:open], start: -1, end: -1}, open
}

// codeNode makes a code span of its content: one space is removed from
// each end when both ends have one and the content is not all spaces.
func codeNode(c string) *inline {
	if strings.Trim(c, " \n") != "" && len(c) >= 2 &&
		(c[0] == ' ' || c[0] == '\n') && (c[len(c)-1] == ' ' || c[len(c)-1] == '\n') {
		c = c[1 : len(c)-1]
	}
	return &inline{kind: iCode, text: c}
}

func (p *inlineParser) delimiter(i int) (*inline, int) {
	s := p.src
	c := s[i]
	j := i
	for j < len(s) && s[j] == c {
		j++
	}
	before := ' '
	if i > 0 {
		before, _ = utf8.DecodeLastRuneInString(s[:i])
	}
	after := ' '
	if j < len(s) {
		after, _ = utf8.DecodeRuneInString(s[j:])
	}
	bp, bs := isPunctRune(before), unicode.IsSpace(before)
	ap, as := isPunctRune(after), unicode.IsSpace(after)
	left := !as && (!ap || bs || bp)
	right := !bs && (!bp || as || ap)
	d := &inline{kind: iDelim, text: s[i:j], start: i, end: j, dchar: c, dlen: j - i, olen: j - i}
	if c == '_' {
		d.canOpen = left && (!right || bp)
		d.canClose = right && (!left || ap)
	} else {
		d.canOpen, d.canClose = left, right
	}
	d.prevDelim = p.lastDelim
	if p.lastDelim != nil {
		p.lastDelim.nextDel = d
	}
	p.lastDelim = d
	return d, j
}

func isPunctRune(r rune) bool {
	if r < utf8.RuneSelf {
		return strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r)
	}
	return unicode.IsPunct(r) || unicode.IsSymbol(r)
}

func isASCIIPunct(c byte) bool {
	return c < utf8.RuneSelf && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0
}

// processEmphasis matches the delimiter runs after base into emphasis,
// then turns what is left of them into text.
func (p *inlineParser) processEmphasis(base *inline) {
	var closer *inline
	for d := p.lastDelim; d != nil && d != base; d = d.prevDelim {
		closer = d
	}
	bottoms := map[[3]int]*inline{}
	for closer != nil {
		if !closer.canClose {
			closer = closer.nextDel
			continue
		}
		key := [3]int{int(closer.dchar), boolInt(closer.canOpen), closer.olen % 3}
		stop := base
		if b, ok := bottoms[key]; ok {
			stop = b
		}
		var opener *inline
		consume := 0
		for o := closer.prevDelim; o != nil && o != base && o != stop; o = o.prevDelim {
			if o.canOpen && o.dchar == closer.dchar {
				if (o.canClose || closer.canOpen) && (o.olen+closer.olen)%3 == 0 && closer.olen%3 != 0 {
					continue
				}
				consume = 1
				if o.dlen >= 2 && closer.dlen >= 2 {
					consume = 2
				}
				opener = o
				break
			}
		}
		if opener == nil {
			bottoms[key] = closer.prevDelim
			next := closer.nextDel
			if !closer.canOpen {
				p.removeDelim(closer)
			}
			closer = next
			continue
		}
		opener.dlen -= consume
		opener.text = opener.text[:opener.dlen]
		opener.end = opener.start + opener.dlen
		closer.dlen -= consume
		closer.text = closer.text[:closer.dlen]
		closer.end = closer.start + closer.dlen
		em := &inline{kind: iEmph, level: consume}
		for c := opener.next; c != nil && c != closer; {
			next := c.next
			c.unlink()
			em.append(c)
			c = next
		}
		opener.insertAfter(em)
		for d := opener.nextDel; d != nil && d != closer; {
			next := d.nextDel
			p.removeDelim(d)
			d = next
		}
		if opener.dlen == 0 {
			p.removeDelim(opener)
		}
		if closer.dlen == 0 {
			next := closer.nextDel
			p.removeDelim(closer)
			closer = next
		}
	}
	for d := p.lastDelim; d != nil && d != base; {
		prev := d.prevDelim
		p.removeDelim(d)
		d = prev
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// removeDelim takes d off the delimiter list; what is left of its run is
// text, joined to the text before it.
func (p *inlineParser) removeDelim(d *inline) {
	if d.prevDelim != nil {
		d.prevDelim.nextDel = d.nextDel
	}
	if d.nextDel != nil {
		d.nextDel.prevDelim = d.prevDelim
	} else if p.lastDelim == d {
		p.lastDelim = d.prevDelim
	}
	d.prevDelim, d.nextDel = nil, nil
	if d.dlen == 0 {
		d.unlink()
		return
	}
	if prev := d.prev; prev != nil && prev.kind == iText && prev.end == d.start && prev.brk&brSoft == 0 {
		prev.text, prev.end = p.src[prev.start:d.end], d.end
		d.unlink()
		return
	}
	d.kind = iText
}
