package tui

import (
	"strings"
	"testing"
)

// TestStateTabKeyLine: on the State tab the key line offers the pane's
// keys and tab, not the timeline's star; back on the timeline, star is
// offered again.
func TestStateTabKeyLine(t *testing.T) {
	h := newHarness(t, 160, 48)
	h.keys("enter")
	for range paneCount {
		if h.model().detail.focus == paneState {
			break
		}
		h.keys("tab")
	}
	if h.model().detail.focus != paneState {
		t.Fatal("tab never reached the State tab")
	}
	k := h.model().keys
	line := lastLine(h.screen())
	pane := h.model().detail.state.KeyHelp()
	if len(pane) == 0 {
		t.Fatal("the state pane offers no keys")
	}
	for _, want := range []string{pane[0].Help().Key + " " + pane[0].Help().Desc, k.Pane.Help().Key + " " + k.Pane.Help().Desc} {
		if !strings.Contains(line, want) {
			t.Errorf("State tab key line lacks %q: %q", want, line)
		}
	}
	star := k.Star.Help().Key + " " + k.Star.Help().Desc
	if strings.Contains(line, star) {
		t.Errorf("State tab key line offers the timeline's %q: %q", star, line)
	}
	for h.model().detail.focus != paneTimeline {
		h.keys("tab")
	}
	if line := lastLine(h.screen()); !strings.Contains(line, star) {
		t.Errorf("timeline key line lacks %q: %q", star, line)
	}
}

func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}
