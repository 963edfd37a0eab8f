package mdterm

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/internal/golden"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbooks"
)

// shipped is the body of a file that ships with the demo's runbooks.
func shipped(t testing.TB, name string) string {
	t.Helper()
	data, err := runbooks.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "---\n") {
		return string(data) // the directory's README: no front matter
	}
	rb, _ := runbook.Parse(name, data)
	if rb == nil || rb.Body == "" {
		t.Fatalf("%s: no body", name)
	}
	return rb.Body
}

// TestGoldenRunbook draws a shipped runbook as a responder reads it, at 80
// and 120 columns on both backgrounds. The .txt files are the layout
// (styles stripped, easy to review); the .ansi files keep the styles, and
// `cat` shows them as the terminal would.
func TestGoldenRunbook(t *testing.T) {
	for _, name := range []string{"checkout-high-5xx.md", "README.md"} {
		body := shipped(t, name)
		base := strings.TrimSuffix(name, ".md")
		for _, w := range []int{80, 120} {
			dark, light := Render(body, w, true), Render(body, w, false)
			if dark == light {
				t.Errorf("%s at %d: the dark and light renderings are the same", name, w)
			}
			if ansi.Strip(dark) != ansi.Strip(light) {
				t.Errorf("%s at %d: the background changed the layout, not only the colours", name, w)
			}
			golden.AssertString(t, fmt.Sprintf("%s-%d.txt", base, w), ansi.Strip(dark)+"\n")
			golden.AssertString(t, fmt.Sprintf("%s-%d-dark.ansi", base, w), dark+"\n")
			golden.AssertString(t, fmt.Sprintf("%s-%d-light.ansi", base, w), light+"\n")
		}
	}
}

// plain renders md and strips the styles, for tests about layout.
func plain(md string, width int) string {
	return ansi.Strip(Render(md, width, true))
}

func TestBlocks(t *testing.T) {
	tests := []struct {
		name, md string
		width    int
		want     string
	}{
		{"atx headings show their level", "# One\n\n## Two\n\n#### Four", 40,
			"# One\n\n## Two\n\n#### Four"},
		{"setext headings too", "One\n===\n\nTwo\n---", 40, "# One\n\n## Two"},
		{"a long heading hangs under its text", "## restart the payments worker pool", 20,
			"## restart the\n   payments worker\n   pool"},
		{"a heading hangs while its text keeps the fewest cells", "## aaaa bbbb cccc", 3 + minContent,
			"## aaaa bbbb\n   cccc"},
		{"and no longer when it would not", "## aaaa bbbb cccc", 2 + minContent,
			"## aaaa bbbb\ncccc"},
		{"paragraph wrapped at spaces", "one two three four five six", 10,
			"one two\nthree four\nfive six"},
		{"soft breaks join, hard breaks break", "one\ntwo  \nthree\\\nfour", 40,
			"one two\nthree\nfour"},
		{"a word longer than the line is broken", "abcdefghijklmnop", 10,
			"abcdefghij\nklmnop"},
		{"bullets by depth, continuation hanging", "- one\n  - two\n    - three wraps here\n- four", 16,
			"• one\n  ◦ two\n    ▪ three\n      wraps here\n• four"},
		{"numbers aligned, from the list's start", "8. eight\n9. nine\n10. ten", 40,
			" 8. eight\n 9. nine\n10. ten"},
		{"task items show boxes", "- [ ] open\n- [x] done\n- [X] done too\n- [y] not a task", 40,
			"• [ ] open\n• [x] done\n• [x] done too\n• [y] not a task"},
		{"a task's text wraps under the text, not the box", "- [ ] check the dashboard panel", 20,
			"• [ ] check the\n      dashboard\n      panel"},
		{"loose list items are spaced", "- a\n\n- b", 40, "• a\n\n• b"},
		{"a paragraph continues in its item", "1. first\n\n   more about it\n2. second", 40,
			"1. first\n\n   more about it\n\n2. second"},
		{"fenced code keeps its fences and info", "```sh oncall:read\nkubectl get pods\n```", 40,
			"```sh oncall:read\n  kubectl get pods\n```"},
		{"indented code", "    make deploy\n    make verify", 40, "    make deploy\n    make verify"},
		{"long code continues after a mark, never cut", "```\nkubectl -n checkout rollout undo deploy/checkout-api\n```", 24,
			"```\n  kubectl -n checkout ro\n  ↪ llout undo deploy/ch\n  ↪ eckout-api\n```"},
		{"inline code, emphasis, strong lose their markup", "run `make` *now*, **not** later", 40,
			"run make now, not later"},
		{"a link shows its text then its URL", "see [the dashboard](https://grafana.example.com/d/x)", 80,
			"see the dashboard (https://grafana.example.com/d/x)"},
		{"an autolink shows once", "<https://example.com/a> and <ops@example.com>", 80,
			"https://example.com/a and ops@example.com"},
		{"a link whose text is its URL shows once", "[https://a.example](https://a.example)", 80,
			"https://a.example"},
		{"block quotes get a bar", "> careful\n>\n> really", 40, "│ careful\n│\n│ really"},
		{"block quote text wraps inside the bar", "> one two three four five", 12,
			"│ one two\n│ three four\n│ five"},
		{"a bar that would leave too little room is dropped", "> one two three four five", 11,
			"one two\nthree four\nfive"},
		{"unfinished task boxes are text", "- [\n- [x\n- [ ]", 40, "• [\n• [x\n• [ ]"},
		{"a box may end its line", "- [x]\n  done", 40, "• [x] done"},
		{"thematic break fills the width", "a\n\n---\n\nb", 8, "a\n\n────────\n\nb"},
		{"html blocks shown as text", "<details>\n<summary>more</summary>\n</details>", 40,
			"<details>\n<summary>more</summary>\n</details>"},
		{"inline html shown as text", "press <kbd>q</kbd>", 40, "press <kbd>q</kbd>"},
		{"references and escapes decoded", `AT&amp;T \*not emphasis\* &#x41;`, 40, "AT&T *not emphasis* A"},
		{"images show alt text and URL", "![graph](https://g.example/p.png)", 80,
			"image: graph (https://g.example/p.png)"},
		{"empty", "", 40, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := plain(tc.md, tc.width); got != tc.want {
				t.Errorf("Render(%q, %d):\n%s\nwant:\n%s", tc.md, tc.width, got, tc.want)
			}
		})
	}
}

