package outbox

import (
	"context"
	"fmt"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

// The guards below read the incident on PagerDuty before a state change
// is sent, since the responder decided it on what the screen showed then,
// and the incident may have moved on: a colleague resolved it, or it
// resolved itself. PagerDuty reopens a resolved incident that is set to
// acknowledged (and pages again), so without this read a queued
// acknowledge would undo a colleague's resolve. A change may still race
// one made between the read and the send; the read makes that window a
// second instead of however long the action was queued.

// current reads the incident a guard or a check decides on. Its error says
// which check could not be made, so that it never reads as the action
// itself failing.
func current(ctx context.Context, src incident.Source, a store.Action, purpose string) (incident.Incident, error) {
	id := a.Event.IncidentID
	inc, err := src.Get(ctx, id)
	if err != nil {
		return inc, fmt.Errorf("could not check incident %s on PagerDuty %s: %w", id, purpose, err)
	}
	return inc, nil
}

// resolvedMoot is the verdict on an action for an incident PagerDuty
// shows resolved: "moot: resolved by NAME at TIME", then what was not
// done and why. The resolver comes from the incident (its last status
// change) or, failing that, from its log.
func resolvedMoot(ctx context.Context, src incident.Source, inc incident.Incident, what string) *Moot {
	by, at := inc.ResolvedBy, inc.ResolvedAt
	if by == "" {
		if events, err := src.Events(ctx, inc.ID); err == nil {
			var last incident.Event
			for _, e := range events {
				if e.Kind == incident.KindResolve && e.Origin == incident.Remote && !e.At.Before(last.At) {
					last = e
				}
			}
			by = last.Actor
			if at.IsZero() {
				at = last.At
			}
		}
	}
	head := "moot: resolved"
	if by != "" {
		head += " by " + incident.Clean(by)
	}
	if !at.IsZero() {
		head += " at " + at.UTC().Format("2006-01-02 15:04 UTC")
	}
	return &Moot{Reason: fmt.Sprintf("%s; incident %s was already resolved on PagerDuty, so %s", head, inc.ID, what)}
}

// guardAcknowledge keeps an acknowledge from reopening a resolved incident.
func guardAcknowledge(ctx context.Context, src incident.Source, a store.Action) error {
	inc, err := current(ctx, src, a, "before acknowledging it")
	if err != nil {
		return err
	}
	if inc.Status == incident.Resolved {
		return resolvedMoot(ctx, src, inc, "it was not acknowledged (that would reopen it and page again)")
	}
	return nil
}

// guardResolve finds a resolve with nothing left to do.
func guardResolve(ctx context.Context, src incident.Source, a store.Action) error {
	inc, err := current(ctx, src, a, "before resolving it")
	if err != nil {
		return err
	}
	if inc.Status == incident.Resolved {
		return resolvedMoot(ctx, src, inc, "there was nothing left to resolve")
	}
	return nil
}

// unlessResolved guards a change that only makes sense on an open
// incident: a snooze, an escalation, a reassignment.
func unlessResolved(done string) func(context.Context, incident.Source, store.Action) error {
	return func(ctx context.Context, src incident.Source, a store.Action) error {
		inc, err := current(ctx, src, a, "before it is "+done)
		if err != nil {
			return err
		}
		if inc.Status == incident.Resolved {
			return resolvedMoot(ctx, src, inc, "it was not "+done)
		}
		return nil
	}
}

// guardReopen sends a reopen only to an incident still resolved: one open
// again already needs nothing, and acknowledging it would only add an
// acknowledger.
func guardReopen(ctx context.Context, src incident.Source, a store.Action) error {
	inc, err := current(ctx, src, a, "before reopening it")
	if err != nil {
		return err
	}
	if inc.Status != incident.Resolved {
		return &Moot{Reason: fmt.Sprintf("moot: incident %s is open already (%s) on PagerDuty; there was nothing to reopen", a.Event.IncidentID, inc.Status)}
	}
	return nil
}
