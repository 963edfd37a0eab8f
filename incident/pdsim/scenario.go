package pdsim

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Scenario is a script: timed steps that change the account as the
// server's clock passes them. A step's time is the server's start plus its
// offset; steps with offsets at or before zero make up the history the
// server starts with (an incident triggered at -2h has a created_at two
// hours before the start). Steps are applied lazily, in order of offset
// (ties keep their order in the slice), on the first request at or after
// their time, and each is stamped with its own time, not the request's.
type Scenario []Step

// Step is one scripted change.
type Step struct {
	At     time.Duration // offset from the server's start; may be negative
	Action Action
}

// Action is what a step does. Build one with Trigger, GroupAlert,
// Acknowledge, Resolve, Escalate, Reassign or AddNote.
type Action interface {
	// check validates the action against the directory and the incident
	// keys triggered by earlier steps.
	check(d *directory, keys map[string]bool) error
	// apply performs the action at time at. Actions overtaken by events
	// (acknowledging a resolved incident) do nothing.
	apply(w *world, at time.Time)
	String() string
}

// prepare sorts the steps by offset and checks them in that order.
func (sc Scenario) prepare(d *directory) ([]Step, error) {
	steps := slices.Clone(sc)
	slices.SortStableFunc(steps, func(a, b Step) int { return cmp.Compare(a.At, b.At) })
	keys := make(map[string]bool)
	for i, st := range steps {
		if st.Action == nil {
			return nil, fmt.Errorf("scenario step %d at %s has no action", i, st.At)
		}
		if err := st.Action.check(d, keys); err != nil {
			return nil, fmt.Errorf("scenario step at %s (%s): %w", st.At, st.Action, err)
		}
	}
	return steps, nil
}

func checkKey(keys map[string]bool, key string) error {
	if !keys[key] {
		return fmt.Errorf("no earlier step triggers incident %q", key)
	}
	return nil
}

// checkOptionalActor checks a step whose actor may be left out (the
// monitoring integration or PagerDuty itself acting): the incident must be
// triggered earlier, and a named actor must be a user.
func checkOptionalActor(d *directory, keys map[string]bool, key, email string) error {
	if err := checkKey(keys, key); err != nil {
		return err
	}
	if email != "" {
		return checkEmail(d, email)
	}
	return nil
}

func checkEmail(d *directory, email string) error {
	if d.userByEmail(email) == nil {
		return fmt.Errorf("unknown user %q", email)
	}
	return nil
}

// Trigger opens a new incident. spec.Key is required: later steps refer to
// the incident by it. spec.Status and spec.CreatedAt are ignored: the
// incident triggers at the step's time.
func Trigger(spec IncidentSpec) Action { return triggerAction{spec} }

type triggerAction struct{ spec IncidentSpec }

func (a triggerAction) String() string { return "trigger " + a.spec.Key }

func (a triggerAction) check(d *directory, keys map[string]bool) error {
	if a.spec.Key == "" {
		return fmt.Errorf("a triggered incident needs a Key")
	}
	if keys[a.spec.Key] {
		return fmt.Errorf("incident key %q is triggered twice", a.spec.Key)
	}
	spec := a.spec
	spec.Status, spec.CreatedAt = "", time.Time{}
	if err := newWorld(d).checkSpec(spec); err != nil {
		return err
	}
	keys[a.spec.Key] = true
	return nil
}

func (a triggerAction) apply(w *world, at time.Time) {
	spec := a.spec
	spec.Status, spec.CreatedAt = "", time.Time{}
	_, _ = w.trigger(spec, at) // checked in prepare
}

// GroupAlert groups a new alert into the incident with key, as alert
// grouping does when a related alert fires. A resolved incident is left
// alone (a new alert would open a new incident).
func GroupAlert(key string, alert AlertSpec) Action { return groupAction{key, alert} }

type groupAction struct {
	key   string
	alert AlertSpec
}

func (a groupAction) String() string { return "group alert into " + a.key }

func (a groupAction) check(d *directory, keys map[string]bool) error {
	if a.alert.Summary == "" {
		return fmt.Errorf("the alert needs a Summary")
	}
	if err := checkSeverity(a.alert.Severity); err != nil {
		return err
	}
	return checkKey(keys, a.key)
}

func (a groupAction) apply(w *world, at time.Time) {
	if inc := w.byKey[a.key]; inc != nil && inc.status != statusResolved {
		w.addAlert(inc, a.alert, at)
	}
}

