package pagerduty

import (
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
)

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func convertIncident(in pd.Incident) incident.Incident {
	out := incident.Incident{
		ID:               in.ID,
		Number:           int(in.IncidentNumber),
		Title:            in.Title,
		Status:           incident.Status(in.Status),
		Urgency:          incident.Urgency(in.Urgency),
		Service:          incident.Ref{ID: in.Service.ID, Name: in.Service.Summary},
		EscalationPolicy: incident.Ref{ID: in.EscalationPolicy.ID, Name: in.EscalationPolicy.Summary},
		URL:              in.HTMLURL,
		CreatedAt:        parseTime(in.CreatedAt),
		ResolvedAt:       parseTime(in.ResolvedAt),
		AlertCount:       int(in.AlertCounts.All),
		Key:              in.IncidentKey,
	}
	if b := in.ConferenceBridge; b != nil {
		out.Bridge = b.ConferenceURL
		if out.Bridge == "" {
			out.Bridge = b.ConferenceNumber
		}
	}
	if in.Priority != nil {
		out.Priority = in.Priority.Summary
		if out.Priority == "" {
			out.Priority = in.Priority.Name
		}
	}
	for _, a := range in.Assignments {
		out.Assignees = append(out.Assignees, incident.Responder{ID: a.Assignee.ID, Name: a.Assignee.Summary})
	}
	if out.Status == incident.Resolved {
		// A resolved incident's last status change is its resolution.
		out.ResolvedBy = in.LastStatusChangeBy.Summary
	}
	return out
}

// logKind is the event kind of a PagerDuty log entry type, KindOther for
// a type without one of its own. A switch, not a map: a map would be
// built at package init, which every command pays for.
func logKind(typ string) incident.Kind {
	switch typ {
	case "trigger_log_entry":
		return incident.KindTrigger
	case "acknowledge_log_entry":
		return incident.KindAcknowledge
	case "resolve_log_entry":
		return incident.KindResolve
	case "assign_log_entry":
		return incident.KindAssign
	case "escalate_log_entry":
		return incident.KindEscalate
	case "notify_log_entry":
		return incident.KindNotify
	case "snooze_log_entry":
		return incident.KindSnooze
	}
	return incident.KindOther
}

// convertLogEntry turns a log entry into an event. Annotations are skipped:
// the note they stand for is read from the notes endpoint.
func convertLogEntry(incidentID string, le pd.LogEntry) (incident.Event, bool) {
	typ := strings.TrimSuffix(le.Type, "_reference")
	if typ == "annotate_log_entry" {
		return incident.Event{}, false
	}
	return incident.Event{
		ID:         le.ID,
		IncidentID: incidentID,
		Kind:       logKind(typ),
		At:         parseTime(le.CreatedAt),
		Actor:      le.Agent.Summary,
		Summary:    le.Summary,
		Origin:     incident.Remote,
	}, true
}

// convertNote turns a note into an event. A note that ends in an oncall
// trailer becomes the event it mirrors (a decision, a role, a status
// update...), with the author PagerDuty names and PagerDuty's time; its ID
// is the local id the author's journal gave it, so that every responder,
// the author included, names the event alike (stars point at it, drafts
// list it under one id). Any other note is a note with PagerDuty's id.
func convertNote(incidentID string, n pd.IncidentNote) incident.Event {
	e := incident.ParseNote(n.Content)
	e.ID, e.IncidentID, e.At, e.Actor, e.Origin = n.ID, incidentID, parseTime(n.CreatedAt), n.User.Summary, incident.Remote
	if _, _, typed := incident.DecodeTrailer(n.Content); typed {
		e.ID = e.LocalID
	}
	return e
}

func convertAlert(a pd.IncidentAlert) incident.Alert {
	out := incident.Alert{
		ID:        a.ID,
		Summary:   a.Summary,
		Status:    a.Status,
		Severity:  a.Severity,
		CreatedAt: parseTime(a.CreatedAt),
		Key:       a.AlertKey,
	}
	if d, ok := a.Body["details"].(map[string]any); ok {
		out.Details = d
	}
	return out
}