func TestTables(t *testing.T) {
	md := "Ports:\n| name | port | note |\n|:-----|-----:|:----:|\n| http | 80 | `plain` |\n| https \\| tls | 443 | **yes** |\n| odd | 1 | a | b |\n| short |"
	want := strings.Join([]string{
		"Ports:",
		"name        │ port │ note",
		"────────────┼──────┼──────",
		"http        │   80 │ plain",
		"https | tls │  443 │  yes",
		"odd         │    1 │ a | b",
		"short       │      │",
	}, "\n")
	if got := plain(md, 80); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}

	// Too wide: the widest column is narrowed and its cells wrapped.
	wide := "| key | meaning |\n|---|---|\n| `id` | unique, stable name; ticks are journaled under it |"
	want = strings.Join([]string{
		"key │ meaning",
		"────┼─────────────────────",
		"id  │ unique, stable name;",
		"    │ ticks are journaled",
		"    │ under it",
	}, "\n")
	if got := plain(wide, 27); got != want {
		t.Errorf("narrowed table:\n%s\nwant:\n%s", got, want)
	}

	// Narrower than its columns can go: the lines as written, wrapped.
	want = strings.Join([]string{
		"| key |",
		"meaning |",
		"|---|---|",
		"| `id` |",
		"unique,",
		"stable",
		"name; ticks",
		"are",
		"journaled",
		"under it |",
	}, "\n")
	if got := plain(wide, 11); got != want {
		t.Errorf("table past its narrowest:\n%s\nwant:\n%s", got, want)
	}

	// A centred column that is not the last is padded on both sides; a
	// cell that reads as a heading or a list item is shown as written.
	want = strings.Join([]string{
		" a   │ b",
		"─────┼────",
		"long │ # 1",
		" x   │ - y",
	}, "\n")
	if got := plain("| a | b |\n|:-:|---|\n| long | # 1 |\n| x | - y |", 80); got != want {
		t.Errorf("centred column, block-like cells:\n%s\nwant:\n%s", got, want)
	}

	// Rows indented under the header are still rows of the same cells.
	if got, want := plain("| a | b |\n|---|---|\n   | c | d |", 80), "a │ b\n──┼──\nc │ d"; got != want {
		t.Errorf("indented row:\n%s\nwant:\n%s", got, want)
	}

	// Not tables: a delimiter row with another count of cells, no pipes.
	for _, md := range []string{"a | b\n--- | --- | ---", "a\n:-:", "a | b\nc | d", "a\n|---|", "| a |\n---"} {
		if got := plain(md, 80); strings.Contains(got, "│") {
			t.Errorf("%q drawn as a table:\n%s", md, got)
		}
	}
}

