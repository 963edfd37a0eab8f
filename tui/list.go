package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
)

// listModel is the incident list: sorted for triage, with a cursor that
// stays on the same incident across refreshes.
type listModel struct {
	all       []incident.Incident // sorted for triage
	incidents []incident.Incident // all, narrowed by filter
	filter    string
	firstSeen map[string]time.Time // when each incident first appeared
	loadedAt  time.Time            // the first load; incidents then are not "new"
	services  []incident.Ref       // every service seen, by name, for the service filter
	// Counts for the title bar, kept here so a frame need not count.
	triggered, acknowledged int
	cursor                  int
	offset                  int // first visible row
	width                   int
	height                  int // rows available for incidents
}

// SetSize sets the area the list may draw in.
func (l *listModel) SetSize(w, h int) {
	l.width, l.height = w, max(h, 1)
	l.clamp()
}

// newFor is how long an incident that appeared during a refresh is marked
// new.
const newFor = 30 * time.Second

// SetIncidents replaces the list, keeping the cursor on the incident it was
// on (or the nearest row, if that incident is gone). now stamps incidents
// seen for the first time; a zero now (the cache) marks nothing new.
func (l *listModel) SetIncidents(list []incident.Incident, now time.Time) {
	sorted := slices.Clone(list)
	slices.SortStableFunc(sorted, triageOrder)
	if l.firstSeen == nil {
		l.firstSeen = map[string]time.Time{}
	}
	first := l.loadedAt.IsZero()
	if first && !now.IsZero() {
		l.loadedAt = now
	}
	for _, in := range sorted {
		if _, ok := l.firstSeen[in.ID]; !ok {
			if first || now.IsZero() {
				l.firstSeen[in.ID] = time.Time{}
			} else {
				l.firstSeen[in.ID] = now
			}
		}
	}
	l.all = sorted
	l.triggered, l.acknowledged = 0, 0
	for _, in := range sorted {
		switch in.Status {
		case incident.Triggered:
			l.triggered++
		case incident.Acknowledged:
			l.acknowledged++
		}
		if in.Service.ID != "" && !slices.ContainsFunc(l.services, func(r incident.Ref) bool { return r.ID == in.Service.ID }) {
			l.services = append(l.services, in.Service)
		}
	}
	slices.SortFunc(l.services, func(a, b incident.Ref) int { return cmp.Compare(a.Name, b.Name) })
	l.apply()
}

// IsNew reports an incident that appeared within newFor of now.
func (l listModel) IsNew(id string, now time.Time) bool {
	t := l.firstSeen[id]
	return !t.IsZero() && now.Sub(t) < newFor
}

// SetFilter narrows the list to incidents whose number, title or service
// contain the words of q, in any order, ignoring case.
func (l *listModel) SetFilter(q string) {
	l.filter = strings.TrimSpace(q)
	l.apply()
}

// fuzzyContains reports whether w is in hay, or its letters appear in
// order within one word of hay ("chk" finds "checkout", "pgw" finds
// "payments-gateway").
func fuzzyContains(hay, w string) bool {
	if strings.Contains(hay, w) {
		return true
	}
	for _, word := range strings.Fields(hay) {
		if subsequence(w, word) {
			return true
		}
	}
	return false
}

func subsequence(needle, hay string) bool {
	i := 0
	for _, r := range hay {
		if i < len(needle) && rune(needle[i]) == r {
			i++
		}
	}
	return i == len(needle)
}

func (l *listModel) apply() {
	var keep string
	if sel, ok := l.Selected(); ok {
		keep = sel.ID
	}
	if l.filter == "" {
		l.incidents = l.all
	} else {
		words := strings.Fields(strings.ToLower(l.filter))
		l.incidents = nil
		for _, in := range l.all {
			hay := strings.ToLower(fmt.Sprintf("#%d %s %s %s %s", in.Number, in.Title, in.Service.Name, in.Status, in.Priority))
			ok := true
			for _, w := range words {
				if !fuzzyContains(hay, w) {
					ok = false
					break
				}
			}
			if ok {
				l.incidents = append(l.incidents, in)
			}
		}
	}
	if keep != "" {
		if i := slices.IndexFunc(l.incidents, func(in incident.Incident) bool { return in.ID == keep }); i >= 0 {
			l.cursor = i
		}
	}
	l.clamp()
}

