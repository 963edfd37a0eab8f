package incident

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "db-primary CPU high", "db-primary CPU high"},
		{"colour", "\x1b[31mred\x1b[0m alert", "red alert"},
		{"clear screen", "a\x1b[2J\x1b[Hb", "ab"},
		{"osc title bel", "x\x1b]0;pwned\x07y", "xy"},
		{"osc hyperlink st", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"c1 csi", "a\u009b31mb", "ab"},
		{"newlines become spaces", "line1\nline2\r\nline3", "line1 line2 line3"},
		{"tab", "a\tb", "a b"},
		{"bell and nul", "a\x07\x00b", "ab"},
		{"bidi override", "abc\u202edcba", "abcdcba"},
		{"invalid utf8", "ok\xff\xfeok", "okok"},
		{"trailing esc", "abc\x1b", "abc"},
		{"unicode kept", "Zürich 東京 ✓", "Zürich 東京 ✓"},
		{"trim", "  spaced  ", "spaced"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Clean(c.in); got != c.want {
				t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
	if got := CleanLines("a\x1b[1m\nb\r\n"); got != "a\nb" {
		t.Errorf("CleanLines kept %q", got)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"\x1b[31mx", "\x1b]0;t\x07", "a\nb", "\u202e", "\xff", "\x9b1m", "\x1bP q\x1b\\", "👩\u200d💻 Zürich\u00ad", "\u202f\u2060\u206a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Clean(s), CleanLines(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 out of %q", s)
			}
			for _, r := range out {
				if r != '\n' && (unicode.IsControl(r) || isBidi(r)) {
					t.Fatalf("control %U survives in %q (from %q)", r, out, s)
				}
			}
		}
		if strings.Contains(Clean(s), "\n") {
			t.Fatalf("Clean kept a newline: %q", s)
		}
		if Clean(Clean(s)) != Clean(s) {
			t.Fatalf("Clean is not idempotent on %q", s)
		}
		// Nothing harmless is removed: text with no control, separator,
		// bidi mark or invalid byte comes out as it went in, but trimmed.
		harmless := utf8.ValidString(s)
		for _, r := range s {
			if unicode.IsControl(r) || isBidi(r) || r == '\u2028' || r == '\u2029' {
				harmless = false
			}
		}
		if harmless && Clean(s) != strings.TrimSpace(s) {
			t.Fatalf("Clean(%q) = %q, changed harmless text", s, Clean(s))
		}
	})
}

