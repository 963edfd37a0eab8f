package postmortem

// indentJSON appends to dst the compact JSON src laid out as
// json.Encoder.SetIndent("", indent) lays it out: one member or element
// a line, "key": value, and empty objects and arrays left as {} and [].
//
// encoding/json indents with its validating scanner, a state machine
// stepped per byte, which made indenting a draft of 10,000 events cost more
// than encoding it. src here is always what json.Encoder has just written
// without indentation: valid, no whitespace outside strings but the final
// newline. So only strings need telling apart from structure, and inside a
// string only the quote that ends it, which is the first '"' not escaped
// by a backslash. Strings are copied in runs, not byte by byte.
func indentJSON(dst, src []byte, indent string) []byte {
	depth := 0
	open := false // after '{' or '[': the line break waits to see if it is empty
	newline := func(depth int) {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if open && c != '}' && c != ']' {
			open = false
			depth++
			newline(depth)
		}
		switch c {
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++ // the escaped byte, a quote perhaps
				}
				j++
			}
			j = min(j, len(src)-1) // an unterminated string: copy what there is
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			open = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline(depth)
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			if open {
				open = false
			} else {
				depth--
				newline(depth)
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
