package pdsim

import (
	"fmt"
	"strings"
	"time"
)

// Test and operations hooks. Each one first brings the scenario up to the
// server's Now, so what it reports is what the next request would see.

// Note is a note as the server holds it.
type Note struct {
	ID        string
	Content   string
	UserEmail string
	UserName  string
	CreatedAt time.Time
}

// LogEntry is a log entry as the server holds it.
type LogEntry struct {
	ID        string
	Type      string // e.g. "acknowledge_log_entry"
	Summary   string
	Agent     string // the agent's name (a user, service or escalation policy); "" for none
	CreatedAt time.Time
}

// IncidentSnapshot is an incident's state as the server holds it.
type IncidentSnapshot struct {
	ID                 string
	Number             int
	Key                string // incident_key
	Title              string
	Status             string // triggered, acknowledged or resolved
	Urgency            string // high or low
	Priority           string // "P1".."P5", or "" for none
	ServiceID          string
	Service            string // the service's name
	EscalationPolicyID string
	EscalationPolicy   string // the policy's name
	EscalationLevel    int
	Assignees          []string // emails, in assignment order
	Acknowledgers      []string // emails, oldest first, while acknowledged
	URL                string   // html_url
	CreatedAt          time.Time
	LastStatusChangeAt time.Time
	ResolvedAt         time.Time // zero unless resolved
	SnoozedUntil       time.Time // zero unless snoozed
	Alerts             int
	Notes              int
	LogEntries         int
}

// sync brings the scenario up to Now; the caller holds s.mu.
func (s *Server) sync() time.Time {
	now := s.clock()
	s.advance(now)
	return now
}

func snapshot(inc *incident) IncidentSnapshot {
	out := IncidentSnapshot{
		ID: inc.id, Number: inc.number, Key: inc.key, Title: inc.title,
		Status: inc.status, Urgency: inc.urgency,
		ServiceID: inc.service.id, Service: inc.service.name,
		EscalationPolicyID: inc.policy.id, EscalationPolicy: inc.policy.name, EscalationLevel: inc.level,
		URL:       htmlBase + "/incidents/" + inc.id,
		CreatedAt: inc.createdAt, LastStatusChangeAt: inc.lastChangeAt,
		ResolvedAt: inc.resolvedAt, SnoozedUntil: inc.snoozedUntil,
		Alerts: len(inc.alerts), Notes: len(inc.notes), LogEntries: len(inc.log),
	}
	if inc.priority != nil {
		out.Priority = inc.priority.name
	}
	for _, a := range inc.assignments {
		out.Assignees = append(out.Assignees, a.user.email)
	}
	if inc.status == statusAcknowledged {
		for _, a := range inc.acks {
			out.Acknowledgers = append(out.Acknowledgers, a.user.email)
		}
	}
	return out
}

// Incident returns the incident with id.
func (s *Server) Incident(id string) (IncidentSnapshot, bool) {
	return inspect(s, id, snapshot)
}

// inspect reads the incident with id, brought up to now, through view
// while s.mu is held, so that every accessor below sees the scenario as a
// request at this moment would; ok is false for an unknown incident, and
// the result is then view's zero value.
func inspect[T any](s *Server, id string, view func(*incident) T) (_ T, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	inc := s.world.byID[id]
	if inc == nil {
		var zero T
		return zero, false
	}
	return view(inc), true
}

// IncidentByKey returns the incident with an incident_key, such as one of
// the Demo* keys.
func (s *Server) IncidentByKey(key string) (IncidentSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	inc := s.world.byKey[key]
	if inc == nil {
		return IncidentSnapshot{}, false
	}
	return snapshot(inc), true
}

// Incidents returns every incident, by incident number.
func (s *Server) Incidents() []IncidentSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	return mapSlice(s.world.incidents, snapshot)
}

// Notes returns the notes of the incident with id, oldest first; nil for
// an unknown incident.
func (s *Server) Notes(incidentID string) []Note {
	out, _ := inspect(s, incidentID, func(inc *incident) []Note {
		return mapSlice(inc.notes, func(n *note) Note {
			return Note{ID: n.id, Content: n.content, UserEmail: n.user.email, UserName: n.user.name, CreatedAt: n.at}
		})
	})
	return out
}

