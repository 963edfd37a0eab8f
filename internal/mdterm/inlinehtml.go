package mdterm

import "strings"

// Autolinks (<https://...>, <someone@example.com>) and raw inline HTML,
// which the renderer shows as the text it is.

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
