package mdterm

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// fragments are pieces of runbook-like Markdown, hostile text among them;
// the generator strings them together at random.
var fragments = []string{
	"# ", "## ", "### ", "Title\n===\n", "text\n---\n", "\n", "\n\n", "  ", "\t", "    ",
	"- ", "* ", "+ ", "1. ", "10) ", "- [ ] ", "- [x] ", "  - ", "    - ", "> ", "> > ",
	"```sh oncall:read\n", "```\n", "~~~\n", "***\n", "---\n",
	"| a | b |\n", "|---|:-:|\n", "| `c` | **d** |\n", "|", "\\|",
	"`code`", "*em*", "**strong**", "_u_", "[link](https://example.com/a/very/long/path/that/goes/on)",
	"<https://example.com>", "<ops@example.com>", "![alt](x.png)", "<div>\n", "</div>\n", "<kbd>k</kbd>",
	"&amp;", "&#27;", "&#x9b;", "&#x202e;", "&#0;", "&bogus;", "\\*", "\\",
	"word ", "kubectl -n checkout rollout undo deploy/checkout-api ", "averyveryverylongwordwithoutanyspaceatallinit",
	"漢字かな混じり文", "ｆｕｌｌｗｉｄｔｈ", "👩‍👩‍👧‍👦", "🇩🇪", "e\u0301", "☺\ufe0f", "\u200b", "\u00ad",
	"\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
	"\x1bP+q\x1b\\", "\x9b2J", "\x1b", "\x07", "\x00", "\r", "\r\n", "\x7f", "\u202e", "\u2066", "\u2028", "\xff\xfe",
}

func randomMarkdown(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(60) {
		b.WriteString(fragments[r.IntN(len(fragments))])
	}
	return b.String()
}

// sgr is the only escape sequence Render may emit: a style.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// checkOutput fails t unless every line of out fits width and out holds
// nothing for the terminal to act on except styles.
func checkOutput(t testing.TB, md string, width int, out string) {
	t.Helper()
	for i, l := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(l); w > width {
			t.Fatalf("Render(%q, %d): line %d is %d cells: %q", md, width, i, w, l)
		}
	}
	if bad := unsafeRune(sgr.ReplaceAllString(out, "")); bad >= 0 {
		t.Fatalf("Render(%q, %d): %U reaches the terminal: %q", md, width, bad, out)
	}
}

// unsafeRune returns the first control, line separator, bidi control or
// invalid byte in s (newlines aside), or -1.
func unsafeRune(s string) rune {
	for _, r := range s {
		switch {
		case r == '\n':
		case r == unicode.ReplacementChar:
			// What invalid input decodes to; Clean drops it, but &#0; is
			// the replacement character itself, which is harmless text.
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', isBidiRune(r):
			return r
		}
	}
	if !isValidUTF8(s) {
		return 0xFFFD
	}
	return -1
}

func isBidiRune(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f'
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// Every line fits the width asked for, for any width, on inputs made of
// everything a runbook (or an attacker) may write.
func TestWidthAndSanitizingProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		md := randomMarkdown(r)
		width := 1 + r.IntN(130)
		if i%5 == 0 {
			width = 1 + r.IntN(12) // narrow panes are where widths go wrong
		}
		checkOutput(t, md, width, Render(md, width, i%2 == 0))
	}
}

// The shipped runbooks fit every width from 1 to 200.
func TestShippedRunbooksFitEveryWidth(t *testing.T) {
	entries, err := fsGlob()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range entries {
		body := shipped(t, name)
		for w := 1; w <= 200; w++ {
			checkOutput(t, name, w, Render(body, w, w%2 == 0))
		}
	}
}

