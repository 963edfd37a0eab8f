package mdterm

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/oncallkit/oncall/runbook"
)

// The differential test draws each document twice with the same drawing
// code: once from this package's parser, once from goldmark's CommonMark
// core (a test-only dependency here; it was the parser before this one),
// its tree carried over node for node. The drawings must be byte for
// byte the same, except where the package comment lists a difference.
// Both drawings decode text and read a table's cells with this package's
// code: TestDifferentialDecode compares the decoding with goldmark's
// helpers, and cells are one line of inline text, which the paragraphs
// compare.

// goldmarkRender draws md as Render does, from goldmark's tree.
func goldmarkRender(md string, width int, dark bool) string {
	src := []byte(sanitize(md))
	p := parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)
	doc := fromGoldmark(p.Parse(text.NewReader(src)), src, nil)
	return renderDoc(doc, width, dark)
}

func segValues(segs *text.Segments, src []byte) []string {
	var out []string
	for i := 0; i < segs.Len(); i++ {
		seg := segs.At(i)
		out = append(out, string(seg.Value(src)))
	}
	return out
}

// fromGoldmark carries a goldmark block over to this package's tree.
func fromGoldmark(n ast.Node, src []byte, parent *block) *block {
	b := &block{parent: parent}
	switch n := n.(type) {
	case *ast.Document:
		b.kind = bDocument
	case *ast.Paragraph, *ast.TextBlock:
		b.kind = bParagraph
		b.lines = segValues(n.Lines(), src)
		b.inl = inlineFromGoldmark(n, src)
	case *ast.Heading:
		b.kind, b.level = bHeading, n.Level
		b.lines = segValues(n.Lines(), src)
		b.inl = inlineFromGoldmark(n, src)
	case *ast.List:
		b.kind, b.ordered, b.marker, b.start, b.tight = bList, n.IsOrdered(), n.Marker, n.Start, n.IsTight
	case *ast.ListItem:
		b.kind = bItem
	case *ast.Blockquote:
		b.kind = bQuote
	case *ast.FencedCodeBlock:
		b.kind = bFenced
		if n.Info != nil {
			b.info = string(n.Info.Segment.Value(src))
		}
		b.lines = segValues(n.Lines(), src)
	case *ast.CodeBlock:
		b.kind = bIndented
		b.lines = segValues(n.Lines(), src)
	case *ast.ThematicBreak:
		b.kind = bBreak
	case *ast.HTMLBlock:
		b.kind = bHTML
		b.lines = segValues(n.Lines(), src)
		if n.HasClosure() {
			b.lines = append(b.lines, string(n.ClosureLine.Value(src)))
		}
	default:
		panic("goldmark made a block this package has no kind for: " + n.Kind().String())
	}
	if b.inl == nil {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			b.kids = append(b.kids, fromGoldmark(c, src, b))
		}
	}
	return b
}

// inlineFromGoldmark carries n's inline children over.
func inlineFromGoldmark(n ast.Node, src []byte) *inline {
	root := &inline{}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		var k *inline
		switch c := c.(type) {
		case *ast.Text:
			k = &inline{kind: iText, text: string(c.Segment.Value(src))}
			if c.HardLineBreak() {
				k.brk = brHard
			} else if c.SoftLineBreak() {
				k.brk = brSoft
			}
		case *ast.CodeSpan:
			var b strings.Builder
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				b.Write(t.(*ast.Text).Segment.Value(src))
			}
			k = &inline{kind: iCode, text: b.String()}
		case *ast.Emphasis:
			k = inlineFromGoldmark(c, src)
			k.kind, k.level = iEmph, c.Level
		case *ast.Link:
			k = inlineFromGoldmark(c, src)
			k.kind, k.dest = iLink, string(c.Destination)
		case *ast.Image:
			k = inlineFromGoldmark(c, src)
			k.kind, k.dest = iImage, string(c.Destination)
		case *ast.AutoLink:
			k = &inline{kind: iAuto, text: string(c.Label(src))}
		case *ast.RawHTML:
			k = &inline{kind: iHTML, text: strings.Join(segValues(c.Segments, src), "")}
		default:
			panic("goldmark made an inline this package has no kind for: " + c.Kind().String())
		}
		root.append(k)
	}
	return root
}

