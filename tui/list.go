package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/state"
)

// listModel is the incident list: sorted for triage, with a cursor that
// stays on the same incident across refreshes.
type listModel struct {
	all       []incident.Incident // sorted for triage
	incidents []incident.Incident // all, narrowed by filter
	filter    string
	firstSeen map[string]time.Time // when each incident first appeared
	loadedAt  time.Time            // the first load; incidents then are not "new"
	// seenBefore holds the lists loaded while nothing could be new (the
	// cache, the first load): their incidents reach firstSeen, with no
	// time, only when a later load has to tell new from known, so the
	// first frame builds no map of every id.
	seenBefore [][]incident.Incident
	services   []incident.Ref // every service seen, by name, for the service filter
	// Counts for the title bar, kept here so a frame need not count.
	triggered, acknowledged int
	cursor                  int
	offset                  int // first visible row
	width                   int
	height                  int // rows available for incidents
	// narrowed is set while the provider-side filter (mine, urgency,
	// status, service) narrows what is fetched; allActive is how many
	// incidents were active when last fetched without it (-1: unknown).
	narrowed  bool
	allActive int

	// marks are what the list knows of an incident's state from the
	// last time it was open: the update clock, snoozed, mitigated.
	marks map[string]state.Doc
	// marksAsked are the incidents whose marks were read from the journal
	// (or are being read); clockUnknown those it had nothing for
	// (listmarks.go).
	marksAsked, clockUnknown map[string]bool

	st   *Styles
	keys *KeyMap
	now  func() time.Time
}

func newList(st *Styles, keys *KeyMap, now func() time.Time) listModel {
	return listModel{st: st, keys: keys, now: now, allActive: -1}
}

// SetSize sets the area the list may draw in.
func (l listModel) SetSize(w, h int) listModel {
	l.width, l.height = w, max(h, 1)
	l.clamp()
	return l
}

// KeyHelp lists the keys that act on the list.
func (l listModel) KeyHelp() []key.Binding {
	k := l.keys
	return enabled(k.Up, k.Down, k.Top, k.Bottom, k.Open, k.Search, k.Scope, k.Urgency, k.Status, k.Service)
}

// Update moves the cursor; the list's other keys (search, filters,
// actions on the selected incident) are the root's, since they reach
// beyond the list.
func (l listModel) Update(msg tea.Msg) (listModel, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return l, nil
	}
	switch {
	case key.Matches(k, l.keys.Up):
		l.Move(-1)
	case key.Matches(k, l.keys.Down):
		l.Move(1)
	case key.Matches(k, l.keys.Top):
		l.MoveTo(0)
	case key.Matches(k, l.keys.Bottom):
		l.MoveTo(-1)
	}
	return l, nil
}

// newFor is how long an incident that appeared during a refresh is marked
// new.
const newFor = 30 * time.Second

