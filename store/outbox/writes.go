package outbox

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

// sendStatusUpdate posts to the incident's status updates, which reach its
// subscribers (stakeholders), then mirrors the update as a note. PagerDuty
// cannot list status updates, so the note is how other responders see the
// update (and their "update due" clock restarts), and how a retry tells
// whether it landed: the note goes second, so a note found means both
// landed (noteLanded is this kind's check). The one case left is a status
// update that landed while its note did not: the retry posts the update
// again, and a rare duplicate update is better than a lost one.
func sendStatusUpdate(ctx context.Context, src incident.Source, a store.Action) error {
	msg := a.Event.Fields[incident.FieldMessage]
	if strings.TrimSpace(msg) == "" {
		return malformed(a.Event, "an empty message")
	}
	content, err := mirror(a.Event) // before anything is sent: a moot note makes a moot update
	if err != nil {
		return err
	}
	if err := src.PostStatusUpdate(ctx, a.Event.IncidentID, msg); err != nil {
		return err
	}
	if err := src.AddNote(ctx, a.Event.IncidentID, a.Event.ID, content); err != nil {
		return fmt.Errorf("status update posted, its note for other responders not: %w", err)
	}
	return nil
}

// The handlers below send the responder's other writes. Reassign, escalate
// and snooze set a state, so repeating one after an unknown outcome does
// no harm and they need no Landed check. A responder request repeated
// pages its people twice, which is noisy but not wrong; PagerDuty offers
// no way to ask whether one landed, so it is sent at most once more.

func fieldList(e incident.Event, key string) []string {
	var out []string
	for _, s := range strings.Split(e.Fields[key], ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// malformed marks an action whose journaled fields cannot be sent: no retry
// could fix it.
func malformed(e incident.Event, what string) error {
	return &Moot{Reason: fmt.Sprintf("not sent: the journaled %s action %s has %s", e.Kind, e.ID, what)}
}

func sendReassign(ctx context.Context, src incident.Source, a store.Action) error {
	to := incident.Reassignment{UserIDs: fieldList(a.Event, incident.FieldUserIDs), EscalationPolicyID: a.Event.Fields[incident.FieldPolicyID]}
	if len(to.UserIDs) == 0 && to.EscalationPolicyID == "" {
		return malformed(a.Event, "no one to reassign to")
	}
	return src.Reassign(ctx, a.Event.IncidentID, to)
}

func sendEscalate(ctx context.Context, src incident.Source, a store.Action) error {
	level, err := strconv.Atoi(a.Event.Fields[incident.FieldLevel])
	if err != nil || level < 1 {
		return malformed(a.Event, "no valid level")
	}
	return src.Escalate(ctx, a.Event.IncidentID, level)
}

func sendSnooze(ctx context.Context, src incident.Source, a store.Action) error {
	d, err := time.ParseDuration(a.Event.Fields[incident.FieldDuration])
	if err != nil || d <= 0 {
		return malformed(a.Event, "no valid duration")
	}
	return src.Snooze(ctx, a.Event.IncidentID, d)
}

func sendResponders(ctx context.Context, src incident.Source, a store.Action) error {
	r := incident.ResponderRequest{
		UserIDs:             fieldList(a.Event, incident.FieldUserIDs),
		EscalationPolicyIDs: fieldList(a.Event, incident.FieldPolicies),
		Message:             a.Event.Fields[incident.FieldMessage],
	}
	if len(r.UserIDs) == 0 && len(r.EscalationPolicyIDs) == 0 {
		return malformed(a.Event, "no one to ask")
	}
	return src.RequestResponders(ctx, a.Event.IncidentID, r)
}
