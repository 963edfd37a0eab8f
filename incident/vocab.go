package incident

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file is the one vocabulary of the events oncall records: the keys of
// Event.Fields, the typed constructors that validate input and build an
// event, the roles, the limits, and the one Summary line. The TUI forms, the
// command-line verbs, the outbox, the note trailer and the postmortem draft
// all speak it, so a field written by one reads back the same in the others.
//
// Invariants: a constructor either returns an error matching ErrInvalid (and
// nothing is to be journaled) or an Event with Kind, Fields and Summary set
// whose mirrored note (Mirror) fits in NoteLimit; the caller sets
// IncidentID and Actor, and the journal fills in ID, At and State.

// Field keys of Event.Fields. Which kind uses which is listed by the kind
// constants in event.go.
const (
	FieldText     = "text"       // star: the starred row's label and text
	FieldWhat     = "what"       // decision, task
	FieldWhy      = "why"        // decision
	FieldWho      = "who"        // decision: who executes it
	FieldTitle    = "title"      // action item
	FieldOwner    = "owner"      // action item
	FieldDue      = "due"        // action item (YYYY-MM-DD), task (RFC 3339)
	FieldType     = "type"       // action item: one of ActionTypes
	FieldRole     = "role"       // role: one of Roles
	FieldPerson   = "person"     // role, task
	FieldMessage  = "message"    // status update, responder request
	FieldEventID  = "event_id"   // star: the id of the starred event
	FieldRunbook  = "runbook"    // runbook step: the runbook's id
	FieldStep     = "step"       // runbook step: its text, first line of a command
	FieldCommand  = "command"    // runbook step: the whole command, for command steps
	FieldStepKey  = "step_key"   // runbook step: the step's stable key in its runbook
	FieldAction   = "action"     // runbook step: StepDone or StepCopied
	FieldUserIDs  = "user_ids"   // reassign, responder request: comma-separated
	FieldPolicyID = "policy_id"  // reassign: an escalation policy
	FieldPolicies = "policy_ids" // responder request: comma-separated
	FieldTo       = "to"         // reassign, responder request: who, for people
	FieldLevel    = "level"      // escalate: 1-based level
	FieldDuration = "duration"   // snooze: a Go duration
	FieldMinutes  = "minutes"    // task: whole minutes until due
)

// ErrInvalid matches (errors.Is) every error of the constructors and
// parsers here: the input cannot make an event, so nothing is journaled
// (the command line exits 2).
var ErrInvalid = errors.New("invalid")

// invalidError is a constructor's refusal: its text says what is wrong
// with the input, on one line, for a form or a command line to show as it
// is; it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string      { return string(e) }
func (invalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, a ...any) error {
	return invalidError(fmt.Sprintf(format, a...))
}

// Limits.
const (
	// NoteLimit is the most characters a note sent to PagerDuty holds,
	// human text and trailer together. PagerDuty's API reference documents
	// no length limit on a note's content (only at most 2000 notes per
	// incident), so this value has no public source: it is the limit the
	// simulator enforces, generous for minutes typed by people and small
	// enough that a note never becomes the payload of a runaway paste. A
	// mirrored structured note is cut to fit (its human text, never its
	// trailer); a plain note's text is refused above NoteTextLimit.
	NoteLimit = 25000
	// NoteTextLimit is the longest note a person may write: NoteLimit less
	// room for the trailer that identifies the note (a local id and a kind).
	NoteTextLimit = NoteLimit - noteTrailerRoom
	// FieldLimit bounds each field of a structured event, so that its
	// trailer, which carries every field, always fits in a note.
	FieldLimit = 2000
	// SnoozeMin and SnoozeMax bound a snooze; PagerDuty snoozes for at most
	// a week.
	SnoozeMin = time.Minute
	SnoozeMax = 7 * 24 * time.Hour
	// TaskMax is the longest time-box of a task.
	TaskMax = 24 * time.Hour
	// LevelMax is the highest escalation level accepted.
	LevelMax = 20
)

