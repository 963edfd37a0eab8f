package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
)

// This file holds the writes: acknowledge, resolve, notes, reassign, escalate,
// snooze, responder requests and status updates, and their helpers.

// Acknowledge acknowledges an incident.
func (c *Client) Acknowledge(ctx context.Context, id string) error {
	return c.setStatus(ctx, id, incident.Acknowledged, "acknowledge")
}

// Resolve resolves an incident.
func (c *Client) Resolve(ctx context.Context, id string) error {
	return c.setStatus(ctx, id, incident.Resolved, "resolve")
}

func (c *Client) setStatus(ctx context.Context, id string, s incident.Status, verb string) error {
	return c.manage(ctx, verb+" "+id, pd.ManageIncidentsOptions{ID: id, Status: string(s)})
}

// write sends one change to incident id as the acting user: it refuses
// an id that could not be PagerDuty's, finds the From email PagerDuty
// requires, and runs send under the deadline with From on the request
// (the transport adds it where go-pagerduty sends none).
func (c *Client) write(ctx context.Context, id, what string, send func(ctx context.Context, from string) error) error {
	if err := checkID(id); err != nil {
		return err
	}
	from, err := c.fromEmail(ctx)
	if err != nil {
		return err
	}
	return c.call(withFrom(ctx, from), what, func(ctx context.Context) error { return send(ctx, from) })
}

// AddNote adds a note carrying localID in a trailing tag.
func (c *Client) AddNote(ctx context.Context, id, localID, text string) error {
	return c.write(ctx, id, "add note to "+id, func(ctx context.Context, from string) error {
		note := pd.IncidentNote{Content: incident.NoteTag(text, localID), User: pd.APIObject{Summary: from}}
		_, err := c.pd.CreateIncidentNoteWithContext(ctx, id, note)
		return err
	})
}

// Reassign gives an incident to users, or to an escalation policy (which
// pages its first level).
func (c *Client) Reassign(ctx context.Context, id string, to incident.Reassignment) error {
	if err := checkID(id); err != nil {
		return err
	}
	opt := pd.ManageIncidentsOptions{ID: id}
	switch {
	case len(to.UserIDs) > 0 && to.EscalationPolicyID != "":
		return errors.New("reassign: choose users or an escalation policy, not both")
	case len(to.UserIDs) > 0:
		for _, u := range to.UserIDs {
			if err := checkRef("user", u); err != nil {
				return err
			}
			opt.Assignments = append(opt.Assignments, pd.Assignee{Assignee: pd.APIObject{ID: u, Type: "user_reference"}})
		}
	case to.EscalationPolicyID != "":
		if err := checkRef("escalation policy", to.EscalationPolicyID); err != nil {
			return err
		}
		opt.EscalationPolicy = &pd.APIReference{ID: to.EscalationPolicyID, Type: "escalation_policy_reference"}
	default:
		return errors.New("reassign: name at least one user or an escalation policy")
	}
	return c.manage(ctx, "reassign "+id, opt)
}

// Escalate moves an incident to level (1-based) of its escalation policy.
func (c *Client) Escalate(ctx context.Context, id string, level int) error {
	if err := checkID(id); err != nil {
		return err
	}
	if level < 1 {
		return fmt.Errorf("escalate %s: level %d: levels start at 1", id, level)
	}
	return c.manage(ctx, fmt.Sprintf("escalate %s to level %d", id, level), pd.ManageIncidentsOptions{ID: id, EscalationLevel: uint(level)})
}

// manage sends one PUT /incidents update with From.
func (c *Client) manage(ctx context.Context, what string, opt pd.ManageIncidentsOptions) error {
	return c.write(ctx, opt.ID, what, func(ctx context.Context, from string) error {
		_, err := c.pd.ManageIncidentsWithContext(ctx, from, []pd.ManageIncidentsOptions{opt})
		return err
	})
}

// maxSnooze is the longest snooze PagerDuty accepts.
const maxSnooze = 7 * 24 * time.Hour

// Snooze holds an acknowledged incident for d (rounded up to a second, at
// most a week), after which it triggers again. go-pagerduty sends no From
// on snooze; the transport adds it from the context.
func (c *Client) Snooze(ctx context.Context, id string, d time.Duration) error {
	if err := checkID(id); err != nil {
		return err
	}
	if d <= 0 || d > maxSnooze {
		return fmt.Errorf("snooze %s: %s is not between a second and a week", id, d)
	}
	secs := uint((d + time.Second - 1) / time.Second)
	return c.write(ctx, id, "snooze "+id, func(ctx context.Context, _ string) error {
		_, err := c.pd.SnoozeIncidentWithContext(ctx, id, secs)
		return err
	})
}

// RequestResponders asks users and escalation policies to join an
// incident (POST /incidents/{id}/responder_requests), on behalf of the
// token's user, or with an account token, the user whose email is From.
func (c *Client) RequestResponders(ctx context.Context, id string, r incident.ResponderRequest) error {
	if err := checkID(id); err != nil {
		return err
	}
	if strings.TrimSpace(r.Message) == "" {
		return errors.New("request responders: the request needs a message")
	}
	var targets []pd.ResponderRequestTargetWrapper
	add := func(kind, typ string, ids []string) error {
		for _, ref := range ids {
			if err := checkRef(kind, ref); err != nil {
				return err
			}
			targets = append(targets, pd.ResponderRequestTargetWrapper{Target: pd.ResponderRequestTarget{APIObject: pd.APIObject{ID: ref, Type: typ}}})
		}
		return nil
	}
	if err := add("user", "user_reference", r.UserIDs); err != nil {
		return err
	}
	if err := add("escalation policy", "escalation_policy_reference", r.EscalationPolicyIDs); err != nil {
		return err
	}
	if len(targets) == 0 {
		return errors.New("request responders: name at least one user or escalation policy")
	}
	from, err := c.fromEmail(ctx)
	if err != nil {
		return err
	}
	requester, err := c.requesterID(ctx, from)
	if err != nil {
		return err
	}
	return c.write(ctx, id, "request responders for "+id, func(ctx context.Context, from string) error {
		_, err := c.pd.ResponderRequestWithContext(ctx, id, pd.ResponderRequestOptions{
			From: from, Message: r.Message, RequesterID: requester, Targets: targets,
		})
		return err
	})
}

// PostStatusUpdate posts a status update (POST /incidents/{id}/status_updates).
func (c *Client) PostStatusUpdate(ctx context.Context, id, message string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if strings.TrimSpace(message) == "" {
		return errors.New("status update: the message is empty")
	}
	return c.write(ctx, id, "post a status update to "+id, func(ctx context.Context, from string) error {
		_, err := c.pd.CreateIncidentStatusUpdate(ctx, id, from, message)
		return err
	})
}