// corpus is every Markdown file the repository ships or tests with: the
// demo's runbooks and their README, and every .md under a testdata
// directory, each as a whole and, when it has front matter, its body.
func corpus(t *testing.T) map[string]string {
	t.Helper()
	docs := map[string]string{}
	names, err := fsGlob()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		docs["runbooks/"+n] = shipped(t, n)
	}
	root := filepath.Join("..", "..")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".md") || !strings.Contains(filepath.ToSlash(path), "/testdata/") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		docs[path] = string(data)
		if rb, _ := runbook.Parse(path, data); rb != nil && rb.Body != "" {
			docs[path+" (body)"] = rb.Body
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 20 {
		t.Fatalf("only %d documents found: is the walk rooted at the module?", len(docs))
	}
	return docs
}

func TestDifferentialShipped(t *testing.T) {
	for name, md := range corpus(t) {
		for _, w := range []int{20, 40, 80, 120} {
			want, got := goldmarkRender(md, w, true), Render(md, w, true)
			if got != want {
				t.Errorf("%s at %d: this parser draws\n%s\ngoldmark's draws\n%s", name, w, got, want)
			}
		}
	}
}

// runbookFragments build runbook-like documents: the constructs a runbook
// uses, in the places it uses them.
var runbookFragments = []string{
	"# Title\n", "## Diagnosis\n", "### Sub\n", "Setext\n===\n", "Under\n---\n",
	"Some text with `code` and *emphasis* and **strong** words.\n", "A second line\n", "\n", "\n\n",
	"- [ ] check the dashboard\n", "- [x] done step\n", "  (continued on a line of its own)\n",
	"- plain item\n", "  - nested item\n", "    - deeper item\n", "1. first\n", "2. second\n", "10) tenth\n",
	"```sh oncall:read\nkubectl get pods\n```\n", "```\nplain code\n\nafter a blank\n```\n",
	"~~~\ntilde code\n~~~\n", "    indented code\n", "> a quote\n", "> > nested\n", ">\n",
	"***\n", "---\n", "___\n", "<details>\n<summary>more</summary>\n</details>\n", "<!-- a comment -->\n",
	"| key | value |\n|-----|------:|\n| `id` | 1 |\n", "see [the docs](https://docs.example/a \"title\") now\n",
	"<https://example.com/x> and <ops@example.com>\n", "![graph](https://g.example/p.png)\n",
	"AT&amp;T &lt;tag&gt; &copy; &#169; &#xA9; \\*not\\* \\_either\\_\n", "hard  \nbreak\\\nthere\n",
	"press <kbd>q</kbd> to quit\n", "snake_case_name and 2*3*4\n", "**bold *nested* bold**\n", "_under_ and __double__\n",
}

func runbookDoc(r *rand.Rand) string {
	var b strings.Builder
	for range 1 + r.IntN(25) {
		b.WriteString(runbookFragments[r.IntN(len(runbookFragments))])
	}
	return b.String()
}

func TestDifferentialGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		md := runbookDoc(r)
		w := 20 + r.IntN(110)
		if want, got := goldmarkRender(md, w, true), Render(md, w, true); got != want {
			t.Fatalf("document %d at %d:\n%q\nthis parser draws\n%s\ngoldmark's draws\n%s", i, w, md, got, want)
		}
	}
}

// emptyItem is a line holding list markers and nothing else: an item
// empty on its first line, where goldmark and CommonMark part (see the
// package comment).
var emptyItem = regexp.MustCompile(`(?m)^ *(?:(?:[-+*]|[0-9]{1,9}[.)])(?: +|$))+$`)

