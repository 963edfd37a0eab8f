package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/review"
)

// Review is the weekly review's screen: the numbers with small charts (a
// sparkline of incidents per day, histograms of time to acknowledge and
// to resolve, pages by hour of day), the follow-ups (overdue first) and
// the agenda. Two lists take the focus in turn; on the follow-ups a key
// marks the selected one done, on the agenda one opens the incident, and
// on either a decision or a new follow-up can be raised against the
// incident under discussion. The screen does no I/O: each of these is a
// message for its owner (ReviewOpenMsg, ReviewDoneMsg, ReviewMinuteMsg),
// which journals through the same machinery as every other action.
//
// It draws the Report it was given; marking a follow-up done shows it
// done at once (as pending) so the meeting can move on.
type Review struct {
	rep   review.Report
	focus reviewFocus
	cur   [2]int          // selected row of each list
	top   [2]int          // first row shown of each list
	done  map[string]bool // follow-ups marked done here
	// embedded: the program around the screen draws the keys on its own
	// key line, so the screen gives its footer row to the lists.
	embedded bool

	st            *Styles
	keys          *KeyMap
	width, height int
}

type reviewFocus int

const (
	focusAgenda reviewFocus = iota
	focusFollowUps
)

// ReviewOpenMsg asks the owner to open an agenda incident: its draft when
// it has one, else its timeline.
type ReviewOpenMsg struct {
	IncidentID string
	Draft      string
}

// ReviewDoneMsg asks the owner to journal a follow-up as done
// (incident.NewItemUpdate with the review's context).
type ReviewDoneMsg struct {
	IncidentID string
	ItemID     string
	Title      string
}

// ReviewMinuteMsg asks the owner to open the form for a minute of the
// meeting, a decision or a follow-up (Kind), on the incident under
// discussion, to be journaled with the review's context.
type ReviewMinuteMsg struct {
	IncidentID string
	Kind       incident.Kind
}

// NewReview returns the screen for r, drawn with st and driven by keys.
func NewReview(r review.Report, st *Styles, keys *KeyMap) Review {
	return Review{rep: r, st: st, keys: keys, done: map[string]bool{}}
}

var _ component[Review] = Review{}

// SetSize sets the cells the screen draws in.
func (v Review) SetSize(w, h int) Review {
	v.width, v.height = max(w, 0), max(h, 0)
	return v
}

// KeyHelp lists the keys that act on the screen now.
func (v Review) KeyHelp() []key.Binding {
	k := v.keys
	if v.focus == focusFollowUps {
		return enabled(k.Pane, k.Up, k.Down, k.Tick, k.Decision, k.ActionItem, k.Quit)
	}
	return enabled(k.Pane, k.Up, k.Down, k.Open, k.Decision, k.ActionItem, k.Quit)
}

// hint is what each key does here, in the screen's words.
func (v Review) hint(b key.Binding) string {
	k := v.keys
	switch {
	case b.Help() == k.Pane.Help():
		return "agenda/follow-ups"
	case b.Help() == k.Tick.Help():
		return "mark done"
	case b.Help() == k.Open.Help():
		return "open"
	case b.Help() == k.Decision.Help():
		return "decision"
	case b.Help() == k.ActionItem.Help():
		return "follow-up"
	}
	return b.Help().Desc
}

func (v Review) rows(f reviewFocus) int {
	if f == focusAgenda {
		return len(v.rep.Agenda)
	}
	return len(v.rep.FollowUps.Items)
}

// Update moves through the lists and turns the action keys into
// messages for the owner.
func (v Review) Update(msg tea.Msg) (Review, tea.Cmd) {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return v, nil
	}
	k := v.keys
	f := v.focus
	switch {
	case key.Matches(kp, k.Pane):
		v.focus = 1 - v.focus
	case key.Matches(kp, k.Up):
		v.cur[f] = max(v.cur[f]-1, 0)
	case key.Matches(kp, k.Down):
		v.cur[f] = max(min(v.cur[f]+1, v.rows(f)-1), 0)
	case key.Matches(kp, k.Top):
		v.cur[f] = 0
	case key.Matches(kp, k.Bottom):
		v.cur[f] = max(v.rows(f)-1, 0)
	case f == focusAgenda && key.Matches(kp, k.Open):
		if a, ok := v.agendaItem(); ok {
			m := ReviewOpenMsg{IncidentID: a.Incident.ID, Draft: a.Incident.Draft}
			return v, func() tea.Msg { return m }
		}
	case f == focusFollowUps && key.Matches(kp, k.Tick):
		if it, ok := v.followUp(); ok && it.State != review.StateDone && it.State != review.StateCancelled && !v.done[it.ID] {
			v.done = cloneSet(v.done)
			v.done[it.ID] = true
			m := ReviewDoneMsg{IncidentID: it.Incident.ID, ItemID: it.ID, Title: it.Title}
			return v, func() tea.Msg { return m }
		}
	case key.Matches(kp, k.Decision), key.Matches(kp, k.ActionItem):
		kind := incident.KindDecision
		if key.Matches(kp, k.ActionItem) {
			kind = incident.KindActionItem
		}
		if id := v.discussed(); id != "" {
			m := ReviewMinuteMsg{IncidentID: id, Kind: kind}
			return v, func() tea.Msg { return m }
		}
	}
	return v, nil
}