// SetIncidents replaces the list, keeping the cursor on the incident it was
// on (or the nearest row, if that incident is gone). now stamps incidents
// seen for the first time; a zero now (the cache) marks nothing new.
// The list is taken, not copied: it is sorted in place and kept, so the
// caller must not change it afterwards (reading it stays safe).
func (l *listModel) SetIncidents(list []incident.Incident, now time.Time) {
	sortTriage(list)
	first := l.loadedAt.IsZero()
	if first && !now.IsZero() {
		l.loadedAt = now
	}
	if first || now.IsZero() {
		l.seenBefore = append(l.seenBefore, list)
	} else {
		l.noteSeen(list, now)
	}
	l.all = list
	if !l.narrowed {
		l.allActive = 0
		for _, in := range list {
			if in.Active() {
				l.allActive++
			}
		}
	}
	l.triggered, l.acknowledged = 0, 0
	for _, in := range list {
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

// noteSeen records when each incident of list was first seen: now, unless
// an earlier load (held in seenBefore until this moment) had it.
func (l *listModel) noteSeen(list []incident.Incident, now time.Time) {
	if l.firstSeen == nil {
		l.firstSeen = map[string]time.Time{}
	}
	for _, before := range l.seenBefore {
		for _, in := range before {
			if _, ok := l.firstSeen[in.ID]; !ok {
				l.firstSeen[in.ID] = time.Time{}
			}
		}
	}
	l.seenBefore = nil
	for _, in := range list {
		if _, ok := l.firstSeen[in.ID]; !ok {
			l.firstSeen[in.ID] = now
		}
	}
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

// sortTriage sorts list in triageOrder, in place. An incident is a large
// struct and its priority a string to parse, so sorting the incidents
// themselves moved kilobytes and parsed priorities per comparison (a
// third of drawing a cached list of 1,000 at start); the order is
// decided on small keys read once each, then each incident is moved once
// along the permutation's cycles, with no second list (at 1,000 cached
// incidents, a copy was some 300 kB of fresh memory before the first
// frame). triageOrder is a total order (ties end on the unique id; the
// same incident twice keeps its given order), so the result is the same
// as a stable sort with it.
func sortTriage(list []incident.Incident) {
	type triageKey struct {
		urgent, prio, status int
		created              time.Time
		id                   string
		at                   int
	}
	keys := make([]triageKey, len(list))
	for i, in := range list {
		k := triageKey{urgent: 1, prio: priorityRank(in.Priority), status: 1, created: in.CreatedAt, id: in.ID, at: i}
		if in.Urgency == incident.High {
			k.urgent = 0
		}
		if in.Status == incident.Triggered {
			k.status = 0
		}
		keys[i] = k
	}
	slices.SortFunc(keys, func(a, b triageKey) int {
		if c := cmp.Compare(a.urgent, b.urgent); c != 0 {
			return c
		}
		if c := cmp.Compare(a.prio, b.prio); c != 0 {
			return c
		}
		if c := cmp.Compare(a.status, b.status); c != 0 {
			return c
		}
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.at, b.at)
	})
	// Position i takes the incident that was at keys[i].at. Follow each
	// cycle from its first unplaced position, marking placed positions
	// by pointing them at themselves.
	for i := range keys {
		if keys[i].at == i {
			continue
		}
		held := list[i]
		j := i
		for {
			from := keys[j].at
			keys[j].at = j
			if from == i {
				list[j] = held
				break
			}
			list[j] = list[from]
			j = from
		}
	}
}

// priorityRank reads "P1".."P5" (and SEV1 style names); anything else sorts
// after them.
func priorityRank(p string) int {
	p = strings.ToUpper(strings.TrimSpace(p))
	for _, prefix := range []string{"P", "SEV", "SEV-"} {
		if n, ok := number(strings.TrimPrefix(p, prefix)); ok && strings.HasPrefix(p, prefix) && n >= 0 {
			return n
		}
	}
	return 1 << 20
}

// number is strconv.Atoi's answer without its error value: most
// priorities fail to parse under two of the three prefixes, and each
// failure allocated an error, thousands of them for a cached list.
func number(s string) (int, bool) {
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	if body == "" || strings.TrimLeft(body, "0123456789") != "" {
		return 0, false // Atoi fails on these too
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
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
func (l listModel) View() string {
	st, now := l.st, l.now()
	var b strings.Builder
	svcW, titleW := l.columns()
	header := fmt.Sprintf("  %s %s %s %s %s %s",
		fit("STATUS", 12), fit("URG", 4), fit("PRI", 3), fit("SERVICE", svcW), fit("TITLE", titleW), fit("AGE", 6))
	b.WriteString(st.Header.Render(fit(header, l.width)))
	if len(l.incidents) == 0 {
		msg := "  No active incidents."
		if l.filter != "" || l.narrowed {
			// Say how many there are without the filter, so an empty
			// screen is not read as a quiet night.
			n := l.allActive
			if !l.narrowed {
				n = len(l.all)
			}
			msg = "  No incidents match the filter"
			if n >= 0 {
				msg += fmt.Sprintf(" (%d active)", n)
			}
			if l.filter != "" {
				msg += "; " + l.keys.Back.Help().Key + " clears the search"
			}
			msg += "."
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
			fit(fmt.Sprintf("#%d %s%s", in.Number, l.mark(in, now), withoutService(incident.Clean(in.Title), incident.Clean(in.Service.Name))), titleW),
			fit(incident.Age(now.Sub(in.CreatedAt)), 6),
		}
		urg := st.Low
		if in.Urgency == incident.High {
			urg = st.High
		}
		styles := []lipgloss.Style{statusStyle(st, in.Status), urg, st.priority(in.Priority)}
		var row string
		if i == l.cursor {
			// The highlight runs the whole row; the status, urgency and
			// priority keep their colours inside it (reversed too, so
			// the highlight never breaks).
			for c, style := range styles {
				cells[c] = style.Inherit(st.Selected).Render(cells[c])
			}
			head := st.Selected.Render(l.marker(in.ID, now, ">")) + strings.Join(cells[:3], st.Selected.Render(" "))
			row = head + st.Selected.Render(fit(" "+strings.Join(cells[3:], " "), l.width-lipgloss.Width(head)))
		} else {
			for c, style := range styles {
				cells[c] = style.Render(cells[c])
			}
			row = fit(l.marker(in.ID, now, " ")+strings.Join(cells, " "), l.width)
			if l.IsNew(in.ID, now) {
				row = st.New.Render(row)
			}
		}
		b.WriteString("\n" + row)
	}
	return b.String()
}

// withoutService drops a title's leading service name ("checkout-api:
// 5xx spike", "[checkout-api] 5xx spike") when the service column says it
// already; at 80 columns the title needs the room.
func withoutService(title, service string) string {
	if service == "" {
		return title
	}
	t := strings.TrimPrefix(title, "[")
	if len(t) <= len(service) || !strings.EqualFold(t[:len(service)], service) {
		return title
	}
	rest := t[len(service):]
	trimmed := strings.TrimLeft(rest, "]:|-–— ")
	if trimmed == "" || len(trimmed) == len(rest) {
		return title // no separator: the service name is part of a word
	}
	return trimmed
}

func statusStyle(st *Styles, s incident.Status) lipgloss.Style {
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
