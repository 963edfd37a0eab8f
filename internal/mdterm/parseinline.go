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

func (p *inlineParser) openBracket(i int, image bool) *inline {
	w := 1
	if image {
		w = 2
	}
	b := &inline{kind: iBracket, text: p.src[i : i+w], start: i, end: i + w, image: image,
		prevBr: p.lastBr, delimBase: p.lastDelim, linksBefore: p.links}
	p.lastBr = b
	return b
}

// closeBracket reads a "]" at i: a link or image when an open bracket
// waits and "(destination "title")" follows.
func (p *inlineParser) closeBracket(i int) (*inline, int) {
	b := p.lastBr
	if b == nil {
		return nil, i
	}
	p.lastBr = b.prevBr
	fail := func() (*inline, int) {
		p.bracketToText(b)
		return nil, i
	}
	if !b.image && p.links > b.linksBefore {
		return fail() // a link was made since it opened: no link in a link's text
	}
	dest, e, ok := p.linkTail(i + 1)
	if !ok {
		return fail()
	}
	p.processEmphasis(b.delimBase)
	n := &inline{kind: iLink, dest: dest}
	if b.image {
		n.kind = iImage
	}
	for c := b.next; c != nil; {
		next := c.next
		c.unlink()
		n.append(c)
		c = next
	}
	b.unlink()
	if !b.image {
		p.links++
	}
	return n, e
}

// bracketToText makes an open bracket text, joined to the text before it.
func (p *inlineParser) bracketToText(b *inline) {
	if prev := b.prev; prev != nil && prev.kind == iText && prev.end == b.start && prev.brk&brSoft == 0 {
		prev.text, prev.end = p.src[prev.start:b.end], b.end
		b.unlink()
		return
	}
	b.kind = iText
}

// destScan is a plain link destination scanned to its line's end, whose
// link failed: the balance of parentheses before each byte, and the
// lowest balance from each byte on.
type destScan struct {
	from, to   int
	bal, floor []int
}

