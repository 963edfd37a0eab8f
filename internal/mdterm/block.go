package mdterm

import (
	"strings"
)

// The block parser follows CommonMark's two-phase description: each line
// first continues the open containers it can (quotes, list items, an open
// code or HTML block), then may open new blocks, then either continues an
// open paragraph lazily or lands in the innermost matched container. Every
// line is looked at a fixed number of times per open container, so the
// work is the input's length times its nesting, and nesting deeper than
// maxNest containers is read as text rather than opened.

// blockKind is what a block is.
type blockKind uint8

const (
	bDocument blockKind = iota
	bParagraph
	bHeading
	bList
	bItem
	bQuote
	bFenced
	bIndented
	bBreak
	bHTML
)

// maxNest bounds how many containers a line may open or continue; the
// renderer stops indenting at maxDepth anyway, and the bound keeps the
// per-line work small on a line of five thousand ">".
const maxNest = 64

// block is a node of the block tree.
type block struct {
	kind   blockKind
	parent *block
	kids   []*block
	open   bool

	// lines are a leaf's lines. A paragraph's lines have their leading
	// spaces removed and keep their "\n", except the last, trimmed; a
	// heading has one line of text; code and HTML lines are as written,
	// without "\n".
	lines []string
	// inl is the text's inline tree when it was read already (a test
	// compares trees read elsewhere); else lines are parsed on drawing.
	inl *inline

	level int    // a heading's level
	info  string // a fenced block's info string

	// Lists and items.
	ordered bool
	marker  byte // '-', '+', '*', '.' or ')'
	start   int
	tight   bool
	// An item's content starts at offset+padding columns in its container.
	padding   int
	startLine int

	// Fenced code.
	fenceChar   byte
	fenceLen    int
	fenceOffset int

	htmlEnd int // which of CommonMark's HTML block conditions opened it

	lastLineBlank bool
}

func (b *block) last() *block {
	if len(b.kids) == 0 {
		return nil
	}
	return b.kids[len(b.kids)-1]
}

// acceptsLines is true for the leaves whose lines are taken as written.
func (b *block) acceptsLines() bool {
	return b.kind == bParagraph || b.kind == bFenced || b.kind == bIndented || b.kind == bHTML
}

func canContain(parent, child blockKind) bool {
	switch parent {
	case bDocument, bQuote, bItem:
		return child != bItem
	case bList:
		return child == bItem
	}
	return false
}

// blockParser holds the state of a parse: the line being read, the
// position in it and the tip (the deepest open block).
type blockParser struct {
	doc     *block
	tip     *block
	oldTip  *block
	lastMat *block

	line         string
	lineNo       int
	hasNL        bool // the line ended with "\n"
	offset       int
	nextNonspace int
	indent       int
	indented     bool
	blank        bool
	allClosed    bool
	nest         int
	opened       *block // a fenced block opened on this line
}

// parseBlocks reads src into a block tree.
func parseBlocks(src string) *block {
	doc := &block{kind: bDocument, open: true}
	p := &blockParser{doc: doc, tip: doc, oldTip: doc}
	lines := strings.Split(src, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		p.lineNo = i
		p.hasNL = i < len(lines)-1 || strings.HasSuffix(src, "\n")
		p.incorporate(l)
	}
	for p.tip != nil {
		p.finalize(p.tip)
	}
	return doc
}

func (p *blockParser) findNextNonspace() {
	i := p.offset
	for i < len(p.line) && p.line[i] == ' ' {
		i++
	}
	p.blank = i == len(p.line)
	p.nextNonspace = i
	p.indent = i - p.offset
	p.indented = p.indent >= 4
}

func (p *blockParser) advanceNextNonspace() {
	p.offset = p.nextNonspace
}

func (p *blockParser) advance(n int) {
	p.offset = min(p.offset+n, len(p.line))
}

func (p *blockParser) peek(i int) byte {
	if i < len(p.line) {
		return p.line[i]
	}
	return '\n'
}

func (p *blockParser) addChild(kind blockKind) *block {
	for !canContain(p.tip.kind, kind) {
		p.finalize(p.tip)
	}
	b := &block{kind: kind, parent: p.tip, open: true, startLine: p.lineNo}
	p.tip.kids = append(p.tip.kids, b)
	p.tip = b
	return b
}

func (p *blockParser) closeUnmatched() {
	if !p.allClosed {
		for p.oldTip != p.lastMat {
			parent := p.oldTip.parent
			p.finalize(p.oldTip)
			p.oldTip = parent
		}
		p.allClosed = true
	}
}

// addLine adds the rest of the line to the tip.
func (p *blockParser) addLine() {
	rest := p.line[p.offset:]
	if p.tip.kind == bParagraph {
		rest = strings.TrimLeft(rest, " ")
		if p.hasNL {
			rest += "\n"
		}
	}
	p.tip.lines = append(p.tip.lines, rest)
}

