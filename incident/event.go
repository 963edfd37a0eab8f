package incident

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Kind says what happened in a timeline event.
type Kind string

// Event kinds. The first group comes from PagerDuty log entries and alerts;
// local actions reuse them (a local acknowledge is KindAcknowledge).
const (
	KindTrigger     Kind = "trigger"
	KindAcknowledge Kind = "acknowledge"
	KindResolve     Kind = "resolve"
	KindAssign      Kind = "assign"
	KindEscalate    Kind = "escalate"
	KindNotify      Kind = "notify"
	KindSnooze      Kind = "snooze"
	KindAlert       Kind = "alert"
	KindNote        Kind = "note"
	KindOther       Kind = "other"
)

// Kinds recorded by oncall itself: the incident commander's decisions and
// the responder's work, journaled locally and mirrored to the provider as
// notes with a clear prefix.
const (
	KindStatusUpdate  Kind = "status_update"     // Fields: message
	KindReassign      Kind = "reassign"          // Fields: user_ids or policy_id
	KindRespondersReq Kind = "responder_request" // Fields: user_ids, message
	KindRole          Kind = "role"              // Fields: role, person
	KindDecision      Kind = "decision"          // Fields: what, why, who
	KindActionItem    Kind = "action_item"       // Fields: title, owner, due, type
	KindMitigated     Kind = "mitigated"
	KindStar          Kind = "star"         // Fields: event_id
	KindRunbookStep   Kind = "runbook_step" // Fields: runbook, step, command, step_key, action
	KindTask          Kind = "task"         // Fields: person, what, due (RFC 3339)
	// KindReopen reopens a resolved incident on purpose: PagerDuty reopens
	// one that is set to acknowledged, and pages again.
	KindReopen Kind = "reopen"
)

// Origin says where an event was recorded.
type Origin string

// Origins of events.
const (
	Remote Origin = "pagerduty"
	Local  Origin = "local"
)

// SyncState tracks a local action on its way to the provider.
type SyncState string

// Sync states of a local event. Remote events have none.
const (
	Queued SyncState = "queued" // journaled, not yet confirmed by the provider
	Sent   SyncState = "sent"   // the provider confirmed it
	Failed SyncState = "failed" // the provider refused it; Error says why
	// LocalOnly events are journaled but never sent (a star on an event).
	LocalOnly SyncState = "local"
)

// Event is one line of an incident's timeline.
type Event struct {
	ID         string    `json:"id"` // provider id, or the local id for local events
	IncidentID string    `json:"incident_id"`
	Kind       Kind      `json:"kind"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor,omitempty"`
	Summary    string    `json:"summary"`
	Origin     Origin    `json:"origin"`
	State      SyncState `json:"state,omitempty"`
	Error      string    `json:"error,omitempty"`
	// LocalID, on a remote note, is the local id found in its tag, so the
	// timeline can show the note once.
	LocalID string `json:"local_id,omitempty"`
	// Fields carries a kind's structured details (see the kind constants).
	Fields map[string]string `json:"fields,omitempty"`
}

// Timeline is an incident's events, oldest first.
type Timeline []Event

// Merge combines provider events with local ones, oldest first. A local
// event that the provider already shows appears once, as the provider's
// copy, since that is the shared record: a note whose tag carries the local
// id, or a sent acknowledge or resolve matched by the provider's log entry
// of the same kind within absorbWindow (clocks differ a little). The
// exception is a structured local event (a decision, say) mirrored as a
// note: the local event is kept and the provider's plain copy dropped.
// Events at the same second are told in causal order (an alert, then the
// trigger, then who was paged), provider before local, and otherwise keep
// the order they came in.
func Merge(remote, local []Event) Timeline {
	localKind := make(map[string]Kind, len(local))
	for _, e := range local {
		localKind[e.ID] = e.Kind
	}
	landed := make(map[string]bool)
	out := make(Timeline, 0, len(remote)+len(local))
	for _, e := range remote {
		if e.LocalID != "" {
			if k, ok := localKind[e.LocalID]; ok && k != KindNote {
				// A decision, role or action item mirrored as a note: the
				// local event carries its structure, so it stands for both.
				continue
			}
			landed[e.LocalID] = true
		}
		out = append(out, e)
	}
	for _, e := range local {
		if !landed[e.ID] && !absorbed(e, remote) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := cmp.Compare(rank(a.Kind), rank(b.Kind)); c != 0 {
			return c
		}
		if a.Origin != b.Origin {
			if a.Origin == Remote {
				return -1
			}
			return 1
		}
		return 0
	})
	return out
}

// kindRank orders events that share a timestamp.
var kindRank = map[Kind]int{
	KindAlert: 1, KindTrigger: 2, KindAssign: 3, KindNotify: 4, KindEscalate: 5,
	KindAcknowledge: 6, KindNote: 7, KindSnooze: 8, KindResolve: 9, KindOther: 10,
}

// rank is kindRank with unknown kinds last.
func rank(k Kind) int {
	if r, ok := kindRank[k]; ok {
		return r
	}
	return len(kindRank) + 1
}

// absorbWindow is how far apart a local status change and the provider's
// record of it may be and still count as one event.
const absorbWindow = 5 * time.Minute

// absorbed reports whether a sent local status change is already on the
// provider's log.
func absorbed(e Event, remote []Event) bool {
	if e.State != Sent || (e.Kind != KindAcknowledge && e.Kind != KindResolve) {
		return false
	}
	for _, r := range remote {
		if r.Kind == e.Kind && r.At.Sub(e.At).Abs() <= absorbWindow {
			return true
		}
	}
	return false
}

// noteTag is appended to notes sent to the provider. It is plain text so it
// survives any provider-side formatting.
var noteTag = regexp.MustCompile(`\s*\[oncall:([0-9A-Za-z_-]{1,64})\]\s*$`)

// NoteTag returns text with localID appended as a trailing tag; with no
// local id there is nothing to tag.
func NoteTag(text, localID string) string {
	if localID == "" {
		return text
	}
	return fmt.Sprintf("%s [oncall:%s]", text, localID)
}

// SplitNoteTag separates a note's text from its trailing tag, if any.
func SplitNoteTag(content string) (text, localID string) {
	m := noteTag.FindStringSubmatchIndex(content)
	if m == nil {
		return content, ""
	}
	return content[:m[0]], content[m[2]:m[3]]
}
