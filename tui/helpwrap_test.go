package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
)

// TestHelpWrapsNeverCuts: at 110 columns (two columns of help) the
// longest descriptions wrap under themselves instead of ending in "…",
// every binding's description reads whole, and no binding is split
// across two columns.
func TestHelpWrapsNeverCuts(t *testing.T) {
	h := newHarness(t, 110, 40)
	h.keys("?")
	m := h.model()
	pages := m.helpPages()
	for p := range pages {
		s := h.screen()
		lines := strings.Split(s, "\n")
		for i, l := range lines[1 : len(lines)-1] { // the title bar and key line are not help
			if strings.Contains(l, "…") {
				t.Errorf("page %d, line %d is cut: %q", p+1, i+2, l)
			}
		}
		h.keys("j")
	}

	_, colW, _ := m.helpLayout()
	var text []string
	for _, l := range m.helpLines(colW) {
		if w := ansi.StringWidth(l.text); w > colW {
			t.Errorf("help line %d cells wide in a %d-cell column: %q", w, colW, ansi.Strip(l.text))
		}
		text = append(text, strings.Join(strings.Fields(ansi.Strip(l.text)), " "))
	}
	all := strings.Join(text, " ")
	wrapped := 0
	for _, g := range m.keys.Groups() {
		for _, b := range g.Bindings() {
			if !strings.Contains(all, strings.Join(strings.Fields(b.Help().Desc), " ")) {
				t.Errorf("help lacks %q whole", b.Help().Desc)
			}
			if len(b.Help().Desc) > colW-11 {
				wrapped++
			}
		}
	}
	if wrapped == 0 {
		t.Fatal("no description is longer than a column at 110: the test proves nothing")
	}

	// At every height, no column starts with a continuation line.
	for height := 12; height <= 60; height++ {
		h.send(tea.WindowSizeMsg{Width: 110, Height: height})
		cols, _, _ := h.model().helpColumns()
		for i, c := range cols {
			if len(c) > 0 && strings.HasPrefix(ansi.Strip(c[0]), strings.Repeat(" ", 11)) {
				t.Errorf("110x%d: column %d starts with a continuation: %q", height, i+1, ansi.Strip(c[0]))
			}
		}
	}
}
