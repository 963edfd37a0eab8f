package postmortem

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// When the incident ended and who worked it, read from its events.

// resolvedAt is when the incident was resolved: the provider's time, else
// the last resolve event that took effect.
func resolvedAt(inc incident.Incident, events []incident.Event) time.Time {
	if t := inc.ResolvedAt; !t.IsZero() {
		return t.UTC()
	}
	for _, e := range slices.Backward(events) {
		if e.Kind == incident.KindResolve && e.State != incident.Failed {
			return e.At.UTC()
		}
	}
	return time.Time{}
}

// kindOrder is the order in which a responder's actions are listed, with
// the singular and plural phrase for each.
var kindOrder = []struct {
	kind        incident.Kind
	one, plural string // plural is a format with the count
}{
	{incident.KindTrigger, "triggered", "triggered %d times"},
	{incident.KindAcknowledge, "acknowledged", "acknowledged %d times"},
	{incident.KindAssign, "assigned", "assigned %d times"},
	{incident.KindEscalate, "escalated", "escalated %d times"},
	{incident.KindReassign, "reassigned", "reassigned %d times"},
	{incident.KindRespondersReq, "asked for responders", "asked for responders %d times"},
	{incident.KindSnooze, "snoozed", "snoozed %d times"},
	{incident.KindNotify, "1 notification", "%d notifications"},
	{incident.KindNote, "1 note", "%d notes"},
	{incident.KindAlert, "1 alert", "%d alerts"},
	{incident.KindRole, "1 role assigned", "%d roles assigned"},
	{incident.KindDecision, "1 decision", "%d decisions"},
	{incident.KindActionItem, "1 action item", "%d action items"},
	{incident.KindRunbookStep, "1 runbook step", "%d runbook steps"},
	{incident.KindStatusUpdate, "1 status update", "%d status updates"},
	{incident.KindMitigated, "marked mitigated", "marked mitigated %d times"},
	{incident.KindResolve, "resolved", "resolved %d times"},
	{incident.KindOther, "1 other event", "%d other events"},
}

// failedKind counts a person's local actions the provider refused; they
// did not take effect, so they are not counted as what the person did.
const failedKind = "failed"

func responders(inc incident.Incident, events []incident.Event) []Responder {
	byName := make(map[string]*Responder)
	get := func(name string) *Responder {
		r := byName[name]
		if r == nil {
			r = &Responder{Name: name, Actions: map[string]int{}}
			byName[name] = r
		}
		return r
	}
	for _, a := range inc.Assignees {
		if name := oneLine(a.Name); name != "" {
			get(name).Assignee = true
		}
	}
	for _, e := range events {
		name := oneLine(e.Actor)
		if name == "" || e.Kind == incident.KindStar {
			continue
		}
		k := string(knownKind(e.Kind))
		if e.State == incident.Failed {
			k = failedKind
		}
		get(name).Actions[k]++
	}
	// People only: a name that only triggered, alerted or assigned is an
	// integration, a service or a policy, and so are the incident's own
	// service and policy whatever they did.
	systems := []string{oneLine(inc.Service.Name), oneLine(inc.EscalationPolicy.Name)}
	out := make([]Responder, 0, len(byName))
	for _, r := range byName {
		if slices.ContainsFunc(systems, func(s string) bool { return s != "" && strings.EqualFold(s, r.Name) }) {
			continue
		}
		human := r.Assignee
		for k, n := range r.Actions {
			if n > 0 && !systemKinds(k) {
				human = true
			}
		}
		if human {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(x, y Responder) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), strings.Compare(x.Name, y.Name))
	})
	return out
}
