package pdsim

import (
	"fmt"
	"maps"
	"time"
)

// Wire types: the JSON documents PagerDuty's REST API v2 sends. Field names
// and nesting follow PagerDuty's OpenAPI document; go-pagerduty v1.8.0
// decodes every one of them (it is strict about a few types: channel.type
// must be a string, event_details values must be strings, incident body
// details is a string, so the simulator never sends an incident body).

const (
	apiBase  = "https://api.pagerduty.com"
	htmlBase = "https://example.pagerduty.com"
)

// timeFormat is how PagerDuty writes times: RFC 3339 in UTC, to the second.
const timeFormat = "2006-01-02T15:04:05Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// fmtTimeIn writes t in zone, with its offset ("2026-03-07T09:00:00-05:00"),
// as PagerDuty renders times for a time_zone or the account's zone.
func fmtTimeIn(t time.Time, zone *time.Location) string {
	if zone == nil {
		return fmtTime(t)
	}
	return t.In(zone).Format(time.RFC3339)
}

func fmtTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := fmtTime(t)
	return &s
}

type ref struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary,omitempty"`
	Self    string `json:"self,omitempty"`
	HTMLURL string `json:"html_url,omitempty"`
}

func userRef(u *user) ref {
	return ref{ID: u.id, Type: "user_reference", Summary: u.name,
		Self: apiBase + "/users/" + u.id, HTMLURL: htmlBase + "/users/" + u.id}
}

func teamRef(t *team) ref {
	return ref{ID: t.id, Type: "team_reference", Summary: t.name,
		Self: apiBase + "/teams/" + t.id, HTMLURL: htmlBase + "/teams/" + t.id}
}

// teamRefs is the teams of p as references: one, or none.
func teamRefs(p *policy) []ref {
	if p == nil || p.team == nil {
		return []ref{}
	}
	return []ref{teamRef(p.team)}
}

func serviceRef(s *service) ref {
	return ref{ID: s.id, Type: "service_reference", Summary: s.name,
		Self: apiBase + "/services/" + s.id, HTMLURL: htmlBase + "/service-directory/" + s.id}
}

func policyRef(p *policy) ref {
	return ref{ID: p.id, Type: "escalation_policy_reference", Summary: p.name,
		Self: apiBase + "/escalation_policies/" + p.id, HTMLURL: htmlBase + "/escalation_policies/" + p.id}
}

func incidentRef(inc *incident) ref {
	return ref{ID: inc.id, Type: "incident_reference", Summary: incidentSummary(inc),
		Self: apiBase + "/incidents/" + inc.id, HTMLURL: htmlBase + "/incidents/" + inc.id}
}

func actorRef(a actor) *ref {
	var r ref
	switch {
	case a.user != nil:
		r = userRef(a.user)
	case a.svc != nil:
		r = serviceRef(a.svc)
	case a.policy != nil:
		r = policyRef(a.policy)
	default:
		return nil
	}
	return &r
}

func incidentSummary(inc *incident) string {
	return fmt.Sprintf("[#%d] %s", inc.number, inc.title)
}

type wireListMeta struct {
	Limit  int  `json:"limit"`
	Offset int  `json:"offset"`
	More   bool `json:"more"`
	Total  *int `json:"total"`
}

type wireAssignment struct {
	At       string `json:"at"`
	Assignee ref    `json:"assignee"`
}

type wireAck struct {
	At           string `json:"at"`
	Acknowledger ref    `json:"acknowledger"`
}

type wirePendingAction struct {
	Type string `json:"type"`
	At   string `json:"at"`
}

type wireAlertCounts struct {
	All       int `json:"all"`
	Triggered int `json:"triggered"`
	Resolved  int `json:"resolved"`
}

type wirePriorityRef struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
	Self    string `json:"self"`
}

