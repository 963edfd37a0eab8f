package tui

import (
	"context"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/runbook"
)

// pane is the part of the detail view that has focus.
type pane int

const (
	paneTimeline pane = iota
	paneAlerts
	paneRunbook
	paneState
	panePremortem // what a pre-mortem foresaw (premortemwire.go)
	paneCount
)

func (p pane) String() string {
	switch p {
	case paneAlerts:
		return "Alerts"
	case paneRunbook:
		return "Runbook"
	case paneState:
		return "State"
	case panePremortem:
		return "Pre-mortem"
	default:
		return "Timeline"
	}
}

// detailDeps is the wiring the detail screen fetches with; fixed for the
// program's life.
type detailDeps struct {
	ctx         context.Context
	src         incident.Source
	journal     Journal
	now         func() time.Time
	loc         *time.Location
	every       every
	detailEvery time.Duration
	runbooks    *runbook.Set
	updateEvery time.Duration // the status update cadence the state pane counts
	premortems  *premortem.Set
	reading     bool // runbooks and pre-mortems are still being read (startload.go)
}

// detailModel shows one incident: its facts, its merged timeline with a
// selected event, its alerts and its runbooks. It owns everything it
// fetched: the provider's events and the journal's, merged into the
// timeline only when either changed. The timeline follows new events
// unless the user has moved up.
type detailModel struct {
	deps detailDeps
	st   *Styles
	keys *KeyMap

	// gen names the incident on screen; it grows on every open and
	// close, so answers and ticks for an incident no longer shown drop.
	gen    int
	active bool // on screen

	inc     incident.Incident
	loaded  bool             // inc came from the provider, not just the list
	remote  []incident.Event // provider events of the incident
	local   []incident.Event // journal events of the incident
	print   string           // what the timeline was built from
	failing bool             // the last fetch failed: alerts are refetched on recovery
	// Polling (poll.go): a fetch on its way makes a tick start none;
	// mark is where the next poll starts; savedAs is what the last
	// snapshot written held, so an unchanged one is not written again.
	fetching bool
	paged    bool // the first read's progress is on the status line
	mark     pollMark
	savedAs  string
	// builtFrom is how many provider events the timeline holds, so a
	// poll's new ones are appended (timelineappend.go).
	builtFrom int

	merged   incident.Timeline // provider and journal events, merged
	full     incident.Timeline // every event but stars
	timeline incident.Timeline // full, narrowed by query and kinds
	query    string            // "/" in the timeline
	kinds    kindFilter
	starred  map[string]bool // event ids starred in the journal
	// The newest status update, gathered from the timeline when it
	// changes, so a frame does not scan it.
	lastUpdate time.Time
	alerts     []incident.Alert
	rb         runbookPane
	run        commandRun // the runbook pane's command: asked, running or shown (runwire.go)
	state      statePane  // where the incident stands, derived from the timeline
	pm         premortemPane
	banner     foreseenBanner // one line under the facts when a pre-mortem foresaw this
	outer      int            // the height SetSize was given, banner and facts included
	focus      pane

	// The timeline rendered for the current width; rebuilt when the
	// timeline or the width changes, never per frame.
	lines     *lineCache  // recently drawn events' lines (timelinelines.go)
	lineStyle []lineStyle // how each line is coloured
	lineEvent []int       // the timeline index each line belongs to (-1: a day's heading)
	starts    []int       // the first line of each timeline event

	alertScroll int
	sel         int // selected timeline event
	scroll      int // first visible line
	follow      bool
	width       int
	height      int // rows for the pane
}

func newDetail(st *Styles, keys *KeyMap, deps detailDeps) detailModel {
	return detailModel{st: st, keys: keys, deps: deps, follow: true, rb: runbookPane{st: st, keys: keys, reading: deps.reading},
		state: newStatePane(st, keys), pm: newPremortemPane(st, keys), banner: newForeseenBanner(st, keys)}
}