// triageOrder puts what needs a human most at the top: high urgency, then
// priority (P1 first, none last), then triggered before acknowledged, then
// newest.
func triageOrder(a, b incident.Incident) int {
	if a.Urgency != b.Urgency {
		if a.Urgency == incident.High {
			return -1
		}
		if b.Urgency == incident.High {
			return 1
		}
	}
	if c := cmp.Compare(priorityRank(a.Priority), priorityRank(b.Priority)); c != 0 {
		return c
	}
	if a.Status != b.Status {
		if a.Status == incident.Triggered {
			return -1
		}
		if b.Status == incident.Triggered {
			return 1
		}
	}
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// priorityRank reads "P1".."P5" (and SEV1 style names); anything else sorts
// after them.
func priorityRank(p string) int {
	p = strings.ToUpper(strings.TrimSpace(p))
	for _, prefix := range []string{"P", "SEV", "SEV-"} {
		if n, err := strconv.Atoi(strings.TrimPrefix(p, prefix)); err == nil && strings.HasPrefix(p, prefix) && n >= 0 {
			return n
		}
	}
	return 1 << 20
}

// Selected is the incident under the cursor.
func (l listModel) Selected() (incident.Incident, bool) {
	if l.cursor < 0 || l.cursor >= len(l.incidents) {
		return incident.Incident{}, false
	}
	return l.incidents[l.cursor], true
}

// Move moves the cursor by delta rows.
func (l *listModel) Move(delta int) {
	l.cursor += delta
	l.clamp()
}

// MoveTo puts the cursor on row i (negative: from the end).
func (l *listModel) MoveTo(i int) {
	if i < 0 {
		i = len(l.incidents) + i
	}
	l.cursor = i
	l.clamp()
}

func (l *listModel) clamp() {
	l.cursor = min(max(l.cursor, 0), max(len(l.incidents)-1, 0))
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.height {
		l.offset = l.cursor - l.height + 1
	}
	l.offset = max(0, min(l.offset, len(l.incidents)-l.height))
}

// columns returns the widths of the variable columns for the width.
func (l *listModel) columns() (service, title int) {
	const fixed = 2 + 13 + 5 + 4 + 7 + 5 // marker, status, urgency, priority, age, gaps
	rest := max(l.width-fixed, 10)
	service = min(max(rest/4, 6), 24)
	return service, max(rest-service, 4)
}

// View draws the header row and the visible rows only, so a list of ten
// thousand incidents costs what a screenful costs.
func (l *listModel) View(st Styles, now time.Time) string {
	var b strings.Builder
	svcW, titleW := l.columns()
	header := fmt.Sprintf("  %s %s %s %s %s %s",
		fit("STATUS", 12), fit("URG", 4), fit("PRI", 3), fit("SERVICE", svcW), fit("TITLE", titleW), fit("AGE", 6))
	b.WriteString(st.Header.Render(fit(header, l.width)))
	if len(l.incidents) == 0 {
		msg := "  No active incidents."
		if l.filter != "" {
			msg = fmt.Sprintf("  Nothing matches %q (esc clears the filter).", incident.Clean(l.filter))
		}
		b.WriteString("\n" + st.Faint.Render(fit(msg, l.width)))
		return b.String()
	}
	end := min(l.offset+l.height, len(l.incidents))
	for i := l.offset; i < end; i++ {
		in := l.incidents[i]
		cells := []string{
			fit(string(in.Status), 12), fit(string(in.Urgency), 4), fit(priorityOrDash(in.Priority), 3),
			fit(incident.Clean(in.Service.Name), svcW),
			fit(fmt.Sprintf("#%d %s", in.Number, incident.Clean(in.Title)), titleW),
			fit(age(now.Sub(in.CreatedAt)), 6),
		}
		var row string
		if i == l.cursor {
			// One style for the whole row: inner colours would end the
			// highlight part way.
			row = st.Selected.Render(fit(l.marker(in.ID, now, ">")+strings.Join(cells, " "), l.width))
		} else {
			urg := st.Low
			if in.Urgency == incident.High {
				urg = st.High
			}
			cells[0] = statusStyle(st, in.Status).Render(cells[0])
			cells[1] = urg.Render(cells[1])
			cells[2] = st.Priority.Render(cells[2])
			row = fit(l.marker(in.ID, now, " ")+strings.Join(cells, " "), l.width)
			if l.IsNew(in.ID, now) {
				row = st.New.Render(row)
			}
		}
		b.WriteString("\n" + row)
	}
	return b.String()
}

func statusStyle(st Styles, s incident.Status) lipgloss.Style {
	switch s {
	case incident.Triggered:
		return st.Triggered
	case incident.Acknowledged:
		return st.Acked
	default:
		return st.Resolved
	}
}

// marker is the two-cell row prefix: the cursor, and a star for a new
// incident.
func (l *listModel) marker(id string, now time.Time, cursor string) string {
	if l.IsNew(id, now) {
		return cursor + "*"
	}
	return cursor + " "
}
