package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
)

// Journal is what the TUI needs from the local journal: record first,
// then remember what the provider answered.
type Journal interface {
	Append(incidentID string, e incident.Event) (incident.Event, error)
	SetState(incidentID, eventID string, state incident.SyncState, errText string) error
	Events(incidentID string) ([]incident.Event, error)
	SaveIncidents(list []incident.Incident, fetchedAt time.Time) error
}

// Messages. Each names the request it answers (incident id, generation) so
// that a late answer for something no longer on screen is dropped.
type (
	incidentsMsg struct {
		gen  int
		list []incident.Incident
		err  error
	}
	detailMsg struct {
		id     string
		gen    int
		inc    incident.Incident
		remote []incident.Event
		local  []incident.Event
		err    error
	}
	// journaledMsg: an action is on disk and about to be sent.
	journaledMsg struct {
		incidentID string
		event      incident.Event
		err        error
	}
	// sentMsg: the provider answered an action.
	sentMsg struct {
		incidentID string
		eventID    string
		kind       incident.Kind
		err        error
		journalErr error
	}
	alertsMsg struct {
		id     string
		gen    int
		alerts []incident.Alert
		err    error
	}
	cacheSavedMsg struct{ err error }
	clipboardMsg  string
	listTickMsg   struct{ gen int }
	detailTickMsg struct {
		id  string
		gen int
	}
)

func fetchIncidents(src incident.Source, gen int) tea.Cmd {
	return func() tea.Msg {
		list, err := src.Active(context.Background())
		return incidentsMsg{gen: gen, list: list, err: err}
	}
}

// fetchDetail reads the incident, its provider events and its local
// journal. The journal read is disk I/O, so it happens here, not in Update.
func fetchDetail(src incident.Source, j Journal, id string, gen int) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		msg := detailMsg{id: id, gen: gen}
		local, jerr := j.Events(id)
		msg.local = local
		inc, err := src.Get(ctx, id)
		if err != nil {
			msg.err = err
			return msg
		}
		msg.inc = inc
		msg.remote, msg.err = src.Events(ctx, id)
		if msg.err == nil && jerr != nil {
			msg.err = fmt.Errorf("read journal: %w", jerr)
		}
		return msg
	}
}

func fetchAlerts(src incident.Source, id string, gen int) tea.Cmd {
	return func() tea.Msg {
		alerts, err := src.Alerts(context.Background(), id)
		return alertsMsg{id: id, gen: gen, alerts: alerts, err: err}
	}
}

// saveCache keeps the last list on disk so the next start is instant.
func saveCache(j Journal, list []incident.Incident, at time.Time) tea.Cmd {
	return func() tea.Msg {
		return cacheSavedMsg{err: j.SaveIncidents(list, at)}
	}
}

// copyToClipboard copies through the terminal (OSC 52), which works over
// SSH where no local clipboard exists.
func copyToClipboard(s string) tea.Cmd {
	return tea.Batch(tea.SetClipboard(s), func() tea.Msg { return clipboardMsg("copied " + incident.Clean(s)) })
}

// journal records an action before anything is sent.
func journal(j Journal, incidentID string, e incident.Event) tea.Cmd {
	return func() tea.Msg {
		stored, err := j.Append(incidentID, e)
		return journaledMsg{incidentID: incidentID, event: stored, err: err}
	}
}

// send performs a journaled action against the provider and records the
// answer in the journal.
func send(src incident.Source, j Journal, e incident.Event) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		var err error
		switch e.Kind {
		case incident.KindAcknowledge:
			err = src.Acknowledge(ctx, e.IncidentID)
		case incident.KindResolve:
			err = src.Resolve(ctx, e.IncidentID)
		case incident.KindNote:
			err = src.AddNote(ctx, e.IncidentID, e.ID, e.Summary)
		case incident.KindDecision, incident.KindActionItem, incident.KindRole,
			incident.KindMitigated:
			// Mirrored as a note, so every responder's timeline has it;
			// the summary starts with its kind ("Decision: ...").
			err = src.AddNote(ctx, e.IncidentID, e.ID, e.Summary)
		case incident.KindStatusUpdate:
			err = src.PostStatusUpdate(ctx, e.IncidentID, e.Fields["message"])
		default:
			err = fmt.Errorf("no way to send a %s event", e.Kind)
		}
		state, errText := incident.Sent, ""
		if err != nil {
			state, errText = incident.Failed, err.Error()
		}
		jerr := j.SetState(e.IncidentID, e.ID, state, errText)
		return sentMsg{incidentID: e.IncidentID, eventID: e.ID, kind: e.Kind, err: err, journalErr: jerr}
	}
}

// every is the self-rearming poll timer; tests replace it to drive time.
type every func(d time.Duration, msg tea.Msg) tea.Cmd

func realEvery(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}