// open shows in, forgetting the previous incident, and returns the
// fetches that fill the screen.
func (d detailModel) open(in incident.Incident) (detailModel, tea.Cmd) {
	n := newDetail(d.st, d.keys, d.deps)
	n.gen, n.active, n.inc = d.gen+1, true, in
	n.run = d.run // a run goes on whichever incident is on screen
	n.rb.SetLive(d.rb.liveRun, d.run.step)
	n = n.SetSize(d.width, d.outer)
	n.rematch()
	n.fetching = true // start fetches it
	return n, n.start()
}

// start is what an incident just opened needs: everything fetched, and
// its poll and clock started.
func (d detailModel) start() tea.Cmd {
	id := d.inc.ID
	pages := newPageBuffer() // the timeline shows as its pages come (timelineload.go)
	fetch := fetchDetail(pages.withPages(d.deps.ctx), d.deps.src, d.deps.journal, id, d.gen, pollMark{})
	return tea.Batch(func() tea.Msg { defer pages.finish(); return fetch() }, waitPages(id, d.gen, pages),
		fetchAlerts(d.deps.ctx, d.deps.src, id, d.gen),
		d.deps.every(d.deps.detailEvery, detailTickMsg{id: id, gen: d.gen}),
		d.deps.every(time.Second, clockTickMsg{gen: d.gen}))
}

// close leaves the screen; answers still on their way are dropped.
func (d detailModel) close() detailModel {
	d.active = false
	d.gen++
	return d
}

// shows reports whether the incident id is the one on screen.
func (d detailModel) shows(id string) bool { return d.active && d.inc.ID == id }

const factsHeight = 5 // title, status, people, tab bar, pane heading

// wideAt is the width from which the timeline and the other pane stand
// side by side instead of behind tabs.
const wideAt = 150

func (d *detailModel) wide() bool { return d.width >= wideAt }

// timelineWidth is the timeline's share of the width.
func (d *detailModel) timelineWidth() int {
	if d.wide() {
		return d.width * 55 / 100
	}
	return d.width
}

// sideWidth is what is left beside the timeline on a wide screen.
func (d *detailModel) sideWidth() int { return d.width - d.timelineWidth() - 1 }

// SetSize sets the area the detail view may draw in.
func (d detailModel) SetSize(w, h int) detailModel {
	if w != d.width {
		d.width = w
		d.render()
	}
	d.outer = h
	d.height = max(h-factsHeight-d.bannerHeight(), 1)
	if d.wide() {
		d.rb = d.rb.SetSize(d.sideWidth(), d.height+1)
		d.state = d.state.SetSize(d.sideWidth(), d.height+1)
		d.pm = d.pm.SetSize(d.sideWidth(), d.height+1)
	} else {
		d.rb = d.rb.SetSize(d.width, d.height+1)
		d.state = d.state.SetSize(d.width, d.height+1)
		d.pm = d.pm.SetSize(d.width, d.height+1)
	}
	d.banner = d.banner.SetSize(d.width, 1)
	d.run = d.run.SetSize(d.rb.width, d.rb.height)
	d.clamp()
	return d
}

// KeyHelp lists the keys that act on the detail screen now.
func (d detailModel) KeyHelp() []key.Binding {
	k := d.keys
	bs := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Pane, k.Back}
	switch d.focus {
	case paneTimeline:
		bs = append(bs, k.Star, k.Search)
	case paneRunbook:
		bs = append(bs, k.Tick, k.Run, k.Document, k.NextRunbook, k.PrevRunbook, k.CopyURL)
	case panePremortem:
		bs = append(bs, d.pm.KeyHelp()...)
	}
	return enabled(bs...)
}