// noteTrailerRoom is more than the longest trailer of a note without
// fields: the frame, a version, a 64-character id and a kind.
const noteTrailerRoom = 128

// The roles of an incident's response, as the draft names them.
const (
	RoleCommander = "incident commander"
	RoleDeputy    = "deputy"
	RoleScribe    = "scribe"
	RoleSME       = "subject-matter expert"
	RoleLiaison   = "liaison"
)

// Roles lists the known roles in the order forms offer them.
var Roles = []string{RoleCommander, RoleDeputy, RoleScribe, RoleSME, RoleLiaison}

// roleAlias returns the role a person's typing names, already lowered
// and trimmed. A switch, not a map, so nothing is built at package init.
func roleAlias(s string) (string, bool) {
	switch s {
	case "ic", "incident commander", "commander":
		return RoleCommander, true
	case "deputy":
		return RoleDeputy, true
	case "scribe":
		return RoleScribe, true
	case "sme", "subject-matter expert", "expert":
		return RoleSME, true
	case "liaison", "comms":
		return RoleLiaison, true
	}
	return "", false
}

// RoleHint names the short forms a person may type for a role.
const RoleHint = "ic, deputy, scribe, sme or liaison"

// ParseRole returns the role s names (a role or a short form such as ic,
// sme or comms, in any case).
func ParseRole(s string) (string, error) {
	if r, ok := roleAlias(strings.ToLower(strings.TrimSpace(s))); ok {
		return r, nil
	}
	return "", invalid("unknown role %q: one of %s", oneLineShort(s), RoleHint)
}

// ActionTypes are the kinds of follow-up action item.
var ActionTypes = []string{"mitigate", "prevent", "detect", "process"}

// ParseActionType returns the action item type s names.
func ParseActionType(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, t := range ActionTypes {
		if s == t {
			return t, nil
		}
	}
	return "", invalid("action item type %q: one of %s", oneLineShort(s), strings.Join(ActionTypes, ", "))
}

// ParseDue reads a due date, YYYY-MM-DD or +Nd (days from now), and returns
// it as YYYY-MM-DD. Empty means no due date. A date before now's day is
// refused: a follow-up is due in the future.
func ParseDue(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	today := now.Format(time.DateOnly)
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		n, err := strconv.Atoi(strings.TrimSuffix(rest, "d"))
		if err != nil || !strings.HasSuffix(rest, "d") || n < 0 || n >= 3650 {
			return "", invalid("due %q: a date like 2026-12-01, or +7d", oneLineShort(s))
		}
		return now.AddDate(0, 0, n).Format(time.DateOnly), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "", invalid("due %q: a date like 2026-12-01, or +7d", oneLineShort(s))
	}
	if d := t.Format(time.DateOnly); d < today {
		return "", invalid("due %s is in the past (today is %s)", d, today)
	}
	return t.Format(time.DateOnly), nil
}

// ParseSnooze reads a snooze duration: a Go duration (30m, 4h) or whole
// days (2d), from SnoozeMin to SnoozeMax.
func ParseSnooze(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, aerr := strconv.Atoi(days)
		d, err = time.Duration(n)*24*time.Hour, aerr
		if n > 365 {
			err = errors.New("too long")
		}
	}
	if err != nil || d < SnoozeMin || d > SnoozeMax {
		return 0, invalid("snooze %q: a duration from 1m to 7d, like 30m or 4h", oneLineShort(s))
	}
	return d, nil
}

// ParseLevel reads an escalation level, 1 to LevelMax.
func ParseLevel(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > LevelMax {
		return 0, invalid("level %q: a level number from 1 to %d", oneLineShort(s), LevelMax)
	}
	return n, nil
}

// Runbook step actions.
const (
	StepDone   = "done"   // the responder ticked the step
	StepCopied = "copied" // the responder copied its command
)

