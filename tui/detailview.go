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

// Timeline columns: the time of day, the time since the trigger, the
// kind. The date is said once per day, on a line of its own.
const (
	clockW = 8 // 14:03:10
	relW   = 7 // T+1h05m
	kindW  = 9
)

// render lays the timeline out for the current width.
func (d *detailModel) render() {
	d.lineStyle, d.lineEvent, d.starts = d.lineStyle[:0], d.lineEvent[:0], d.starts[:0]
	d.renderFrom(0)
}

// renderFrom lays out the timeline's events from index first on, after
// the lines of the events before it (a poll's new events are appended).
// It counts each event's lines and notes their event and colour; the
// text is made when a line is drawn (timelinelines.go).
func (d *detailModel) renderFrom(first int) {
	w := d.timelineWidth()
	if w <= 0 {
		return
	}
	d.lines = d.lineCacheFor(w)
	loc := d.location()
	day := ""
	interrupted := d.runMarks()
	d.lines.marks = interrupted
	if first > 0 {
		day = d.timeline[first-1].At.In(loc).Format(time.DateOnly)
	}
	width := max(w-timelineIndent, 10)
	for i := first; i < len(d.timeline); i++ {
		e := d.timeline[i]
		if today := e.At.In(loc).Format(time.DateOnly); today != day {
			day = today
			d.lineStyle = append(d.lineStyle, lineDay)
			d.lineEvent = append(d.lineEvent, -1)
		}
		d.starts = append(d.starts, len(d.lineEvent))
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
		for range wrapCount(d.eventText(e, interrupted[e.ID]), width) {
			d.lineStyle = append(d.lineStyle, ls)
			d.lineEvent = append(d.lineEvent, i)
		}
	}
}

// sinceTrigger is "T+6m": how long after the trigger at is ("T-2m" for
// what came before it).
func sinceTrigger(at, trigger time.Time) string {
	if trigger.IsZero() {
		return ""
	}
	if at.Before(trigger) {
		return "T-" + incident.Age(trigger.Sub(at))
	}
	return "T+" + incident.Age(at.Sub(trigger))
}

// lineStyle is how a timeline line is coloured.
type lineStyle uint8

const (
	lineNormal lineStyle = iota
	lineFailed
	lineQueued
	lineLocal
	lineAlarm
	lineDay
)

// styleLine colours one visible line, whose text is plain.
func (d *detailModel) styleLine(i int, plain string) string {
	switch d.lineStyle[i] {
	case lineFailed:
		return d.st.Error.Render(plain)
	case lineQueued:
		return d.st.Queued.Render(plain)
	case lineLocal:
		return d.st.Local.Render(plain)
	case lineAlarm:
		return d.st.Triggered.Render(plain)
	case lineDay:
		return d.st.Header.Render(plain)
	}
	return plain
}

// tasks renders the IC's open time-boxed tasks (from the state, so every
// responder's): due ones count down; an overdue one stays, marked, until
// it is done or cancelled.
func (d *detailModel) tasks(now time.Time) string {
	if !d.state.hasDoc {
		return ""
	}
	var out []string
	for _, it := range d.state.doc.OpenTasks() {
		due, ok := it.DueAt(now.Location())
		if !ok {
			continue
		}
		who, what := oneLineClean(it.Owner), oneLineClean(it.What)
		if left := due.Sub(now); left > 0 {
			out = append(out, d.st.Info.Render(fmt.Sprintf("⏱ %s: %s in %s", who, what, incident.Age(left))))
			continue
		}
		out = append(out, d.st.Error.Render(fmt.Sprintf("⏰ %s: %s overdue by %s", who, what, incident.Age(now.Sub(due)))))
	}
	return strings.Join(out, "  ")
}

// stateFacts is what the header says of the state beyond PagerDuty's
// facts: snoozed until when, mitigated when.
func (d *detailModel) stateFacts() string {
	if !d.state.hasDoc {
		return ""
	}
	doc := d.state.doc
	var s string
	if !doc.SnoozedUntil.IsZero() {
		s += " · snoozed until " + clockTime(doc.SnoozedUntil, doc.Now)
	}
	if doc.Mitigated != nil {
		s += " · " + d.st.Resolved.Render("mitigated "+clockTime(doc.Mitigated.At, doc.Now))
	}
	return s
}

