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
package incident

import (
	"context"
	"errors"
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
	CreatedAt        time.Time   `json:"created_at"`
	ResolvedAt       time.Time   `json:"resolved_at,omitzero"`
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
}

// Errors callers branch on. Adapters wrap their provider's errors so that
// errors.Is finds one of these.
var (
	ErrNotFound     = errors.New("not found")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrRateLimited  = errors.New("rate limited")
	ErrUnreachable  = errors.New("unreachable")
)

// Source is what the program needs from an incident provider. Every method
// does network I/O and must be called off the UI goroutine.
type Source interface {
	// Active lists triggered and acknowledged incidents.
	Active(ctx context.Context) ([]Incident, error)
	// Get fetches one incident by id.
	Get(ctx context.Context, id string) (Incident, error)
	// Events returns the provider's side of an incident's timeline: log
	// entries, alerts and notes, in any order.
	Events(ctx context.Context, id string) ([]Event, error)
	// Alerts lists the alerts grouped into an incident.
	Alerts(ctx context.Context, id string) ([]Alert, error)
	// Acknowledge and Resolve change an incident's status.
	Acknowledge(ctx context.Context, id string) error
	Resolve(ctx context.Context, id string) error
	// AddNote adds a note; localID is embedded so that a retry can tell
	// whether the note already landed (see NoteTag).
	AddNote(ctx context.Context, id, localID, text string) error
}
