package incident

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"sync"
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
// the responder's work, journaled locally. The kinds in MirroredKinds reach
// the provider as notes that carry them typed (see Mirror); the others are
// sent as the provider's own actions. Field keys are in vocab.go.
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
	// LocalOnly events are journaled but never sent (a copied runbook
	// command: a mark a responder keeps for themself).
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
	// LocalID, on a provider event read from a note, is the local id its
	// trailer or tag carries, so the timeline shows the event once.
	LocalID string `json:"local_id,omitempty"`
	// Fields carries a kind's structured details (see the kind constants).
	Fields map[string]string `json:"fields,omitempty"`
}

// Timeline is an incident's events, oldest first.
type Timeline []Event

// Merge combines provider events with local ones, oldest first. Every
// event a responder recorded shows once, found by its local id:
//
//   - A provider note read back as a typed event (see ParseNote) stands for
//     the local event of that id. It is the team's shared record, with
//     PagerDuty's time and author, which every responder sees alike; the
//     local copy only adds its sync state, and the provider's copy proves
//     it was sent.
//   - A note from an older version, which carried the local id but not the
//     structure, is dropped for a structured local event (a decision, say):
//     the local event keeps what the plain copy lost.
//   - Several provider copies of one local id (one sent twice) show once:
//     a typed copy before a plain one, then the earliest.
//
// A sent acknowledge or resolve is absorbed by the provider's log entry of
// the same kind within absorbWindow (clocks differ a little). Events at the
// same second are told in causal order (an alert, then the trigger, then
// who was paged), provider before local, and otherwise keep the order they
// came in.
func Merge(remote, local []Event) Timeline {
	localKind := make(map[string]Kind, len(local))
	for _, e := range local {
		localKind[e.ID] = e.Kind
	}
	// stands maps a local id to the index of the provider copy shown for it.
	stands := make(map[string]int)
	for i, e := range remote {
		if e.LocalID == "" {
			continue
		}
		j, seen := stands[e.LocalID]
		if !seen || better(e, remote[j]) {
			stands[e.LocalID] = i
		}
	}
	landed := make(map[string]bool)
	out := make(Timeline, 0, len(remote)+len(local))
	for i, e := range remote {
		if e.LocalID != "" {
			if stands[e.LocalID] != i {
				continue
			}
			if k, ok := localKind[e.LocalID]; ok && k != KindNote && e.Kind == KindNote {
				continue // the older plain copy of a structured local event
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

// better reports whether provider copy a of a local event should be shown
// rather than copy b: typed before plain, then earlier.
func better(a, b Event) bool {
	if (a.Kind == KindNote) != (b.Kind == KindNote) {
		return b.Kind == KindNote
	}
	return a.At.Before(b.At)
}

// rank orders events that share a timestamp, unknown kinds last. A switch
// rather than a map: it is called for every comparison of a sort, and a
// map literal would be built at package init.
func rank(k Kind) int {
	switch k {
	case KindAlert:
		return 1
	case KindTrigger:
		return 2
	case KindAssign:
		return 3
	case KindNotify:
		return 4
	case KindEscalate:
		return 5
	case KindAcknowledge:
		return 6
	case KindNote:
		return 7
	case KindSnooze:
		return 8
	case KindResolve:
		return 9
	case KindOther:
		return 10
	}
	return 11
}

// absorbWindow is how far apart a local status change and the provider's
// record of it may be and still count as one event.
const absorbWindow = 5 * time.Minute

// confirmedBy returns, for a local action PagerDuty records in its own log
// (rather than through a mirrored note), the kind of its log entry.
func confirmedBy(k Kind) (Kind, bool) {
	switch k {
	case KindAcknowledge, KindResolve, KindSnooze, KindEscalate:
		return k, true
	case KindReassign:
		return KindAssign, true
	}
	return "", false
}

// absorbed reports whether a sent local action is already on the
// provider's log.
func absorbed(e Event, remote []Event) bool {
	want, ok := confirmedBy(e.Kind)
	if e.State != Sent || !ok {
		return false
	}
	for _, r := range remote {
		if r.Kind == want && r.At.Sub(e.At).Abs() <= absorbWindow {
			return true
		}
	}
	return false
}

// noteTag is the tag older versions appended to notes: the local id alone.
// It still parses, and NoteTag still writes it for a text that carries no
// trailer, since any note must carry its local id for a retry to find it.
// Compiled on first use, not at package init.
var noteTag = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\s*\[oncall:([0-9A-Za-z_-]{1,64})\]\s*$`)
})

// NoteTag returns the content of a note for PagerDuty that carries localID:
// text unchanged when it already ends in a trailer (see Mirror) for that
// id, else text with the local id appended as a tag. With no local id
// there is nothing to tag.
func NoteTag(text, localID string) string {
	if localID == "" {
		return text
	}
	if _, t, ok := DecodeTrailer(text); ok && t.LocalID == localID {
		return text
	}
	return fmt.Sprintf("%s [oncall:%s]", text, localID)
}

// SplitNoteTag separates a note's readable text from its trailer or its
// older tag, if any, and returns the local id either carries.
func SplitNoteTag(content string) (text, localID string) {
	if text, t, ok := DecodeTrailer(content); ok {
		return text, t.LocalID
	}
	return splitLegacyTag(content)
}

func splitLegacyTag(content string) (text, localID string) {
	m := noteTag().FindStringSubmatchIndex(content)
	if m == nil {
		return content, ""
	}
	return content[:m[0]], content[m[2]:m[3]]
}
