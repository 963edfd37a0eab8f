package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
)

// pane is the part of the detail view that has focus.
type pane int

const (
	paneTimeline pane = iota
	paneAlerts
	paneRunbook
	paneCount
)

func (p pane) String() string {
	switch p {
	case paneAlerts:
		return "Alerts"
	case paneRunbook:
		return "Runbook"
	default:
		return "Timeline"
	}
}

// detailModel shows one incident: its facts, its merged timeline with a
// selected event, and its alerts. The timeline follows new events unless
// the user has moved up.
type detailModel struct {
	inc      incident.Incident
	loaded   bool // inc came from the provider, not just the list
	timeline incident.Timeline
	starred  map[string]bool // event ids starred in the journal
	// Facts gathered from the timeline when it changes, so a frame does
	// not scan it: the newest status update, and the IC's tasks.
	lastUpdate time.Time
	taskEvents []incident.Event
	alerts     []incident.Alert
	rb         runbookPane
	focus      pane
	side       pane // on a wide screen, the pane shown beside the timeline

	// The timeline rendered for the current width; rebuilt when the
	// timeline or the width changes, never per frame.
	plain     []string    // unstyled; styled only when visible
	lineStyle []lineStyle // how each line is coloured
	lineEvent []int       // the timeline index each line belongs to
	starts    []int       // the first line of each timeline event

	alertScroll int
	sel         int // selected timeline event
	scroll      int // first visible line
	follow      bool
	width       int
	height      int // rows for the pane
	loc         *time.Location
	st          Styles
}

func newDetail(inc incident.Incident, st Styles, loc *time.Location) detailModel {
	return detailModel{inc: inc, follow: true, st: st, loc: loc, side: paneRunbook}
}

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
func (d *detailModel) SetSize(w, h int) {
	if w != d.width {
		d.width = w
		d.render()
	}
	d.height = max(h-factsHeight, 1)
	d.clamp()
}

// SetTimeline replaces the timeline. Star events become marks on the
// events they star rather than lines of their own.
func (d *detailModel) SetTimeline(tl incident.Timeline) {
	var selID string
	if d.sel < len(d.timeline) {
		selID = d.timeline[d.sel].ID
	}
	d.starred = map[string]bool{}
	d.lastUpdate, d.taskEvents = time.Time{}, nil
	shown := make(incident.Timeline, 0, len(tl))
	for _, e := range tl {
		switch e.Kind {
		case incident.KindStar:
			d.starred[e.Fields[incident.FieldEventID]] = true
			continue
		case incident.KindStatusUpdate:
			if e.At.After(d.lastUpdate) {
				d.lastUpdate = e.At
			}
		case incident.KindTask:
			d.taskEvents = append(d.taskEvents, e)
		}
		shown = append(shown, e)
	}
	d.timeline = shown
	if !d.follow && selID != "" {
		if i := slices.IndexFunc(shown, func(e incident.Event) bool { return e.ID == selID }); i >= 0 {
			d.sel = i
		}
	}
	d.render()
	d.clamp()
}

// Selected is the selected timeline event.
func (d detailModel) Selected() (incident.Event, bool) {
	if d.sel < 0 || d.sel >= len(d.timeline) {
		return incident.Event{}, false
	}
	return d.timeline[d.sel], true
}

const (
	stampW = 22
	kindW  = 9
)

func (d *detailModel) render() {
	d.plain, d.lineStyle, d.lineEvent, d.starts = d.plain[:0], d.lineStyle[:0], d.lineEvent[:0], d.starts[:0]
	w := d.timelineWidth()
	if w <= 0 {
		return
	}
	indent := 2 + stampW + 1 + kindW + 1
	for i, e := range d.timeline {
		d.starts = append(d.starts, len(d.plain))
		kind := fit(kindLabel(e.Kind), kindW)
		text := incident.Clean(e.Summary)
		if actor := incident.Clean(e.Actor); actor != "" {
			text = actor + ": " + text
		}
		switch {
		case e.Origin == incident.Local && e.State == incident.Queued:
			text += " [queued]"
		case e.Origin == incident.Local && e.State == incident.Failed:
			text += " [not sent: " + incident.Clean(e.Error) + "]"
		}
		mark := "  "
		if d.starred[e.ID] {
			mark = "★ "
		}
		for j, part := range wrap(text, max(w-indent, 10)) {
			prefix := strings.Repeat(" ", indent)
			if j == 0 {
				prefix = mark + stamp(e.At, d.loc) + " " + kind + " "
			}
			ls := lineNormal
			switch {
			case e.Origin == incident.Local && e.State == incident.Failed:
				ls = lineFailed
			case e.Origin == incident.Local && e.State == incident.Queued:
				ls = lineQueued
			case e.Origin == incident.Local:
				ls = lineLocal
			case e.Kind == incident.KindTrigger || e.Kind == incident.KindEscalate:
				ls = lineAlarm
			}
			d.plain = append(d.plain, fit(prefix+part, w))
			d.lineStyle = append(d.lineStyle, ls)
			d.lineEvent = append(d.lineEvent, i)
		}
	}
}

