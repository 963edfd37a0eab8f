package pdsim

import (
	"math/rand/v2"
	"time"
)

// This file holds the world's state: the incident and its parts, the
// world that owns them, its IDs, and the reads derived from them.

// Incident statuses and urgencies, as PagerDuty spells them.
const (
	statusTriggered    = "triggered"
	statusAcknowledged = "acknowledged"
	statusResolved     = "resolved"
	urgencyHigh        = "high"
	urgencyLow         = "low"
)

// Log entry types the simulator writes.
const (
	logTrigger     = "trigger_log_entry"
	logAcknowledge = "acknowledge_log_entry"
	logUnack       = "unacknowledge_log_entry"
	logResolve     = "resolve_log_entry"
	logAssign      = "assign_log_entry"
	logEscalate    = "escalate_log_entry"
	logNotify      = "notify_log_entry"
	logAnnotate    = "annotate_log_entry"
	logSnooze      = "snooze_log_entry"
)

// channel says how an action reached PagerDuty.
type channel struct{ typ, summary string }

var (
	chWeb     = channel{"website", "The PagerDuty website or APIs"}
	chMobile  = channel{"mobile", "The PagerDuty mobile app"}
	chAuto    = channel{"auto", "PagerDuty"}
	chTimeout = channel{"timeout", "Acknowledgement timeout"}
	chEvents  = channel{"api", "Events API v2"}
)

// actor is who did something: a user, or a service or escalation policy
// acting on its own (an integration resolving, a timeout escalating).
type actor struct {
	user   *user
	svc    *service
	policy *policy
}

func (a actor) name() string {
	switch {
	case a.user != nil:
		return a.user.name
	case a.svc != nil:
		return a.svc.name
	case a.policy != nil:
		return a.policy.name
	}
	return ""
}

type incident struct {
	id, key            string
	number             int
	title, description string
	status, urgency    string
	priority           *priority
	service            *service
	policy             *policy
	level              int // current escalation level, 1-based
	assignments        []assignment
	acks               []assignment
	createdAt          time.Time
	updatedAt          time.Time
	lastChangeAt       time.Time
	lastChangeBy       actor
	resolvedAt         time.Time
	snoozedUntil       time.Time
	alerts             []*alert
	notes              []*note
	log                []*logEntry
	statusUpdates      []*statusUpdate
	responderRequests  []*responderRequest
	bridgeURL          string    // conference_bridge.conference_url
	bridgeNumber       string    // conference_bridge.conference_number
	mergedInto         *incident // the target of the merge that resolved it (resolve_reason)
}

type statusUpdate struct {
	id                         string
	sender                     *user
	message, subject, htmlBody string
	at                         time.Time
}

// responderTarget is a user or an escalation policy asked to respond.
type responderTarget struct {
	user   *user
	policy *policy
}

// responderRequest is one request for responders; each user it reaches
// (directly or through a policy's first level) is pending.
type responderRequest struct {
	requester *user
	message   string
	targets   []responderTarget
	at        time.Time
}

type assignment struct {
	user *user
	at   time.Time
}

type alert struct {
	id, key           string
	summary, severity string
	status            string
	createdAt         time.Time
	resolvedAt        time.Time
	details           map[string]any
}

type note struct {
	id      string
	user    *user
	content string
	at      time.Time
}

type logEntry struct {
	id        string
	typ       string
	at        time.Time
	seq       int // creation order, breaks ties in time
	agent     actor
	channel   channel
	summary   string
	assignees []*user
	notified  *user
	details   map[string]string
}

// world is the account's mutable state. It is guarded by Server.mu.
type world struct {
	dir        *directory
	incidents  []*incident // by number
	byID       map[string]*incident
	byKey      map[string]*incident
	ids        map[string]bool
	rng        *rand.Rand
	nextNumber int
	seq        int
}

func newWorld(dir *directory) *world {
	return &world{
		dir:        dir,
		byID:       make(map[string]*incident),
		byKey:      make(map[string]*incident),
		ids:        make(map[string]bool),
		rng:        rand.New(rand.NewPCG(0x9d, 0x2c)), // fixed seed: ids are reproducible
		nextNumber: 1042,
	}
}

const idAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

// newID returns a fresh PagerDuty-looking id: prefix then n characters.
// The sequence is deterministic for a given order of operations.
func (w *world) newID(prefix string, n int) string {
	for {
		b := []byte(prefix)
		for range n {
			b = append(b, idAlphabet[w.rng.IntN(len(idAlphabet))])
		}
		if id := string(b); !w.ids[id] {
			w.ids[id] = true
			return id
		}
	}
}

func assignees(inc *incident) []*user {
	out := make([]*user, 0, len(inc.assignments))
	for _, a := range inc.assignments {
		out = append(out, a.user)
	}
	return out
}

// serviceStatus is the service's status as PagerDuty derives it from its
// open incidents.
func (w *world) serviceStatus(s *service) string {
	status := "active"
	for _, inc := range w.incidents {
		if inc.service != s || inc.status == statusResolved {
			continue
		}
		if inc.status == statusTriggered && inc.urgency == urgencyHigh {
			return "critical"
		}
		status = "warning"
	}
	return status
}

func (w *world) lastIncidentAt(s *service) time.Time {
	var t time.Time
	for _, inc := range w.incidents {
		if inc.service == s && inc.createdAt.After(t) {
			t = inc.createdAt
		}
	}
	return t
}
