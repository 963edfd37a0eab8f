package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/state"
)

// statePane shows the incident state document (incident/state): where the
// incident stands, who holds which role, the status update clock, what is
// open and whose it is, what was decided, the runbook's progress and who
// is engaged. It is derived from the merged timeline, so it shows every
// responder's work, not only this machine's. On a wide pane the sections
// sit in two columns; on a narrow one they follow each other and scroll.
//
// The pane draws the Doc it was given and holds no clock of its own: the
// owner derives a new Doc (state.Derive) when the timeline changes or a
// tick passes, so "overdue" and "due in" are as of the Doc's Now.
type statePane struct {
	doc    state.Doc
	hasDoc bool
	scroll int
	// The open tasks and follow-ups, in the order drawn, and the one
	// selected (by id, so a new Doc keeps it selected); focused draws
	// the selection, for the keys that act on it.
	open    []state.Item
	sel     int
	focused bool

	st            *Styles
	keys          *KeyMap
	width, height int
}

// stateWide is the width from which the pane lays its sections out in two
// columns.
const stateWide = 120

func newStatePane(st *Styles, keys *KeyMap) statePane {
	return statePane{st: st, keys: keys}
}

// SetSize sets the cells the pane draws in.
func (p statePane) SetSize(w, h int) statePane {
	p.width, p.height = max(w, 0), max(h, 0)
	p.scroll = min(p.scroll, p.maxScroll())
	return p
}

// SetDoc gives the pane the state to show; the scroll position stays
// where it was, within the new content.
func (p statePane) SetDoc(d state.Doc) statePane {
	var selID string
	if it, ok := p.Selected(); ok {
		selID = it.ID
	}
	p.doc, p.hasDoc = d, true
	p.open = append(d.OpenTasks(), d.OpenFollowUps()...)
	p.sel = min(p.sel, max(len(p.open)-1, 0))
	for i, it := range p.open {
		if it.ID == selID {
			p.sel = i
		}
	}
	p.scroll = min(p.scroll, p.maxScroll())
	return p
}

// SetFocus says whether the pane has the keys: a focused pane marks the
// selected item.
func (p statePane) SetFocus(on bool) statePane {
	p.focused = on
	return p
}

// Selected is the open task or follow-up selected, if any is open.
func (p statePane) Selected() (state.Item, bool) {
	if p.sel < 0 || p.sel >= len(p.open) {
		return state.Item{}, false
	}
	return p.open[p.sel], true
}

// KeyHelp lists the keys that act in the pane.
func (p statePane) KeyHelp() []key.Binding {
	k := p.keys
	if len(p.open) > 0 {
		return enabled(k.ItemDone, k.ItemExtend, k.ItemCancel, k.Up, k.Down, k.PageUp, k.PageDown)
	}
	return enabled(k.Up, k.Down, k.PageUp, k.PageDown)
}

// Update moves the selection among the open items (scrolling to keep it
// in view), and past the first or last of them scrolls; the keys that act on the
// selected item are its owner's, which journals what they do.
func (p statePane) Update(msg tea.Msg) (statePane, tea.Cmd) {
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		k := p.keys
		switch {
		case key.Matches(msg, k.Up) && p.sel > 0, key.Matches(msg, k.Down) && p.sel < len(p.open)-1:
			// Past the first or last item the pane scrolls on.
			if key.Matches(msg, k.Up) {
				p.sel--
			} else {
				p.sel++
			}
			if _, at := p.layout(); at >= 0 {
				p.scroll = min(max(p.scroll, at-p.height+1), at)
			}
		case key.Matches(msg, k.Up):
			p.scroll--
		case key.Matches(msg, k.Down):
			p.scroll++
		case key.Matches(msg, k.PageUp):
			p.scroll -= max(p.height-1, 1)
		case key.Matches(msg, k.PageDown):
			p.scroll += max(p.height-1, 1)
		}
		p.scroll = min(max(p.scroll, 0), p.maxScroll())
	}
	return p, nil
}

func (p statePane) maxScroll() int {
	return max(len(p.lines())-p.height, 0)
}

// View draws the visible part of the state, each line cut to the width.
func (p statePane) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	lines := p.lines()
	start := min(p.scroll, max(len(lines)-p.height, 0))
	lines = lines[start:min(start+p.height, len(lines))]
	out := make([]string, p.height)
	for i := range out {
		if i < len(lines) {
			out[i] = padCells(lines[i], p.width)
		} else {
			out[i] = strings.Repeat(" ", p.width)
		}
	}
	return strings.Join(out, "\n")
}

// lines lays the sections out: one column, or two from stateWide.
func (p statePane) lines() []string {
	out, _ := p.layout()
	return out
}