func (v Review) agendaItem() (review.AgendaItem, bool) {
	if i := v.cur[focusAgenda]; i < len(v.rep.Agenda) {
		return v.rep.Agenda[i], true
	}
	return review.AgendaItem{}, false
}

func (v Review) followUp() (review.FollowUp, bool) {
	if i := v.cur[focusFollowUps]; i < len(v.rep.FollowUps.Items) {
		return v.rep.FollowUps.Items[i], true
	}
	return review.FollowUp{}, false
}

// discussed is the incident under discussion: the selected agenda item,
// or the selected follow-up's incident.
func (v Review) discussed() string {
	if v.focus == focusFollowUps {
		if it, ok := v.followUp(); ok {
			return it.Incident.ID
		}
		return ""
	}
	if a, ok := v.agendaItem(); ok {
		return a.Incident.ID
	}
	return ""
}

// View draws the screen in exactly its size.
func (v Review) View() string {
	if v.width <= 0 || v.height <= 0 {
		return ""
	}
	w, r := v.width, v.rep
	var lines []string
	add := func(s string) { lines = append(lines, fit(s, w)) }

	add(v.st.Title.Render(fmt.Sprintf("Review %s..%s", r.Period.Since.Format(time.DateOnly), r.Period.Until.Format(time.DateOnly))) +
		v.st.Faint.Render(fmt.Sprintf(" · %d incidents (previous %d) · %s", r.Incidents, r.PreviousIncidents, r.Period.Zone)))
	add(fmt.Sprintf("TTA p50 %s p90 %s · TTM p50 %s · TTR p50 %s p90 %s (nearest rank)",
		statText(r.TTA.P50), statText(r.TTA.P90), statText(r.TTM.P50), statText(r.TTR.P50), statText(r.TTR.P90)))
	fu := v.followUpCounts()
	rate := "n/a"
	if fu.CompletionRate != nil {
		rate = fmt.Sprintf("%.0f%%", *fu.CompletionRate*100)
	}
	add(fmt.Sprintf("Pages: %d business hours · %d off-hours · %d sleep hours", r.PagesByHours.Business, r.PagesByHours.OffHours, r.PagesByHours.Sleep))
	add(fmt.Sprintf("Follow-ups: %s done · %d done · %d open · ", rate, fu.Done, fu.Open) +
		v.st.Error.Render(fmt.Sprintf("%d overdue", fu.Overdue)) + fmt.Sprintf(" · %d without owner or due", fu.NoOwnerOrDue))

	days := make([]int, len(r.PerDay))
	for i, d := range r.PerDay {
		days[i] = d.Incidents
	}
	tall := v.height >= 40
	chartH := 1
	if tall {
		chartH = 4
	}
	charts := []struct {
		title, axis string
		values      []int
	}{
		{"Incidents per day", axisDays(r.PerDay), days},
		{"Pages by hour", "00h..23h", r.PagesByHourOfDay[:]},
		{"Time to acknowledge", "<1m..>1d", binCounts(review.Histogram(r.TTASamples))},
		{"Time to resolve", "<1m..>1d", binCounts(review.Histogram(r.TTRSamples))},
	}
	if w >= 120 {
		// Side by side: two charts a row.
		for i := 0; i < len(charts); i += 2 {
			colW := (w - 2) / 2
			left := chartBlock(charts[i].title, charts[i].axis, charts[i].values, chartH, colW, v.st)
			right := chartBlock(charts[i+1].title, charts[i+1].axis, charts[i+1].values, chartH, colW, v.st)
			for j := range left {
				add(fit(left[j], colW) + "  " + right[j])
			}
		}
	} else {
		for _, c := range charts {
			for _, l := range chartBlock(c.title, c.axis, c.values, chartH, w, v.st) {
				add(l)
			}
		}
	}

	footer, foot := v.footer(), 1
	if v.embedded {
		foot = 0
	}
	rest := v.height - len(lines) - foot
	if rest >= 4 {
		fuH := rest / 2
		agH := rest - fuH
		lines = append(lines, v.list(focusFollowUps, fuH)...)
		lines = append(lines, v.list(focusAgenda, agH)...)
	}
	for len(lines) < v.height-foot {
		lines = append(lines, fit("", w))
	}
	lines = lines[:min(len(lines), v.height-foot)]
	if foot > 0 {
		lines = append(lines, fit(footer, w))
	}
	return strings.Join(lines, "\n")
}

// followUpCounts are the report's follow-up counts with the follow-ups
// marked done here counted done, so the totals and the completion rate
// move with the row at once, not on the next report. The rate is
// review's: done over all but the cancelled, to 0.0001.
func (v Review) followUpCounts() review.FollowUps {
	fu := v.rep.FollowUps
	for _, it := range fu.Items {
		if !v.done[it.ID] {
			continue
		}
		switch it.State {
		case review.StateDone, review.StateCancelled:
			continue
		case review.StateOverdue:
			fu.Overdue--
		case review.StateNoOwnerOrDue:
			fu.NoOwnerOrDue--
		default:
			fu.Open--
		}
		fu.Done++
	}
	if n := fu.Done + fu.Open + fu.Overdue + fu.NoOwnerOrDue; n > 0 {
		rate := math.Round(float64(fu.Done)/float64(n)*10000) / 10000
		fu.CompletionRate = &rate
	}
	return fu
}

