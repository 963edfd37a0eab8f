package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// detailModel shows one incident: its facts and its merged timeline. The
// timeline follows new events unless the user has scrolled up.
type detailModel struct {
	inc      incident.Incident
	loaded   bool // inc came from the provider, not just the list
	timeline incident.Timeline
	lines    []string // timeline rendered for the current width; rebuilt on change, not per frame
	scroll   int      // first visible line
	follow   bool
	width    int
	height   int // rows for the timeline
	loc      *time.Location
	st       Styles
}

func newDetail(inc incident.Incident, st Styles, loc *time.Location) detailModel {
	return detailModel{inc: inc, follow: true, st: st, loc: loc}
}

// SetSize sets the area the detail view may draw in.
func (d *detailModel) SetSize(w, h int) {
	if w != d.width {
		d.width = w
		d.render()
	}
	d.height = max(h-d.factsHeight(), 1)
	d.clamp()
}

// SetTimeline replaces the timeline and keeps the view on the newest
// events when following.
func (d *detailModel) SetTimeline(tl incident.Timeline) {
	d.timeline = tl
	d.render()
	d.clamp()
}

func (d *detailModel) factsHeight() int { return 4 }

// render turns the timeline into display lines; long notes wrap under
// their first line.
func (d *detailModel) render() {
	d.lines = d.lines[:0]
	if d.width <= 0 {
		return
	}
	const stampW = 22
	const kindW = 9
	indent := stampW + 1 + kindW + 1
	for _, e := range d.timeline {
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
		case e.Origin == incident.Local:
			text += " [journal]"
		}
		body := wrap(text, max(d.width-indent, 10))
		for i, part := range body {
			prefix := strings.Repeat(" ", indent)
			if i == 0 {
				prefix = stamp(e.At, d.loc) + " " + kind + " "
			}
			line := fit(prefix+part, d.width)
			switch {
			case e.Origin == incident.Local && e.State == incident.Failed:
				line = d.st.Error.Render(line)
			case e.Origin == incident.Local && e.State == incident.Queued:
				line = d.st.Queued.Render(line)
			case e.Origin == incident.Local:
				line = d.st.Local.Render(line)
			case e.Kind == incident.KindTrigger || e.Kind == incident.KindEscalate:
				line = d.st.Triggered.Render(line)
			}
			d.lines = append(d.lines, line)
		}
	}
}

// Scroll moves the timeline by delta lines; scrolling to the end resumes
// following.
func (d *detailModel) Scroll(delta int) {
	d.scroll += delta
	d.follow = false
	d.clamp()
	if d.scroll >= d.maxScroll() {
		d.follow = true
	}
}

// ScrollTo jumps to the top (follow off) or the bottom (follow on).
func (d *detailModel) ScrollTo(bottom bool) {
	d.follow = bottom
	d.scroll = 0
	d.clamp()
}

func (d *detailModel) maxScroll() int { return max(len(d.lines)-d.height, 0) }

func (d *detailModel) clamp() {
	if d.follow {
		d.scroll = d.maxScroll()
	}
	d.scroll = min(max(d.scroll, 0), d.maxScroll())
}

// View draws the facts block and the visible part of the timeline.
func (d *detailModel) View() string {
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
	b.WriteString("\n" + fit(facts, d.width))
	var who []string
	for _, a := range in.Assignees {
		who = append(who, incident.Clean(a.Name))
	}
	assigned := "unassigned"
	if len(who) > 0 {
		assigned = "assigned to " + strings.Join(who, ", ")
	}
	if in.EscalationPolicy.Name != "" {
		assigned += " · policy " + incident.Clean(in.EscalationPolicy.Name)
	}
	b.WriteString("\n" + st.Faint.Render(fit(assigned, d.width)))
	head := fmt.Sprintf("Timeline · %d events · %s time, UTC offset shown", len(d.timeline), zoneName(d.loc))
	if !d.follow {
		head += " · scrolled, G to follow"
	}
	b.WriteString("\n" + st.Header.Render(fit(head, d.width)))
	if !d.loaded && len(d.timeline) == 0 {
		b.WriteString("\n" + st.Faint.Render(fit("Loading timeline…", d.width)))
		return b.String()
	}
	end := min(d.scroll+d.height, len(d.lines))
	for _, line := range d.lines[d.scroll:end] {
		b.WriteString("\n" + line)
	}
	return b.String()
}

// zoneName names a location for the header; "Local" says nothing, so it
// becomes "local".
func zoneName(loc *time.Location) string {
	if loc == nil || loc.String() == "Local" {
		return "local"
	}
	return loc.String()
}