// View draws the facts block, the pane tabs and the focused pane.
func (d detailModel) View() string {
	now := d.deps.now()
	st := d.st
	in := d.inc
	var b strings.Builder
	b.WriteString(st.Title.Render(fit(fmt.Sprintf("#%d %s", in.Number, incident.Clean(in.Title)), d.width)))
	urg := st.Low
	if in.Urgency == incident.High {
		urg = st.High
	}
	facts := statusStyle(st, in.Status).Render(string(in.Status)) + " · " +
		urg.Render(string(in.Urgency)+" urgency") + " · priority " + st.priority(in.Priority).Render(priorityOrDash(in.Priority)) +
		" · " + incident.Clean(in.Service.Name)
	facts += d.stateFacts()
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
	if banner := d.banner.View(); banner != "" {
		b.WriteString("\n" + banner)
	}

	var tabs []string
	for p := range paneCount {
		if !d.hasPane(p) {
			continue
		}
		label := p.String()
		switch p {
		case paneTimeline:
			label += fmt.Sprintf(" (%d)", len(d.timeline))
		case paneAlerts:
			label += fmt.Sprintf(" (%d)", len(d.alerts))
		case paneRunbook:
			if d.rb.reading {
				label += " (…)" // not yet read: 0 would say none matches
			} else {
				label += fmt.Sprintf(" (%d)", len(d.rb.matches))
			}
		case panePremortem:
			label += fmt.Sprintf(" (%d)", len(d.pm.matches))
		}
		if p == d.focus {
			tabs = append(tabs, st.Selected.Render(" "+label+" "))
		} else {
			tabs = append(tabs, st.Faint.Render(" "+label+" "))
		}
	}
	b.WriteString("\n" + fit(strings.Join(tabs, " "), d.width))

	if d.wide() {
		// The timeline stays in view, and beside it the incident's
		// state; another pane takes the state's place while focused.
		var right string
		switch d.focus {
		case paneAlerts:
			right = d.alertsView(d.sideWidth())
		case paneRunbook:
			right = d.runbookView()
		case panePremortem:
			right = d.pm.View()
		default:
			right = d.state.View()
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
		b.WriteString("\n" + d.runbookView())
	case paneState:
		b.WriteString("\n" + d.state.View())
	case panePremortem:
		b.WriteString("\n" + d.pm.View())
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

// timelineHead is the line above the timeline: what narrows it and
// whether it follows new events, else the keys that act on it.
func (d *detailModel) timelineHead() string {
	var parts []string
	if d.query != "" || d.kinds != kindsAll {
		var narrowed []string
		if d.query != "" {
			narrowed = append(narrowed, fmt.Sprintf("search %q", incident.Clean(d.query)))
		}
		if d.kinds != kindsAll {
			narrowed = append(narrowed, d.kinds.String())
		}
		parts = append(parts, fmt.Sprintf("%s: %d of %d events", strings.Join(narrowed, ", "), len(d.timeline), len(d.full)))
	}
	if !d.follow {
		parts = append(parts, "scrolled back · "+d.keys.Bottom.Help().Key+" follows new events")
	}
	if len(parts) == 0 {
		parts = append(parts, hint(d.keys.Star, "star"), hint(d.keys.Search, "search"), hint(d.keys.Kinds, "notes, people"))
	}
	return strings.Join(parts, " · ")
}

func (d *detailModel) timelineView(width int) string {
	st := d.st
	out := []string{st.Header.Render(fit(d.timelineHead(), width))}
	if !d.loaded && len(d.timeline) == 0 {
		return strings.Join(append(out, st.Faint.Render(fit("Loading timeline…", width))), "\n")
	}
	if len(d.timeline) == 0 && len(d.full) > 0 {
		return strings.Join(append(out, st.Faint.Render(fit("No event matches; "+d.keys.Back.Help().Key+" clears the search", width))), "\n")
	}
	end := min(d.scroll+d.height, len(d.lineEvent))
	marks := d.layoutMarks()
	for i := d.scroll; i < end; i++ {
		plain := d.lineText(i, marks)
		if d.lineEvent[i] == d.sel && d.lineEvent[i] >= 0 {
			out = append(out, st.Selected.Render(plain))
		} else {
			out = append(out, d.styleLine(i, plain))
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
		head := fmt.Sprintf("%s  %s  %s", stamp(a.CreatedAt, d.deps.loc), fit(incident.Clean(a.Severity), 8), incident.Clean(a.Status))
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

// zoneName names a location; "Local" says nothing, so it becomes
// "local".
func zoneName(loc *time.Location) string {
	if loc == nil || loc.String() == "Local" {
		return "local"
	}
	return loc.String()
}