// linkTail reads "(destination "title")" at i. A destination scanned to
// its line's end that failed is remembered: a later "(" on the same
// stretch after which the parentheses never close more than they open
// would scan the same text to the same end and fail the same way, so
// "[a](" or "[a](()" repeated cost linear time, not quadratic.
func (p *inlineParser) linkTail(i int) (dest string, end int, ok bool) {
	s := p.src
	if i >= len(s) || s[i] != '(' {
		return "", 0, false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == ')' {
		return "", i + 1, true
	}
	lineEnd := p.lineEnd(i)
	if i < len(s) && s[i] == '<' {
		if i >= p.noDestFrom && i < p.noDestTo {
			return "", 0, false
		}
		j := i + 1
		for ; j < lineEnd; j++ {
			if s[j] == '\\' && j+1 < lineEnd && isASCIIPunct(s[j+1]) {
				j++
				continue
			}
			if s[j] == '>' {
				break
			}
		}
		if j >= lineEnd {
			// No ">" up to the line's end from here, nor from any
			// later "<" before it.
			p.noDestFrom, p.noDestTo = i, lineEnd
			return "", 0, false
		}
		dest, i = s[i+1:j], j+1
	} else {
		if m := p.dest; m != nil && i >= m.from && i < m.to {
			// From here the balance of parentheses never drops under
			// where it starts: the scan would run to the same end and
			// fail the same way.
			if k := i - m.from; m.floor[k+1] >= m.bal[k] {
				return "", 0, false
			}
		}
		// bal[k] is the balance of parentheses before s[i+k].
		bal := make([]int, 0, 64)
		opened := 0
		j := i
	loop:
		for ; j < lineEnd; j++ {
			bal = append(bal, opened)
			switch c := s[j]; {
			case c == '\\' && j+1 < lineEnd && isASCIIPunct(s[j+1]):
				j++
				bal = append(bal, opened)
			case c == '(':
				opened++
			case c == ')':
				opened--
				if opened < 0 {
					break loop
				}
			case c == ' ':
				break loop
			}
		}
		if j == i {
			return "", 0, false
		}
		from := i
		defer func() {
			if !ok && j == lineEnd {
				bal = append(bal, opened)
				floor := make([]int, len(bal))
				floor[len(bal)-1] = bal[len(bal)-1]
				for k := len(bal) - 2; k >= 0; k-- {
					floor[k] = min(bal[k], floor[k+1])
				}
				p.dest = &destScan{from: from, to: lineEnd, bal: bal, floor: floor}
			}
		}()
		dest, i = s[i:j], j
	}
	i = skipSpace(s, i)
	if i < len(s) && s[i] == ')' {
		return dest, i + 1, true
	}
	if i >= len(s) || (s[i] != '"' && s[i] != '\'' && s[i] != '(') {
		return "", 0, false
	}
	closer := s[i]
	if closer == '(' {
		closer = ')'
	}
	j := i + 1
	if nt, known := p.noTitle[closer]; !known || j < nt {
		for ; j < len(s); j++ {
			if s[j] == '\\' && j+1 < len(s) {
				j++
				continue
			}
			if s[j] == closer {
				break
			}
		}
		if j >= len(s) {
			// No closer from here on, nor from any later opener.
			if p.noTitle == nil {
				p.noTitle = map[byte]int{}
			}
			p.noTitle[closer] = i + 1
		}
	} else {
		j = len(s)
	}
	if j >= len(s) {
		return "", 0, false
	}
	i = skipSpace(s, j+1)
	if i < len(s) && s[i] == ')' {
		return dest, i + 1, true
	}
	return "", 0, false
}

// lineEnd is the end of the line holding i, remembered for the next ask.
func (p *inlineParser) lineEnd(i int) int {
	if i >= p.lineFrom && i < p.lineTo {
		return p.lineTo
	}
	e := strings.IndexByte(p.src[i:], '\n')
	if e < 0 {
		e = len(p.src)
	} else {
		e += i
	}
	p.lineFrom, p.lineTo = i, e
	return e
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n') {
		i++
	}
	return i
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

// autolink reads "<scheme:...>" or "<local@domain>" at i.
func autolink(s string, i int) (*inline, int) {
	rest := s[i+1:]
	stop := emailEnd(rest)
	if stop < 0 {
		stop = urlEnd(rest)
	}
	if stop < 0 || stop >= len(rest) || rest[stop] != '>' {
		return nil, i
	}
	return &inline{kind: iAuto, text: rest[:stop]}, i + 1 + stop + 1
}

// urlEnd is the length of an absolute URI at the start of b, or -1: a
// scheme of 2 to 32 letters, digits, "+", "." or "-" starting with a
// letter, a colon, then anything but spaces, controls, "<" and ">".
func urlEnd(b string) int {
	if b == "" || !isASCIILetter(b[0]) {
		return -1
	}
	i := 1
	for i < len(b) && (isASCIILetter(b[i]) || b[i] >= '0' && b[i] <= '9' || b[i] == '+' || b[i] == '.' || b[i] == '-') {
		i++
	}
	if i == 1 || i > 33 || i >= len(b) || b[i] != ':' {
		return -1
	}
	for i++; i < len(b); i++ {
		if c := b[i]; c <= ' ' || c == '<' || c == '>' || c == 0x7f {
			break
		}
	}
	return i
}

// emailEnd is the length of an e-mail address at the start of b, or -1.
func emailEnd(b string) int {
	i := 0
	for i < len(b) && (isASCIILetter(b[i]) || b[i] >= '0' && b[i] <= '9' || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", b[i]) >= 0) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != '@' {
		return -1
	}
	i++
	end := -1
	for {
		// A label: a letter or digit, then up to 62 more of letters,
		// digits and "-", not ending in "-".
		j := i
		for j < len(b) && j-i < 63 && (isAlnum(b[j]) || b[j] == '-') {
			j++
		}
		for j > i && b[j-1] == '-' {
			j--
		}
		if j == i || !isAlnum(b[i]) {
			break
		}
		end = j
		if j >= len(b) || b[j] != '.' {
			break
		}
		i = j + 1
	}
	return end
}

func isAlnum(c byte) bool { return isASCIILetter(c) || c >= '0' && c <= '9' }

// rawHTML returns the end of inline HTML at i (a tag, a comment, a
// processing instruction, a declaration or CDATA), or i. A closer looked
// for to the end in vain is not looked for again from a later opener.
func (p *inlineParser) rawHTML(i int) int {
	rest := p.src[i:]
	until := func(from int, closer string) int {
		if nc, known := p.noClose[closer]; known && i >= nc {
			return i
		}
		if j := strings.Index(rest[from:], closer); j >= 0 {
			return i + from + j + len(closer)
		}
		if p.noClose == nil {
			p.noClose = map[string]int{}
		}
		p.noClose[closer] = i
		return i
	}
	switch {
	case len(rest) > 1 && isAlnum(rest[1]):
		if n := htmlTag(rest); n > 0 {
			return i + n
		}
	case len(rest) > 2 && rest[1] == '/' && isAlnum(rest[2]):
		if n := htmlTag(rest); n > 0 {
			return i + n
		}
	case strings.HasPrefix(rest, "<!-->"):
		return i + 5
	case strings.HasPrefix(rest, "<!--->"):
		return i + 6
	case strings.HasPrefix(rest, "<!--"):
		return until(4, "-->")
	case strings.HasPrefix(rest, "<?"):
		return until(0, "?>")
	case len(rest) > 2 && rest[1] == '!' && rest[2] >= 'A' && rest[2] <= 'Z':
		return until(0, ">")
	case strings.HasPrefix(rest, "<![CDATA["):
		return until(0, "]]>")
	}
	return i
}

// htmlTag returns the length of an open or closing tag at the start of s,
// or 0.
func htmlTag(s string) int {
	if len(s) < 3 || s[0] != '<' {
		return 0
	}
	i := 1
	closing := s[1] == '/'
	if closing {
		i++
	}
	if i >= len(s) || !isASCIILetter(s[i]) {
		return 0
	}
	for i < len(s) && (isAlnum(s[i]) || s[i] == '-') {
		i++
	}
	isWS := func(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }
	if !closing {
		for {
			j := i
			for j < len(s) && isWS(s[j]) {
				j++
			}
			if j == i || j >= len(s) || !(isASCIILetter(s[j]) || s[j] == '_' || s[j] == ':') {
				break
			}
			for j < len(s) && (isAlnum(s[j]) || strings.IndexByte("_.:-", s[j]) >= 0) {
				j++
			}
			i = j
			k := j
			for k < len(s) && isWS(s[k]) {
				k++
			}
			if k < len(s) && s[k] == '=' {
				k++
				for k < len(s) && isWS(s[k]) {
					k++
				}
				if k >= len(s) {
					return 0
				}
				switch q := s[k]; q {
				case '"', '\'':
					e := strings.IndexByte(s[k+1:], q)
					if e < 0 {
						return 0
					}
					i = k + 1 + e + 1
				default:
					e := k
					for e < len(s) && s[e] > ' ' && strings.IndexByte("\"'=<>`", s[e]) < 0 {
						e++
					}
					if e == k {
						return 0
					}
					i = e
				}
			}
		}
	}
	for i < len(s) && isWS(s[i]) {
		i++
	}
	if !closing && strings.HasPrefix(s[i:], "/>") {
		return i + 2
	}
	if i < len(s) && s[i] == '>' {
		return i + 1
	}
	return 0
}
