package outbox

import (
	"context"
	"fmt"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

// NoteHandler sends an action as a note that reads text(event) and ends in
// the event's trailer (see incident.Mirror): the event still reaches every
// responder typed, and a retry can find it by its local id.
func NoteHandler(text func(incident.Event) string) Handler {
	return Handler{
		Send: func(ctx context.Context, src incident.Source, a store.Action) error {
			e := a.Event
			tr, err := incident.EncodeTrailer(incident.Trailer{LocalID: e.ID, Kind: e.Kind, Fields: e.Fields})
			if err != nil {
				return malformed(e, fmt.Sprintf("nothing a note can carry (%v)", err))
			}
			return src.AddNote(ctx, e.IncidentID, e.ID, text(e)+"\n"+tr)
		},
		Landed: noteLanded,
	}
}

// sendNote sends a note, or any kind mirrored to PagerDuty as a note (a
// decision, a role, a star...), as its summary and trailer: people read the
// summary in PagerDuty, and every oncall reads the event back typed.
func sendNote(ctx context.Context, src incident.Source, a store.Action) error {
	content, err := mirror(a.Event)
	if err != nil {
		return err
	}
	return src.AddNote(ctx, a.Event.IncidentID, a.Event.ID, content)
}

// mirror is the note that carries e; an event no note can carry (no local
// id, fields too large) is moot: no retry would change it.
func mirror(e incident.Event) (string, error) {
	content, err := incident.Mirror(e)
	if err != nil {
		return "", malformed(e, fmt.Sprintf("nothing a note can carry (%v)", err))
	}
	return content, nil
}

// noteLanded looks for a note on PagerDuty whose trailer (or older tag)
// carries the action's local id, whatever kind it reads back as.
func noteLanded(ctx context.Context, src incident.Source, a store.Action) (bool, error) {
	events, err := src.Events(ctx, a.Event.IncidentID)
	if err != nil {
		return false, fmt.Errorf("checking whether the note for %s %s already reached PagerDuty: %w", a.Event.Kind, a.Event.ID, err)
	}
	for _, e := range events {
		if e.LocalID == a.Event.ID {
			return true, nil
		}
	}
	return false, nil
}

// sendAcknowledge acknowledges; its Guard has made sure the incident is
// not resolved (see guard.go).
func sendAcknowledge(ctx context.Context, src incident.Source, a store.Action) error {
	return src.Acknowledge(ctx, a.Event.IncidentID)
}

// acknowledgeLanded reports whether the incident is acknowledged: PagerDuty
// records a second acknowledge as a second acknowledger, so an uncertain
// one is not repeated once the incident shows acknowledged, whoever did
// it. A resolved incident makes the acknowledge moot, whether or not it
// landed before the resolve.
func acknowledgeLanded(ctx context.Context, src incident.Source, a store.Action) (bool, error) {
	inc, err := current(ctx, src, a, "for an earlier acknowledge")
	if err != nil {
		return false, err
	}
	switch inc.Status {
	case incident.Acknowledged:
		return true, nil
	case incident.Resolved:
		return false, resolvedMoot(ctx, src, inc, "the acknowledge was not sent again (that would reopen it and page again)")
	}
	return false, nil
}

// sendResolve resolves. Its Guard found the incident open; should it be
// resolved in the moment between (PagerDuty refuses with "Incident Already
// Resolved"), the resolve is moot, not refused.
func sendResolve(ctx context.Context, src incident.Source, a store.Action) error {
	err := src.Resolve(ctx, a.Event.IncidentID)
	if classify(ctx, err) != classRefused {
		return err
	}
	if inc, gerr := src.Get(ctx, a.Event.IncidentID); gerr == nil && inc.Status == incident.Resolved {
		return resolvedMoot(ctx, src, inc, "there was nothing left to resolve")
	}
	return err
}

// sendReopen reopens a resolved incident on purpose, the way PagerDuty
// does it: setting it to acknowledged, which also assigns it to the
// responder. Its Guard found it still resolved.
func sendReopen(ctx context.Context, src incident.Source, a store.Action) error {
	return src.Acknowledge(ctx, a.Event.IncidentID)
}

// reopenLanded reports whether the incident is open again, by an earlier
// attempt or by anyone: either way there is nothing left to reopen.
func reopenLanded(ctx context.Context, src incident.Source, a store.Action) (bool, error) {
	inc, err := current(ctx, src, a, "for an earlier reopen")
	if err != nil {
		return false, err
	}
	return inc.Status != incident.Resolved, nil
}
