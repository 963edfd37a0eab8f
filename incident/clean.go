package incident

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes untrusted text safe to put on a terminal: it removes escape
// sequences and every other control character, turns line breaks and tabs
// into spaces (a title or summary must stay on one line), drops invalid
// UTF-8, and trims the result. It is the one place the program sanitizes
// outside text; CleanLines keeps line breaks for multi-line bodies.
func Clean(s string) string {
	return strings.TrimSpace(clean(s, false))
}

// CleanLines is Clean for multi-line text: newlines are kept, carriage
// returns dropped.
func CleanLines(s string) string {
	return strings.TrimSpace(clean(s, true))
}

func clean(s string, keepNewlines bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			i++
			continue
		case r == 0x1b: // ESC: skip the whole sequence
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // C1 CSI
			i += size + csiBodyLen(s[i+size:])
			continue
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r == '\n' || r == '\t':
			b.WriteByte(' ')
		case r == '\r':
		case unicode.IsControl(r), r == '\u2028', r == '\u2029',
			unicode.Is(unicode.Cf, r) && isBidi(r):
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isBidi reports bidirectional overrides and isolates, which can make text
// on screen read differently from what it is.
func isBidi(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f'
}

// escapeLen returns the length of the escape sequence starting at s[0]==ESC.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[': // CSI: parameters and intermediates, then one final byte
		return 2 + csiBodyLen(s[2:])
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: up to BEL or ST
		for j := 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		}
		return len(s)
	default: // two-byte escape
		return 2
	}
}

func csiBodyLen(s string) int {
	for j := 0; j < len(s); j++ {
		if s[j] >= 0x40 && s[j] <= 0x7e {
			return j + 1
		}
		if s[j] < 0x20 || s[j] > 0x7e {
			return j // malformed: stop before the stray byte
		}
	}
	return len(s)
}