// Acknowledge has the user with email acknowledge the incident, if it is
// still triggered.
func Acknowledge(key, email string) Action { return ackAction{key, email} }

type ackAction struct{ key, email string }

func (a ackAction) String() string { return "acknowledge " + a.key + " as " + a.email }

func (a ackAction) check(d *directory, keys map[string]bool) error {
	return cmp.Or(checkKey(keys, a.key), checkEmail(d, a.email))
}

func (a ackAction) apply(w *world, at time.Time) {
	if inc := w.byKey[a.key]; inc != nil && inc.status == statusTriggered {
		w.acknowledge(inc, w.dir.userByEmail(a.email), chMobile, at)
	}
}

// Resolve resolves the incident. An empty email means the monitoring
// integration resolved it on its own (the alert cleared).
func Resolve(key, email string) Action { return resolveAction{key, email} }

type resolveAction struct{ key, email string }

func (a resolveAction) String() string { return "resolve " + a.key }

func (a resolveAction) check(d *directory, keys map[string]bool) error {
	return checkOptionalActor(d, keys, a.key, a.email)
}

func (a resolveAction) apply(w *world, at time.Time) {
	inc := w.byKey[a.key]
	if inc == nil || inc.status == statusResolved {
		return
	}
	if a.email == "" {
		w.resolve(inc, actor{svc: inc.service}, chEvents, at)
		return
	}
	w.resolve(inc, actor{user: w.dir.userByEmail(a.email)}, chWeb, at)
}

// Escalate moves the incident to escalation level (1-based) of its policy.
// An empty email means the acknowledgement timeout escalated it, which
// happens only while it is triggered; a user escalates any open incident.
func Escalate(key string, level int, email string) Action { return escalateAction{key, level, email} }

type escalateAction struct {
	key   string
	level int
	email string
}

func (a escalateAction) String() string {
	return fmt.Sprintf("escalate %s to level %d", a.key, a.level)
}

func (a escalateAction) check(d *directory, keys map[string]bool) error {
	if a.level < 1 {
		return fmt.Errorf("escalation level %d is below 1", a.level)
	}
	return checkOptionalActor(d, keys, a.key, a.email)
}

func (a escalateAction) apply(w *world, at time.Time) {
	inc := w.byKey[a.key]
	if inc == nil || inc.status == statusResolved || a.level > len(inc.policy.levels) {
		return
	}
	if a.email == "" {
		if inc.status == statusTriggered {
			w.escalate(inc, a.level, actor{svc: inc.service}, chTimeout, at) // the reference: a timeout acts as the service
		}
		return
	}
	w.escalate(inc, a.level, actor{user: w.dir.userByEmail(a.email)}, chWeb, at)
}

// Reassign has the user with email (by) reassign the open incident to the
// users with emails to.
func Reassign(key, by string, to ...string) Action { return reassignAction{key, by, to} }

type reassignAction struct {
	key, by string
	to      []string
}

func (a reassignAction) String() string { return "reassign " + a.key }

func (a reassignAction) check(d *directory, keys map[string]bool) error {
	if len(a.to) == 0 {
		return fmt.Errorf("reassign needs at least one assignee")
	}
	for _, e := range append([]string{a.by}, a.to...) {
		if err := checkEmail(d, e); err != nil {
			return err
		}
	}
	return checkKey(keys, a.key)
}

func (a reassignAction) apply(w *world, at time.Time) {
	inc := w.byKey[a.key]
	if inc == nil || inc.status == statusResolved {
		return
	}
	users := make([]*user, 0, len(a.to))
	for _, e := range a.to {
		users = append(users, w.dir.userByEmail(e))
	}
	w.reassign(inc, users, w.dir.userByEmail(a.by), at)
}

// AddNote has the user with email add a note to the incident (resolved or
// not, as PagerDuty allows).
func AddNote(key, email, content string) Action { return noteAction{key, email, content} }

type noteAction struct{ key, email, content string }

func (a noteAction) String() string { return "note on " + a.key + " by " + a.email }

func (a noteAction) check(d *directory, keys map[string]bool) error {
	if a.content == "" {
		return fmt.Errorf("a note needs content")
	}
	return cmp.Or(checkKey(keys, a.key), checkEmail(d, a.email))
}

func (a noteAction) apply(w *world, at time.Time) {
	if inc := w.byKey[a.key]; inc != nil {
		w.addNote(inc, w.dir.userByEmail(a.email), a.content, chMobile, at)
	}
}