type wireIncident struct {
	ID                   string              `json:"id"`
	Type                 string              `json:"type"`
	Summary              string              `json:"summary"`
	Self                 string              `json:"self"`
	HTMLURL              string              `json:"html_url"`
	IncidentNumber       int                 `json:"incident_number"`
	Title                string              `json:"title"`
	Description          string              `json:"description"`
	CreatedAt            string              `json:"created_at"`
	UpdatedAt            string              `json:"updated_at"`
	Status               string              `json:"status"`
	IncidentKey          string              `json:"incident_key"`
	Service              ref                 `json:"service"`
	Assignments          []wireAssignment    `json:"assignments"`
	AssignedVia          string              `json:"assigned_via"`
	LastStatusChangeAt   string              `json:"last_status_change_at"`
	LastStatusChangeBy   *ref                `json:"last_status_change_by"`
	ResolvedAt           *string             `json:"resolved_at"`
	FirstTriggerLogEntry *ref                `json:"first_trigger_log_entry,omitempty"`
	AlertCounts          wireAlertCounts     `json:"alert_counts"`
	IsMergeable          bool                `json:"is_mergeable"`
	EscalationPolicy     ref                 `json:"escalation_policy"`
	Teams                []ref               `json:"teams"`
	PendingActions       []wirePendingAction `json:"pending_actions"`
	Acknowledgements     []wireAck           `json:"acknowledgements"`
	Priority             *wirePriorityRef    `json:"priority,omitempty"` // the reference's Incident.priority is not nullable
	Urgency              string              `json:"urgency"`
	ResolveReason        *wireResolveReason  `json:"resolve_reason"`
	ConferenceBridge     *wireBridge         `json:"conference_bridge,omitempty"`
	IncidentType         struct {
		Name string `json:"name"`
	} `json:"incident_type"`
}

type wireBridge struct {
	ConferenceNumber string `json:"conference_number,omitempty"`
	ConferenceURL    string `json:"conference_url,omitempty"`
}

// incidentView says how an incident is rendered: the include[] details
// asked for, and the time zone (nil for UTC).
type incidentView struct {
	bridge bool // include[]=conference_bridge
	zone   *time.Location
}

func toWireIncident(inc *incident) wireIncident { return incidentView{}.render(inc) }

func (v incidentView) render(inc *incident) wireIncident {
	fmtTime := func(t time.Time) string { return fmtTimeIn(t, v.zone) }
	fmtTimePtr := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := fmtTime(t)
		return &s
	}
	out := wireIncident{
		ID:                 inc.id,
		Type:               "incident",
		Summary:            incidentSummary(inc),
		Self:               apiBase + "/incidents/" + inc.id,
		HTMLURL:            htmlBase + "/incidents/" + inc.id,
		IncidentNumber:     inc.number,
		Title:              inc.title,
		Description:        cmpOr(inc.description, inc.title),
		CreatedAt:          fmtTime(inc.createdAt),
		UpdatedAt:          fmtTime(inc.updatedAt),
		Status:             inc.status,
		IncidentKey:        inc.key,
		Service:            serviceRef(inc.service),
		Assignments:        []wireAssignment{},
		AssignedVia:        "escalation_policy",
		LastStatusChangeAt: fmtTime(inc.lastChangeAt),
		LastStatusChangeBy: actorRef(inc.lastChangeBy),
		ResolvedAt:         fmtTimePtr(inc.resolvedAt),
		IsMergeable:        true,
		EscalationPolicy:   policyRef(inc.policy),
		Teams:              teamRefs(inc.policy),
		PendingActions:     []wirePendingAction{},
		Acknowledgements:   []wireAck{},
		Urgency:            inc.urgency,
	}
	out.IncidentType.Name = "incident_default"
	for _, a := range inc.assignments {
		out.Assignments = append(out.Assignments, wireAssignment{At: fmtTime(a.at), Assignee: userRef(a.user)})
	}
	if inc.status == statusAcknowledged {
		for _, a := range inc.acks {
			out.Acknowledgements = append(out.Acknowledgements, wireAck{At: fmtTime(a.at), Acknowledger: userRef(a.user)})
		}
	}
	if !inc.snoozedUntil.IsZero() {
		out.PendingActions = append(out.PendingActions, wirePendingAction{Type: "unacknowledge", At: fmtTime(inc.snoozedUntil)})
	}
	if len(inc.log) > 0 && inc.log[0].typ == logTrigger {
		e := inc.log[0]
		out.FirstTriggerLogEntry = &ref{ID: e.id, Type: "trigger_log_entry_reference", Summary: e.summary,
			Self:    apiBase + "/log_entries/" + e.id + "?incident_id=" + inc.id,
			HTMLURL: htmlBase + "/incidents/" + inc.id + "/log_entries/" + e.id}
	}
	for _, a := range inc.alerts {
		out.AlertCounts.All++
		if a.status == statusResolved {
			out.AlertCounts.Resolved++
		} else {
			out.AlertCounts.Triggered++
		}
	}
	if p := inc.priority; p != nil {
		out.Priority = &wirePriorityRef{ID: p.id, Type: "priority_reference", Summary: p.name, Self: apiBase + "/priorities/" + p.id}
	}
	if inc.mergedInto != nil {
		out.ResolveReason = &wireResolveReason{Type: "merge_resolve_reason", Incident: incidentRef(inc.mergedInto)}
	}
	// PagerDuty sends conference_bridge only when include[] asks for it.
	if v.bridge && (inc.bridgeURL != "" || inc.bridgeNumber != "") {
		out.ConferenceBridge = &wireBridge{ConferenceNumber: inc.bridgeNumber, ConferenceURL: inc.bridgeURL}
	}
	return out
}