// lineStyle is how a timeline line is coloured.
type lineStyle uint8

const (
	lineNormal lineStyle = iota
	lineFailed
	lineQueued
	lineLocal
	lineAlarm
)

// styleLine colours one visible line.
func (d *detailModel) styleLine(i int) string {
	switch d.lineStyle[i] {
	case lineFailed:
		return d.st.Error.Render(d.plain[i])
	case lineQueued:
		return d.st.Queued.Render(d.plain[i])
	case lineLocal:
		return d.st.Local.Render(d.plain[i])
	case lineAlarm:
		return d.st.Triggered.Render(d.plain[i])
	}
	return d.plain[i]
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
	d.sel += delta
	d.follow = false
	d.clamp()
	if d.sel >= len(d.timeline)-1 {
		d.follow = true
		d.clamp()
	}
}

// Scroll moves the view by delta lines (mouse wheel) without moving the
// selection further than it must.
func (d *detailModel) Scroll(delta int) {
	d.follow = false
	d.scroll = min(max(d.scroll+delta, 0), d.maxScroll())
	if len(d.plain) == 0 {
		return
	}
	first, last := d.lineEvent[d.scroll], d.lineEvent[min(d.scroll+d.height, len(d.plain))-1]
	d.sel = min(max(d.sel, first), last)
}

// ScrollTo selects the first event (bottom false) or the last (following).
func (d *detailModel) ScrollTo(bottom bool) {
	d.follow = bottom
	d.sel, d.scroll = 0, 0
	d.clamp()
}

// NextPane moves focus to the next pane.
func (d *detailModel) NextPane() {
	d.focus = (d.focus + 1) % paneCount
	if d.focus != paneTimeline {
		d.side = d.focus
	}
	d.clamp()
}

func (d *detailModel) maxScroll() int { return max(len(d.plain)-d.height, 0) }

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
		end := len(d.plain)
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

// taskShownFor is how long a task stays on screen after it fell due.
const taskShownFor = 10 * time.Minute

// tasks renders the IC's time-boxed tasks still worth showing: due ones
// count down; overdue ones flash (they alternate style every second).
func (d *detailModel) tasks(now time.Time) string {
	var out []string
	for _, e := range d.taskEvents {
		due, err := time.Parse(time.RFC3339, e.Fields[incident.FieldDue])
		if err != nil || now.Sub(due) > taskShownFor {
			continue
		}
		who, what := incident.Clean(e.Fields[incident.FieldPerson]), incident.Clean(e.Fields[incident.FieldWhat])
		if left := due.Sub(now); left > 0 {
			out = append(out, d.st.Info.Render(fmt.Sprintf("⏱ %s: %s in %s", who, what, age(left))))
			continue
		}
		s := fmt.Sprintf("⏰ %s: %s DUE %s ago", who, what, age(now.Sub(due)))
		if now.Unix()%2 == 0 {
			out = append(out, d.st.Selected.Render(s))
		} else {
			out = append(out, d.st.Error.Render(s))
		}
	}
	return strings.Join(out, "  ")
}