// layout is lines, with the line of the selected item (-1 for none).
func (p statePane) layout() ([]string, int) {
	if !p.hasDoc {
		return []string{p.st.Faint.Render("The incident's state appears once its timeline has loaded.")}, -1
	}
	if p.width < stateWide {
		l := p.left(p.width)
		r, at := p.right(p.width)
		if at >= 0 {
			at += len(l)
		}
		return append(l, r...), at
	}
	lw := p.width / 2
	rw := p.width - lw - 1
	l := p.left(lw)
	r, at := p.right(rw)
	out := make([]string, max(len(l), len(r)))
	for i := range out {
		var a, b string
		if i < len(l) {
			a = l[i]
		}
		if i < len(r) {
			b = r[i]
		}
		out[i] = padCells(a, lw) + " " + b
	}
	return out, at
}

// left is where the incident stands: status, update clock, roles,
// runbook and people.
func (p statePane) left(w int) []string {
	st, d := p.st, p.doc
	in := d.Incident
	var out []string
	head := func(s string) { out = append(out, st.Header.Render(strings.ToUpper(s))) }
	add := func(s string) { out = append(out, cutCells("  "+s, w)) }

	head("Status")
	status := statusStyle(st, in.Status).Render(string(in.Status)) + " · " + string(in.Urgency) + " urgency"
	if in.Priority != "" {
		status += " · " + incident.Clean(in.Priority)
	}
	status += " · open " + shortSpan(d.OpenFor)
	add(status)
	if !d.SnoozedUntil.IsZero() {
		add("snoozed until " + clockTime(d.SnoozedUntil, d.Now))
	}
	if d.Mitigated != nil {
		add(st.Resolved.Render("mitigated") + " " + clockTime(d.Mitigated.At, d.Now) + byWho(d.Mitigated.By))
	} else if in.Active() {
		add(st.Faint.Render("impact ongoing: not marked mitigated"))
	}

	head("Status update")
	switch c := d.Update; {
	case c.NextDue.IsZero():
		add(st.Faint.Render("no update cadence set"))
	case c.Overdue:
		add(st.Error.Render(clockText(c, d.Now, w-2)))
	default:
		add(clockText(c, d.Now, w-2))
	}
	if l := d.Update.Last; l != nil {
		add("last " + clockTime(l.At, d.Now) + byWho(l.By) + ": " + oneLineClean(l.What))
	} else {
		add(st.Faint.Render("none posted yet"))
	}

	head("Roles")
	if len(d.Roles) == 0 {
		add(st.Faint.Render("none assigned"))
	}
	for _, r := range d.Roles {
		t, ok := r.Holder()
		if !ok {
			add(r.Role + ": " + st.Faint.Render("nobody now"))
			continue
		}
		s := r.Role + ": " + st.Title.Render(oneLineClean(t.Person))
		if t.External {
			s += " (not in PagerDuty)"
		}
		s += " since " + clockTime(t.AssumedAt, d.Now)
		switch {
		case t.Taken:
			s += st.Faint.Render(" · took it")
		case t.Handoff:
			s += st.Acked.Render(" · handed over, not yet taken")
		}
		if n := len(r.Turns) - 1; n > 0 {
			var before []string
			for _, x := range r.Turns[:n] {
				before = append(before, oneLineClean(x.Person))
			}
			s += st.Faint.Render(" · before: " + strings.Join(before, ", "))
		}
		add(s)
	}

	if n := len(d.Handoffs); n > 0 {
		h := d.Handoffs[n-1]
		head("Last handoff")
		add(clockTime(h.At, d.Now) + " " + h.Role + " from " + oneLineClean(h.From) + " to " + oneLineClean(h.To))
		if strings.TrimSpace(h.Message) != "" {
			add("“" + oneLineClean(h.Message) + "”")
		}
	}

	if d.Runbook.Total > 0 {
		head("Runbook")
		add(fmt.Sprintf("%s %d/%d %s", oneLineClean(d.Runbook.Runbook), d.Runbook.Done, d.Runbook.Total, progressBar(d.Runbook.Done, d.Runbook.Total)))
	}

	head("Responders")
	if len(d.Responders) == 0 {
		add(st.Faint.Render("nobody yet"))
	} else {
		names := make([]string, len(d.Responders))
		for i, r := range d.Responders {
			names[i] = oneLineClean(r)
		}
		add(strings.Join(names, ", "))
	}
	return out
}