// NewNote returns a note. Its text is kept as written (line breaks
// included); it must not be blank nor longer than NoteTextLimit.
func NewNote(text string) (Event, error) {
	if strings.TrimSpace(text) == "" {
		return Event{}, invalid("an empty note")
	}
	if n := utf8.RuneCountInString(text); n > NoteTextLimit {
		return Event{}, invalid("the note has %d characters; at most %d fit in a PagerDuty note", n, NoteTextLimit)
	}
	if !utf8.ValidString(text) {
		return Event{}, invalid("the note is not valid UTF-8")
	}
	return Event{Kind: KindNote, Summary: text}, nil
}

// NewDecision returns a decision: what was decided (required), why, and
// who executes it.
func NewDecision(what, why, who string) (Event, error) {
	return build(KindDecision, FieldWhat, what, true, FieldWhy, why, false, FieldWho, who, false)
}

// NewRole returns a role assignment; role is one of Roles or a short form.
func NewRole(role, person string) (Event, error) {
	r, err := ParseRole(role)
	if err != nil {
		return Event{}, err
	}
	return build(KindRole, FieldRole, r, true, FieldPerson, person, true)
}

// NewActionItem returns a follow-up action item: a title and an owner
// (required), a due date (see ParseDue; optional) and a type (one of
// ActionTypes).
func NewActionItem(title, owner, due, typ string, now time.Time) (Event, error) {
	d, err := ParseDue(due, now)
	if err != nil {
		return Event{}, err
	}
	t, err := ParseActionType(typ)
	if err != nil {
		return Event{}, err
	}
	return build(KindActionItem, FieldTitle, title, true, FieldOwner, owner, true, FieldDue, d, false, FieldType, t, true)
}

// NewStatusUpdate returns a status update for the incident's subscribers.
func NewStatusUpdate(msg string) (Event, error) {
	return build(KindStatusUpdate, FieldMessage, msg, true)
}

// NewMitigated returns the mark that customer impact has stopped.
func NewMitigated() (Event, error) {
	return build(KindMitigated)
}

// NewTask returns a time-boxed task: person does what, due in (a whole
// number of minutes, 1m to TaskMax) from now. The due time is stored in RFC
// 3339, UTC, so every reader counts down to the same moment.
func NewTask(person, what string, in time.Duration, now time.Time) (Event, error) {
	mins := in.Round(time.Minute) / time.Minute
	if mins < 1 || in > TaskMax {
		return Event{}, invalid("a task is due in 1m to %s, not %s", strings.TrimSuffix(TaskMax.String(), "0m0s"), in)
	}
	due := now.UTC().Add(mins * time.Minute).Format(time.RFC3339)
	return build(KindTask, FieldPerson, person, true, FieldWhat, what, true,
		FieldMinutes, strconv.Itoa(int(mins)), true, FieldDue, due, true)
}

// NewStar returns a star on the event whose id is eventID.
func NewStar(eventID string) (Event, error) { return NewStarOn(eventID, "") }

// NewStarOn is NewStar with a label that describes the starred event for
// readers who cannot see it ("Decision: roll back"). The label is outside
// text (any event's summary): it is sanitized to one line and cut to
// StarLabelLimit rather than refused, since the star is what matters.
func NewStarOn(eventID, label string) (Event, error) {
	if eventID == "" || len(eventID) > 128 || strings.ContainsFunc(eventID, unicode.IsSpace) {
		return Event{}, invalid("a star needs the id of an event, not %q", oneLineShort(eventID))
	}
	return build(KindStar, FieldEventID, eventID, true, FieldText, cut(Clean(label), StarLabelLimit), false)
}

// StarLabelLimit bounds the label of a star.
const StarLabelLimit = 200

// NewRunbookStep returns the record of a runbook step: the runbook's id,
// the step's key and text, its command (for command steps, else ""), and
// what was done (StepDone or StepCopied). A command step's text is its
// command's first line. A step or command longer than FieldLimit is cut:
// the runbook keeps the whole text, and the step key names it.
func NewRunbookStep(runbookID, stepKey, step, command, action string) (Event, error) {
	if action != StepDone && action != StepCopied {
		return Event{}, invalid("runbook step action %q: %s or %s", oneLineShort(action), StepDone, StepCopied)
	}
	if command != "" && step == "" {
		step = firstLine(command)
	}
	step, command = cut(step, FieldLimit), cut(command, FieldLimit)
	return build(KindRunbookStep, FieldRunbook, runbookID, true, FieldStepKey, stepKey, true,
		FieldStep, step, true, FieldCommand, command, false, FieldAction, action, true)
}