// unclosedFence is a fence opened and not closed in a list item, the
// other place they part.
func unclosedFence(md string) bool {
	open := 0
	for _, l := range strings.Split(md, "\n") {
		t := strings.TrimLeft(l, " -+*0123456789.)>")
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			open++
		}
	}
	return open%2 == 1
}

// The hostile fragments of the property test, strung together: the
// drawings agree except on the two constructs the package comment
// lists, which are skipped (and counted, so the skip cannot grow to
// cover everything).
func TestDifferentialHostile(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	n := 6000
	if testing.Short() {
		n = 600
	}
	skipped := 0
	for i := range n {
		md := randomMarkdown(r)
		w := 20 + r.IntN(110)
		if want, got := goldmarkRender(md, w, true), Render(md, w, true); got != want {
			s := sanitize(md)
			if emptyItem.MatchString(s) || unclosedFence(s) {
				skipped++
				continue
			}
			t.Fatalf("document %d at %d:\n%q\nthis parser draws\n%s\ngoldmark's draws\n%s", i, w, md, got, want)
		}
	}
	t.Logf("%d of %d documents differ in the accepted ways", skipped, n)
	if skipped > n/100 {
		t.Errorf("%d of %d documents differ in the accepted ways: more than expected", skipped, n)
	}
}

// goldmarkDecode is decode as it was with goldmark's helpers.
func goldmarkDecode(v []byte) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v) && util.IsPunct(v[i+1]):
			b.WriteByte(v[i+1])
			i++
			continue
		case c == '&':
			if j := strings.IndexByte(string(v[i:min(len(v), i+34)]), ';'); j > 1 {
				ref := v[i : i+j+1]
				res := util.ResolveEntityNames(util.ResolveNumericReferences(ref))
				if string(res) != string(ref) {
					b.Write(res)
					i += j
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Escapes and references decode as goldmark's helpers decoded them,
// except where the package comment says: named references off the short
// list (kept as written), decimal ones with a leading zero (goldmark read
// them as octal) and hexadecimal ones of more than six digits (text, not
// U+FFFD). The old decode also resolved a reference found anywhere
// between an "&" and the next ";" ("&\&gt;" gave "&\>"); now the "&"
// must open the reference, as CommonMark has it. The drawing tests cannot
// see this: both drawings decode with this package's decode.
func TestDifferentialDecode(t *testing.T) {
	pieces := []string{"&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&copy;", "&mdash;", "&rarr;", "&hellip;",
		"&ouml;", "&NotANamedOne;", "&bogus;", "&;", "&#;", "&#x;", "&#65;", "&#x41;", "&#X41;", "&#0065;",
		"&#0;", "&#x110000;", "&#xD800;", "&#1234567;", "&#12345678;", "&#x10FFFF;", "&#x1234567;", "&#27;",
		`\*`, `\\`, `\a`, `\&amp;`, `\`, "&", "#", ";", "x", " ", "&amp", "&#x9b;", "漢", "&CounterClockwiseContourIntegral;"}
	r := rand.New(rand.NewPCG(9, 10))
	same := 0
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		want, got := goldmarkDecode([]byte(s)), decode(s)
		if got == want {
			same++
			continue
		}
		if offList.MatchString(s) || octalOrLong.MatchString(s) || innerRef.MatchString(s) {
			continue
		}
		t.Fatalf("decode(%q) = %q, goldmark's helpers gave %q", s, got, want)
	}
	t.Logf("%d of 20000 decoded the same", same)
	if same < 12000 {
		t.Errorf("only %d of 20000 decoded the same: the accepted differences cover too much", same)
	}
}

// offList matches the named references the pieces above hold that
// goldmark knows and this package does not.
var offList = regexp.MustCompile(`&(ouml|CounterClockwiseContourIntegral);`)

// innerRef matches an "&" whose next ";" closes another reference.
var innerRef = regexp.MustCompile(`&[^;]*&[^;]*;`)

// octalOrLong matches a decimal reference with a leading zero and a
// hexadecimal one of more than six digits.
var octalOrLong = regexp.MustCompile(`&#(0[0-9]+|[xX][0-9a-fA-F]{7,});`)