// Wrapping loses nothing: the words of a paragraph (wide runes and emoji
// among them) and every character of a code block come out, in order.
func TestWrappingKeepsEveryCharacter(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"a", "bb", "ccc", "漢字", "👩‍👩‍👧‍👦", "🇩🇪", "e\u0301", "ｆｕｌｌ", "kubectl", "deploy/checkout-api", strings.Repeat("x", 50)}
	for range 500 {
		var para []string
		for range 1 + r.IntN(30) {
			para = append(para, words[r.IntN(len(words))])
		}
		width := 2 + r.IntN(60)
		text := strings.Join(para, " ")
		got := plain(text, width)
		checkOutput(t, text, width, got)
		if squash(got) != squash(text) {
			t.Fatalf("paragraph at %d lost text:\n%q\nfrom\n%q", width, got, text)
		}
		code := "```\n" + text + "\n```"
		got = plain(code, width)
		checkOutput(t, code, width, got)
		// The fences, cut to the width, are the first and last lines.
		lines := strings.Split(got, "\n")
		body := strings.Join(lines[1:len(lines)-1], "\n")
		if squash(strings.ReplaceAll(body, "↪", "")) != squash(text) {
			t.Fatalf("code at %d lost text:\n%q\nfrom\n%q", width, got, text)
		}
	}
}

// squash removes white space, which wrapping is free to change.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// Escape sequences in a runbook are removed whole: their payload (a
// window title, a hyperlink's target, a clipboard write) shows nowhere,
// and the text around them stays.
func TestSanitizes(t *testing.T) {
	tests := []struct{ md, want string }{
		{"before \x1b]0;PWNED\x07after", "before after"},
		{"click \x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\ now", "click here now"},
		{"copy \x1b]52;c;ZXZpbA==\x07done", "copy done"},
		{"\x1b[2J\x1b[Hclear", "clear"},
		{"c1 \u009b31mcsi", "c1 csi"},
		{"invalid \x9b\xff bytes", "invalid bytes"},
		{"bidi \u202eevil\u202c text", "bidi evil text"},
		{"ref &#27;[31mred", "ref [31mred"},
		{"ref &#x9b;2J", "ref"},
		{"ends open \x1b", "ends open"},
		{"ends open \x1b]0;title", "ends open"},
		{"ends open \x1b[", "ends open"},
		{"```\nls \x1b[31m-l\x07\n```", "```\n  ls -l\n```"},
		{"| a\x1b[5m | b |\n|---|---|\n| c\u202e | d |", "a │ b\n──┼──\nc │ d"},
		{"\tcode\twith tabs", "    code    with tabs"},
		{"    ab\tc\td", "    ab  c   d"},
	}
	for _, tc := range tests {
		out := Render(tc.md, 80, true)
		checkOutput(t, tc.md, 80, out)
		if got := ansi.Strip(out); got != tc.want {
			t.Errorf("Render(%q) = %q, want %q", tc.md, got, tc.want)
		}
	}
}

// Nesting deeper than the width can show still renders, every line in
// bounds, and in time proportional to the input.
func TestDeepNesting(t *testing.T) {
	for _, md := range []string{
		strings.Repeat(">", 5000) + " deep",
		strings.Repeat("- ", 2000) + "deep",
		strings.Repeat("*", 3000) + "x" + strings.Repeat("*", 3000),
		strings.Repeat("[", 3000) + "x" + strings.Repeat("](u)", 3000),
	} {
		out := Render(md, 40, true)
		checkOutput(t, md[:20], 40, out)
		if !strings.Contains(ansi.Strip(out), "deep") && !strings.Contains(ansi.Strip(out), "x") {
			t.Errorf("%.20q...: the text is gone: %.200q", md, ansi.Strip(out))
		}
	}
}

func TestNarrowWidths(t *testing.T) {
	if got := Render("# hello", 0, true); got != "" {
		t.Errorf("width 0: %q", got)
	}
	// One cell: a wide rune cannot fit, and is shown as … rather than
	// overflowing or looping.
	if got := plain("漢", 1); got != "…" {
		t.Errorf("width 1, a wide rune: %q", got)
	}
	if got := plain("```\n漢字\n```", 1); !strings.Contains(got, "…\n…") {
		t.Errorf("width 1, wide code: %q", got)
	}
}
