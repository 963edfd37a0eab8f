package tui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/runbook"
)

// The document view of the runbook pane draws a hostile runbook's
// Markdown within the pane, with nothing from the file acting on the
// terminal: the rendering command's output is what the pane shows.
func TestRunbookDocumentIsDrawnSafelyInThePane(t *testing.T) {
	body := "# Restore \x1b]0;PWNED\x07checkout\n\n" +
		"- [ ] roll back \x1b[2J\u202eevil\n" +
		"- [x] page the \x9bsecondary &#27;[31m\n\n" +
		"```sh oncall:read\nkubectl -n checkout rollout undo deploy/checkout-api --to-revision=41 \x1b]52;c;ZXZpbA==\x07\n```\n\n" +
		"| step | who |\n|---|---|\n| 漢字の手順 | 👩‍👩‍👧‍👦 team |\n"
	rb := &runbook.Runbook{ID: "restore", Title: "Restore", Body: body}
	st, keys := DefaultStyles(true), DefaultKeyMap()
	for _, w := range []int{30, 80} {
		p := runbookPane{st: &st, keys: &keys}.SetSize(w, 40)
		p.SetMatches([]runbook.Match{{Runbook: rb}})
		p, cmd := p.Update(keyPress("v"))
		if cmd == nil {
			t.Fatal("opening the document asked for no rendering")
		}
		p, _ = p.Update(cmd())
		view := p.View()
		plain := ansi.Strip(view)
		for _, want := range []string{"# Restore checkout", "[ ] roll back", "[x] page the", "```sh oncall:read", "kubectl -n checkout", "step", "漢字の手順"} {
			if !strings.Contains(plain, want) {
				t.Errorf("width %d: the document lacks %q:\n%s", w, want, plain)
			}
		}
		for i, l := range strings.Split(view, "\n") {
			if n := ansi.StringWidth(l); n > w {
				t.Errorf("width %d: line %d is %d cells: %q", w, i, n, l)
			}
		}
		rest := regexp.MustCompile("\x1b\\[[0-9;:]*m").ReplaceAllString(view, "")
		for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e", "PWNED", "ZXZpbA"} {
			if strings.Contains(rest, bad) {
				t.Errorf("width %d: %q reached the view: %q", w, bad, view)
			}
		}
	}
}

// A rendering for another width or background is dropped: the pane keeps
// what fits it.
func TestRunbookDocumentDropsAStaleRendering(t *testing.T) {
	rb := &runbook.Runbook{ID: "r", Title: "R", Body: "# Title\n\ntext"}
	st, keys := DefaultStyles(true), DefaultKeyMap()
	p := runbookPane{st: &st, keys: &keys}.SetSize(80, 20)
	p.SetMatches([]runbook.Match{{Runbook: rb}})
	p, cmd := p.Update(keyPress("v"))
	stale := cmd()
	p = p.SetSize(60, 20)
	p, _ = p.Update(stale)
	if p.rendered != "" {
		t.Fatalf("a rendering for 80 columns was kept at 60: %q", p.rendered)
	}
	if cmd := p.ensureRendered(); cmd == nil {
		t.Fatal("no rendering asked for the new width")
	} else if p, _ = p.Update(cmd()); !strings.Contains(ansi.Strip(p.View()), "# Title") {
		t.Fatalf("the new width's rendering is not shown:\n%s", ansi.Strip(p.View()))
	}
}

// A runbook with nothing after its front matter says so, rather than
// showing "rendering…" for ever.
func TestRunbookDocumentEmpty(t *testing.T) {
	rb := &runbook.Runbook{ID: "empty", Title: "Empty"}
	st, keys := DefaultStyles(true), DefaultKeyMap()
	p := runbookPane{st: &st, keys: &keys}.SetSize(80, 20)
	p.SetMatches([]runbook.Match{{Runbook: rb}})
	p, cmd := p.Update(keyPress("v"))
	p, _ = p.Update(cmd())
	if v := ansi.Strip(p.View()); strings.Contains(v, "rendering…") || !strings.Contains(v, "no text") {
		t.Fatalf("an empty runbook's document:\n%s", v)
	}
}
