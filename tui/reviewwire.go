package tui

import (
	"context"
	"fmt"
	"io"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/review"
)

// This file wires the weekly review screen (review.go) into the program:
// the list's key loads the review of the last 7 days through
// Options.Review, with its progress on the status line, and the screen's
// requests are acted on here. A follow-up marked done is an item update
// journaled with the review's context and then sent by the outbox, like
// every action; an agenda item opens the incident's timeline, and leaving
// it comes back to the review; a decision or a follow-up typed on the
// review is journaled against the incident under discussion, with the
// review's context (act adds it for anything recorded on this screen).

// ReviewLoader gathers and computes a review; progress hears what it is
// doing, in the lines oncall review writes on standard error.
type ReviewLoader func(ctx context.Context, progress io.Writer) (review.Report, error)

// reviewRoot is what the root keeps for the review across screens.
type reviewRoot struct {
	screen   Review
	loaded   bool   // a report is on the screen
	loading  bool   // a load is on its way
	gen      int    // the newest load; older answers drop
	progress string // the load's last word, while it loads
	// fromReview: the incident on screen was opened from the agenda, so
	// leaving it comes back to the review, not the list.
	fromReview bool
}

type (
	// reviewLoadedMsg is a load's outcome.
	reviewLoadedMsg struct {
		gen int
		rep review.Report
		err error
	}
	// reviewProgressMsg is a load's progress line; next waits for the
	// following one.
	reviewProgressMsg struct {
		gen  int
		text string
		next tea.Cmd
	}
)

// openReview shows the review screen and starts loading the review.
// A review already on screen is shown at once while the new one loads.
func (m Model) openReview() (tea.Model, tea.Cmd) {
	if m.opts.Review == nil {
		m.say(statusInfo, "the weekly review is not available here (oncall review --tui shows it)")
		return m, nil
	}
	m.screen = screenReview
	m.rev.gen++
	m.rev.loading, m.rev.progress = true, ""
	m.say(statusProgress, "loading the review of the last 7 days…")
	gen, load, ctx := m.rev.gen, m.opts.Review, m.ctx
	lines := make(chan string, 64)
	run := func() tea.Msg {
		defer close(lines)
		rep, err := load(ctx, progressWriter{lines})
		return reviewLoadedMsg{gen: gen, rep: rep, err: err}
	}
	return m, tea.Batch(run, waitProgress(gen, lines))
}

// waitProgress delivers the load's next progress line; nothing once the
// load is over.
func waitProgress(gen int, lines <-chan string) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-lines
		if !ok {
			return nil
		}
		return reviewProgressMsg{gen: gen, text: s, next: waitProgress(gen, lines)}
	}
}

// progressWriter turns what Gather writes (lines, and one line redrawn
// after a carriage return) into status lines. It never blocks the load:
// when the screen is behind, a line is dropped, and the next one says
// more anyway.
type progressWriter struct{ lines chan<- string }

func (w progressWriter) Write(p []byte) (int, error) {
	s := strings.TrimRight(string(p), "\r\n")
	if i := strings.LastIndexAny(s, "\r\n"); i >= 0 {
		s = s[i+1:]
	}
	if s = strings.TrimSpace(strings.TrimPrefix(s, "review: ")); s != "" {
		select {
		case w.lines <- s:
		default:
		}
	}
	return len(p), nil
}

// handleReview takes a load's answers and the screen's requests.
func (m Model) handleReview(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case reviewProgressMsg:
		if msg.gen != m.rev.gen || !m.rev.loading {
			return m, msg.next // drain it; nothing to show
		}
		m.rev.progress = incident.Clean(msg.text)
		m.say(statusProgress, "review: "+m.rev.progress)
		return m, msg.next
	case reviewLoadedMsg:
		if msg.gen != m.rev.gen {
			return m, nil
		}
		m.rev.loading = false
		if msg.err != nil {
			m.say(statusError, "the review could not be loaded: "+oneLine(msg.err))
			return m, nil
		}
		m.rev.screen = NewReview(msg.rep, m.st, m.keys).SetSize(m.width, max(m.height-3, 1))
		m.rev.screen.embedded = true
		m.rev.loaded = true
		m.say(statusInfo, fmt.Sprintf("review: %d incidents, %d follow-ups, %d on the agenda",
			msg.rep.Incidents, len(msg.rep.FollowUps.Items), len(msg.rep.Agenda)))
		return m, nil
	case ReviewDoneMsg:
		if m.opts.ReadOnly {
			m.rev.screen = m.rev.screen.undo(msg.ItemID)
			m.say(statusError, "read-only: nothing is recorded")
			return m, nil
		}
		e, err := incident.NewItemUpdate(msg.ItemID, incident.ChangeDone, incident.ItemLabel(incident.Clean(msg.Title)), incident.InReview())
		if err != nil {
			m.rev.screen = m.rev.screen.undo(msg.ItemID)
			m.say(statusError, "not recorded: "+oneLine(err))
			return m, nil
		}
		e.Actor, e.At = m.opts.Actor, m.opts.Now().UTC()
		return m, journal(m.opts.Journal, msg.IncidentID, e, nil)
	case ReviewOpenMsg:
		// The listed incident when it is listed, so the detail screen
		// matches runbooks and pre-mortems on it before its fetch answers.
		m.rev.fromReview = true
		return m.open(m.discussed(msg.IncidentID))
	case ReviewMinuteMsg:
		if m.opts.ReadOnly {
			m.say(statusError, "read-only: nothing is recorded")
			return m, nil
		}
		m.target = m.discussed(msg.IncidentID)
		m.openForm(msg.Kind)
		return m, nil
	}
	return m, nil
}

