// Package incident is the domain of oncall: incidents, their alerts, the
// events that make up their timeline, and the Source interface through which
// the rest of the program reads and changes them.
//
// Invariants:
//   - No UI and no storage code lives here; adapters (incident/pagerduty)
//     translate a provider's wire format into these types.
//   - Every string that came from outside (titles, notes, alert summaries)
//     is untrusted: display code passes it through Clean first.
//   - Times are kept as time.Time in UTC; presentation picks the zone.
//   - Event kinds, their field keys, the roles and the limits are one
//     vocabulary (vocab.go): structured events are built by its
//     constructors and worded by Summary, wherever they are recorded.
//   - A structured event travels between responders as a PagerDuty note
//     whose trailer carries it typed (trailer.go); a trailer that fails any
//     check leaves a plain note, and Merge shows each event once.
package incident

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Status is where an incident stands in PagerDuty's lifecycle.
type Status string

// The statuses PagerDuty knows.
const (
	Triggered    Status = "triggered"
	Acknowledged Status = "acknowledged"
	Resolved     Status = "resolved"
)

// Urgency is PagerDuty's two-level urgency.
type Urgency string

// The urgencies PagerDuty knows.
const (
	High Urgency = "high"
	Low  Urgency = "low"
)

// Ref names another object (a service, a user, an escalation policy) by id
// and display name.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Responder is a person working an incident.
type Responder struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// Incident is one incident as last seen from the source.
type Incident struct {
	ID               string      `json:"id"`
	Number           int         `json:"number"`
	Title            string      `json:"title"`
	Status           Status      `json:"status"`
	Urgency          Urgency     `json:"urgency"`
	Priority         string      `json:"priority,omitempty"` // e.g. "P1"; empty when unset
	Service          Ref         `json:"service"`
	EscalationPolicy Ref         `json:"escalation_policy"`
	EscalationLevel  int         `json:"escalation_level,omitempty"`
	Assignees        []Responder `json:"assignees,omitempty"`
	URL              string      `json:"url,omitempty"`
	// Bridge is the conference bridge: a URL or a phone number.
	Bridge     string    `json:"bridge,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// ResolvedBy names who or what resolved the incident (a user, or a
	// service that resolved it on its own), as the provider says; empty
	// when it is not resolved or the provider does not say.
	ResolvedBy string `json:"resolved_by,omitempty"`
	// AlertCount is how many alerts the provider has grouped into the
	// incident. A poller compares it with the alerts it holds to learn,
	// from the list it reads anyway, when Alerts is worth calling again.
	AlertCount int `json:"alert_count,omitempty"`
	// Key is PagerDuty's incident_key, the de-duplication key of the
	// monitoring events that opened it: the same key again after the
	// incident resolved opens a new incident, so a shared key names a
	// repeat across titles and services.
	Key string `json:"key,omitempty"`
}

// Active reports whether the incident still needs a responder.
func (i Incident) Active() bool { return i.Status == Triggered || i.Status == Acknowledged }

// Alert is one alert grouped into an incident.
type Alert struct {
	ID        string         `json:"id"`
	Summary   string         `json:"summary"`
	Status    string         `json:"status"`
	Severity  string         `json:"severity,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	Details   map[string]any `json:"details,omitempty"`
	// Key is the alert's alert_key, its de-duplication key.
	Key string `json:"key,omitempty"`
}

// Errors callers branch on. Adapters wrap their provider's errors so that
// errors.Is finds one of these.
var (
	ErrNotFound     = errors.New("not found")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrRateLimited  = errors.New("rate limited")
	ErrUnreachable  = errors.New("unreachable")
	// ErrTruncated: a list stopped short (PagerDuty pages no further than
	// 10,000 items); what came back is still valid.
	ErrTruncated = errors.New("list truncated")
	// ErrAlreadyResolved: a change that needs an open incident (resolve,
	// reassign, escalate, snooze) met one already resolved; nothing was
	// changed, and a queued action that meets it is moot.
	ErrAlreadyResolved = errors.New("incident already resolved")
)

