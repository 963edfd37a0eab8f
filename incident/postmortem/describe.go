package postmortem

import (
	"net/url"
	"strings"

	"github.com/oncallkit/oncall/incident"
)

// describe is the Event column's text for e: plain, one line, without
// Markdown (the renderer escapes it). Structured events read as
// incident.Summary words them, on every responder's screen and in every
// draft alike.
func describe(e incident.Event) string {
	s := oneLine(e.Summary)
	switch e.Kind {
	case incident.KindNote:
		return labelled("Note", s)
	case incident.KindAlert:
		return labelled("Alert", s)
	case incident.KindAcknowledge:
		return "Acknowledged"
	case incident.KindResolve:
		return "Resolved"
	case incident.KindMitigated, incident.KindDecision, incident.KindActionItem, incident.KindRole,
		incident.KindStatusUpdate, incident.KindRunbookStep, incident.KindTask:
		return orText(oneLine(incident.Summary(e)), structured(e.Kind))
	case incident.KindTrigger, incident.KindAssign, incident.KindEscalate, incident.KindNotify, incident.KindSnooze,
		incident.KindReassign, incident.KindRespondersReq:
		// The provider's summary already starts with the verb
		// ("Escalated to level 2"); fall back to the verb alone.
		return orText(s, verbs(e.Kind))
	default:
		return orText(s, "Other event")
	}
}

// structured names a structured event that carries neither fields nor a
// summary. This and verbs are switches, not map literals, which Go would
// build at package init.
func structured(k incident.Kind) string {
	switch k {
	case incident.KindDecision:
		return "Decision"
	case incident.KindActionItem:
		return "Action item"
	case incident.KindRole:
		return "Role assigned"
	case incident.KindStatusUpdate:
		return "Status update"
	case incident.KindRunbookStep:
		return "Runbook step"
	case incident.KindTask:
		return "Task"
	}
	return ""
}

// verbs names a provider event by its verb alone.
func verbs(k incident.Kind) string {
	switch k {
	case incident.KindTrigger:
		return "Triggered"
	case incident.KindAssign:
		return "Assigned"
	case incident.KindEscalate:
		return "Escalated"
	case incident.KindNotify:
		return "Notified"
	case incident.KindSnooze:
		return "Snoozed"
	case incident.KindReassign:
		return "Reassigned"
	case incident.KindRespondersReq:
		return "Asked for responders"
	}
	return ""
}

func labelled(label, s string) string {
	if s == "" {
		return label
	}
	return label + ": " + s
}

// link is an event's Link cell: the alert's page for an alert, an address
// the event carries (Fields["url"]), or the first address in its text (a
// note pointing at a dashboard). Only plain http(s) addresses pass.
func link(e incident.Event, inc incident.Incident) string {
	if e.Kind == incident.KindAlert && e.ID != "" {
		if u, err := url.Parse(safeURL(inc.URL)); err == nil && u.Host != "" && strings.HasPrefix(u.Path, "/incidents/") {
			return safeURL(u.Scheme + "://" + u.Host + "/alerts/" + url.PathEscape(e.ID))
		}
	}
	if u := safeURL(e.Fields["url"]); u != "" {
		return u
	}
	if plain(e.Summary) && !strings.Contains(e.Summary, "://") {
		return "" // plain text is its own cleaned form, and holds no address
	}
	return firstURL(e.Summary)
}
