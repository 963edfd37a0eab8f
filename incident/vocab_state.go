package incident

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// This file is the vocabulary of the incident commander's state: the life
// of tasks and follow-ups after they are recorded (done, extended,
// cancelled, reopened, linked to a ticket), the handoff of a role from one
// person to the next, and the marks a role assignment may carry (the
// person took it themself; the person is not a PagerDuty user). The same
// invariants hold as in vocab.go: a constructor returns an ErrInvalid
// error or an event whose trailer fits in a note.

// Kinds of the commander's state.
const (
	// KindItemUpdate changes a task or an action item recorded earlier.
	// Fields: item, change, due (extended), ticket (linked), text (a
	// label naming the item, for people), context.
	KindItemUpdate Kind = "item_update"
	// KindHandoff records that a role passed from one person to another,
	// with what the outgoing holder wants the incoming one to know.
	// Fields: role, from, to, message.
	KindHandoff Kind = "handoff"
)

// Field keys of the commander's state.
const (
	FieldItem     = "item"     // item update: the local id of the task or action item
	FieldChange   = "change"   // item update: one of ItemChanges
	FieldTicket   = "ticket"   // item update: an http(s) URL, for ChangeLinked
	FieldContext  = "context"  // item update, decision, action item: ContextReview
	FieldFrom     = "from"     // handoff: the outgoing holder
	FieldTaken    = "taken"    // role: "true" when the person took the role themself
	FieldExternal = "external" // role: "true" when the person is not a PagerDuty user
)

// Changes an item update makes.
const (
	ChangeDone      = "done"
	ChangeCancelled = "cancelled"
	ChangeExtended  = "extended"
	ChangeReopened  = "reopened"
	ChangeLinked    = "linked"
)

// ItemChanges lists the changes an item update may make.
var ItemChanges = []string{ChangeDone, ChangeCancelled, ChangeExtended, ChangeReopened, ChangeLinked}

// ContextReview marks an event recorded during the weekly review rather
// than during the incident.
const ContextReview = "review"

// flagTrue is the one value a flag field (taken, external) holds.
const flagTrue = "true"

// ItemOption adds an optional field to an item update.
type ItemOption func(*itemUpdate)

type itemUpdate struct{ due, ticket, label, context string }

// ItemDue sets the new due of an extended item: RFC 3339 for a task,
// YYYY-MM-DD for an action item.
func ItemDue(due string) ItemOption { return func(u *itemUpdate) { u.due = due } }

// ItemTicket sets the ticket (an http or https URL) a linked item points to.
func ItemTicket(ticket string) ItemOption { return func(u *itemUpdate) { u.ticket = ticket } }

// ItemLabel names the item for people reading the timeline (its title or
// what the task is). It is outside text: sanitized to one line and cut,
// not refused.
func ItemLabel(label string) ItemOption { return func(u *itemUpdate) { u.label = label } }

// InReview marks the update as made during the weekly review.
func InReview() ItemOption { return func(u *itemUpdate) { u.context = ContextReview } }

// ItemLabelLimit bounds an item update's label.
const ItemLabelLimit = 200

// NewItemUpdate returns a change to the task or action item whose local id
// is itemID: change is one of ItemChanges. An extended item needs its new
// due (ItemDue) and a linked one its ticket (ItemTicket); neither is
// accepted with another change.
func NewItemUpdate(itemID, change string, opts ...ItemOption) (Event, error) {
	var u itemUpdate
	for _, o := range opts {
		o(&u)
	}
	if !localIDPattern.MatchString(itemID) {
		return Event{}, invalid("item update: %q is not the id of a task or follow-up", oneLineShort(itemID))
	}
	change = strings.ToLower(strings.TrimSpace(change))
	if !slices.Contains(ItemChanges, change) {
		return Event{}, invalid("item update: change %q: one of %s", oneLineShort(change), strings.Join(ItemChanges, ", "))
	}
	u.due, u.ticket = strings.TrimSpace(u.due), strings.TrimSpace(u.ticket)
	switch {
	case change == ChangeExtended && u.due == "":
		return Event{}, invalid("item update: extended to when? a new due is needed")
	case change != ChangeExtended && u.due != "":
		return Event{}, invalid("item update: a new due goes with %s, not %s", ChangeExtended, change)
	case change == ChangeLinked && u.ticket == "":
		return Event{}, invalid("item update: linked to what? a ticket URL is needed")
	case change != ChangeLinked && u.ticket != "":
		return Event{}, invalid("item update: a ticket goes with %s, not %s", ChangeLinked, change)
	}
	if u.due != "" {
		if err := checkItemDue(u.due); err != nil {
			return Event{}, invalid("item update: %v", err)
		}
	}
	if u.ticket != "" {
		if err := checkTicket(u.ticket); err != nil {
			return Event{}, invalid("item update: %v", err)
		}
	}
	e, err := build(KindItemUpdate, FieldItem, itemID, true, FieldChange, change, true,
		FieldDue, u.due, false, FieldTicket, u.ticket, false,
		FieldText, cut(Clean(u.label), ItemLabelLimit), false, FieldContext, u.context, false)
	if err != nil {
		return Event{}, err
	}
	e.Summary = StateSummary(e)
	return e, nil
}