// Filter narrows an incident list. The zero Filter lists what needs a
// responder: triggered and acknowledged incidents on every service.
type Filter struct {
	Statuses   []Status  `json:"statuses,omitempty"` // empty: triggered and acknowledged
	Urgencies  []Urgency `json:"urgencies,omitempty"`
	ServiceIDs []string  `json:"service_ids,omitempty"`
	TeamIDs    []string  `json:"team_ids,omitempty"`
	UserIDs    []string  `json:"user_ids,omitempty"` // assigned to any of these users
	// AssignedToMe adds the token's own user to UserIDs; MyTeams adds that
	// user's teams to TeamIDs. Both need a user token.
	AssignedToMe bool `json:"assigned_to_me,omitempty"`
	MyTeams      bool `json:"my_teams,omitempty"`
	// Since and Until bound when incidents were created; zero is open.
	// They are how a list past PagerDuty's 10,000-result cap is narrowed.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// IncidentKey, when set, keeps the incidents with this de-duplication
	// key (PagerDuty's incident_key, which also finds incidents whose
	// alerts carry it as alert_key).
	IncidentKey string `json:"incident_key,omitempty"`
}

// Validate reports a status or urgency the provider would not know, so a
// typo on the command line fails before any request.
func (f Filter) Validate() error {
	for _, s := range f.Statuses {
		if s != Triggered && s != Acknowledged && s != Resolved {
			return fmt.Errorf("status %q: use triggered, acknowledged or resolved", s)
		}
	}
	for _, u := range f.Urgencies {
		if u != High && u != Low {
			return fmt.Errorf("urgency %q: use high or low", u)
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return fmt.Errorf("until (%s) must be after since (%s)", f.Until.Format(time.RFC3339), f.Since.Format(time.RFC3339))
	}
	return nil
}

// Reassignment says where to send an incident: to users, or to an
// escalation policy (which pages its first level), never both.
type Reassignment struct {
	UserIDs            []string `json:"user_ids,omitempty"`
	EscalationPolicyID string   `json:"escalation_policy_id,omitempty"`
}

// ResponderRequest asks more people to join an incident: users and
// escalation policies, with a message they receive.
type ResponderRequest struct {
	UserIDs             []string `json:"user_ids,omitempty"`
	EscalationPolicyIDs []string `json:"escalation_policy_ids,omitempty"`
	Message             string   `json:"message"`
}

// EscalationPolicy is a policy as a picker shows it.
type EscalationPolicy struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Levels int    `json:"levels"` // escalation levels 1..Levels exist
}

// Source is what the program needs from an incident provider. Every method
// does network I/O and must be called off the UI goroutine.
type Source interface {
	// Active lists triggered and acknowledged incidents: List with the zero
	// Filter.
	Active(ctx context.Context) ([]Incident, error)
	// List lists the incidents a filter selects.
	List(ctx context.Context, f Filter) ([]Incident, error)
	// Get fetches one incident by id.
	Get(ctx context.Context, id string) (Incident, error)
	// Events returns the provider's side of an incident's timeline: log
	// entries, alerts and notes, in any order.
	Events(ctx context.Context, id string) ([]Event, error)
	// EventsSince returns the events at or after since, for polling an
	// open incident: events exactly at since may come again, so callers
	// keep events by ID. A zero since is Events. It costs one small
	// request when nothing but the log has changed.
	EventsSince(ctx context.Context, id string, since time.Time) ([]Event, error)
	// Alerts lists the alerts grouped into an incident.
	Alerts(ctx context.Context, id string) ([]Alert, error)
	// Acknowledge and Resolve change an incident's status.
	Acknowledge(ctx context.Context, id string) error
	Resolve(ctx context.Context, id string) error
	// AddNote adds a note; localID is embedded so that a retry can tell
	// whether the note already landed (see NoteTag).
	AddNote(ctx context.Context, id, localID, text string) error
	// Reassign gives the incident to users or an escalation policy.
	Reassign(ctx context.Context, id string, to Reassignment) error
	// Escalate moves the incident to level (1-based) of its policy.
	Escalate(ctx context.Context, id string, level int) error
	// Snooze holds an acknowledged incident for d, then it triggers again.
	Snooze(ctx context.Context, id string, d time.Duration) error
	// RequestResponders asks users or policies to join the incident.
	RequestResponders(ctx context.Context, id string, r ResponderRequest) error
	// PostStatusUpdate sends a status update to the incident's subscribers.
	PostStatusUpdate(ctx context.Context, id, message string) error
	// Users and EscalationPolicies list the account's, for pickers.
	Users(ctx context.Context) ([]Responder, error)
	EscalationPolicies(ctx context.Context) ([]EscalationPolicy, error)
	// EscalationLevels lists a policy's levels with whom each notifies,
	// so that escalating offers the levels that exist.
	EscalationLevels(ctx context.Context, policyID string) ([]EscalationLevel, error)
}