// undo shows the follow-up id as it was before it was marked done here:
// the mark could not be recorded.
func (v Review) undo(id string) Review {
	if v.done[id] {
		v.done = cloneSet(v.done)
		delete(v.done, id)
	}
	return v
}

func statText(p *int64) string {
	if p == nil {
		return "n/a"
	}
	return review.Duration(*p)
}

func binCounts(bins []review.Bin) []int {
	out := make([]int, len(bins))
	for i, b := range bins {
		out[i] = b.Count
	}
	return out
}

func axisDays(days []review.DayCount) string {
	if len(days) == 0 {
		return ""
	}
	return days[0].Date[5:] + ".." + days[len(days)-1].Date[5:]
}

// bars are the eighths of a cell, empty to full.
var bars = []rune(" ▁▂▃▄▅▆▇█")

// chartBlock is a bar chart of values, h rows tall, one cell per value,
// under a title line; a row of one is a sparkline beside its title.
func chartBlock(title, axis string, values []int, h, w int, st *Styles) []string {
	peak := 0
	for _, n := range values {
		peak = max(peak, n)
	}
	// A tall chart widens its bars to use the room, with a gap between
	// bars from three cells on; a sparkline keeps one cell a value.
	cellW := 1
	if h > 1 && len(values) > 0 {
		cellW = min(max(w/len(values), 1), 6)
	}
	row := func(level int) string {
		var b strings.Builder
		for _, n := range values {
			eighths := 0
			if peak > 0 {
				eighths = n*8*h/peak - level*8
				if n > 0 && level == 0 {
					eighths = max(eighths, 1)
				}
			}
			r := bars[min(max(eighths, 0), 8)]
			if cellW >= 3 {
				b.WriteString(strings.Repeat(string(r), cellW-1) + " ")
			} else {
				b.WriteString(strings.Repeat(string(r), cellW))
			}
		}
		return b.String()
	}
	label := fmt.Sprintf("%s (max %d, %s)", title, peak, axis)
	if h == 1 {
		return []string{fit(st.Header.Render(fit(title, 20))+" "+st.Info.Render(row(0))+" "+st.Faint.Render(fmt.Sprintf("max %d, %s", peak, axis)), w)}
	}
	out := []string{fit(st.Header.Render(label), w)}
	for level := h - 1; level >= 0; level-- {
		out = append(out, fit(st.Info.Render(row(level)), w))
	}
	return out
}

// list draws one of the two lists in h rows: a heading, then its rows
// scrolled to keep the selection in view.
func (v Review) list(f reviewFocus, h int) []string {
	w := v.width
	title := "Agenda"
	if f == focusFollowUps {
		title = "Follow-ups (overdue first)"
	}
	head := v.st.Header.Render(title)
	if v.focus == f {
		head = v.st.Title.Render("▸ " + title)
	}
	out := []string{fit(head, w)}
	n := v.rows(f)
	body := h - 1
	if n == 0 {
		out = append(out, fit(v.st.Faint.Render("  none"), w))
	}
	top := v.top[f]
	cur := min(v.cur[f], max(n-1, 0))
	if cur < top {
		top = cur
	}
	if cur >= top+body {
		top = cur - body + 1
	}
	for i := top; i < n && len(out) < h; i++ {
		line := v.row(f, i)
		if v.focus == f && i == cur {
			line = v.st.Selected.Render(fit(line, w))
		}
		out = append(out, fit(line, w))
	}
	for len(out) < h {
		out = append(out, fit("", w))
	}
	return out
}

func (v Review) row(f reviewFocus, i int) string {
	if f == focusAgenda {
		a := v.rep.Agenda[i]
		return fmt.Sprintf(" %2d. %s %s (%s): %s", i+1, incLabel(a.Incident), a.Incident.Title, a.Incident.Service, a.Summary)
	}
	it := v.rep.FollowUps.Items[i]
	state := strings.ReplaceAll(it.State, "_", " ")
	if v.done[it.ID] {
		state = "done (pending)"
	}
	owner := it.Owner
	if owner == "" {
		owner = "no owner"
	}
	due := it.Due
	if due == "" {
		due = "no due date"
	}
	return fmt.Sprintf(" %-15s %s · %s · %s · %s", state, it.Title, owner, due, incLabel(it.Incident))
}

func incLabel(r review.Ref) string {
	if r.Number > 0 {
		return fmt.Sprintf("#%d", r.Number)
	}
	return r.ID
}

func (v Review) footer() string {
	var parts []string
	for _, b := range v.KeyHelp() {
		parts = append(parts, v.st.HelpKey.Render(b.Help().Key)+" "+v.st.HelpDesc.Render(v.hint(b)))
	}
	return strings.Join(parts, "  ")
}
