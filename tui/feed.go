package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The list keeps current by the account's change feed when the source
// offers one: a poll asks what changed since the last (one small request
// while the account is quiet) and re-lists only when something did, so a
// quiet account of 10,000 incidents costs a request per poll rather than
// a page per 100 incidents. A full re-listing every relistEvery is the
// safety net for what a feed could miss (an incident that left the
// filter without a log entry, a clock that jumped).

// ChangeFeed names the incidents changed since it was last asked; the
// first call reports what changed since the feed started. An error means
// the list must be re-listed to be sure.
type ChangeFeed interface {
	Changed(ctx context.Context) ([]string, error)
}

// relistEvery is how often the list is re-listed in full although the
// feed reported nothing.
const relistEvery = 5 * time.Minute

// feedFrom is the list length from which the feed is read instead of
// listing: a shorter list comes in one request, as a feed read does, and
// a listing is exact.
const feedFrom = 100

// feedMsg: the change feed's answer to a list poll.
type feedMsg struct {
	gen int // the listing the poll was made against
	ids []string
	err error
}

func checkFeed(ctx context.Context, f ChangeFeed, gen int) tea.Cmd {
	return func() tea.Msg {
		ids, err := f.Changed(ctx)
		return feedMsg{gen: gen, ids: ids, err: err}
	}
}

// pollList is a list poll: the change feed when there is one and the
// list on screen is a good one and long, else a listing.
func (m *Model) pollList() tea.Cmd {
	now := m.opts.Now()
	if m.opts.Feed == nil || len(m.list.all) < feedFrom || m.listHad == 0 || m.listHad < m.listGen || m.stale || now.Sub(m.relisted) >= relistEvery {
		m.relisted = now
		return m.fetchList()
	}
	return checkFeed(m.ctx, m.opts.Feed, m.listGen)
}

// handleFeed re-lists when the feed named an incident or failed; a quiet
// answer confirms the list on screen as of now.
func (m Model) handleFeed(msg feedMsg) (tea.Model, tea.Cmd) {
	if msg.gen != m.listGen {
		return m, nil // a listing started since covers it
	}
	if msg.err != nil || len(msg.ids) > 0 {
		m.relisted = m.opts.Now()
		return m, m.fetchList()
	}
	m.fetched = m.opts.Now()
	return m, nil
}

// While an incident is open the list is not on screen, and its poll
// pauses: an idle open incident costs its own poll's one request per
// interval and nothing more. Reading the account's change feed in place
// of the incident's log would keep the list current too, but the screen
// a responder works in would then learn of its own changes second-hand,
// from a read that can be truncated, and a source need not offer a feed
// at all; the incident's own log stays its poll. What the incident screen
// still shows of the list (the counts in the title bar) says its age once
// it is older than a poll (listAged), and going back re-reads the list at
// once when it is (listOnReturn): the list held is drawn at once, the
// fresh one when it comes.

// listPaused reports whether the list's poll is paused: an incident is
// on screen.
func (m Model) listPaused() bool { return m.screen == screenDetail }

// listAged reports whether the list was fetched longer than a poll
// interval ago (or never), so that what is shown from it says its age.
func (m Model) listAged() bool {
	return m.fetched.IsZero() || m.opts.Now().Sub(m.fetched) >= m.opts.ListEvery
}

// listOnReturn is the list's refresh on leaving an incident: a poll at
// once when the list is older than one interval or its last refresh
// failed; nothing while it is fresh, since the next tick comes within
// the interval.
func (m *Model) listOnReturn() tea.Cmd {
	if !m.stale && !m.listAged() {
		return nil
	}
	m.returned = m.opts.Now()
	return m.pollList()
}

// tickAfterReturn reports whether a list tick comes so soon after the
// poll made on going back (within half an interval) that it would only
// ask again what was just asked; it clears the mark either way.
func (m *Model) tickAfterReturn() bool {
	at := m.returned
	m.returned = time.Time{}
	return !at.IsZero() && m.opts.Now().Sub(at) < m.opts.ListEvery/2
}