// right is what is to do and what was decided, with the line of the
// selected item when the pane is focused (-1 otherwise).
func (p statePane) right(w int) ([]string, int) {
	st, d := p.st, p.doc
	var out []string
	head := func(s string) { out = append(out, st.Header.Render(strings.ToUpper(s))) }
	add := func(s string) { out = append(out, cutCells("  "+s, w)) }

	open := p.open
	selAt := -1
	head(fmt.Sprintf("Open (%d)", len(open)))
	if len(open) == 0 {
		add(st.Faint.Render("nothing open"))
	}
	for i, it := range open {
		if p.focused && i == p.sel {
			// Plain text in one style: the item's own colours would
			// break the selection's.
			selAt = len(out)
			s := fmt.Sprintf("%s · %s", itemName(it), oneLineClean(it.What))
			if it.Owner != "" {
				s = fmt.Sprintf("%s · %s: %s", itemName(it), oneLineClean(it.Owner), oneLineClean(it.What))
			}
			if due := itemDue(it, d.Now); due != "" {
				s += " · " + due
			}
			if it.Overdue {
				s = "OVERDUE " + s
			}
			out = append(out, st.Selected.Render(padCells("▸ "+s, w)))
			continue
		}
		noun := "task"
		if it.Kind == incident.KindActionItem {
			noun = "follow-up"
		}
		s := fmt.Sprintf("%s %d", noun, it.Number)
		if it.Owner != "" {
			s += " · " + oneLineClean(it.Owner)
		}
		s += ": " + oneLineClean(it.What)
		due := itemDue(it, d.Now)
		if it.Overdue {
			add(st.Error.Render("OVERDUE " + s + " · " + due))
			continue
		}
		if due != "" {
			s += st.Faint.Render(" · " + due)
		}
		add(s)
	}

	head(fmt.Sprintf("Decisions (%d)", len(d.Decisions)))
	if len(d.Decisions) == 0 {
		add(st.Faint.Render("none yet"))
	}
	for _, x := range d.Decisions {
		add(clockTime(x.At, d.Now) + " " + oneLineClean(x.What) + st.Faint.Render(byWho(x.By)))
	}

	if len(d.Hypotheses) > 0 {
		head("Hypotheses")
		for _, h := range d.Hypotheses {
			add(h.Verdict + ": " + oneLineClean(h.Text))
		}
	}

	if len(d.Tried) > 0 {
		head("Tried")
		for _, x := range d.Tried {
			add(clockTime(x.At, d.Now) + " " + oneLineClean(x.What) + st.Faint.Render(byWho(x.By)))
		}
	}
	return out, selAt
}

// itemName is how the pane and the status line name an item: "task 2",
// "follow-up 1".
func itemName(it state.Item) string {
	if it.Kind == incident.KindActionItem {
		return fmt.Sprintf("follow-up %d", it.Number)
	}
	return fmt.Sprintf("task %d", it.Number)
}

// itemDue says when an item is due, as of now: a task counts down (or
// up, once overdue), a follow-up shows its date.
func itemDue(it state.Item, now time.Time) string {
	at, ok := it.DueAt(now.Location())
	if !ok {
		return ""
	}
	if it.Kind == incident.KindActionItem {
		return "due " + it.Due
	}
	if left := at.Sub(now); left > 0 {
		return "due in " + shortSpan(left)
	}
	return "due " + shortSpan(now.Sub(at)) + " ago"
}

// clockText is the status update clock in the longest of its forms that
// fits in width cells, down to a few cells: it is shortened, never
// dropped, so a title bar at any width can still show it. The forms, from
// the longest: "status update due in 12m" (or "overdue by 3m"),
// "update due 12m", "upd 12m" (or "upd -3m"), then the bare "12m"/"-3m".
// With no cadence set it is "".
func clockText(c state.UpdateClock, now time.Time, width int) string {
	if c.NextDue.IsZero() {
		return ""
	}
	left := c.NextDue.Sub(now)
	var forms []string
	if c.Overdue || left <= 0 {
		late := shortSpan(-left)
		forms = []string{"status update overdue by " + late, "update overdue " + late, "upd -" + late, "-" + late}
	} else {
		in := shortSpan(left)
		forms = []string{"status update due in " + in, "update due " + in, "upd " + in, in}
	}
	for _, f := range forms {
		if ansi.StringWidth(f) <= width {
			return f
		}
	}
	return forms[len(forms)-1]
}

// clockTime is a time as the pane shows it: hours and minutes in the
// zone of now, with the date when it is not today's.
func clockTime(t, now time.Time) string {
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("Jan 2 15:04")
}

// shortSpan is a duration in the fewest characters: 45s, 12m, 3h05m, 2d.
func shortSpan(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func byWho(who string) string {
	if strings.TrimSpace(who) == "" {
		return ""
	}
	return " by " + oneLineClean(who)
}

// oneLineClean is outside text made safe for the terminal, on one line.
func oneLineClean(s string) string { return strings.Join(strings.Fields(incident.Clean(s)), " ") }

// progressBar is done out of total as ten cells.
func progressBar(done, total int) string {
	if total <= 0 {
		return ""
	}
	n := min(done*10/total, 10)
	return strings.Repeat("▰", n) + strings.Repeat("▱", 10-n)
}

// cutCells cuts s (which may hold styles) to w cells, marking the cut.
func cutCells(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, max(w, 0), "…")
}

// padCells cuts or pads s to exactly w cells.
func padCells(s string, w int) string {
	s = cutCells(s, w)
	return s + strings.Repeat(" ", max(w-lipgloss.Width(s), 0))
}
