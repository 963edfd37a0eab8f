package postmortem

// indenter is an io.Writer that lays out the compact JSON written to it as
// json.Encoder.SetIndent("", indent) lays it out, appending to dst: one
// member or element a line, "key": value, and empty objects and arrays
// left as {} and [].
//
// encoding/json indents with its validating scanner, a state machine
// stepped per byte, which made indenting a draft of 10,000 events cost more
// than encoding it. What is written here is always what json.Encoder
// writes without indentation: valid, no whitespace outside strings but the
// final newline. So only strings need telling apart from structure, and
// inside a string only the quote that ends it, the first '"' not escaped
// by a backslash. Strings are copied in runs, not byte by byte. The state
// carries across writes, so a value may arrive in any number of pieces.
type indenter struct {
	dst    []byte
	indent string
	depth  int
	open   bool // after '{' or '[': the line break waits to see if it is empty
	str    bool // inside a string
	esc    bool // inside a string, after a backslash
}

func (w *indenter) Write(p []byte) (int, error) {
	dst := w.dst
	newline := func(depth int) {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, w.indent...)
		}
	}
	for i := 0; i < len(p); i++ {
		if w.str {
			j := i
			for ; j < len(p); j++ {
				switch {
				case w.esc:
					w.esc = false
				case p[j] == '\\':
					w.esc = true
				case p[j] == '"':
					w.str = false
				}
				if !w.str {
					break
				}
			}
			end := min(j+1, len(p))
			dst = append(dst, p[i:end]...)
			i = end - 1
			continue
		}
		c := p[i]
		if w.open && c != '}' && c != ']' {
			w.open = false
			w.depth++
			newline(w.depth)
		}
		switch c {
		case '"':
			w.str = true
			dst = append(dst, c)
		case '{', '[':
			w.open = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline(w.depth)
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			if w.open {
				w.open = false
			} else {
				w.depth--
				newline(w.depth)
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	w.dst = dst
	return len(p), nil
}

// indentJSON appends src, compact JSON, to dst laid out by an indenter.
func indentJSON(dst, src []byte, indent string) []byte {
	w := indenter{dst: dst, indent: indent}
	w.Write(src)
	return w.dst
}