// NewHandoff returns the handoff of role (one of Roles or a short form)
// from one person to another, with the outgoing holder's message
// (optional).
func NewHandoff(role, from, to, message string) (Event, error) {
	r, err := ParseRole(role)
	if err != nil {
		return Event{}, err
	}
	if strings.EqualFold(strings.TrimSpace(from), strings.TrimSpace(to)) && strings.TrimSpace(to) != "" {
		return Event{}, invalid("handoff: %s hands the role to someone else, not to themself", oneLineShort(from))
	}
	e, err := build(KindHandoff, FieldRole, r, true, FieldFrom, from, true, FieldTo, to, true, FieldMessage, message, false)
	if err != nil {
		return Event{}, err
	}
	e.Summary = StateSummary(e)
	return e, nil
}

// RoleMarks are the optional marks of a role assignment.
type RoleMarks struct {
	// Taken: the person acknowledged taking the role themself.
	Taken bool
	// External: the person is not a PagerDuty user (typed, not picked).
	External bool
}

// NewRoleMarked is NewRole with marks.
func NewRoleMarked(role, person string, m RoleMarks) (Event, error) {
	e, err := NewRole(role, person)
	if err != nil {
		return Event{}, err
	}
	if m.Taken {
		e.Fields[FieldTaken] = flagTrue
	}
	if m.External {
		e.Fields[FieldExternal] = flagTrue
	}
	return e, nil
}

// Flag reports whether e's flag field key (FieldTaken, FieldExternal) is set.
func Flag(e Event, key string) bool { return e.Fields[key] == flagTrue }

// StateSummary is Summary for the kinds of this file: the one line that
// tells a person what an item update or a handoff is. For other kinds it
// is Summary.
func StateSummary(e Event) string {
	f := func(k string) string { return strings.TrimSpace(e.Fields[k]) }
	switch e.Kind {
	case KindItemUpdate:
		if f(FieldChange) == "" {
			break
		}
		what := or(f(FieldText), "item "+or(f(FieldItem), "?"))
		switch f(FieldChange) {
		case ChangeDone:
			return "Done: " + what
		case ChangeCancelled:
			return "Cancelled: " + what
		case ChangeReopened:
			return "Reopened: " + what
		case ChangeExtended:
			return "Extended to " + or(f(FieldDue), "later") + ": " + what
		case ChangeLinked:
			return "Linked " + what + " to " + or(f(FieldTicket), "a ticket")
		}
	case KindHandoff:
		if f(FieldRole) == "" {
			break
		}
		s := fmt.Sprintf("Handoff: %s from %s to %s", f(FieldRole), or(f(FieldFrom), "someone"), or(f(FieldTo), "someone"))
		if f(FieldMessage) != "" {
			s += "; " + f(FieldMessage)
		}
		return s
	default:
		return Summary(e)
	}
	return e.Summary
}

// checkItemDue accepts a due as a task (RFC 3339) or an action item
// (YYYY-MM-DD) has it.
func checkItemDue(due string) error {
	if _, err := time.Parse(time.RFC3339, due); err == nil {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, due); err == nil {
		return nil
	}
	return fmt.Errorf("due %q: a date like 2026-12-01 or a time like 2026-12-01T10:00:00Z", oneLineShort(due))
}

// checkTicket accepts an absolute http or https URL with a host.
func checkTicket(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("ticket %q: an http or https URL", oneLineShort(s))
	}
	return nil
}

// checkStateFields is checkFields for the kinds of this file and for the
// marks a role may carry.
func checkStateFields(k Kind, f map[string]string) error {
	switch k {
	case KindItemUpdate:
		if !localIDPattern.MatchString(f[FieldItem]) {
			return errors.New("no item")
		}
		c := f[FieldChange]
		if !slices.Contains(ItemChanges, c) {
			return fmt.Errorf("unknown change %q", c)
		}
		if (c == ChangeExtended) != (f[FieldDue] != "") {
			return errors.New("a due goes with extended, and only with it")
		}
		if (c == ChangeLinked) != (f[FieldTicket] != "") {
			return errors.New("a ticket goes with linked, and only with it")
		}
		if d := f[FieldDue]; d != "" {
			if err := checkItemDue(d); err != nil {
				return err
			}
		}
		if t := f[FieldTicket]; t != "" {
			if err := checkTicket(t); err != nil {
				return err
			}
		}
	case KindHandoff:
		if f[FieldFrom] == "" || f[FieldTo] == "" {
			return errors.New("no from or to")
		}
		if !slices.Contains(Roles, f[FieldRole]) {
			return fmt.Errorf("unknown role %q", f[FieldRole])
		}
	case KindRole:
		for _, key := range []string{FieldTaken, FieldExternal} {
			if v, ok := f[key]; ok && v != flagTrue {
				return fmt.Errorf("%s %q", key, v)
			}
		}
	}
	if c, ok := f[FieldContext]; ok && c != ContextReview &&
		(k == KindItemUpdate || k == KindDecision || k == KindActionItem) {
		return fmt.Errorf("context %q", c)
	}
	return nil
}

// EscalationLevel is one level of an escalation policy, as a form that
// escalates offers it: whom the level notifies, and how long the policy
// waits there before the next level.
type EscalationLevel struct {
	Level   int                `json:"level"` // 1-based
	Targets []EscalationTarget `json:"targets"`
	// DelayMinutes is the wait before the next level; 0 when unknown.
	DelayMinutes int `json:"delay_minutes,omitempty"`
}

// EscalationTarget is whom a level notifies: a user, or a schedule's
// on-call user.
type EscalationTarget struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kind is "user" or "schedule" (PagerDuty's types without the
	// _reference suffix); another type is kept as PagerDuty names it.
	Kind string `json:"kind"`
}
