package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
)

// A 100,000-event timeline laid out as text is some 150,000 strings, most
// of which are never looked at. The layout keeps only what scrolling and
// selection need (each line's event and colour, each event's first line);
// a line's text is made when it is drawn, and the lines of the events
// drawn recently are kept in a bounded cache, by event and by what their
// text depends on, so a frame does not wrap them again.

// lineCacheMax bounds the events whose lines are kept: several screens'
// worth, so scrolling back and forth does not re-wrap.
const lineCacheMax = 1024

// lineCache holds the wrapped lines of recently drawn events at one
// width. Copies of the detail model share it: an entry depends only on
// its key and the width, so a copy never sees another's stale text.
type lineCache struct {
	width   int
	trigger time.Time
	lines   map[string][]string
	// marks are the events whose run was interrupted, as of the last
	// layout: finding them reads the whole timeline, too much per frame.
	marks map[string]bool
}

// eventText is an event's text as its lines say it, with the marks the
// journal and the runs give it.
func (d *detailModel) eventText(e incident.Event, interrupted bool) string {
	text := incident.Clean(e.Summary)
	if actor := incident.Clean(e.Actor); actor != "" {
		text = actor + ": " + text
	}
	switch {
	case interrupted:
		text += " [interrupted: no result was journaled]"
	case e.Origin == incident.Local && e.State == incident.Queued:
		text += " [queued]"
	case e.Origin == incident.Local && e.State == incident.Failed:
		text += " [not sent: " + incident.Clean(e.Error) + "]"
	}
	return text
}

// timelineIndent is where an event's text starts on its lines.
const timelineIndent = 2 + clockW + 1 + relW + 1 + kindW + 1

// eventLines lays event i of the timeline out at width w: its first line
// with the mark, times and kind, the rest indented.
func (d *detailModel) eventLines(i, w int, interrupted bool) []string {
	e := d.timeline[i]
	loc := d.location()
	key := e.ID + "\x00" + string(e.State) + "\x00" + e.Error
	if interrupted {
		key += "\x00i"
	}
	if d.starred[e.ID] {
		key += "\x00s"
	}
	c := d.lines
	if c == nil || c.width != w || !c.trigger.Equal(d.inc.CreatedAt) {
		c = d.lineCacheFor(w) // a copy's: kept for this frame only
	}
	if ls, ok := c.lines[key]; ok {
		return ls
	}
	if len(c.lines) >= lineCacheMax {
		clear(c.lines) // in place: every copy of the model shares it
	}
	at := e.At.In(loc)
	mark := "  "
	if d.starred[e.ID] {
		mark = "★ "
	}
	parts := wrap(d.eventText(e, interrupted), max(w-timelineIndent, 10))
	out := make([]string, len(parts))
	for j, part := range parts {
		prefix := strings.Repeat(" ", timelineIndent)
		if j == 0 {
			prefix = mark + at.Format(time.TimeOnly) + " " + fit(sinceTrigger(e.At, d.inc.CreatedAt), relW) + " " + fit(kindLabel(e.Kind), kindW) + " "
		}
		out[j] = fit(prefix+part, w)
	}
	c.lines[key] = out
	return out
}

// lineCacheFor is the cache for the timeline at width w: the one held
// when it suits, else a new one. renderFrom keeps it, in Update, so the
// frames drawn from copies of the model share it.
func (d *detailModel) lineCacheFor(w int) *lineCache {
	if c := d.lines; c != nil && c.width == w && c.trigger.Equal(d.inc.CreatedAt) {
		return c
	}
	return &lineCache{width: w, trigger: d.inc.CreatedAt, lines: make(map[string][]string)}
}

// dayHeading is the line that opens a day's events.
func dayHeading(at time.Time, loc *time.Location, w int) string {
	return fit("── "+at.Format("Mon Jan 2, 2006")+" · "+zoneName(loc)+" (UTC"+at.Format("-07:00")+") ──", w)
}

func (d *detailModel) location() *time.Location {
	if d.deps.loc == nil {
		return time.UTC
	}
	return d.deps.loc
}

// lineText is timeline line i, unstyled; interrupted are the events
// whose run was interrupted (runMarks).
func (d *detailModel) lineText(i int, interrupted map[string]bool) string {
	w := d.timelineWidth()
	ev := d.lineEvent[i]
	if ev < 0 { // a day's heading: its first event follows it
		return dayHeading(d.timeline[d.lineEvent[i+1]].At.In(d.location()), d.location(), w)
	}
	ls := d.eventLines(ev, w, interrupted[d.timeline[ev].ID])
	if j := i - d.starts[ev]; j < len(ls) {
		return ls[j]
	}
	return "" // cannot be: the layout counted these lines
}

// timelineLines is every line of the timeline as drawn, unstyled: what a
// test compares; a frame draws only what it shows.
func (d *detailModel) timelineLines() []string {
	marks := d.layoutMarks()
	out := make([]string, len(d.lineEvent))
	for i := range out {
		out[i] = d.lineText(i, marks)
	}
	return out
}

// wrapCount is how many lines wrap(s, w) gives, without keeping them.
func wrapCount(s string, w int) int {
	if w <= 0 {
		return 0
	}
	if len(s) <= w && plainASCII(s) {
		return 1 // the common short line: no wrapping to do
	}
	return strings.Count(ansi.Wrap(s, w, " "), "\n") + 1
}

// layoutMarks are the interrupted runs the layout counted lines with.
func (d *detailModel) layoutMarks() map[string]bool {
	if d.lines != nil && d.lines.marks != nil {
		return d.lines.marks
	}
	return d.runMarks()
}
