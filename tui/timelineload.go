package tui

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
)

// Opening an incident with thousands of log entries reads them a page at
// a time (100 a request at PagerDuty): the whole read takes seconds. The
// timeline shows each page as it arrives, with the count read so far on
// the status line, and is replaced by the read's result at the end (which
// drops the repeats of shifted pages). The notes come first, as a page
// of their own (the source reads them, one request, before the log), so
// the conversation is on screen from the first page on. The pages come
// from the same single read: showing them early costs no request.
//
// The reader never waits for the screen: pages gather in a pageBuffer,
// and the screen takes all that gathered whenever it gets to it. A slow
// screen sees bigger steps, never a stalled read or a lost page.

// timelinePageMsg is what a full read brought since the screen last
// took its pages; next waits for more (nil once the read is over).
type timelinePageMsg struct {
	id          string
	gen         int
	events      []incident.Event
	done, total int
	next        tea.Cmd
}

// pageBuffer gathers a read's pages between two takes by the screen.
type pageBuffer struct {
	mu          sync.Mutex
	events      []incident.Event
	done, total int
	over        bool
	ready       chan struct{} // holds a token while something is untaken
}

func newPageBuffer() *pageBuffer { return &pageBuffer{ready: make(chan struct{}, 1)} }

// add is the read's page callback.
func (b *pageBuffer) add(p incident.EventPage) {
	b.mu.Lock()
	b.events = append(b.events, p.Events...)
	b.done, b.total = p.Done, p.Total
	b.mu.Unlock()
	b.wake()
}

// finish says the read is over, whatever its outcome.
func (b *pageBuffer) finish() {
	b.mu.Lock()
	b.over = true
	b.mu.Unlock()
	b.wake()
}

func (b *pageBuffer) wake() {
	select {
	case b.ready <- struct{}{}:
	default: // a token is already there: the next take sees this too
	}
}

// withPages is ctx with b taking the pages of a full read.
func (b *pageBuffer) withPages(ctx context.Context) context.Context {
	return incident.WithEventPages(ctx, b.add)
}

// waitPages delivers what the read gathered since the last take, once
// there is something; nothing once the read is over and all was taken.
func waitPages(id string, gen int, b *pageBuffer) tea.Cmd {
	return func() tea.Msg {
		<-b.ready
		b.mu.Lock()
		events, done, total, over := b.events, b.done, b.total, b.over
		b.events = nil
		b.mu.Unlock()
		msg := timelinePageMsg{id: id, gen: gen, events: events, done: done, total: total}
		if !over {
			msg.next = waitPages(id, gen, b)
		} else if len(events) == 0 {
			return nil
		}
		return msg
	}
}

// handleTimelinePage shows a page of the open incident's first read, and
// the count read so far on the status line. The line is set here, with
// the page, rather than by a report message: a report could come after
// the read's answer and say "loading" once all is loaded.
func (m Model) handleTimelinePage(msg timelinePageMsg) (tea.Model, tea.Cmd) {
	var progress string
	m.detail, progress = m.detail.handlePage(msg)
	if progress != "" && m.status.yieldsToBackground(m.opts.Now()) {
		m.say(statusProgress, progress)
	}
	return m, msg.next // keep draining, so the waiting command ends
}

// handlePage adds a page of the first read to the timeline while the
// read goes on, and says how far it came when more pages are to come.
// Pages that come after the read's answer (their messages race) are
// dropped: the answer holds them all.
func (d detailModel) handlePage(msg timelinePageMsg) (detailModel, string) {
	if !d.shows(msg.id) || msg.gen != d.gen || d.loaded || !d.fetching {
		return d, ""
	}
	if len(msg.events) > 0 {
		d.remote = append(d.remote, msg.events...)
		d.setTimeline()
	}
	if msg.total <= msg.done {
		return d, "" // one page, or the last: the answer is near
	}
	d.paged = true
	return d, fmt.Sprintf("loading timeline %s/%s", thousands(msg.done), thousands(msg.total))
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// bigTimeline is the size from which an incident's first read is worth
// handing its garbage back to the system at once.
const bigTimeline = 20_000

// releaseMemory gives the system back the memory a big first read left
// unused (the decoded pages, the sorted copies), in the background.
// The Go runtime returns it on its own only over minutes, so a terminal
// kept open on a huge incident would hold twice what it uses.
func releaseMemory() tea.Msg {
	debug.FreeOSMemory()
	return nil
}