// Update handles the detail screen's own messages: its fetches, its
// clocks, and the keys that move within it.
func (d detailModel) Update(msg tea.Msg) (detailModel, tea.Cmd) {
	switch msg := msg.(type) {
	case detailMsg:
		return d.handleDetail(msg)
	case alertsMsg:
		if !d.shows(msg.id) || msg.gen != d.gen {
			return d, nil
		}
		if msg.err != nil {
			return d, report(refreshFailed(msg.err))
		}
		d.alerts = msg.alerts
		d.rematch()
		return d, d.ensureRendered()
	case renderedMsg:
		d.rb, _ = d.rb.Update(msg)
		return d, nil
	case detailTickMsg:
		if !d.shows(msg.id) || msg.gen != d.gen {
			return d, nil
		}
		next := d.deps.every(d.deps.detailEvery, detailTickMsg{id: msg.id, gen: msg.gen})
		if d.fetching {
			return d, next // a long first fetch is still on its way
		}
		d.fetching = true
		return d, tea.Batch(d.refetch(), next)
	case clockTickMsg:
		if msg.gen != d.gen || !d.active {
			return d, nil
		}
		// Timers and "due in" count down; the state pane's clock with
		// them, when it is on screen.
		if d.focus == paneState || d.wide() {
			d.derive()
		}
		return d, d.deps.every(time.Second, clockTickMsg{gen: d.gen})
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			d.Scroll(-3)
		case tea.MouseWheelDown:
			d.Scroll(3)
		}
		return d, nil
	case tea.KeyPressMsg:
		return d.handleKey(msg)
	}
	return d, nil
}

// handleKey moves within the screen; a key it has no use for is said so.
func (d detailModel) handleKey(msg tea.KeyPressMsg) (detailModel, tea.Cmd) {
	k := d.keys
	switch {
	case d.focus == paneState && key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown):
		d.state, _ = d.state.SetFocus(true).Update(msg)
	case d.focus == panePremortem && key.Matches(msg, k.Up, k.Down, k.Tick, k.Open, k.ActionItem, k.NextRunbook, k.PrevRunbook):
		var cmd tea.Cmd
		d.pm, cmd = d.pm.Update(msg)
		return d, cmd
	case key.Matches(msg, k.Up):
		d.Move(-1)
	case key.Matches(msg, k.Down):
		d.Move(1)
	case key.Matches(msg, k.PageUp):
		d.Page(-1, false)
	case key.Matches(msg, k.PageDown):
		d.Page(1, false)
	case key.Matches(msg, k.HalfPageUp):
		d.Page(-1, true)
	case key.Matches(msg, k.HalfPageDown):
		d.Page(1, true)
	case key.Matches(msg, k.Top):
		d.ScrollTo(false)
	case key.Matches(msg, k.Bottom):
		d.ScrollTo(true)
	case key.Matches(msg, k.Pane):
		d.NextPane()
		return d, d.ensureRendered()
	case d.focus == paneRunbook && key.Matches(msg, k.NextRunbook, k.PrevRunbook, k.Document):
		var cmd tea.Cmd
		d.rb, cmd = d.rb.Update(msg)
		return d, cmd
	default:
		return d, report(notHere(d.keys, msg, "here"))
	}
	return d, nil
}

// refetch asks for what changed since the newest provider event seen.
func (d detailModel) refetch() tea.Cmd {
	return fetchDetail(d.deps.ctx, d.deps.src, d.deps.journal, d.inc.ID, d.gen, d.mark)
}

// refresh fetches the incident, its events and its alerts again.
func (d detailModel) refresh() tea.Cmd {
	return tea.Batch(d.refetch(), fetchAlerts(d.deps.ctx, d.deps.src, d.inc.ID, d.gen))
}

