package tui

import (
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/state"
)

// The list's state marks for incidents not opened in this run come from
// what the journal already holds: the snapshot saved the last time each
// was open (PagerDuty's events) and this machine's own events. They are
// read once per incident, when it first appears in the list, in a command
// (never in Update or View), and cost PagerDuty no request. An incident
// with no snapshot says its clock is unknown rather than nothing, so a
// missing mark is never read as "no update owed".

// marksMsg carries the marks read from the journal for listed incidents.
type marksMsg struct {
	docs    map[string]state.Doc // derived from a saved snapshot and the journal
	unknown []string             // nothing saved, or unreadable: the clock cannot be told
	err     error                // what could not be read, for the status line
}

// loadMarks derives, at now, the state of each listed incident from the
// journal's saved snapshot and events, counting the status update clock
// by cadence.
func loadMarks(j Journal, list []incident.Incident, cadence time.Duration, now time.Time) tea.Cmd {
	return func() tea.Msg {
		out := marksMsg{docs: make(map[string]state.Doc, len(list))}
		var errs []error
		for _, in := range list {
			snap, ok, err := j.Snapshot(in.ID)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", in.ID, err))
			}
			if err != nil || !ok {
				out.unknown = append(out.unknown, in.ID)
				continue
			}
			local, err := j.Events(in.ID)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", in.ID, err))
				out.unknown = append(out.unknown, in.ID)
				continue
			}
			// The listed incident, not the snapshot's: its status and
			// urgency are the fresher, and decide whether the clock applies.
			out.docs[in.ID] = state.Derive(state.Input{Incident: in, Timeline: mergeTimeline(snap.Events, local), Now: now, Cadence: cadence})
		}
		if len(errs) > 0 {
			out.err = fmt.Errorf("read the journal for the list's marks: %w", errors.Join(errs...))
		}
		return out
	}
}

// marksToLoad returns the listed incidents whose marks have not been
// asked for yet, and notes them as asked.
func (l listModel) marksToLoad(list []incident.Incident) (listModel, []incident.Incident) {
	var todo []incident.Incident
	asked := l.marksAsked
	for _, in := range list {
		if asked[in.ID] {
			continue
		}
		if len(todo) == 0 {
			asked = make(map[string]bool, len(l.marksAsked)+len(list)) // copies of the list share no map
			for k, v := range l.marksAsked {
				asked[k] = v
			}
		}
		asked[in.ID] = true
		todo = append(todo, in)
	}
	l.marksAsked = asked
	return l, todo
}

// SetLoadedMarks takes the marks read from the journal. A mark set since
// (an incident left while they were read) is the fresher and stays.
func (l listModel) SetLoadedMarks(msg marksMsg) listModel {
	marks := make(map[string]state.Doc, len(l.marks)+len(msg.docs))
	for k, v := range l.marks {
		marks[k] = v
	}
	for id, d := range msg.docs {
		if _, ok := marks[id]; !ok {
			marks[id] = d
		}
	}
	l.marks = marks
	unknown := make(map[string]bool, len(l.clockUnknown)+len(msg.unknown))
	for k, v := range l.clockUnknown {
		unknown[k] = v
	}
	for _, id := range msg.unknown {
		unknown[id] = true
	}
	l.clockUnknown = unknown
	return l
}

// unknownClockMark is the mark of an active incident the status update
// cadence applies to (high urgency: a commander cannot be known without
// its timeline) whose clock nothing on this machine can tell.
func (l listModel) unknownClockMark(in incident.Incident) string {
	if l.clockUnknown[in.ID] && in.Active() && in.Urgency == incident.High {
		return "[upd ?] "
	}
	return ""
}

// listMarks starts reading the marks of listed incidents not asked for
// yet; nil when there are none or no journal.
func (m *Model) listMarks(list []incident.Incident) tea.Cmd {
	if m.opts.Journal == nil {
		return nil
	}
	var todo []incident.Incident
	if m.list, todo = m.list.marksToLoad(list); len(todo) == 0 {
		return nil
	}
	return loadMarks(m.opts.Journal, todo, m.opts.UpdateEvery, m.opts.Now())
}

// handleMarks takes the marks read from the journal.
func (m Model) handleMarks(msg marksMsg) Model {
	m.list = m.list.SetLoadedMarks(msg)
	if msg.err != nil {
		m.say(statusError, oneLine(msg.err))
	}
	return m
}
