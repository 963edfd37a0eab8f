package pdsim

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	domain "github.com/oncallkit/oncall/incident"
)

// This file holds the writes to existing incidents: PUT /incidents and
// PUT /incidents/{id} (status, assignment, escalation, priority), notes,
// snooze, status updates and responder requests.

// incidentUpdate is one element of PUT /incidents, or the body of
// PUT /incidents/{id}.
type incidentUpdate struct {
	ID          string     `json:"id"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	Title       string     `json:"title"`
	Urgency     string     `json:"urgency"`
	Resolution  string     `json:"resolution"`
	Priority    *idRef     `json:"priority"`
	Assignments []struct { //
		Assignee idRef `json:"assignee"`
	} `json:"assignments"`
	EscalationLevel  int    `json:"escalation_level"`
	EscalationPolicy *idRef `json:"escalation_policy"`
}

type idRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// checkUpdate validates u against inc without changing anything, so that a
// bulk update is all or nothing.
func (s *Server) checkUpdate(inc *incident, u incidentUpdate) *apiError {
	if u.Type != "" && u.Type != "incident" && u.Type != "incident_reference" {
		return errInvalid(fmt.Sprintf("Type %q must be incident or incident_reference", u.Type))
	}
	reopen := false
	switch u.Status {
	case "":
	case statusResolved:
		if inc.status == statusResolved {
			return errAlreadyResolved()
		}
	case statusAcknowledged, statusTriggered:
		reopen = inc.status == statusResolved
	default:
		return errInvalid(fmt.Sprintf("Status %q must be acknowledged, triggered or resolved", u.Status))
	}
	if u.Urgency != "" && u.Urgency != urgencyHigh && u.Urgency != urgencyLow {
		return errInvalid("Urgency must be high or low")
	}
	if u.Priority != nil && u.Priority.ID != "" && s.world.dir.priorityByRef(u.Priority.ID) == nil {
		return errInvalid("Priority Not Found")
	}
	reroute := len(u.Assignments) > 0 || u.EscalationLevel != 0 || u.EscalationPolicy != nil
	// Reopening to triggered may name its assignees or policy; anything
	// else that moves a resolved incident is refused.
	if reroute && inc.status == statusResolved && !(reopen && u.Status == statusTriggered && u.EscalationLevel == 0) {
		return errAlreadyResolved()
	}
	if len(u.Assignments) > 0 && (u.EscalationLevel != 0 || u.EscalationPolicy != nil) {
		return errInvalid("Assignments cannot be combined with an escalation level or policy")
	}
	for _, a := range u.Assignments {
		if s.world.dir.userByID(a.Assignee.ID) == nil {
			return errInvalid(fmt.Sprintf("Assignee %q Not Found", a.Assignee.ID))
		}
	}
	pol := inc.policy
	if u.EscalationPolicy != nil {
		pol = nil
		for _, p := range s.world.dir.policies {
			if p.id == u.EscalationPolicy.ID {
				pol = p
			}
		}
		if pol == nil {
			return errInvalid("Escalation Policy Not Found")
		}
	}
	if u.EscalationLevel < 0 || u.EscalationLevel > len(pol.levels) {
		return errInvalid(fmt.Sprintf("Escalation level %d does not exist on escalation policy %s (levels 1 to %d)",
			u.EscalationLevel, pol.name, len(pol.levels)))
	}
	return nil
}

// applyUpdate applies a checked update on behalf of by.
func (s *Server) applyUpdate(inc *incident, u incidentUpdate, by *user, at time.Time) {
	w := s.world
	if inc.status == statusResolved && (u.Status == statusAcknowledged || u.Status == statusTriggered) {
		// PagerDuty's reference, PUT /incidents: setting a resolved incident
		// to triggered or acknowledged reopens it; acknowledged assigns it to
		// the current user, triggered to the assignees or policy given.
		var users []*user
		for _, a := range u.Assignments {
			users = append(users, w.dir.userByID(a.Assignee.ID))
		}
		var pol *policy
		if u.EscalationPolicy != nil {
			pol = w.dir.policyByID(u.EscalationPolicy.ID)
		}
		w.reopen(inc, u.Status, by, users, pol, at)
		s.reopens = append(s.reopens, Reopen{IncidentID: inc.id, Status: u.Status, ByEmail: by.email, At: at})
		u.Status, u.Assignments, u.EscalationPolicy = "", nil, nil
	}
	if u.Title != "" {
		inc.title = u.Title
	}
	if u.Urgency != "" {
		inc.urgency = u.Urgency
	}
	if u.Priority != nil {
		inc.priority = w.dir.priorityByRef(u.Priority.ID) // an empty id clears it
	}
	if u.EscalationPolicy != nil {
		for _, p := range w.dir.policies {
			if p.id == u.EscalationPolicy.ID && p != inc.policy {
				inc.policy = p
				if u.EscalationLevel == 0 {
					u.EscalationLevel = 1
				}
			}
		}
	}
	if len(u.Assignments) > 0 {
		users := make([]*user, 0, len(u.Assignments))
		for _, a := range u.Assignments {
			users = append(users, w.dir.userByID(a.Assignee.ID))
		}
		w.reassign(inc, users, by, at)
	}
	if u.EscalationLevel != 0 {
		w.escalate(inc, u.EscalationLevel, actor{user: by}, chWeb, at)
	}
	switch u.Status {
	case statusAcknowledged:
		w.acknowledge(inc, by, chWeb, at)
	case statusTriggered:
		w.unacknowledge(inc, by, at)
	case statusResolved:
		if inc.status != statusResolved && strings.TrimSpace(u.Resolution) != "" {
			w.addNote(inc, by, u.Resolution, chWeb, at)
		}
		w.resolve(inc, actor{user: by}, chWeb, at)
	}
	if at.After(inc.updatedAt) {
		inc.updatedAt = at
	}
}

// maxManage is how many incidents one PUT /incidents may update; more is
// a 413, as the reference says.
const maxManage = 250

// PUT /incidents
func (s *Server) manageIncidents(c *call) (int, any, *apiError) {
	var body struct {
		Incidents []incidentUpdate `json:"incidents"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if len(body.Incidents) == 0 {
		return 0, nil, errInvalid("Incidents must not be empty")
	}
	if len(body.Incidents) > maxManage {
		return 0, nil, errTooMany(len(body.Incidents))
	}
	p, err := parsePage(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	incs := make([]*incident, len(body.Incidents))
	for i, u := range body.Incidents {
		if incs[i] = s.world.byID[u.ID]; incs[i] == nil {
			return 0, nil, errNotFound(fmt.Sprintf("Incident %q Not Found", u.ID))
		}
		if err := s.checkUpdate(incs[i], u); err != nil {
			return 0, nil, err
		}
	}
	for i, u := range body.Incidents {
		s.applyUpdate(incs[i], u, c.from, c.now)
	}
	// Every incident updated comes back, however small the limit.
	return listed("incidents", page{limit: max(p.limit, len(incs)), total: p.total}, incs, toWireIncident)
}

// PUT /incidents/{id}
func (s *Server) updateIncident(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Incident *incidentUpdate `json:"incident"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Incident == nil {
		return 0, nil, errInvalid("Incident is required")
	}
	if err := s.checkUpdate(inc, *body.Incident); err != nil {
		return 0, nil, err
	}
	s.applyUpdate(inc, *body.Incident, c.from, c.now)
	return http.StatusOK, map[string]any{"incident": toWireIncident(inc)}, nil
}

// maxNoteLen bounds a note's content. PagerDuty's reference documents no
// limit; the simulator enforces the one oncall's vocabulary defines
// (incident.NoteLimit, with its rationale there), so a client that checks
// it is proved against a server that refuses past it (docs/pdsim.md).
const maxNoteLen = domain.NoteLimit

// maxNotes is how many notes an incident may have: "A maximum of 2000
// notes can be added to an incident" (POST /incidents/{id}/notes).
const maxNotes = 2000

// POST /incidents/{id}/notes
func (s *Server) createNote(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Note *struct {
			Content string `json:"content"`
		} `json:"note"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	switch {
	case body.Note == nil:
		return 0, nil, errInvalid("Note is required")
	case strings.TrimSpace(body.Note.Content) == "":
		return 0, nil, errInvalid("Content cannot be empty")
	case len([]rune(body.Note.Content)) > maxNoteLen:
		return 0, nil, errInvalid(fmt.Sprintf("Content is too long (maximum is %d characters)", maxNoteLen))
	case len(inc.notes) >= maxNotes:
		return 0, nil, errInvalid(fmt.Sprintf("An incident can have at most %d notes", maxNotes))
	}
	n := s.world.addNote(inc, c.from, body.Note.Content, chWeb, c.now)
	return http.StatusOK, map[string]any{"note": toWireNote(n, s.zone)}, nil
}

// maxSnooze is the longest snooze PagerDuty accepts: a week, in seconds.
const maxSnooze = 7 * 24 * 60 * 60

// POST /incidents/{id}/snooze
func (s *Server) snoozeIncident(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Duration *int64 `json:"duration"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Duration == nil || *body.Duration < 1 || *body.Duration > maxSnooze {
		return 0, nil, errInvalid(fmt.Sprintf("Duration must be between 1 and %d seconds", maxSnooze))
	}
	if err := s.world.snooze(inc, c.from, time.Duration(*body.Duration)*time.Second, c.now); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"incident": toWireIncident(inc)}, nil
}

// maxStatusUpdateLen bounds a status update's message, as a note's is.
const maxStatusUpdateLen = maxNoteLen

// POST /incidents/{id}/status_updates
func (s *Server) createStatusUpdate(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Message     *string `json:"message"`
		Subject     string  `json:"subject"`
		HTMLMessage string  `json:"html_message"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	switch {
	case body.Message == nil || strings.TrimSpace(*body.Message) == "":
		return 0, nil, errInvalid("Message cannot be empty")
	case len([]rune(*body.Message)) > maxStatusUpdateLen:
		return 0, nil, errInvalid(fmt.Sprintf("Message is too long (maximum is %d characters)", maxStatusUpdateLen))
	case (body.Subject == "") != (body.HTMLMessage == ""):
		return 0, nil, errInvalid("Subject and html_message must be given together")
	}
	u := s.world.addStatusUpdate(inc, c.from, *body.Message, body.Subject, body.HTMLMessage, c.now)
	return http.StatusOK, map[string]any{"status_update": toWireStatusUpdate(u)}, nil
}

// POST /incidents/{id}/responder_requests. PagerDuty's reference names no
// From header here: the requester is requester_id.
func (s *Server) createResponderRequest(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		RequesterID *string `json:"requester_id"`
		Message     *string `json:"message"`
		Targets     []struct {
			Target *idRef `json:"responder_request_target"`
		} `json:"responder_request_targets"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.RequesterID == nil || *body.RequesterID == "" {
		return 0, nil, errInvalid("Requester ID is required")
	}
	requester := s.world.dir.userByID(*body.RequesterID)
	if requester == nil {
		return 0, nil, errInvalid("Requester User Not Found")
	}
	if body.Message == nil || strings.TrimSpace(*body.Message) == "" {
		return 0, nil, errInvalid("Message cannot be empty")
	}
	if len(body.Targets) == 0 {
		return 0, nil, errInvalid("Responder request targets must not be empty")
	}
	if inc.status == statusResolved {
		return 0, nil, errAlreadyResolved()
	}
	var targets []responderTarget
	for _, t := range body.Targets {
		if t.Target == nil {
			return 0, nil, errInvalid("Each target must be a responder_request_target")
		}
		switch t.Target.Type {
		case "user", "user_reference":
			u := s.world.dir.userByID(t.Target.ID)
			if u == nil {
				return 0, nil, errInvalid(fmt.Sprintf("User %q Not Found", t.Target.ID))
			}
			targets = append(targets, responderTarget{user: u})
		case "escalation_policy", "escalation_policy_reference":
			p := s.world.dir.policyByID(t.Target.ID)
			if p == nil {
				return 0, nil, errInvalid(fmt.Sprintf("Escalation Policy %q Not Found", t.Target.ID))
			}
			targets = append(targets, responderTarget{policy: p})
		default:
			return 0, nil, errInvalid(fmt.Sprintf("Target type %q must be user_reference or escalation_policy_reference", t.Target.Type))
		}
	}
	rr := s.world.requestResponders(inc, requester, *body.Message, targets, c.now)
	return http.StatusOK, map[string]any{"responder_request": toWireResponderRequest(inc, rr)}, nil
}
