package postmortem

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/oncallkit/oncall/incident"
)

// gfm renders Markdown as GitHub does (tables, strikethrough, autolinked
// addresses, task lists), with raw HTML passed through, as a browser of a
// permissive wiki would show it.
func gfm(t *testing.T, md string) string {
	t.Helper()
	var b bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe())).Convert([]byte(md), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Hostile text, rendered by a real Markdown renderer, shows as text: no
// element, link, emphasis or code comes from it, and its characters all
// reach the reader.
func TestHostileTextRendersLiterally(t *testing.T) {
	in := resolvedInput()
	hostile := []string{
		"<script>alert(1)</script>", "[click](javascript:alert(1))", "![img](https://evil.example.com/x.png)",
		"*bold*", "_it_", "~~gone~~", "`code`", "<https://evil.example.com>", "&lt;b&gt;", "[ref][x]",
	}
	in.Incident.Title = strings.Join(hostile, " ")
	in.Timeline = append(in.Timeline, incident.Event{ID: "H1", Kind: incident.KindNote, At: at("13:05:00"), Actor: "Mallory",
		Summary: strings.Join(hostile, " | "), Origin: incident.Remote})
	md := renderMD(t, in)
	out := gfm(t, md)
	for _, bad := range []string{"<script", `href="javascript`, "<img", "<em>bold", "<em>it", "<del>", "<code>code", "<b>"} {
		if strings.Contains(out, bad) {
			t.Errorf("rendered draft contains %q", bad)
		}
	}
	// GFM links a bare address in text, as GitHub does; such a link must
	// show where it goes. No link may hide its target behind other text.
	for _, m := range regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`).FindAllStringSubmatch(out, -1) {
		if strings.Contains(m[1], "evil") && m[1] != m[2] {
			t.Errorf("a link hides its target: %s", m[0])
		}
	}
	// The text reads as written (HTML-escaped by the renderer).
	for _, h := range []string{"[click](javascript:alert(1))", "*bold*", "_it_", "~~gone~~", "`code`", "[ref][x]"} {
		if !strings.Contains(out, h) {
			t.Errorf("rendered draft lost %q", h)
		}
	}
	if !strings.Contains(out, "&amp;lt;b&amp;gt;") || !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("entities or tags in the text were not kept as text")
	}
}

// Plain text that happens to hold markup characters pastes without a
// litter of backslashes, and still reads as written.
func TestPlainTextPastesClean(t *testing.T) {
	in := resolvedInput()
	in.Incident.Title = "p99 > 2s on cart_service [eu-west] | ~5% of requests"
	md := renderMD(t, in)
	if !strings.Contains(md, "# Postmortem: p99 > 2s on cart_service [eu-west] | ~5% of requests\n") {
		t.Errorf("title escaped needlessly:\n%s", md[:200])
	}
	out := gfm(t, md)
	if !strings.Contains(out, "<h1>Postmortem: p99 &gt; 2s on cart_service [eu-west] | ~5% of requests</h1>") {
		t.Errorf("title does not render as written:\n%s", out[:300])
	}
}
