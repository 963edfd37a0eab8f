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
	for _, s := range []string{"\x1b[31mx", "\x1b]0;t\x07", "a\nb", "\u202e", "\xff", "\x9b1m", "\x1bP q\x1b\\"} {
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
	})
}
