package outbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

// NoteHandler sends an action as a note whose text is text(event), tagged
// with the action's local id so that a retry can find it: the Handler for
// notes, and for any kind mirrored to PagerDuty as a note (a decision, a
// role, an action item).
func NoteHandler(text func(incident.Event) string) Handler {
	return Handler{
		Send: func(ctx context.Context, src incident.Source, a store.Action) error {
			return src.AddNote(ctx, a.Event.IncidentID, a.Event.ID, text(a.Event))
		},
		Landed: noteLanded,
	}
}

func sendNote(ctx context.Context, src incident.Source, a store.Action) error {
	return src.AddNote(ctx, a.Event.IncidentID, a.Event.ID, a.Event.Summary)
}

// noteLanded looks for a note on PagerDuty whose tag carries the action's
// local id.
func noteLanded(ctx context.Context, src incident.Source, a store.Action) (bool, error) {
	events, err := src.Events(ctx, a.Event.IncidentID)
	if err != nil {
		return false, fmt.Errorf("checking whether note %s already reached PagerDuty: %w", a.Event.ID, err)
	}
	for _, e := range events {
		if e.Kind == incident.KindNote && e.LocalID == a.Event.ID {
			return true, nil
		}
	}
	return false, nil
}

// sendAcknowledge acknowledges. PagerDuty refuses (400) to acknowledge a
// resolved incident; that makes the action moot, not a failure to retry.
func sendAcknowledge(ctx context.Context, src incident.Source, a store.Action) error {
	id := a.Event.IncidentID
	err := src.Acknowledge(ctx, id)
	if err == nil || classify(ctx, err) != classRefused || errors.Is(err, incident.ErrForbidden) {
		return err
	}
	if inc, gerr := src.Get(ctx, id); gerr == nil && inc.Status == incident.Resolved {
		return &Moot{Reason: fmt.Sprintf("not acknowledged: incident %s was already resolved on PagerDuty, which refuses to acknowledge a resolved incident; nothing left to do", id)}
	}
	return err
}

// acknowledgeLanded reports whether the incident is acknowledged: PagerDuty
// records a second acknowledge as a second acknowledger, so an uncertain
// one is not repeated once the incident shows acknowledged, whoever did
// it.
func acknowledgeLanded(ctx context.Context, src incident.Source, a store.Action) (bool, error) {
	id := a.Event.IncidentID
	inc, err := src.Get(ctx, id)
	if err != nil {
		return false, fmt.Errorf("checking whether the acknowledge of %s already reached PagerDuty: %w", id, err)
	}
	switch inc.Status {
	case incident.Acknowledged:
		return true, nil
	case incident.Resolved:
		return false, &Moot{Reason: fmt.Sprintf("not confirmed: incident %s was resolved on PagerDuty before this acknowledge was confirmed; nothing left to do", id)}
	}
	return false, nil
}

// sendResolve resolves. Resolving a resolved incident changes nothing on
// PagerDuty, so a retry needs no check.
func sendResolve(ctx context.Context, src incident.Source, a store.Action) error {
	return src.Resolve(ctx, a.Event.IncidentID)
}
