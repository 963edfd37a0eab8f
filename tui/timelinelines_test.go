package tui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// TestTimelineLinesFollowTheWidth: the lines made when drawn come from a
// cache kept across frames; after a resize they are those of a model
// opened at the new width, not the old width's (a cache that ignored the
// width would keep 120-cell lines on an 80-cell screen), and a star
// shows at once on the starred event's line.
func TestTimelineLinesFollowTheWidth(t *testing.T) {
	wide := newHarness(t, 120, 40)
	wide.firstTriggered()
	wide.keys("enter")
	lines := func(h *harness) []string { d := h.model().detail; return d.timelineLines() }
	before := lines(wide)
	wide.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	narrow := newHarness(t, 80, 24)
	narrow.firstTriggered()
	narrow.keys("enter")
	got, want := lines(wide), lines(narrow)
	if len(want) == 0 || slices.Equal(before, want) {
		t.Fatalf("the test needs lines that differ between widths; got %d lines", len(want))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("lines after a resize to 80:\n%s\nopened at 80:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	narrow.keys("s")
	d := narrow.model().detail
	if line := d.timelineLines()[d.starts[d.sel]]; !strings.HasPrefix(line, "★ ") {
		t.Errorf("the starred event's line is %q, without the star", line)
	}
}
