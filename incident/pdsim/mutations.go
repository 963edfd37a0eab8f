package pdsim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// This file holds the world's mutations: triggering an incident from an
// IncidentSpec, the status changes (acknowledge, resolve, reopen, escalate,
// reassign, snooze and wake), and the notes, status updates and responder
// requests added to an incident, with the log entries they write.

func (w *world) addLog(inc *incident, e *logEntry) {
	w.seq++
	e.seq = w.seq
	e.id = w.newID("R", 13)
	inc.log = append(inc.log, e)
	if e.at.After(inc.updatedAt) {
		inc.updatedAt = e.at
	}
}

// IncidentSpec describes an incident to trigger, from a scenario step or
// from Server.AddIncident.
type IncidentSpec struct {
	// Key is the incident_key (the de-duplication key). Scenario steps refer
	// to incidents by it. Empty means one is generated.
	Key         string
	Title       string
	Description string
	Service     string // service name or id; required
	Urgency     string // "high" (the default) or "low"
	Priority    string // "P1".."P5", a priority id, or "" for none
	// Assignees are emails; empty means escalation level 1 of the
	// service's escalation policy.
	Assignees []string
	// Alerts grouped into the incident when it triggers. Empty means one
	// critical (or, for low urgency, warning) alert summarized by Title.
	Alerts []AlertSpec
	// Status, for AddIncident only: "" or "triggered", "acknowledged" (by
	// the first assignee) or "resolved" (by the first assignee).
	Status string
	// CreatedAt, for AddIncident only: zero means the server's Now.
	CreatedAt time.Time
	// BridgeURL and BridgeNumber are the incident's conference bridge,
	// which the API returns only with include[]=conference_bridge.
	BridgeURL, BridgeNumber string
}

// AlertSpec describes one alert.
type AlertSpec struct {
	Summary  string
	Severity string         // critical, error, warning or info; "" means critical
	Details  map[string]any // body.details, e.g. runbook_url, component, class, source
}

func (w *world) checkSpec(spec IncidentSpec) error {
	if strings.TrimSpace(spec.Title) == "" {
		return fmt.Errorf("incident %q: title is required", spec.Key)
	}
	if w.dir.serviceByRef(spec.Service) == nil {
		return fmt.Errorf("incident %q: unknown service %q", spec.Key, spec.Service)
	}
	switch spec.Urgency {
	case "", urgencyHigh, urgencyLow:
	default:
		return fmt.Errorf("incident %q: urgency %q is neither high nor low", spec.Key, spec.Urgency)
	}
	if spec.Priority != "" && w.dir.priorityByRef(spec.Priority) == nil {
		return fmt.Errorf("incident %q: unknown priority %q", spec.Key, spec.Priority)
	}
	for _, e := range spec.Assignees {
		if w.dir.userByEmail(e) == nil {
			return fmt.Errorf("incident %q: unknown assignee %q", spec.Key, e)
		}
	}
	switch spec.Status {
	case "", statusTriggered, statusAcknowledged, statusResolved:
	default:
		return fmt.Errorf("incident %q: status %q is not triggered, acknowledged or resolved", spec.Key, spec.Status)
	}
	for _, a := range spec.Alerts {
		if err := checkSeverity(a.Severity); err != nil {
			return fmt.Errorf("incident %q: %w", spec.Key, err)
		}
	}
	return nil
}

func checkSeverity(s string) error {
	switch s {
	case "", "critical", "error", "warning", "info":
		return nil
	}
	return fmt.Errorf("alert severity %q is not critical, error, warning or info", s)
}

