package postmortem

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"
)

// FuzzInline: whatever the text, inline(text) in a paragraph renders, in a
// GFM renderer that passes raw HTML through, as one paragraph of exactly
// the cleaned text, and no element but a link whose text is its address.
func FuzzInline(f *testing.F) {
	for _, s := range []string{"*a* _b_ `c` ~~d~~ $e$", "[x](javascript:y) ![i](u)", "<b>&amp;</b> \\", "a_b_c __x__", "<https://x.y>", "1. not a list", "&#x41;"} {
		f.Add(s)
	}
	md := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(gmhtml.WithUnsafe()))
	f.Fuzz(func(t *testing.T, s string) {
		want := "x " + oneLine(s)
		var b bytes.Buffer
		if err := md.Convert([]byte("x "+inline(s)+"\n"), &b); err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(&b)
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for n := range doc.Descendants() {
			switch {
			case n.Type == html.TextNode:
				text.WriteString(n.Data)
			case n.Type == html.ElementNode && n.Data == "a":
				href := ""
				for _, a := range n.Attr {
					if a.Key == "href" {
						href = a.Val
					}
				}
				if c := n.FirstChild; c == nil || c.Type != html.TextNode || !strings.HasSuffix(href, c.Data) {
					t.Fatalf("%q makes a link that hides its target %q", s, href)
				}
			case n.Type == html.ElementNode && !map[string]bool{"html": true, "head": true, "body": true, "p": true, "a": true}[n.Data]:
				t.Fatalf("%q makes a <%s> element: %s", s, n.Data, b.String())
			}
		}
		if got := strings.TrimSpace(text.String()); got != strings.TrimSpace(want) {
			t.Fatalf("%q renders as %q, want %q", s, got, want)
		}
	})
}