// TestCleanSequences pins where each kind of escape sequence ends, so that
// neither its payload leaks onto the screen nor the text after it is eaten.
// Each row names the mistake in the scanner that it catches.
func TestCleanSequences(t *testing.T) {
	cases := []struct{ name, in, want string }{
		// String sequences: ESC ] (OSC), P (DCS), _ (APC), ^ (PM), X (SOS)
		// run to BEL or ST. Treated as two-byte escapes, their payload
		// would show as text.
		{"osc to bel", "a\x1b]2;title\x07b", "ab"},
		{"dcs sixel to st", "a\x1bPq#0;2;0;0;0~-\x1b\\b", "ab"},
		{"dcs to bel", "a\x1bP1$r0m\x07b", "ab"},
		{"apc to st", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"pm to st", "a\x1b^private message\x1b\\b", "ab"},
		{"sos to st", "a\x1bXstart of string\x1b\\b", "ab"},
		// The text right after the terminator is kept, to the byte.
		{"bel terminator only", "\x1b]0;t\x07xyz", "xyz"},
		{"st terminator only", "\x1b]0;t\x1b\\xyz", "xyz"},
		// An ESC inside the payload that does not start ST does not end it.
		{"esc inside payload", "a\x1b]0;x\x1bYz\x07b", "ab"},
		// Unterminated: the payload runs to the end of the text, even when
		// the text ends in a lone ESC (which must not be read past).
		{"unterminated osc", "a\x1b]0;never ends", "a"},
		{"osc ends in esc", "a\x1b]0;t\x1b", "a"},
		{"dcs ends in esc", "a\x1bPq\x1b", "a"},
		{"bare osc introducer", "a\x1b]", "a"},
		// Two-byte escapes take exactly two bytes.
		{"two-byte escape", "a\x1b7b\x1b8c", "abc"},
		{"esc then esc", "a\x1b\x1b[1mb", "a[1mb"},
		// CSI final bytes are 0x40..0x7e, both ends included; parameters
		// and intermediates (0x20..0x3f) belong to the sequence.
		{"csi final @", "a\x1b[2@b", "ab"},
		{"csi final ~", "a\x1b[3~b", "ab"},
		{"csi intermediate space", "a\x1b[2 qb", "ab"},
		{"csi private marker", "a\x1b[?25lb", "ab"},
		{"unterminated csi", "a\x1b[31", "a"},
		{"bare csi introducer", "a\x1b[", "a"},
		// A malformed CSI stops before the stray byte, which is then
		// judged on its own: a newline becomes a space, a letter of
		// another script is kept whole.
		{"csi cut by newline", "a\x1b[31\nb", "a b"},
		{"csi cut by utf8", "a\x1b[1éb", "aéb"},
		{"csi cut by del", "a\x1b[1\x7fb", "ab"},
		{"c1 csi cut by utf8", "a\u009b1éb", "aéb"},
		{"c1 csi final ~", "a\u009b3~b", "ab"},
		{"c1 csi unterminated", "a\u009b31", "a"},
		// One invalid byte goes, the next character stays.
		{"invalid byte then text", "a\xffb", "ab"},
		{"truncated rune", "a\xe6\x9db", "ab"},
		// U+FFFD written as valid UTF-8 is text, not an encoding error.
		{"replacement char kept", "a\ufffdb", "a\ufffdb"},
		// Line and paragraph separators would break the line like \n.
		{"line separator", "a\u2028b", "ab"},
		{"paragraph separator", "a\u2029b", "ab"},
		{"c1 next line", "a\u0085b", "ab"},
		{"del", "a\x7fb", "ab"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Clean(c.in); got != c.want {
				t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// TestCleanBidi: every bidirectional override, embedding, isolate and mark
// goes, each range to both of its ends; other format characters that
// scripts and emoji need (the zero-width joiner) and the neighbours of the
// ranges stay.
func TestCleanBidi(t *testing.T) {
	for _, r := range []rune{
		'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', // LRE RLE PDF LRO RLO
		'\u2066', '\u2067', '\u2068', '\u2069', // LRI RLI FSI PDI
		'\u200e', '\u200f', // LRM RLM
	} {
		in := "a" + string(r) + "b"
		if got := Clean(in); got != "ab" {
			t.Errorf("Clean(%q) = %q, want %q (%U removed)", in, got, "ab", r)
		}
		if !isBidi(r) {
			t.Errorf("isBidi(%U) = false", r)
		}
	}
	for _, s := range []string{
		"👩\u200d💻",        // ZWJ inside an emoji sequence
		"क्\u200dष",       // ZWJ in Devanagari
		"a\u202fb",        // narrow no-break space, after RLO
		"a\u200db\u200cc", // ZWJ and ZWNJ, just before LRM
		"a\u2060b",        // word joiner, before LRI
		"a\u206ab",        // after PDI
	} {
		if got := Clean(s); got != s {
			t.Errorf("Clean(%q) = %q, want it unchanged", s, got)
		}
	}
}

// TestCleanLinesKeepsOnlyNewlines: CleanLines keeps \n and nothing else
// that Clean removes.
func TestCleanLinesKeepsOnlyNewlines(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a\nb", "a\nb"},
		{"a\r\nb\rc", "a\nbc"},
		{"a\tb", "a b"},
		{"a\x1b[31m\nb\x1b]0;t\x07", "a\nb"},
		{"a\u2028b\u202e\nc", "ab\nc"},
		{"\n\n  x  \n", "x"},
	}
	for _, c := range cases {
		if got := CleanLines(c.in); got != c.want {
			t.Errorf("CleanLines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
