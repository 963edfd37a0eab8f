package tui

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

// The note line's prompt names the incident, so it is longer than the
// prompt the line was sized for; the line must still end at the screen's
// edge with its text whole, not be cut with an ellipsis.
func TestNoteLineFitsItsPrompt(t *testing.T) {
	for _, width := range []int{80, 120} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			h := newHarness(t, width, 24)
			target := h.firstTriggered()
			h.keys("enter", "n")
			h.typeText("rolled back 4.12")
			var line string
			for _, l := range strings.Split(h.screen(), "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), fmt.Sprintf("note on #%d>", target.Number)) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no note line on screen:\n%s", h.screen())
			}
			if !strings.Contains(line, "rolled back 4.12") {
				t.Errorf("note line %q lost the text typed", line)
			}
			if strings.Contains(line, "…") {
				t.Errorf("note line cut although its text fits: %q", line)
			}
			if w := lipgloss.Width(line); w > width {
				t.Errorf("note line is %d cells wide on a %d-cell screen: %q", w, width, line)
			}
		})
	}
}