func (d detailModel) handleDetail(msg detailMsg) (detailModel, tea.Cmd) {
	if !d.shows(msg.id) || msg.gen != d.gen {
		return d, nil
	}
	d.fetching = false
	if msg.local != nil {
		d.local = msg.local
	}
	if msg.err != nil {
		d.failing = true
		if !msg.cachedAt.IsZero() && (len(d.remote) == 0 || !d.loaded) {
			// The snapshot replaces what pages of the failed read showed.
			d.inc, d.remote, d.loaded, d.builtFrom = msg.inc, msg.remote, true, 0
			d.mark = pollMark{}.advance(d.remote)
			d.setTimeline()
			d.rematch() // on the snapshot's facts
			// This says more than the refresh errors that follow.
			said := report(reportMsg{kind: statusError, hold: true, stale: true,
				text: fmt.Sprintf("PagerDuty cannot be reached: the timeline as of %s ago (%s)",
					incident.Age(d.deps.now().Sub(msg.cachedAt)), oneLine(msg.err))})
			if len(d.remote) >= bigTimeline {
				return d, tea.Batch(said, releaseMemory)
			}
			return d, said
		}
		d.setTimeline()
		return d, report(refreshFailed(msg.err))
	}
	var cmds []tea.Cmd
	if d.failing {
		// PagerDuty answers again: what was fetched while it did not
		// (alerts, and the runbooks they match) is stale too.
		d.failing = false
		cmds = append(cmds, fetchAlerts(d.deps.ctx, d.deps.src, d.inc.ID, d.gen))
	}
	wasActive := d.inc.Active()
	if msg.haveInc {
		d.inc = msg.inc
	}
	d.loaded = true
	if msg.incremental {
		d.remote = appendNew(d.remote, msg.remote)
		d.mark = d.mark.advance(msg.remote)
	} else {
		// The read's result replaces its pages: rebuild, not append.
		d.remote, d.builtFrom = msg.remote, 0
		d.mark = pollMark{}.advance(msg.remote)
	}
	d.setTimeline()
	if !msg.incremental && len(d.remote) >= bigTimeline {
		cmds = append(cmds, releaseMemory)
	}
	if d.paged {
		d.paged = false
		cmds = append(cmds, report(reportMsg{kind: statusInfo, text: "timeline: " + thousands(len(d.remote)) + " events"}))
	}
	d.rb.SetTicks(d.local)
	d.pm = d.pm.SetTicks("", d.merged)
	if msg.haveInc {
		// Matching reads the incident's facts (title, service, priority):
		// one opened by id alone, or whose facts changed, is matched again.
		d.rematch()
		cmds = append(cmds, d.ensureRendered())
		d.derive() // the incident's facts feed the state too
	}
	if saved := snapshotPrint(d.inc, d.remote); saved != d.savedAs {
		d.savedAs = saved
		cmds = append(cmds, saveSnapshot(d.deps.journal, d.inc, d.remote, d.deps.now()))
	}
	if d.inc.Status == incident.Resolved {
		id, turned := d.inc.ID, wasActive
		cmds = append(cmds, func() tea.Msg { return resolvedMsg{id: id, turned: turned} })
	}
	return d, tea.Batch(cmds...)
}

// journaled adds an action just written to the journal.
func (d detailModel) journaled(e incident.Event) detailModel {
	d.local = append(d.local, e)
	d.setTimeline()
	d.rb.SetTicks(d.local)
	d.pm = d.pm.SetTicks("", d.merged)
	return d
}

// settle records what became of a journaled action.
func (d detailModel) settle(id string, state incident.SyncState, errText string) detailModel {
	for i := range d.local {
		if d.local[i].ID == id {
			d.local = slices.Clone(d.local) // copies of the model share the array
			d.local[i].State, d.local[i].Error = state, errText
			d.setTimeline()
			break
		}
	}
	return d
}

// rematch matches runbooks and pre-mortems to the incident and its
// alerts; the runbooks a matched failure names are offered too.
func (d *detailModel) rematch() {
	d.rematchPremortems()
	d.rb.SetMatches(d.withNamedRunbooks(d.deps.runbooks.Match(d.inc, d.alerts)))
}

// ensureRendered asks for the current runbook's document when it is on
// screen and not yet rendered for this width and background.
func (d detailModel) ensureRendered() tea.Cmd {
	if !d.active || d.focus != paneRunbook {
		return nil
	}
	return d.rb.ensureRendered()
}