// NewSnooze returns a snooze for d, from SnoozeMin to SnoozeMax.
func NewSnooze(d time.Duration) (Event, error) {
	if d < SnoozeMin || d > SnoozeMax {
		return Event{}, invalid("snooze for %s: from 1m to 7d", d)
	}
	return build(KindSnooze, FieldDuration, d.String(), true)
}

// NewEscalate returns an escalation to level (1 to LevelMax).
func NewEscalate(level int) (Event, error) {
	if level < 1 || level > LevelMax {
		return Event{}, invalid("escalation level %d: from 1 to %d", level, LevelMax)
	}
	return build(KindEscalate, FieldLevel, strconv.Itoa(level), true)
}

// NewReassign returns a reassignment to users or to an escalation policy,
// never both.
func NewReassign(r Reassignment) (Event, error) { return NewReassignTo(r, "") }

// NewReassignTo is NewReassign with the names of whom it goes to, for
// people reading the timeline.
func NewReassignTo(r Reassignment, to string) (Event, error) {
	users := strings.Join(r.UserIDs, ",")
	switch {
	case users == "" && r.EscalationPolicyID == "":
		return Event{}, invalid("reassign to whom: users or an escalation policy")
	case users != "" && r.EscalationPolicyID != "":
		return Event{}, invalid("reassign to users or to an escalation policy, not both")
	}
	for _, id := range append(r.UserIDs, r.EscalationPolicyID) {
		if strings.ContainsFunc(id, func(c rune) bool { return c == ',' || unicode.IsSpace(c) }) {
			return Event{}, invalid("%q is not an id", oneLineShort(id))
		}
	}
	if to == "" {
		to = users + r.EscalationPolicyID
	}
	return build(KindReassign, FieldUserIDs, users, false, FieldPolicyID, r.EscalationPolicyID, false, FieldTo, to, true)
}

// build checks and assembles an event of kind from (key, value, required)
// triples: values are trimmed, required ones must not be blank, and each
// must be valid text within FieldLimit. Empty optional values are left out.
func build(kind Kind, kv ...any) (Event, error) {
	fields := make(map[string]string, len(kv)/3)
	for i := 0; i+2 < len(kv); i += 3 {
		key, v, required := kv[i].(string), strings.TrimSpace(kv[i+1].(string)), kv[i+2].(bool)
		if v == "" {
			if required {
				return Event{}, invalid("%s: %s is needed", kindName(kind), key)
			}
			continue
		}
		if err := checkValue(key, v); err != nil {
			return Event{}, err
		}
		fields[key] = v
	}
	// The trailer carries every field in half a note (see Mirror): text
	// outside ASCII takes more room there than it shows.
	if _, err := EncodeTrailer(Trailer{LocalID: strings.Repeat("L", 64), Kind: kind, Fields: fields}); err != nil {
		return Event{}, invalid("%s: the text is too long to send to PagerDuty as a note; shorten it", kindName(kind))
	}
	e := Event{Kind: kind, Fields: fields}
	if len(fields) == 0 {
		e.Fields = nil
	}
	e.Summary = Summary(e)
	return e, nil
}

// checkValue refuses a field value that could not travel in a trailer: too
// long, invalid UTF-8, or carrying control characters other than line
// breaks and tabs (escape sequences, bidirectional overrides).
func checkValue(key, v string) error {
	if n := utf8.RuneCountInString(v); n > FieldLimit {
		return invalid("%s has %d characters; at most %d", key, n, FieldLimit)
	}
	if !safeText(v) {
		return invalid("%s contains control characters or is not valid UTF-8", key)
	}
	return nil
}