// trigger creates an incident at time at, with its first alerts and the
// trigger, assign and notify log entries PagerDuty writes.
func (w *world) trigger(spec IncidentSpec, at time.Time) (*incident, error) {
	if err := w.checkSpec(spec); err != nil {
		return nil, err
	}
	// As with events: a key whose incident is resolved opens a new
	// incident (a repeat), and lookups by key then find the newest.
	if old := w.byKey[spec.Key]; spec.Key != "" && old != nil && old.status != statusResolved {
		return nil, fmt.Errorf("incident key %q already exists", spec.Key)
	}
	svc := w.dir.serviceByRef(spec.Service)
	inc := &incident{
		id:           w.newID("Q", 13),
		key:          spec.Key,
		number:       w.nextNumber,
		title:        spec.Title,
		description:  spec.Description,
		status:       statusTriggered,
		urgency:      cmpOr(spec.Urgency, urgencyHigh),
		service:      svc,
		policy:       svc.policy,
		level:        1,
		createdAt:    at,
		updatedAt:    at,
		lastChangeAt: at,
		lastChangeBy: actor{svc: svc},
		bridgeURL:    spec.BridgeURL,
		bridgeNumber: spec.BridgeNumber,
	}
	w.nextNumber++
	if inc.key == "" {
		inc.key = strings.ToLower(w.newID("", 32))
	}
	if spec.Priority != "" {
		inc.priority = w.dir.priorityByRef(spec.Priority)
	}
	w.incidents = append(w.incidents, inc)
	w.byID[inc.id] = inc
	w.byKey[inc.key] = inc

	alerts := spec.Alerts
	if len(alerts) == 0 {
		sev := "critical"
		if inc.urgency == urgencyLow {
			sev = "warning"
		}
		alerts = []AlertSpec{{Summary: spec.Title, Severity: sev}}
	}
	for _, a := range alerts {
		w.addAlert(inc, a, at)
	}
	w.addLog(inc, &logEntry{typ: logTrigger, at: at, agent: actor{svc: svc}, channel: chEvents,
		summary: "Triggered through the API.", details: map[string]string{"description": spec.Title}})

	var assignees []*user
	for _, e := range spec.Assignees {
		assignees = append(assignees, w.dir.userByEmail(e))
	}
	if len(assignees) == 0 {
		assignees = inc.policy.levels[0]
	}
	w.assign(inc, assignees, actor{svc: svc}, chAuto, at)

	switch spec.Status {
	case statusAcknowledged:
		w.acknowledge(inc, assignees[0], chWeb, at)
	case statusResolved:
		w.resolve(inc, actor{user: assignees[0]}, chWeb, at)
	}
	return inc, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (w *world) addAlert(inc *incident, spec AlertSpec, at time.Time) *alert {
	a := &alert{
		id:        w.newID("Q", 13),
		key:       inc.key,
		summary:   spec.Summary,
		severity:  cmpOr(spec.Severity, "critical"),
		status:    statusTriggered,
		createdAt: at,
		details:   maps.Clone(spec.Details),
	}
	if inc.status == statusResolved {
		a.status, a.resolvedAt = statusResolved, at
	}
	inc.alerts = append(inc.alerts, a)
	if at.After(inc.updatedAt) {
		inc.updatedAt = at
	}
	return a
}

// assign replaces the incident's assignees and pages them.
func (w *world) assign(inc *incident, users []*user, by actor, ch channel, at time.Time) {
	inc.assignments = inc.assignments[:0:0]
	names := make([]string, 0, len(users))
	for _, u := range users {
		inc.assignments = append(inc.assignments, assignment{user: u, at: at})
		names = append(names, u.name)
	}
	w.addLog(inc, &logEntry{typ: logAssign, at: at, agent: by, channel: ch,
		summary: "Assigned to " + strings.Join(names, ", ") + ".", assignees: slices.Clone(users)})
	w.notify(inc, users, at)
}

func (w *world) notify(inc *incident, users []*user, at time.Time) {
	how, ch := "push notification", channel{"push_notification", "Push notification"}
	if inc.urgency == urgencyLow {
		how, ch = "email", channel{"email", "Email"}
	}
	for _, u := range users {
		w.addLog(inc, &logEntry{typ: logNotify, at: at, agent: actor{user: u}, channel: ch,
			summary: fmt.Sprintf("Notified %s by %s.", u.name, how), notified: u})
	}
}

func (w *world) setStatus(inc *incident, status string, by actor, at time.Time) {
	inc.status = status
	inc.lastChangeAt = at
	inc.lastChangeBy = by
}

// acknowledge acknowledges an incident; acknowledging again only records
// another acknowledger. The acknowledger becomes an assignee, as on
// PagerDuty, so the incident is theirs ("mine") from then on. A resolved
// incident is not acknowledged here: the API reopens it (see reopen).
func (w *world) acknowledge(inc *incident, u *user, ch channel, at time.Time) *apiError {
	if inc.status == statusResolved {
		return errAlreadyResolved()
	}
	inc.snoozedUntil = time.Time{}
	inc.acks = append(inc.acks, assignment{user: u, at: at})
	if !slices.ContainsFunc(inc.assignments, func(a assignment) bool { return a.user == u }) {
		// No assign log entry: nobody was paged, and PagerDuty documents none.
		inc.assignments = append(inc.assignments, assignment{user: u, at: at})
	}
	w.setStatus(inc, statusAcknowledged, actor{user: u}, at)
	w.addLog(inc, &logEntry{typ: logAcknowledge, at: at, agent: actor{user: u}, channel: ch,
		summary: "Acknowledged by " + u.name + "."})
	return nil
}

// resolve resolves an incident; resolving a resolved incident changes
// nothing. Assignments are cleared and alerts resolved, as PagerDuty does.
func (w *world) resolve(inc *incident, by actor, ch channel, at time.Time) {
	if inc.status == statusResolved {
		return
	}
	w.setStatus(inc, statusResolved, by, at)
	inc.resolvedAt = at
	inc.snoozedUntil = time.Time{}
	inc.assignments = nil
	for _, a := range inc.alerts {
		if a.status != statusResolved {
			a.status, a.resolvedAt = statusResolved, at
		}
	}
	summary := "Resolved by " + by.name() + "."
	if by.user == nil {
		summary = "Resolved through the API."
	}
	w.addLog(inc, &logEntry{typ: logResolve, at: at, agent: by, channel: ch, summary: summary})
}

// reopen sets a resolved incident back to status (acknowledged or
// triggered), as PUT /incidents does when asked to: acknowledged goes to
// by, the caller; triggered goes to the users given, else to the first
// level of pol (the incident's policy when nil), who are paged again.
func (w *world) reopen(inc *incident, status string, by *user, users []*user, pol *policy, at time.Time) {
	inc.resolvedAt = time.Time{}
	inc.acks = nil
	if pol != nil {
		inc.policy = pol
	}
	inc.level = 1
	w.setStatus(inc, statusTriggered, actor{user: by}, at)
	w.addLog(inc, &logEntry{typ: logTrigger, at: at, agent: actor{user: by}, channel: chWeb,
		summary: "Reopened by " + by.name + ".", details: map[string]string{"description": inc.title}})
	if status == statusAcknowledged {
		w.assign(inc, []*user{by}, actor{user: by}, chWeb, at)
		_ = w.acknowledge(inc, by, chWeb, at) // open now: cannot fail
		return
	}
	if len(users) == 0 {
		users = inc.policy.levels[0]
	}
	w.assign(inc, users, actor{user: by}, chWeb, at)
}

// unacknowledge sets an acknowledged incident back to triggered and pages
// its assignees again.
func (w *world) unacknowledge(inc *incident, by *user, at time.Time) {
	if inc.status != statusAcknowledged {
		return
	}
	inc.snoozedUntil = time.Time{}
	inc.acks = nil
	w.setStatus(inc, statusTriggered, actor{user: by}, at)
	w.addLog(inc, &logEntry{typ: logUnack, at: at, agent: actor{user: by}, channel: chWeb,
		summary: "Unacknowledged by " + by.name + "."})
	w.notify(inc, assignees(inc), at)
}

// escalate moves an open incident to level (1-based) of its policy,
// re-triggering it and paging that level. by.user nil means the
// acknowledgement timeout escalated it.
func (w *world) escalate(inc *incident, level int, by actor, ch channel, at time.Time) *apiError {
	if inc.status == statusResolved {
		return errAlreadyResolved()
	}
	if level < 1 || level > len(inc.policy.levels) {
		return errInvalid(fmt.Sprintf("Escalation level %d does not exist on escalation policy %s (levels 1 to %d)",
			level, inc.policy.name, len(inc.policy.levels)))
	}
	inc.level = level
	inc.snoozedUntil = time.Time{}
	w.setStatus(inc, statusTriggered, by, at)
	summary := fmt.Sprintf("Escalated to level %d by %s.", level, by.name())
	if by.user == nil {
		summary = fmt.Sprintf("Escalated to level %d: not acknowledged within %d minutes.", level, inc.policy.delayMinutes)
	}
	w.addLog(inc, &logEntry{typ: logEscalate, at: at, agent: by, channel: ch, summary: summary,
		assignees: slices.Clone(inc.policy.levels[level-1])})
	w.assign(inc, inc.policy.levels[level-1], actor{svc: inc.service}, chAuto, at) // log entry agents are users, services or integrations
	return nil
}

// reassign gives an open incident to users, re-triggering it.
func (w *world) reassign(inc *incident, users []*user, by *user, at time.Time) *apiError {
	if inc.status == statusResolved {
		return errAlreadyResolved()
	}
	inc.snoozedUntil = time.Time{}
	w.setStatus(inc, statusTriggered, actor{user: by}, at)
	w.assign(inc, users, actor{user: by}, chWeb, at)
	return nil
}

func (w *world) addNote(inc *incident, u *user, content string, ch channel, at time.Time) *note {
	n := &note{id: w.newID("P", 6), user: u, content: content, at: at}
	inc.notes = append(inc.notes, n)
	w.addLog(inc, &logEntry{typ: logAnnotate, at: at, agent: actor{user: u}, channel: channel{"note", content},
		summary: "Note added."})
	return n
}

func (w *world) addStatusUpdate(inc *incident, u *user, message, subject, html string, at time.Time) *statusUpdate {
	su := &statusUpdate{id: w.newID("P", 6), sender: u, message: message, subject: subject, htmlBody: html, at: at}
	inc.statusUpdates = append(inc.statusUpdates, su)
	if at.After(inc.updatedAt) {
		inc.updatedAt = at
	}
	return su
}

// requestResponders records a responder request and pages its users (a
// policy's first level), as PagerDuty does with high-urgency rules.
func (w *world) requestResponders(inc *incident, by *user, message string, targets []responderTarget, at time.Time) *responderRequest {
	rr := &responderRequest{requester: by, message: message, targets: targets, at: at}
	inc.responderRequests = append(inc.responderRequests, rr)
	var paged []*user
	for _, t := range targets {
		users := []*user{t.user}
		if t.policy != nil {
			users = t.policy.levels[0]
		}
		for _, u := range users {
			if !slices.Contains(paged, u) {
				paged = append(paged, u)
			}
		}
	}
	w.notify(inc, paged, at)
	return rr
}

// snooze holds an acknowledged incident until at+d, when it triggers again.
func (w *world) snooze(inc *incident, u *user, d time.Duration, at time.Time) *apiError {
	switch inc.status {
	case statusResolved:
		return errAlreadyResolved()
	case statusTriggered:
		return errNotAcknowledged()
	}
	inc.snoozedUntil = at.Add(d)
	w.addLog(inc, &logEntry{typ: logSnooze, at: at, agent: actor{user: u}, channel: chWeb,
		summary: fmt.Sprintf("Snoozed for %s by %s.", humanDuration(d), u.name)})
	return nil
}

// wake re-triggers incidents whose snooze ended at or before now, at the
// moment each ended.
func (w *world) wake(now time.Time) {
	for _, inc := range w.incidents {
		if inc.snoozedUntil.IsZero() || inc.snoozedUntil.After(now) || inc.status != statusAcknowledged {
			continue
		}
		at := inc.snoozedUntil
		inc.snoozedUntil = time.Time{}
		w.setStatus(inc, statusTriggered, actor{svc: inc.service}, at)
		w.addLog(inc, &logEntry{typ: logUnack, at: at, agent: actor{svc: inc.service}, channel: chTimeout,
			summary: "Unacknowledged: the snooze ended."})
		w.notify(inc, assignees(inc), at)
	}
}

// nextWake is the earliest snooze end, or zero.
func (w *world) nextWake() time.Time {
	var t time.Time
	for _, inc := range w.incidents {
		if !inc.snoozedUntil.IsZero() && inc.status == statusAcknowledged && (t.IsZero() || inc.snoozedUntil.Before(t)) {
			t = inc.snoozedUntil
		}
	}
	return t
}

func humanDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		if d == time.Minute {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