type wireChannel struct {
	Type    string `json:"type"`
	Summary string `json:"summary,omitempty"`
}

type wireLogEntry struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	Summary      string            `json:"summary"`
	Self         string            `json:"self"`
	HTMLURL      string            `json:"html_url"`
	CreatedAt    string            `json:"created_at"`
	Agent        *ref              `json:"agent"`
	Channel      wireChannel       `json:"channel"`
	Service      ref               `json:"service"`
	Incident     ref               `json:"incident"`
	Teams        []ref             `json:"teams"`
	Contexts     []any             `json:"contexts"`
	EventDetails map[string]string `json:"event_details,omitempty"`
	Assignees    []ref             `json:"assignees,omitempty"`
	User         *ref              `json:"user,omitempty"`
}

func toWireLogEntry(inc *incident, e *logEntry, zone *time.Location) wireLogEntry {
	out := wireLogEntry{
		ID:           e.id,
		Type:         e.typ,
		Summary:      e.summary,
		Self:         apiBase + "/log_entries/" + e.id + "?incident_id=" + inc.id,
		HTMLURL:      htmlBase + "/incidents/" + inc.id + "/log_entries/" + e.id,
		CreatedAt:    fmtTimeIn(e.at, zone),
		Agent:        actorRef(e.agent),
		Channel:      wireChannel{Type: e.channel.typ, Summary: e.channel.summary},
		Service:      serviceRef(inc.service),
		Incident:     incidentRef(inc),
		Teams:        teamRefs(inc.policy),
		Contexts:     []any{},
		EventDetails: maps.Clone(e.details),
	}
	for _, u := range e.assignees {
		out.Assignees = append(out.Assignees, userRef(u))
	}
	if e.notified != nil {
		r := userRef(e.notified)
		out.User = &r
	}
	return out
}

type wireAlertBody struct {
	Type     string         `json:"type"`
	Contexts []any          `json:"contexts"`
	Details  map[string]any `json:"details"`
}

type wireAlert struct {
	ID         string        `json:"id"`
	Type       string        `json:"type"`
	Summary    string        `json:"summary"`
	Self       string        `json:"self"`
	HTMLURL    string        `json:"html_url"`
	CreatedAt  string        `json:"created_at"`
	ResolvedAt *string       `json:"resolved_at"`
	Status     string        `json:"status"`
	AlertKey   string        `json:"alert_key"`
	Service    ref           `json:"service"`
	Body       wireAlertBody `json:"body"`
	Incident   ref           `json:"incident"`
	Suppressed bool          `json:"suppressed"`
	Severity   string        `json:"severity"`
}

func toWireAlert(inc *incident, a *alert) wireAlert {
	details := maps.Clone(a.details)
	if details == nil {
		details = map[string]any{}
	}
	return wireAlert{
		ID:         a.id,
		Type:       "alert",
		Summary:    a.summary,
		Self:       apiBase + "/incidents/" + inc.id + "/alerts/" + a.id,
		HTMLURL:    htmlBase + "/alerts/" + a.id,
		CreatedAt:  fmtTime(a.createdAt),
		ResolvedAt: fmtTimePtr(a.resolvedAt),
		Status:     a.status,
		AlertKey:   a.key,
		Service:    serviceRef(inc.service),
		Body:       wireAlertBody{Type: "alert_body", Contexts: []any{}, Details: details},
		Incident:   incidentRef(inc),
		Severity:   a.severity,
	}
}

type wireNote struct {
	ID      string `json:"id"`
	User    ref    `json:"user"`
	Channel struct {
		Summary string `json:"summary"`
	} `json:"channel"`
	Content   string `json:"content"`
	CreatedAt string `json:"created_at"`
}