// discussed is the incident a minute is recorded against or an agenda
// item opens: the listed one when it is listed, else what the review
// knows of it.
func (m Model) discussed(id string) incident.Incident {
	for _, in := range m.list.incidents {
		if in.ID == id {
			return in
		}
	}
	for _, a := range m.rev.screen.rep.Agenda {
		if a.Incident.ID == id {
			return incident.Incident{ID: id, Number: a.Incident.Number, Title: a.Incident.Title}
		}
	}
	return incident.Incident{ID: id}
}

// reviewKey handles keys on the review screen: back to the list, or the
// screen's own keys.
func (m Model) reviewKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(msg, m.keys.Back) {
		m.screen = screenList
		return m, nil
	}
	if !m.rev.loaded {
		return m, report(reportMsg{kind: statusInfo, text: "the review is still loading"})
	}
	if !reviewHandles(m.keys, msg, m.rev.screen.KeyHelp()) {
		return m, report(notHere(m.keys, msg, "in the review"))
	}
	var cmd tea.Cmd
	m.rev.screen, cmd = m.rev.screen.Update(msg)
	return m, cmd
}

// reviewHandles reports whether the screen acts on msg now: one of its
// bindings, or a move.
func reviewHandles(k *KeyMap, msg tea.KeyPressMsg, bs []key.Binding) bool {
	if key.Matches(msg, k.Top, k.Bottom) {
		return true
	}
	for _, b := range bs {
		if key.Matches(msg, b) {
			return true
		}
	}
	return false
}

// reviewView is the review screen, or what the load says while there is
// none yet.
func (m Model) reviewView() string {
	if m.rev.loaded {
		return m.rev.screen.View()
	}
	text := "Loading the review of the last 7 days…"
	if m.rev.progress != "" {
		text += "\n\n" + m.rev.progress
	}
	if !m.rev.loading {
		text = "No review loaded (" + m.keys.Review.Help().Key + " on the list tries again)."
	}
	return m.st.Faint.Render(text)
}

// reviewKeys are the key line's bindings on the review: the screen's,
// in its words, after help and back.
func (m Model) reviewKeys() []key.Binding {
	back := m.keys.Back
	back.SetHelp(back.Help().Key, "back to the list")
	out := []key.Binding{m.keys.Help, back}
	if !m.rev.loaded {
		return out
	}
	// The actions first, then tab, then the moves: a narrow line drops
	// from the end.
	var moves []key.Binding
	for _, b := range m.rev.screen.KeyHelp() {
		switch b.Help() {
		case m.keys.Quit.Help():
			continue
		case m.keys.Up.Help(), m.keys.Down.Help(), m.keys.Pane.Help():
			moves = append(moves, b)
			continue
		}
		b.SetHelp(b.Help().Key, m.rev.screen.hint(b))
		out = append(out, b)
	}
	for _, b := range moves {
		b.SetHelp(b.Help().Key, m.rev.screen.hint(b))
		out = append(out, b)
	}
	return out
}

// inReview marks e as recorded in the weekly review.
func inReview(e incident.Event) incident.Event {
	f := make(map[string]string, len(e.Fields)+1)
	for k, v := range e.Fields {
		f[k] = v
	}
	f[incident.FieldContext] = incident.ContextReview
	e.Fields = f
	return e
}

// reviewBack names where back goes from an incident opened from the
// review's agenda: the key line must not promise the list.
func (m Model) reviewBack(bs []key.Binding) []key.Binding {
	if m.screen != screenDetail || !m.rev.fromReview {
		return bs
	}
	out := make([]key.Binding, len(bs))
	for i, b := range bs {
		if b.Help() == m.keys.Back.Help() {
			b.SetHelp(b.Help().Key, "back to the review")
		}
		out[i] = b
	}
	return out
}
