package mdterm

import "strings"

// Links and images: the brackets the inline parser keeps open, and the
// destination and title that may follow a closing one.

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