func toWireNote(n *note, zone *time.Location) wireNote {
	out := wireNote{ID: n.id, User: userRef(n.user), Content: n.content, CreatedAt: fmtTimeIn(n.at, zone)}
	out.Channel.Summary = chWeb.summary
	return out
}

type wireStatusUpdate struct {
	ID          string `json:"id"`
	Message     string `json:"message"`
	CreatedAt   string `json:"created_at"`
	Sender      ref    `json:"sender"`
	Subject     string `json:"subject,omitempty"`
	HTMLMessage string `json:"html_message,omitempty"`
}

func toWireStatusUpdate(u *statusUpdate) wireStatusUpdate {
	return wireStatusUpdate{ID: u.id, Message: u.message, CreatedAt: fmtTime(u.at), Sender: userRef(u.sender),
		Subject: u.subject, HTMLMessage: u.htmlBody}
}

type wireIncidentResponder struct {
	State       string `json:"state"`
	User        ref    `json:"user"`
	Incident    ref    `json:"incident"`
	UpdatedAt   string `json:"updated_at"`
	Message     string `json:"message"`
	Requester   ref    `json:"requester"`
	RequestedAt string `json:"requested_at"`
}

type wireResponderTarget struct {
	Type       string                  `json:"type"`
	ID         string                  `json:"id"`
	Summary    string                  `json:"summary"`
	Responders []wireIncidentResponder `json:"incidents_responders"`
}

type wireResponderRequest struct {
	Incident    ref    `json:"incident"`
	Requester   ref    `json:"requester"`
	RequestedAt string `json:"requested_at"`
	Message     string `json:"message"`
	Targets     []struct {
		Target wireResponderTarget `json:"responder_request_target"`
	} `json:"responder_request_targets"`
}

func toWireResponderRequest(inc *incident, rr *responderRequest) wireResponderRequest {
	out := wireResponderRequest{Incident: incidentRef(inc), Requester: userRef(rr.requester),
		RequestedAt: fmtTime(rr.at), Message: rr.message}
	out.Targets = make([]struct {
		Target wireResponderTarget `json:"responder_request_target"`
	}, len(rr.targets))
	for i, t := range rr.targets {
		wt := wireResponderTarget{Responders: []wireIncidentResponder{}}
		users := []*user{t.user}
		if t.policy != nil {
			wt.Type, wt.ID, wt.Summary = "escalation_policy", t.policy.id, t.policy.name
			users = t.policy.levels[0]
		} else {
			wt.Type, wt.ID, wt.Summary = "user", t.user.id, t.user.name
		}
		for _, u := range users {
			wt.Responders = append(wt.Responders, wireIncidentResponder{State: "pending", User: userRef(u),
				Incident: incidentRef(inc), UpdatedAt: fmtTime(rr.at), Message: rr.message,
				Requester: userRef(rr.requester), RequestedAt: fmtTime(rr.at)})
		}
		out.Targets[i].Target = wt
	}
	return out
}

type wireUser struct {
	ID                string `json:"id"`
	Type              string `json:"type"`
	Summary           string `json:"summary"`
	Self              string `json:"self"`
	HTMLURL           string `json:"html_url"`
	Name              string `json:"name"`
	Email             string `json:"email"`
	TimeZone          string `json:"time_zone"`
	Color             string `json:"color"`
	Role              string `json:"role"`
	AvatarURL         string `json:"avatar_url"`
	Description       string `json:"description"`
	InvitationSent    bool   `json:"invitation_sent"`
	JobTitle          string `json:"job_title"`
	Teams             []ref  `json:"teams"`
	ContactMethods    []ref  `json:"contact_methods"`
	NotificationRules []ref  `json:"notification_rules"`
}

func toWireUser(u *user) wireUser {
	return wireUser{
		ID: u.id, Type: "user", Summary: u.name,
		Self: apiBase + "/users/" + u.id, HTMLURL: htmlBase + "/users/" + u.id,
		Name: u.name, Email: u.email, TimeZone: u.timeZone, Color: u.color, Role: u.role,
		AvatarURL: "https://secure.gravatar.com/avatar/" + u.id + ".png?d=mm&r=PG",
		JobTitle:  u.jobTitle, Teams: mapSlice(u.teams, teamRef), ContactMethods: []ref{}, NotificationRules: []ref{},
	}
}