// Selected is the selected timeline event.
func (d detailModel) Selected() (incident.Event, bool) {
	if d.sel < 0 || d.sel >= len(d.timeline) {
		return incident.Event{}, false
	}
	return d.timeline[d.sel], true
}

// Move moves the selection by delta events; reaching the last event
// resumes following.
func (d *detailModel) Move(delta int) {
	if d.focus == paneRunbook {
		d.rb.Move(delta)
		return
	}
	if d.focus == paneAlerts {
		d.alertScroll = max(d.alertScroll+delta, 0)
		return
	}
	if d.focus == paneState || d.focus == panePremortem {
		return // the state and pre-mortem panes scroll themselves (handleKey)
	}
	d.sel += delta
	d.follow = false
	d.clamp()
	if d.sel >= len(d.timeline)-1 {
		d.follow = true
		d.clamp()
	}
}

// Page moves a screenful (or half of one) up or down: the view scrolls
// and the selection goes with it.
func (d *detailModel) Page(dir int, half bool) {
	n := max(d.height-1, 1)
	if half {
		n = max(d.height/2, 1)
	}
	if d.focus != paneTimeline {
		d.Move(dir * n)
		return
	}
	d.Scroll(dir * n)
	if dir > 0 && d.scroll >= d.maxScroll() {
		d.follow = true
		d.clamp()
	}
}

// Scroll moves the view by delta lines (mouse wheel) without moving the
// selection further than it must.
func (d *detailModel) Scroll(delta int) {
	d.follow = false
	d.scroll = min(max(d.scroll+delta, 0), d.maxScroll())
	if len(d.lineEvent) == 0 {
		return
	}
	first, last := d.eventAt(d.scroll, 1), d.eventAt(min(d.scroll+d.height, len(d.lineEvent))-1, -1)
	d.sel = min(max(d.sel, first), max(last, first))
}

// eventAt is the event line i belongs to, looking in direction dir past
// day headings.
func (d *detailModel) eventAt(i, dir int) int {
	for i >= 0 && i < len(d.lineEvent) {
		if e := d.lineEvent[i]; e >= 0 {
			return e
		}
		i += dir
	}
	if dir > 0 {
		return len(d.timeline) - 1
	}
	return 0
}

// ScrollTo selects the first event (bottom false) or the last (following).
func (d *detailModel) ScrollTo(bottom bool) {
	if d.focus != paneTimeline {
		if bottom {
			d.Move(1 << 20)
		} else {
			d.Move(-1 << 20)
		}
		return
	}
	d.follow = bottom
	d.sel, d.scroll = 0, 0
	d.clamp()
}

// NextPane moves focus to the next pane.
func (d *detailModel) NextPane() {
	d.focus = (d.focus + 1) % paneCount
	for !d.hasPane(d.focus) {
		d.focus = (d.focus + 1) % paneCount
	}
	d.state = d.state.SetFocus(d.focus == paneState)
	d.clamp()
	d.deriveShown() // a poll's append leaves the state pane to its showing
}

func (d *detailModel) maxScroll() int { return max(len(d.lineEvent)-d.height, 0) }

// clamp keeps the selection valid and visible.
func (d *detailModel) clamp() {
	if d.focus != paneTimeline {
		return
	}
	if d.follow {
		d.sel = len(d.timeline) - 1
		d.scroll = d.maxScroll()
	}
	d.sel = min(max(d.sel, 0), max(len(d.timeline)-1, 0))
	if len(d.starts) > 0 {
		start := d.starts[d.sel]
		if start > 0 && d.lineEvent[start-1] < 0 {
			start-- // the day's heading stays with its first event
		}
		end := len(d.lineEvent)
		if d.sel+1 < len(d.starts) {
			end = d.starts[d.sel+1]
		}
		if start < d.scroll {
			d.scroll = start
		}
		if end > d.scroll+d.height {
			d.scroll = end - d.height
		}
	}
	d.scroll = min(max(d.scroll, 0), d.maxScroll())
}