// LogEntries returns the log of the incident with id, oldest first (the
// API serves it newest first); nil for an unknown incident.
func (s *Server) LogEntries(incidentID string) []LogEntry {
	out, _ := inspect(s, incidentID, func(inc *incident) []LogEntry {
		return mapSlice(inc.log, func(e *logEntry) LogEntry {
			return LogEntry{ID: e.id, Type: e.typ, Summary: e.summary, Agent: e.agent.name(), CreatedAt: e.at}
		})
	})
	return out
}

// AddIncident triggers an incident now (or at spec.CreatedAt), outside the
// scenario, and returns it. With spec.Status it is then acknowledged or
// resolved by its first assignee at the same time. Tests use it to build
// large accounts (thousands of incidents for pagination). It fails for an
// unknown service, priority or assignee, or a duplicate Key.
func (s *Server) AddIncident(spec IncidentSpec) (IncidentSnapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.sync()
	if !spec.CreatedAt.IsZero() {
		at = spec.CreatedAt.UTC().Truncate(time.Second)
	}
	inc, err := s.world.trigger(spec, at)
	if err != nil {
		return IncidentSnapshot{}, err
	}
	return snapshot(inc), nil
}

// StatusUpdate is a status update as the server holds it.
type StatusUpdate struct {
	ID          string
	Message     string
	SenderEmail string
	CreatedAt   time.Time
}

// StatusUpdates returns the status updates posted to the incident with
// id, oldest first; nil for an unknown incident.
func (s *Server) StatusUpdates(incidentID string) []StatusUpdate {
	out, _ := inspect(s, incidentID, func(inc *incident) []StatusUpdate {
		return mapSlice(inc.statusUpdates, func(u *statusUpdate) StatusUpdate {
			return StatusUpdate{ID: u.id, Message: u.message, SenderEmail: u.sender.email, CreatedAt: u.at}
		})
	})
	return out
}

// ResponderRequest is a request for responders as the server holds it.
type ResponderRequest struct {
	RequesterEmail string
	Message        string
	UserIDs        []string // users asked directly
	PolicyIDs      []string // escalation policies asked
	CreatedAt      time.Time
}

// ResponderRequests returns the responder requests made on the incident
// with id, oldest first; nil for an unknown incident.
func (s *Server) ResponderRequests(incidentID string) []ResponderRequest {
	out, _ := inspect(s, incidentID, func(inc *incident) []ResponderRequest {
		return mapSlice(inc.responderRequests, func(rr *responderRequest) ResponderRequest {
			out := ResponderRequest{RequesterEmail: rr.requester.email, Message: rr.message, CreatedAt: rr.at}
			for _, t := range rr.targets {
				if t.user != nil {
					out.UserIDs = append(out.UserIDs, t.user.id)
				} else {
					out.PolicyIDs = append(out.PolicyIDs, t.policy.id)
				}
			}
			return out
		})
	})
	return out
}

// Reopen records PUT /incidents (or PUT /incidents/{id}) setting a
// resolved incident back to acknowledged or triggered.
type Reopen struct {
	IncidentID string
	Status     string // acknowledged or triggered
	ByEmail    string // the user who reopened it
	At         time.Time
}

// Reopens returns every reopen the API has performed, oldest first, so a
// test can prove that a client did not reopen an incident by accident.
func (s *Server) Reopens() []Reopen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reopen(nil), s.reopens...)
}

// UserToken is the API token of the simulated user with email: "demo-"
// and the user's first name in lower case (demo-alex, demo-priya), or ""
// for an email the account does not have. DemoToken is Alex's as well.
func UserToken(email string) string {
	for _, u := range newDirectory(time.Time{}).users {
		if strings.EqualFold(u.email, email) {
			return tokenOf(u)
		}
	}
	return ""
}

func tokenOf(u *user) string {
	first, _, _ := strings.Cut(u.name, " ")
	return "demo-" + strings.ToLower(first)
}

// AddNoteAs adds a note to the incident with id, written by the user with
// email, now, outside the API and its limits (tests fill an incident up to
// PagerDuty's note cap with it).
func (s *Server) AddNoteAs(incidentID, email, content string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.sync()
	inc := s.world.byID[incidentID]
	if inc == nil {
		return fmt.Errorf("no incident %q", incidentID)
	}
	u := s.world.dir.userByEmail(email)
	if u == nil {
		return fmt.Errorf("no user %q", email)
	}
	s.world.addNote(inc, u, content, chWeb, at)
	return nil
}