// View draws the facts block, the pane tabs and the focused pane.
func (d *detailModel) View(now time.Time) string {
	st := d.st
	in := d.inc
	var b strings.Builder
	b.WriteString(st.Title.Render(fit(fmt.Sprintf("#%d %s", in.Number, incident.Clean(in.Title)), d.width)))
	urg := st.Low
	if in.Urgency == incident.High {
		urg = st.High
	}
	facts := statusStyle(st, in.Status).Render(string(in.Status)) + " · " +
		urg.Render(string(in.Urgency)+" urgency") + " · priority " + st.Priority.Render(priorityOrDash(in.Priority)) +
		" · " + incident.Clean(in.Service.Name)
	if in.EscalationLevel > 0 {
		facts += fmt.Sprintf(" · escalation level %d", in.EscalationLevel)
	}
	b.WriteString("\n" + fit(facts, d.width))
	var who []string
	for _, a := range in.Assignees {
		who = append(who, incident.Clean(a.Name))
	}
	people := "unassigned"
	if len(who) > 0 {
		people = "assigned to " + strings.Join(who, ", ")
	}
	if in.EscalationPolicy.Name != "" {
		people += " · policy " + incident.Clean(in.EscalationPolicy.Name)
	}
	if in.Bridge != "" {
		people += " · bridge " + incident.Clean(in.Bridge)
	}
	if in.URL != "" {
		people += " · " + incident.Clean(in.URL)
	}
	people = st.Faint.Render(people)
	if t := d.tasks(now); t != "" {
		people = t + st.Faint.Render(" · ") + people // a due task matters more
	}
	b.WriteString("\n" + fit(people, d.width))

	var tabs []string
	for p := range paneCount {
		label := p.String()
		switch p {
		case paneTimeline:
			label += fmt.Sprintf(" (%d)", len(d.timeline))
		case paneAlerts:
			label += fmt.Sprintf(" (%d)", len(d.alerts))
		case paneRunbook:
			label += fmt.Sprintf(" (%d)", len(d.rb.matches))
		}
		if p == d.focus {
			tabs = append(tabs, st.Selected.Render(" "+label+" "))
		} else {
			tabs = append(tabs, st.Faint.Render(" "+label+" "))
		}
	}
	b.WriteString("\n" + fit(strings.Join(tabs, " "), d.width))

	if d.wide() {
		// The timeline stays in view; the other pane is the one last
		// focused (the runbook, to begin with).
		side := d.side
		if d.focus != paneTimeline {
			side = d.focus
		}
		var right string
		if side == paneAlerts {
			right = d.alertsView(d.sideWidth())
		} else {
			right = d.rb.view(d.st, d.sideWidth(), d.height+1)
		}
		left := d.timelineView(d.timelineWidth())
		sep := strings.TrimSuffix(strings.Repeat(d.st.Faint.Render("│")+"\n", d.height+1), "\n")
		b.WriteString("\n" + lipgloss.JoinHorizontal(lipgloss.Top, padLines(left, d.timelineWidth(), d.height+1), sep, right))
		return b.String()
	}
	switch d.focus {
	case paneAlerts:
		b.WriteString("\n" + d.alertsView(d.width))
	case paneRunbook:
		b.WriteString("\n" + d.rb.view(d.st, d.width, d.height+1))
	default:
		b.WriteString("\n" + d.timelineView(d.width))
	}
	return b.String()
}

// padLines makes s exactly h lines of width w, so panes join cleanly.
func padLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i := range lines {
		if lipgloss.Width(lines[i]) < w {
			lines[i] = fit(lines[i], w)
		}
	}
	return strings.Join(lines[:h], "\n")
}

func (d *detailModel) timelineView(width int) string {
	st := d.st
	head := fmt.Sprintf("%s time, UTC offset shown · s stars the selected event", zoneName(d.loc))
	if !d.follow {
		head = "scrolled back · G follows new events · " + head
	}
	out := []string{st.Header.Render(fit(head, width))}
	if !d.loaded && len(d.timeline) == 0 {
		return strings.Join(append(out, st.Faint.Render(fit("Loading timeline…", width))), "\n")
	}
	end := min(d.scroll+d.height, len(d.plain))
	for i := d.scroll; i < end; i++ {
		if d.lineEvent[i] == d.sel {
			out = append(out, st.Selected.Render(d.plain[i]))
		} else {
			out = append(out, d.styleLine(i))
		}
	}
	return strings.Join(out, "\n")
}

// alertsView lists the alerts with their body details, scrollable.
func (d *detailModel) alertsView(width int) string {
	st := d.st
	var lines []string
	if len(d.alerts) == 0 {
		lines = append(lines, st.Faint.Render("No alerts loaded."))
	}
	for _, a := range d.alerts {
		head := fmt.Sprintf("%s  %s  %s", stamp(a.CreatedAt, d.loc), fit(incident.Clean(a.Severity), 8), incident.Clean(a.Status))
		lines = append(lines, st.Header.Render(fit(head, width)))
		for _, part := range wrap(incident.Clean(a.Summary), max(width-2, 10)) {
			lines = append(lines, "  "+part)
		}
		for _, k := range slices.Sorted(maps.Keys(a.Details)) {
			v := incident.Clean(fmt.Sprint(a.Details[k]))
			for j, part := range wrap(incident.Clean(k)+": "+v, max(width-4, 10)) {
				if j == 0 {
					lines = append(lines, "    "+st.Faint.Render(part))
				} else {
					lines = append(lines, "      "+st.Faint.Render(part))
				}
			}
		}
		lines = append(lines, "")
	}
	scroll := min(d.alertScroll, max(len(lines)-d.height, 0))
	out := []string{st.Header.Render(fit("Alerts, newest last, with their details", width))}
	for i := scroll; i < min(scroll+d.height, len(lines)); i++ {
		out = append(out, fit(lines[i], width))
	}
	return strings.Join(out, "\n")
}

// zoneName names a location for the header; "Local" says nothing, so it
// becomes "local".
func zoneName(loc *time.Location) string {
	if loc == nil || loc.String() == "Local" {
		return "local"
	}
	return loc.String()
}
