package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
)

// A list narrowed by a provider-side filter (mine, urgency, status,
// service) cannot count the incidents it was not sent; when it shows
// nothing, the empty screen must still say how many are active, or it
// reads as a quiet night. The list learns the count from its own
// unfiltered fetches; a program that starts with a remembered filter has
// made none, so the root asks once for the active incidents whenever the
// narrowed list comes back empty.

// activeCountMsg is how many incidents are active, with no filter.
type activeCountMsg struct {
	n   int
	err error
}

// countActive asks for the active incidents when the narrowed list is
// empty; nil otherwise.
func (m Model) countActive() tea.Cmd {
	if !m.list.narrowed || len(m.list.all) > 0 {
		return nil
	}
	ctx, src := m.ctx, m.opts.Source
	return func() tea.Msg {
		return countActiveNow(ctx, src)
	}
}

func countActiveNow(ctx context.Context, src incident.Source) activeCountMsg {
	list, err := src.Active(ctx)
	n := 0
	for _, in := range list {
		if in.Active() {
			n++
		}
	}
	return activeCountMsg{n: n, err: err}
}

// handleActiveCount keeps the count for the empty list's message; a
// failed count leaves the message without one (the title bar already
// says when fetches fail).
func (m Model) handleActiveCount(msg activeCountMsg) Model {
	if msg.err == nil && m.list.narrowed {
		m.list.allActive = msg.n
	}
	return m
}