// A code span in a table cell, emphasis and a link keep their styles:
// the cell is parsed as Markdown, not shown as its source.
func TestTableCellsAreMarkdown(t *testing.T) {
	out := Render("| a | b |\n|---|---|\n| `x` | [y](https://y.example) |", 80, true)
	code := newPalette(true).style(aCode).Render("x")
	link := newPalette(true).style(aLink).Render("y")
	if !strings.Contains(out, code) || !strings.Contains(out, link) {
		t.Errorf("cells drawn without their inline styles: %q", out)
	}
}

// Each construct carries its own style, so a reader tells them apart.
func TestStyles(t *testing.T) {
	for _, dark := range []bool{true, false} {
		pal := newPalette(dark)
		for _, tc := range []struct {
			md   string
			want string
		}{
			{"`code`", pal.style(aCode).Render("code")},
			{"*it*", pal.style(aItalic).Render("it")},
			{"**bold**", pal.style(aBold).Render("bold")},
			{"***both***", pal.style(aBold | aItalic).Render("both")},
			{"[text](https://u.example)", pal.style(aLink).Render("text")},
			{"[text](https://u.example)", pal.style(aURL).Render("(https://u.example)")},
			{"# Top", pal.style(aHeading | aH1).Render("# Top")},
			{"## Sub", pal.style(aHeading | aH2).Render("## Sub")},
			{"### Low", pal.style(aHeading).Render("### Low")},
			{"```\nls\n```", pal.style(aCodeBlock).Render("ls")},
			{"- [x] done", pal.style(aDone).Render("[x]")},
		} {
			if got := Render(tc.md, 40, dark); !strings.Contains(got, tc.want) {
				t.Errorf("dark=%v %q: %q lacks %q", dark, tc.md, got, tc.want)
			}
		}
	}
	// The colours differ by background, and every construct's style differs
	// from plain text and from the others it could be confused with.
	d, l := newPalette(true), newPalette(false)
	seen := map[string]attr{}
	for _, a := range []attr{aCode, aCodeBlock | aLink, aURL, aHeading, aDone, aBold, aItalic} {
		if d.style(a).Render("x") == l.style(a).Render("x") && a&(aBold|aItalic) == 0 {
			t.Errorf("attr %b: the same on dark and light", a)
		}
		s := d.style(a).Render("x")
		if s == "x" {
			t.Errorf("attr %b: no style", a)
		}
		if prev, ok := seen[s]; ok {
			t.Errorf("attrs %b and %b look the same", prev, a)
		}
		seen[s] = a
	}
}

// fsGlob names the Markdown files shipped with the demo's runbooks.
func fsGlob() ([]string, error) {
	return fs.Glob(runbooks.FS, "*.md")
}

// clip is the last guard of the width: whatever a block drew, the line
// that leaves Render measures in, styles kept whole. A space then a lone
// variation selector is one two-cell grapheme measured whole, and
// ansi.Truncate's first cut still measures wider.
func TestClip(t *testing.T) {
	pal := newPalette(true)
	for _, tc := range []struct {
		line  string
		width int
	}{
		{"abcdef", 3},
		{pal.style(aCode).Render("abcdef") + "ghi", 4},
		{"ab ️cd", 3},
		{"ab ️cd", 4},
		{"漢字漢字", 3},
		{"👩‍👩‍👧‍👦x", 1},
	} {
		got := clip(tc.line, tc.width)
		if w := ansi.StringWidth(got); w > tc.width {
			t.Errorf("clip(%q, %d) = %q, %d cells", tc.line, tc.width, got, w)
		}
		if ansi.StringWidth(tc.line) > tc.width && !strings.HasPrefix(ansi.Strip(tc.line), ansi.Strip(got)) {
			t.Errorf("clip(%q, %d) = %q: not a prefix", tc.line, tc.width, got)
		}
		if got == "" && tc.width > 1 {
			t.Errorf("clip(%q, %d) cut everything", tc.line, tc.width)
		}
	}
	if got := clip("abc", 3); got != "abc" {
		t.Errorf("a line that fits was cut: %q", got)
	}
}

// Past maxDepth lists stop indenting: a nesting deeper than any screen
// could show costs no more width than maxDepth levels.
func TestDepthBound(t *testing.T) {
	var b strings.Builder
	for d := range maxDepth + 8 {
		b.WriteString(strings.Repeat("  ", d) + "- x\n")
	}
	most := 0
	for _, l := range strings.Split(plain(b.String(), 500), "\n") {
		most = max(most, len(l)-len(strings.TrimLeft(l, " ")))
	}
	// Each level that indents adds its marker, "• " (two cells).
	if want := 2 * maxDepth; most != want {
		t.Errorf("the deepest item is indented %d cells, want %d", most, want)
	}
}