// continues reports whether the open block b goes on on this line,
// consuming its markers: 0 it does, 1 it does not, 2 the line was its
// closing fence and is done.
func (p *blockParser) continues(b *block) int {
	switch b.kind {
	case bQuote:
		if !p.indented && p.peek(p.nextNonspace) == '>' {
			p.advanceNextNonspace()
			p.advance(1)
			if p.peek(p.offset) == ' ' {
				p.advance(1)
			}
			return 0
		}
		return 1
	case bItem:
		if p.blank {
			if len(b.kids) == 0 {
				return 1 // an item begins with at most one blank line
			}
			p.advanceNextNonspace()
			return 0
		}
		if p.indent >= b.padding {
			p.advance(b.padding)
			return 0
		}
		return 1
	case bList, bDocument:
		return 0
	case bFenced:
		if !p.indented && p.peek(p.nextNonspace) == b.fenceChar {
			n := 0
			i := p.nextNonspace
			for i < len(p.line) && p.line[i] == b.fenceChar {
				i++
				n++
			}
			if n >= b.fenceLen && strings.Trim(p.line[i:], " ") == "" {
				p.finalize(b)
				return 2
			}
		}
		// Remove up to the opening fence's indentation.
		for i := b.fenceOffset; i > 0 && p.peek(p.offset) == ' '; i-- {
			p.advance(1)
		}
		return 0
	case bIndented:
		if p.indent >= 4 {
			p.advance(4)
			return 0
		}
		if p.blank {
			p.advanceNextNonspace()
			return 0
		}
		return 1
	case bHTML:
		if p.blank && (b.htmlEnd == 6 || b.htmlEnd == 7) {
			return 1
		}
		return 0
	case bParagraph:
		if p.blank {
			return 1
		}
		return 0
	}
	return 1 // headings and breaks hold one line
}

func (p *blockParser) incorporate(line string) {
	p.line = line
	p.offset = 0
	p.blank = false
	p.oldTip = p.tip
	p.nest = 0
	p.opened = nil

	container := p.doc
	for {
		last := container.last()
		if last == nil || !last.open {
			break
		}
		container = last
		p.findNextNonspace()
		switch p.continues(container) {
		case 0:
			if container.kind == bQuote || container.kind == bItem {
				p.nest++
			}
			continue
		case 2:
			return // a closing fence
		}
		container = container.parent
		break
	}

	p.allClosed = container == p.oldTip
	p.lastMat = container

	matchedLeaf := container.kind != bParagraph && container.acceptsLines()
	for !matchedLeaf {
		p.findNextNonspace()
		if p.nest >= maxNest {
			p.advanceNextNonspace()
			break
		}
		r, c := p.startBlock(container)
		if r == 0 {
			p.advanceNextNonspace()
			break
		}
		container = c
		if r == 2 {
			break
		}
		p.nest++
	}

	if !p.allClosed && !p.blank && p.tip.kind == bParagraph {
		// A lazy continuation line.
		p.addLine()
		return
	}
	p.closeUnmatched()
	if p.blank && container.last() != nil {
		container.last().lastLineBlank = true
	}
	t := container.kind
	lastLineBlank := p.blank &&
		!(t == bQuote || t == bFenced || (t == bItem && len(container.kids) == 0 && container.startLine == p.lineNo))
	for c := container; c != nil; c = c.parent {
		c.lastLineBlank = lastLineBlank
	}
	switch {
	case container.kind == bFenced && p.opened == container:
		// The opening fence is no line of the code.
	case container.acceptsLines():
		p.addLine()
		if t == bHTML && htmlEnds(container.htmlEnd, p.line[p.offset:]) {
			p.finalize(container)
		}
	case p.offset < len(p.line) && !p.blank:
		p.addChild(bParagraph)
		p.advanceNextNonspace()
		p.addLine()
	}
}