// safeText reports whether s is valid UTF-8 free of control characters
// (line breaks and tabs aside) and of invisible direction changes: text
// that prints as what it is.
func safeText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', isBidi(r):
			return false
		}
	}
	return true
}

// kindName is a kind as a person says it.
func kindName(k Kind) string {
	switch k {
	case KindActionItem:
		return "action item"
	case KindStatusUpdate:
		return "status update"
	case KindRunbookStep:
		return "runbook step"
	case KindRespondersReq:
		return "responder request"
	}
	return string(k)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// oneLineShort shows bad input in an error: cleaned, on one line, short.
func oneLineShort(s string) string {
	s = Clean(s)
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return s
}

// Summary is the one line that tells a person what e is: the timeline row,
// the draft's event column and the readable part of a mirrored note. It
// reads the kind's fields; a kind without fields to read (a note, a
// provider's log entry, an event from an older journal) keeps its own
// Summary. It does not sanitize: callers display it through Clean.
func Summary(e Event) string {
	v := e.Fields
	f := func(k string) string { return strings.TrimSpace(v[k]) }
	switch e.Kind {
	case KindDecision:
		if f(FieldWhat) == "" {
			break
		}
		s := "Decision: " + f(FieldWhat)
		if f(FieldWhy) != "" {
			s += " (why: " + f(FieldWhy) + ")"
		}
		if f(FieldWho) != "" {
			s += "; executes: " + f(FieldWho)
		}
		return s
	case KindActionItem:
		if f(FieldTitle) == "" {
			break
		}
		s := "Action item"
		if f(FieldType) != "" {
			s += " (" + f(FieldType) + ")"
		}
		s += ": " + f(FieldTitle)
		if f(FieldOwner) != "" {
			s += "; owner: " + f(FieldOwner)
		}
		if f(FieldDue) != "" {
			s += "; due " + f(FieldDue)
		}
		return s
	case KindRole:
		if f(FieldRole) == "" && f(FieldPerson) == "" {
			break
		}
		return fmt.Sprintf("Role: %s is %s", or(f(FieldPerson), "someone"), or(f(FieldRole), "a role"))
	case KindStatusUpdate:
		if f(FieldMessage) == "" {
			break
		}
		return "Status update: " + f(FieldMessage)
	case KindMitigated:
		return "Marked mitigated: customer impact has stopped"
	case KindEscalate:
		if f(FieldLevel) == "" {
			break
		}
		return "Escalated to level " + f(FieldLevel)
	case KindTask:
		if f(FieldWhat) == "" {
			break
		}
		s := fmt.Sprintf("Task for %s: %s", or(f(FieldPerson), "someone"), f(FieldWhat))
		switch {
		case f(FieldMinutes) != "":
			s += " (back in " + f(FieldMinutes) + " min)"
		case f(FieldDue) != "":
			s += " (due " + f(FieldDue) + ")"
		}
		return s
	case KindSnooze:
		if f(FieldDuration) == "" {
			break
		}
		return "Snoozed for " + spanText(f(FieldDuration))
	case KindReassign:
		if f(FieldTo) == "" {
			break
		}
		return "Reassigned to " + f(FieldTo)
	case KindRespondersReq:
		if f(FieldTo) == "" {
			break
		}
		return "Asked " + f(FieldTo) + " to join"
	case KindStar:
		if f(FieldText) != "" {
			return "Starred " + f(FieldText)
		}
		if f(FieldEventID) != "" {
			return "Starred event " + f(FieldEventID)
		}
	case KindRunbookStep:
		if f(FieldRunbook) == "" && f(FieldStep) == "" {
			break
		}
		return fmt.Sprintf("Runbook %s: %s %s", or(f(FieldRunbook), "unnamed"), or(f(FieldAction), StepDone), or(f(FieldStep), "a step"))
	}
	return e.Summary
}

// spanText says a Go duration as people write it: 30m, 2h, 1h30m, 1d4h;
// anything else (a duration PagerDuty worded) stays as it is.
func spanText(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return s
	}
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.unit
		}
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