type wireTeam struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Summary     string `json:"summary"`
	Self        string `json:"self"`
	HTMLURL     string `json:"html_url"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func toWireTeam(t *team) wireTeam {
	return wireTeam{ID: t.id, Type: "team", Summary: t.name, Self: apiBase + "/teams/" + t.id,
		HTMLURL: htmlBase + "/teams/" + t.id, Name: t.name, Description: t.description}
}

type wireService struct {
	ID                     string `json:"id"`
	Type                   string `json:"type"`
	Summary                string `json:"summary"`
	Self                   string `json:"self"`
	HTMLURL                string `json:"html_url"`
	Name                   string `json:"name"`
	Description            string `json:"description"`
	AutoResolveTimeout     int    `json:"auto_resolve_timeout"`
	AcknowledgementTimeout int    `json:"acknowledgement_timeout"`
	CreatedAt              string `json:"created_at"`
	Status                 string `json:"status"`
	LastIncidentTimestamp  string `json:"last_incident_timestamp,omitempty"`
	EscalationPolicy       ref    `json:"escalation_policy"`
	Teams                  []ref  `json:"teams"`
	Integrations           []ref  `json:"integrations"`
	AlertCreation          string `json:"alert_creation"`
	IncidentUrgencyRule    struct {
		Type    string `json:"type"`
		Urgency string `json:"urgency"`
	} `json:"incident_urgency_rule"`
}

func toWireService(w *world, s *service) wireService {
	out := wireService{
		ID: s.id, Type: "service", Summary: s.name,
		Self: apiBase + "/services/" + s.id, HTMLURL: htmlBase + "/service-directory/" + s.id,
		Name: s.name, Description: s.description,
		AutoResolveTimeout: 14400, AcknowledgementTimeout: 1800,
		CreatedAt:        fmtTime(s.createdAt),
		Status:           w.serviceStatus(s),
		EscalationPolicy: policyRef(s.policy),
		Teams:            teamRefs(s.policy), Integrations: []ref{},
		AlertCreation: "create_alerts_and_incidents",
	}
	if t := w.lastIncidentAt(s); !t.IsZero() {
		out.LastIncidentTimestamp = fmtTime(t)
	}
	out.IncidentUrgencyRule.Type, out.IncidentUrgencyRule.Urgency = "constant", urgencyHigh
	return out
}

type wireEscalationRule struct {
	ID      string `json:"id"`
	Delay   int    `json:"escalation_delay_in_minutes"`
	Targets []ref  `json:"targets"`
}

type wirePolicy struct {
	ID                         string               `json:"id"`
	Type                       string               `json:"type"`
	Summary                    string               `json:"summary"`
	Self                       string               `json:"self"`
	HTMLURL                    string               `json:"html_url"`
	Name                       string               `json:"name"`
	Description                string               `json:"description"`
	NumLoops                   int                  `json:"num_loops"`
	OnCallHandoffNotifications string               `json:"on_call_handoff_notifications"`
	EscalationRules            []wireEscalationRule `json:"escalation_rules"`
	Services                   []ref                `json:"services"`
	Teams                      []ref                `json:"teams"`
}

func toWirePolicy(p *policy) wirePolicy {
	out := wirePolicy{
		ID: p.id, Type: "escalation_policy", Summary: p.name,
		Self: apiBase + "/escalation_policies/" + p.id, HTMLURL: htmlBase + "/escalation_policies/" + p.id,
		Name: p.name, Description: p.description, OnCallHandoffNotifications: "if_has_services",
		EscalationRules: []wireEscalationRule{}, Services: []ref{}, Teams: teamRefs(p),
	}
	for i, level := range p.levels {
		rule := wireEscalationRule{ID: fmt.Sprintf("%sR%d", p.id, i+1), Delay: p.delayMinutes, Targets: []ref{}}
		for _, u := range level {
			rule.Targets = append(rule.Targets, userRef(u))
		}
		out.EscalationRules = append(out.EscalationRules, rule)
	}
	for _, s := range p.services {
		out.Services = append(out.Services, serviceRef(s))
	}
	return out
}

type wirePriority struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Summary     string `json:"summary"`
	Self        string `json:"self"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func toWirePriority(p *priority) wirePriority {
	return wirePriority{ID: p.id, Type: "priority", Summary: p.name, Self: apiBase + "/priorities/" + p.id,
		Name: p.name, Description: p.description}
}

// mapSlice converts a slice with f.
func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}