// startBlock tries the block starts on the line in container: 0 none, 1
// a container was opened (keep looking), 2 a leaf was.
func (p *blockParser) startBlock(container *block) (int, *block) {
	if !p.indented {
		c := p.peek(p.nextNonspace)
		rest := p.line[p.nextNonspace:]
		switch {
		case c == '>':
			p.advanceNextNonspace()
			p.advance(1)
			if p.peek(p.offset) == ' ' {
				p.advance(1)
			}
			p.closeUnmatched()
			return 1, p.addChild(bQuote)
		case c == '#':
			if lvl, text, ok := atxHeading(rest); ok {
				p.advanceNextNonspace()
				p.closeUnmatched()
				h := p.addChild(bHeading)
				h.level = lvl
				h.lines = []string{text}
				p.offset = len(p.line)
				return 2, h
			}
		case c == '`' || c == '~':
			if n, info, ok := fenceOpen(rest); ok {
				p.closeUnmatched()
				f := p.addChild(bFenced)
				f.fenceChar, f.fenceLen, f.fenceOffset = c, n, p.indent
				f.info = info
				p.opened = f
				p.offset = len(p.line)
				return 2, f
			}
		case c == '<':
			if k := htmlStart(rest, container.kind == bParagraph); k > 0 {
				p.closeUnmatched()
				h := p.addChild(bHTML)
				h.htmlEnd = k
				// The line is added whole, indentation included.
				return 2, h
			}
		}
		if container.kind == bParagraph && setextUnderline(rest) > 0 {
			p.closeUnmatched()
			container.level = setextUnderline(rest)
			p.finalizeParagraph(container)
			container.kind = bHeading
			p.offset = len(p.line)
			return 2, container
		}
		if thematicBreak(rest) {
			p.closeUnmatched()
			b := p.addChild(bBreak)
			p.offset = len(p.line)
			return 2, b
		}
	}
	if !p.indented {
		if item, ok := p.listMarker(container); ok {
			p.closeUnmatched()
			if p.tip.kind != bList || !listsMatch(p.tip, item) {
				l := p.addChild(bList)
				l.ordered, l.marker, l.start, l.tight = item.ordered, item.marker, item.start, true
			}
			it := p.addChild(bItem)
			it.ordered, it.marker, it.start, it.padding = item.ordered, item.marker, item.start, item.padding
			return 1, it
		}
	}
	if p.indented && p.tip.kind != bParagraph && !p.blank {
		p.advance(4)
		p.closeUnmatched()
		return 2, p.addChild(bIndented)
	}
	return 0, container
}

// listsMatch reports whether item may continue the list l: the same
// bullet, or the same delimiter after a number.
func listsMatch(l, item *block) bool {
	return l.ordered == item.ordered && l.marker == item.marker
}

// listMarker reads a list item's marker at the line's first non-space.
func (p *blockParser) listMarker(container *block) (*block, bool) {
	rest := p.line[p.nextNonspace:]
	item := &block{kind: bItem}
	var n int
	switch {
	case rest != "" && (rest[0] == '-' || rest[0] == '+' || rest[0] == '*'):
		item.marker = rest[0]
		n = 1
	default:
		d := 0
		for d < len(rest) && d < 10 && rest[d] >= '0' && rest[d] <= '9' {
			d++
		}
		if d == 0 || d > 9 || d >= len(rest) || (rest[d] != '.' && rest[d] != ')') {
			return nil, false
		}
		start := 0
		for _, c := range rest[:d] {
			start = start*10 + int(c-'0')
		}
		if container.kind == bParagraph && start != 1 {
			return nil, false
		}
		item.ordered, item.start, item.marker = true, start, rest[d]
		n = d + 1
	}
	if n < len(rest) && rest[n] != ' ' {
		return nil, false
	}
	if container.kind == bParagraph && strings.Trim(rest[n:], " ") == "" {
		return nil, false
	}
	p.advanceNextNonspace()
	p.advance(n)
	spacesStart := p.offset
	for p.offset-spacesStart < 5 && p.peek(p.offset) == ' ' {
		p.offset++
	}
	blankItem := p.offset == len(p.line)
	spaces := p.offset - spacesStart
	if spaces >= 5 || spaces < 1 || blankItem {
		item.padding = n + 1
		p.offset = spacesStart
		if p.peek(p.offset) == ' ' {
			p.offset++
		}
	} else {
		item.padding = n + spaces
	}
	item.padding += p.indent
	return item, true
}

// finalize closes b and makes its parent the tip.
func (p *blockParser) finalize(b *block) {
	b.open = false
	switch b.kind {
	case bParagraph:
		p.finalizeParagraph(b)
	case bIndented:
		for len(b.lines) > 0 && strings.Trim(b.lines[len(b.lines)-1], " ") == "" {
			b.lines = b.lines[:len(b.lines)-1]
		}
	case bList:
		b.tight = true
		for i, item := range b.kids {
			lastItem := i == len(b.kids)-1
			if endsWithBlank(item) && !lastItem {
				b.tight = false
				break
			}
			for j, sub := range item.kids {
				if endsWithBlank(sub) && (!lastItem || j < len(item.kids)-1) {
					b.tight = false
					break
				}
			}
			if !b.tight {
				break
			}
		}
	}
	p.tip = b.parent
}

// finalizeParagraph trims the last line of a paragraph or heading made
// of one, and drops a paragraph left with nothing.
func (p *blockParser) finalizeParagraph(b *block) {
	if n := len(b.lines); n > 0 {
		b.lines[n-1] = strings.TrimRight(b.lines[n-1], " \n")
	}
	if len(b.lines) == 1 && b.lines[0] == "" && b.kind == bParagraph {
		b.lines = nil
	}
}

func endsWithBlank(b *block) bool {
	for b != nil {
		if b.lastLineBlank {
			return true
		}
		if b.kind != bList && b.kind != bItem {
			return false
		}
		b = b.last()
	}
	return false
}
