package mdterm

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Character references: the named ones on the short list, decimal and
// hexadecimal ones in CommonMark's ranges, U+FFFD for 0 and for what is
// no code point; anything else stays as written.
func TestCharacterReferences(t *testing.T) {
	for _, tc := range []struct{ md, want string }{
		{"&amp; &lt; &gt; &quot; &copy; &mdash; &rarr;", `& < > " © — →`},
		{"&#65; &#x41; &#X41; &#0065;", "A A A A"},
		{"&#0123;", "{"}, // decimal, though goldmark read it as octal
		{"&#0; &#x110000; &#xD800;", "� � �"},
		{"&#12345678; &#x1234567; &#; &#x; &#-1; &#+1;", "&#12345678; &#x1234567; &#; &#x; &#-1; &#+1;"},
		{"&bogus; &AMP &amp", "&bogus; &AMP &amp"},
		{`\&amp; \\&amp;`, `&amp; \&`},
		{"`&amp;` [x](https://a.example/?a=1&amp;b=2)", "&amp; x (https://a.example/?a=1&b=2)"},
	} {
		if got := plain(tc.md, 80); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.md, got, tc.want)
		}
	}
}

// Where the parser parts from goldmark, it does what the package comment
// says: CommonMark's rules for items empty on their first line and for
// blank lines inside a fence left open, and no link reference
// definitions.
func TestDocumentedDifferences(t *testing.T) {
	for _, tc := range []struct{ name, md, want string }{
		{"an empty item holds the indented lines after it", "+\n  - x", "• ◦ x"},
		{"a nested empty item ends at a blank line too", "- -\n\n      code", "• ◦ \n\n      code"},
		{"a blank line in an open fence keeps the list tight", "- ~~~\n\n- b", "• ```\n    \n  ```\n• b"},
		{"a reference definition is text", "[id]: https://a.example\n\n[x][id]", "[id]: https://a.example\n\n[x][id]"},
	} {
		if got := plain(tc.md, 40); got != tc.want {
			t.Errorf("%s: Render(%q) =\n%s\nwant\n%s", tc.name, tc.md, got, tc.want)
		}
		// Each is a difference indeed, or the comment says too much.
		if gm := goldmarkRender(tc.md, 40, true); gm == Render(tc.md, 40, true) {
			t.Errorf("%s: goldmark draws %q the same", tc.name, tc.md)
		}
	}
}

// A link tail that failed is remembered only for the starts that would
// fail the same way: a link further on the same line, whose ")" closes
// more than the failed tail opened after it, is still a link.
func TestLinkAfterFailedTail(t *testing.T) {
	for _, tc := range []struct{ md, want string }{
		{"[a](((b)[c](d)", "[a](((b)c (d)"},
		{"[a](<b [c](d)", "[a](<b c (d)"},
		{"[a](<b [c](<d>)", "a (b [c](<d)"}, // "<" inside <...>, as goldmark allows
		{"[a](b \"t [c](d \"u\")", `[a](b "t c (d)`},
		{"[a](()[b](()[c](x)", "[a](()[b](()c (x)"},
	} {
		got := plain(tc.md, 80)
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.md, got, tc.want)
		}
		if gm := ansi.Strip(goldmarkRender(tc.md, 80, true)); gm != got {
			t.Errorf("%q: %q, goldmark's tree draws %q", tc.md, got, gm)
		}
	}
}
